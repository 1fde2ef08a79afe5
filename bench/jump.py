"""Quantized jumps during playback through JACK: frames lost, landing error, command-to-landing time.

    .venv/bin/python -m bench.jump                     # 100 jumps + 8 NOW jumps at 128, then at 64
    .venv/bin/python -m bench.jump --blocks 128 --jumps 20 --now 2     # a quick look

Signal: one mono float32 WAV stem whose sample n holds (n + 1) / 2**23 (exact in float32 up to 2**24,
so unique over the whole 150 s song, unlike the 2**21-periodic bench counter), routed alone to
output 1 with gain 1, recorded from ``system:monitor_1`` by ``bench.jack.Recorder`` (its own
process, per-cycle JACK frame times). Every captured sample names the song frame it played.

The song has a tempo map whose bar lines fall inside blocks: 127 bpm 4/4, a ramp to 150 bpm over
bars 24-31, 7/8 from bar 48 on. Each jump goes to a random bar (mode BEAT or BAR at random, a few
NOW), 0.6-1.0 s apart. Per jump: the landing frame L is read from ``status().pending``, the target
is T = frame of the bar. In the capture, on JACK's time axis:
- the old line is anchored at the sample L - 1; t_L is when L was due;
- the handover is where the capture first leaves the old line; the new line is the first run of 32
  consecutive values after it;
- landing error = new line at t_L minus T (0: the target sits exactly where L would have been);
  handover offset = handover time minus t_L (0: the old song played up to L - 1, no further);
  frames lost = old frames cut before L + target frames skipped at the handover;
- exact = the 2 blocks before, the crossfade and 2 blocks after equal, bit for bit, what was due:
  old frames up to L - 1, then the engine's crossfade onto T (old * w_out + new * w_in, raised
  cosine over ``xfade`` = min(block, 3 ms) frames from L).
Dropouts (a discontinuity nowhere near a landing: stale/skipped/silent block) are counted apart; a
jump with a block heard twice, a silent block or a recorder gap within 2 blocks of its window is
reported apart and kept out of the figures; any other discontinuity there is the jump's error.

Latency: from the status position at the command (p) to L, against the first boundary at or after p
(the fastest a quantized jump could be) and the first after p + 50 ms + one block (the navigator's
margin). "JACK time" latency is the recorder's frame time at send to the landing's output cycle
(monitor delay of one cycle removed); bench/start.py found JACK time read from another process can
be off by several ms on this VM, so the position-based figure is the one to trust.
"""

from __future__ import annotations

import os
from pathlib import Path

SONG_SECONDS = 150
SCALE = float(1 << 23)
RUN = 32  # consecutive samples that make a "line" (old or new sequence)
SONG_TOML = """title = "Jump bench"
[generate]
click = "off"
guide = "off"
[tempo]
bpm = 127
time_signature = "4/4"
[[tempo.changes]]
bar = 24
bpm = 150
ramp_bars = 8
[[tempo.changes]]
bar = 48
time_signature = "7/8"
[[stems]]
file = "count.wav"
role = "keys"
"""


def write_counter(path: Path, frames: int) -> None:
    """The unique counter (see the module's docstring), written once and cached."""
    import numpy as np
    import soundfile as sf

    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with sf.SoundFile(str(tmp), "w", 48000, 1, subtype="FLOAT", format="WAV") as f:
        for start in range(0, frames, 480000):
            n = np.arange(start, min(frames, start + 480000), dtype=np.float64)
            f.write(((n + 1) / SCALE).astype(np.float32))
    tmp.rename(path)


def make_song(work: Path, block: int, cache: Path) -> tuple[Path, Path]:
    song = work / "song"
    song.mkdir(parents=True, exist_ok=True)
    wav = cache / f"jump-counter-{SONG_SECONDS}s.wav"
    write_counter(wav, SONG_SECONDS * 48000)
    link = song / "count.wav"
    if not link.exists():
        link.symlink_to(wav)
    (song / "song.toml").write_text(SONG_TOML)
    rig = work / f"rig-{block}.toml"
    rig.write_text(f'[audio]\ndevice = "system"\nsample_rate = 48000\nblock_size = {block}\n'
                   '[buses]\nmain = [1]\n[roles]\nother = "main"\n')
    setlist = work / f"set-{block}.toml"
    setlist.write_text(f'title = "jump"\nrig = "{rig.name}"\n[[songs]]\npath = "song"\n')
    return song, setlist


def play_jumps(server: object, setlist: Path, work: Path, tempo: object, args: object,
               block: int) -> dict:
    """Run the engine, fire the jumps, return the capture and what each command was."""
    import random
    import time

    from bench import jack as bj
    from player.engine import messages as m
    from player.engine.engine import Engine

    rng = random.Random(args.seed + block)
    last_bar = tempo.bar_of(SONG_SECONDS * 48000 - 10 * 48000)
    modes = [rng.choice((m.JumpMode.BEAT, m.JumpMode.BAR)) for _ in range(args.jumps)]
    modes += [m.JumpMode.NOW] * args.now
    rng.shuffle(modes)
    rec = bj.Recorder(server.name, [1], seconds=len(modes) * 2.2 + 15, name="bench-jump")
    eng = Engine(log=work / f"engine-{block}.log")
    cmds: list[dict] = []
    try:
        eng.start()
        bj.load_engine(eng, setlist, play=True)
        time.sleep(1.0)
        rec.arm()  # after the start: the silence before the song's first sample is no dropout
        st0 = eng.status()
        next_at = time.monotonic()
        for mode in modes:
            # Commands 0.6-1.0 s apart, and never before the previous jump has landed + 0.2 s.
            next_at = max(next_at + rng.uniform(0.6, 1.0), time.monotonic() + 0.2)
            time.sleep(max(0.0, next_at - time.monotonic()))
            bar = rng.randint(1, last_bar)
            pre = eng.status()
            f_cmd = rec.frame_time
            eng.send(m.Jump(bar=bar, mode=mode))
            landing, post = -1, pre
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:
                post = eng.status()
                if landing < 0 and post.pending >= 0 and mode is not m.JumpMode.NOW:
                    landing = post.pending
                if post.jumps > pre.jumps:
                    break
                time.sleep(0.002)
            eng.events()  # drain replies
            cmds.append(dict(mode=mode.name, bar=bar, target=tempo.frame_at(bar), landing=landing,
                             p=pre.position, f_cmd=f_cmd, landed=post.jumps > pre.jumps))
        time.sleep(0.3)
        st1 = eng.status()
        captured = rec.wait(0)[0].copy()
        times = rec.block_times()
        missed = rec.missed_cycles()
        xruns = rec.xruns
        eng.send(m.Stop())
    finally:
        eng.close()
        rec.close()
    return dict(captured=captured, times=times, missed=missed, xruns=xruns, cmds=cmds,
                jumps=st1.jumps - st0.jumps, misses=st1.jump_misses - st0.jump_misses,
                dropped=st1.dropped - st0.dropped, late=st1.late - st0.late, load_max=st1.load_max)


def crossfade_weights(block: int) -> tuple[object, object, int]:
    """The engine's weights by rows since the landing, as float32 (transport.py's construction)."""
    import math

    import numpy as np

    xfade = max(1, min(block, round(0.003 * 48000)))
    r = np.arange(2 * block, dtype=np.float64)
    w = (np.cos(np.clip((r + 1) / xfade, 0.0, 1.0) * math.pi / 2) ** 2).astype(np.float32)
    return w, (np.float32(1.0) - w).astype(np.float32), xfade


def analyse(run: dict, block: int, tempo: object) -> tuple[list[dict], dict]:
    """Per jump: landing error, handover offset, frames lost, exactness; and the dropouts."""
    import numpy as np

    from bench import jack as bj

    x = run["captured"]
    c = bj.decode(x)
    times = run["times"]
    n = min(len(c) // block, len(times))
    c, x = c[:n * block], x[:n * block]
    jt = (times[:n, None] + np.arange(block)[None, :]).reshape(-1)
    w_out, w_in, xfade = crossfade_weights(block)
    margin = round(0.05 * 48000) + block
    explained: list[tuple[int, int]] = []
    rows = []
    prev_end = 0
    blocks = x.reshape(-1, block)
    stale = np.zeros(n, dtype=bool)  # a block heard twice (the monitor repeats a missed cycle)
    stale[1:] = (blocks[1:] == blocks[:-1]).all(axis=1) | (c.reshape(-1, block) < 0).all(axis=1)[1:]
    for cmd in run["cmds"]:
        r = dict(cmd, status="ok")
        rows.append(r)
        k0 = int(np.searchsorted(jt, cmd["f_cmd"]))
        if k0 >= len(c) - 4 * block or c[k0] < 0:
            r["status"] = "not captured"
            continue
        now = cmd["mode"] == "NOW"
        L, T = cmd["landing"], cmd["target"]
        if not now and L < 0:
            r["status"] = "pending never seen"
            continue
        if now:  # JACK time read in this process can be a little late: anchor 20 ms earlier
            a = max(prev_end, k0 - 960)
            anchor_val = int(c[a])
        else:
            end = min(len(c), k0 + max(0, L - int(c[k0])) + 12 * block)
            hits = np.flatnonzero(c[k0:end] == L - 1)
            a, anchor_val = (k0 + int(hits[0]), L - 1) if hits.size else (k0, int(c[k0]))
            r["old_seen"] = bool(hits.size)
        ta = int(jt[a])
        old = anchor_val - ta  # oldval(t) = t + old
        span = slice(a, min(len(c), a + 4 * 48000))
        off = np.flatnonzero(c[span] != jt[span] + old)
        if off.size == 0:
            r["status"] = "no handover seen"
            continue
        ih = a + int(off[0])
        th = int(jt[ih])
        if now:
            L = th + old
            r["landing"] = L
        tL = L - old
        s = ih
        lim = min(len(c) - RUN, ih + 8 * block + xfade)
        while s < lim and not (c[s] >= 0 and c[s] != jt[s] + old
                               and np.all(np.diff(c[s:s + RUN]) == 1)
                               and jt[s + RUN - 1] - jt[s] == RUN - 1):
            s += 1
        if s >= lim:
            # No new line apart from the old one: a jump onto the landing frame itself (T == L)
            # leaves no trace, anything else is a broken landing.
            r["status"] = "no new line" if T != L else "ok"
            new = old
        else:
            new = int(c[s]) - int(jt[s])  # newval(t) = t + new
        explained.append((ih - 2, max(s, ih + xfade) + 1))
        prev_end = max(s, ih + xfade)
        r["error"] = tL + new - T
        r["handover"] = th - tL
        r["lost"] = max(0, tL - th) + max(0, th + new - T)
        # Bit-exact model around the landing: old before t_L, crossfade, new after.
        iL = ih - (th - tL)
        lo, hi = max(0, iL - 2 * block), min(len(c), iL + xfade + 2 * block)
        t = jt[lo:hi]
        rr = t - tL
        oldv = ((t - tL + L + 1) / SCALE).astype(np.float32)  # what was due: L at t_L, T there
        newv = ((t - tL + T + 1) / SCALE).astype(np.float32)
        model = np.where(rr < 0, oldv, newv)
        fade = (rr >= 0) & (rr < xfade)
        k = rr[fade]
        model[fade] = oldv[fade] * w_out[k] + newv[fade] * w_in[k]
        r["mismatch"] = int(np.count_nonzero(x[lo:hi] != model))
        r["exact"] = r["mismatch"] == 0 and hi - lo == 4 * block + xfade
        r["gap"] = bool(np.any(np.diff(t) != 1)) or bool(
            stale[max(0, lo // block - 2):hi // block + 3].any())
        r["window"] = (lo, hi)
        # Latency, on the song's timeline and on JACK's clock.
        p = cmd["p"]
        nxt = tempo.next_beat if cmd["mode"] == "BEAT" else tempo.next_bar
        r["lat_ms"] = (L - p) * 1000 / 48000
        r["land_jack_ms"] = (tL - block - cmd["f_cmd"]) * 1000 / 48000
        if not now:
            b1 = nxt(p)
            r["b1_ms"] = (b1 - p) * 1000 / 48000
            r["extra_ms"] = (L - b1) * 1000 / 48000
            k_th, b = 1, b1
            while b < L and k_th < 20:
                b, k_th = nxt(b + 1), k_th + 1
            r["nth"] = k_th if b == L else -1
            r["rule"] = L in {nxt(q + margin) for q in range(p, p + 6 * block + 1, block // 4)}
    # Discontinuities no landing explains: dropouts (stale / skipped / silent blocks).
    disc = np.flatnonzero((np.diff(c) != 1) | (np.diff(jt) != 1))
    gaps = set(np.flatnonzero(np.diff(jt) != 1).tolist())
    covered = np.zeros(len(c), dtype=bool)
    for lo, hi in explained:
        covered[max(0, lo):hi] = True
    drop_at = [int(i) for i in disc if not covered[i] and int(i) not in gaps]
    drop_blocks = sorted({(i + 1) // block for i in drop_at})
    for r in rows:
        # Only a JACK-shaped dropout (a block heard twice, a silent block, a recorder gap) excuses a
        # jump; any other discontinuity near a landing is the jump's own error.
        r["dropout"] = r.get("gap", False)
    glitch = dict(dropout_blocks=len(drop_blocks), silent=int(np.count_nonzero(
        (c.reshape(-1, block) < 0).all(axis=1))), seconds=len(c) / 48000,
        drop_s=sorted({round(b * block / 48000, 1) for b in drop_blocks})[:20])
    return rows, glitch


def report(block: int, run: dict, rows: list[dict], glitch: dict, verbose: bool = False) -> bool:
    from bench import jack as bj

    quant = [r for r in rows if r["mode"] != "NOW"]
    nows = [r for r in rows if r["mode"] == "NOW"]
    clean = [r for r in quant if r["status"] == "ok" and not r.get("dropout")]
    clean_now = [r for r in nows if r["status"] == "ok" and not r.get("dropout")]
    hit = [r for r in rows if r.get("dropout")]
    broken = [r for r in rows if r["status"] != "ok"]
    print(f"\n== {block} frames ({block * 1000 / 48000:.2f} ms), {len(quant)} quantized + {len(nows)} NOW "
          f"jumps over {glitch['seconds']:.0f} s of capture")
    print(f"  engine: jumps {run['jumps']} (sent {len(rows)}), jump_misses {run['misses']}, dropped "
          f"{run['dropped']}, late flags {run['late']}, load max {run['load_max']:.2f}")
    print(f"  JACK: dropout blocks in the capture (no landing near) {glitch['dropout_blocks']}"
          f"{' at ' + ', '.join(map(str, glitch['drop_s'])) + ' s' if glitch['drop_s'] else ''}; "
          f"silent blocks {glitch['silent']}; recorder missed cycles {run['missed']}; xruns "
          f"{run['xruns']}")
    print(f"  jumps with a dropout/recorder gap in their window (kept out): {len(hit)}; "
          f"analysis failed: {len(broken)} {[r['status'] for r in broken][:5]}")

    def line(name: str, values: list[float], unit: str = "", digits: int = 0) -> None:
        print(f"  {name:<38} {bj.fmt_stats(values, unit, digits) if values else '(none)'}")

    for label, rs in (("quantized", clean), ("NOW", clean_now)):
        print(f"  -- {label}: {len(rs)} clean jumps")
        line("landing error |samples|", [abs(r["error"]) for r in rs])
        line("handover offset |samples|", [abs(r["handover"]) for r in rs])
        line("frames lost", [r["lost"] for r in rs])
        line("samples off the exact crossfade model", [r["mismatch"] for r in rs])
        print(f"  {'bit-exact windows':<38} {sum(r['exact'] for r in rs)}/{len(rs)}")
        line("command -> landing (song position)", [r["lat_ms"] for r in rs], " ms", 1)
        line("command -> landing (JACK time)", [r["land_jack_ms"] for r in rs], " ms", 1)
    if clean:
        line("command -> first boundary (baseline)", [r["b1_ms"] for r in clean], " ms", 1)
        line("landing - first boundary", [r["extra_ms"] for r in clean], " ms", 1)
        nth = [r["nth"] for r in clean]
        print(f"  {'landed on boundary #1 / #2 / later':<38} {nth.count(1)} / {nth.count(2)} / "
              f"{sum(1 for k in nth if k > 2 or k < 0)}   (consistent with the 50 ms + block rule: "
              f"{sum(r['rule'] for r in clean)}/{len(clean)})")
    if verbose:
        for r in rows:
            print(f"    {r['mode']:4s} bar {r['bar']:3d} p {r['p']:8d} L {r['landing']:8d} "
                  f"T {r['target']:8d} err {r.get('error')} handover {r.get('handover')} "
                  f"lost {r.get('lost')} "
                  f"mismatch {r.get('mismatch')} lat {r.get('lat_ms', 0):.1f} ms "
                  f"jack {r.get('land_jack_ms', 0):.1f} ms #{r.get('nth', '-')} {r['status']}"
                  f"{' DROPOUT' if r.get('dropout') else ''}")
    bad = [r for r in clean + clean_now if r["error"] or r["lost"] or not r["exact"]]
    for r in bad[:8]:
        print(f"    off: {r['mode']} bar {r['bar']} L {r['landing']} T {r['target']} error {r['error']} "
              f"handover {r['handover']} lost {r['lost']} mismatch {r['mismatch']}")
    lost = sum(r["lost"] for r in clean + clean_now)
    err = max((abs(r["error"]) for r in clean + clean_now), default=0)
    inexact = sum(not r["exact"] for r in clean + clean_now)
    ok = bool(clean) and lost == 0 and err == 0 and not inexact and not broken and run["misses"] == 0
    print(f"  verdict {block}: frames lost {lost} (target 0), max landing error {err} samples "
          f"(target 0), windows off the exact model {inexact}, jump_misses {run['misses']}, "
          f"{len(clean) + len(clean_now)} clean jumps: {'MET' if ok else 'NOT met'}")
    return ok


def main() -> int:
    import argparse

    from bench import common
    from bench import jack as bj

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--blocks", type=int, nargs="+", default=[128, 64])
    ap.add_argument("--jumps", type=int, default=100, help="quantized jumps per block size (100)")
    ap.add_argument("--now", type=int, default=8, help="NOW jumps per block size (8)")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--verbose", action="store_true", help="print every jump")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (engine logs)")
    args = ap.parse_args()
    print(common.header("jump"), flush=True)
    work = Path(f"/tmp/stageplayer-bench-jump-{os.getpid()}")
    work.mkdir(parents=True, exist_ok=True)
    from player.setlist.song import load_song
    from player.setlist.tempo import TempoMap

    verdicts = []
    try:
        for block in args.blocks:
            song, setlist = make_song(work, block, bj.CACHE)
            tempo = TempoMap(load_song(song).song.tempo, 48000)
            server = bj.private_server(block, work)
            print(f"jackd {server.name} pid {server.pid} at {block} frames, "
                  f"{server.mode}", flush=True)
            try:
                run = play_jumps(server, setlist, work, tempo, args, block)
            finally:
                server.stop()
            if args.keep:  # the raw capture, to look at a jump that went wrong
                import json

                import numpy as np
                np.savez(work / f"capture-{block}.npz", captured=run["captured"], times=run["times"])
                (work / f"cmds-{block}.json").write_text(json.dumps(run["cmds"], indent=1))
            rows, glitch = analyse(run, block, tempo)
            verdicts.append((block, report(block, run, rows, glitch, args.verbose)))
    finally:
        bj.clean_up(work, args.keep)
    print("\nverdict: " + "; ".join(f"{b} frames {'MET' if ok else 'NOT met'}" for b, ok in verdicts)
          + " (frames lost 0, landing error 0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
