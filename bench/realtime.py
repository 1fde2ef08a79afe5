"""Dropped blocks under a UI-like load, counted from captured audio, against a bare player.

    .venv/bin/python -m bench.realtime                  # full: 10 min of ours at 128 frames,
                                                        # 5 min at 64, as many of the baseline
                                                        # (about 35 minutes of wall time)
    .venv/bin/python -m bench.realtime --quick          # 2 x 10 s slices per player and block size
    .venv/bin/python -m bench.realtime --minutes 4 --minutes-64 2 --blocks 128

Signal: a song of 24 stereo 24-bit WAV stems, 23 of tones and noise on outputs 5-6 and one
counter stem routed alone to output 7, whose samples encode their own frame number exactly
(bench/jack.py). The recorder (its own process, at JACK's real-time priority) captures
``system:monitor_7``; every captured block must be the counter block that follows in time. A
glitch (a stale repeated block then a skipped one, a silent block, a shift) counts as dropped
blocks; see ``bench.jack.count_glitches``. Time is the server's frame count, so a cycle the
recorder itself missed is not blamed on a player.

Baseline, in the same run, alternating slice by slice with ours (ours, bare, ours, bare...; each
slice a fresh process, started and warmed up 1 s before recording): a bare sounddevice player
(``bench.jack.bare_player_main``) that plays the same counter from memory to the same output of
the same device with the same channel count and block size, with a trivial callback.

UI load, running through every slice, ours and the baseline's alike: a separate Python process
that, 30 times a second, works for 12 ms (``--ui-busy-ms``) and then sleeps until the next frame
(about 36% of a core). Its work mimics a terminal UI redraw: per frame, meters for 16 outputs from
a 16 x 1600 float block (abs, max, log10), a 2048-point FFT, and a 100 x 40 screen of text built
with f-strings, joined, and searched with a regular expression, repeated until the 12 ms are up.
"""

from __future__ import annotations

import os
from pathlib import Path


def ui_load_main(busy_ms: float, fps: float, conn) -> None:
    """The UI-like load (see the module's docstring); on any message, sends (frames, late frames)."""
    import re
    import time

    import numpy as np

    rng = np.random.default_rng(0)
    audio = rng.standard_normal((16, 1600)).astype(np.float32) * 0.1
    window = np.hanning(2048).astype(np.float32)
    pattern = re.compile(r"\[(\d+)\]")
    period = 1.0 / fps
    frames = late = 0
    next_frame = time.perf_counter()
    while not conn.poll():
        start = time.perf_counter()
        while (time.perf_counter() - start) * 1000 < busy_ms:
            peaks = np.abs(audio).max(axis=1)
            db = 20 * np.log10(np.maximum(peaks, 1e-6))
            spectrum = np.abs(np.fft.rfft(audio[frames % 16, :1600].repeat(2)[:2048] * window))
            lines = []
            for row in range(40):
                level = db[row % 16]
                bar = "#" * int(max(0.0, 60 + level)) + "." * 10
                lines.append(f"[{row:02d}] {bar[:60]:<60} {level:6.1f} dB {spectrum[row]:8.3f}")
            screen = "\n".join(lines)
            sum(int(m.group(1)) for m in pattern.finditer(screen))
            audio *= 0.999
            audio += 0.001 * rng.standard_normal((16, 1600)).astype(np.float32)
        frames += 1
        next_frame += period
        delay = next_frame - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        else:
            late += 1
            next_frame = time.perf_counter()
    conn.recv()
    conn.send((frames, late))


def main() -> int:
    import argparse
    import multiprocessing as mp
    import time

    from bench import jack as bj

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 slices of 10 s per player and size")
    ap.add_argument("--minutes", type=float, default=10.0, help="minutes of ours at 128 (10)")
    ap.add_argument("--minutes-64", type=float, default=5.0, help="minutes of ours at 64 (5)")
    ap.add_argument("--blocks", type=int, nargs="+", default=[128, 64])
    ap.add_argument("--slice", type=float, default=60.0, help="seconds per slice (60)")
    ap.add_argument("--ui-busy-ms", type=float, default=12.0)
    ap.add_argument("--ui-fps", type=float, default=30.0)
    ap.add_argument("--no-ui-load", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    args = ap.parse_args()
    if args.quick:
        args.slice = 10.0
        minutes = {128: 20 / 60, 64: 20 / 60}
    else:
        minutes = {128: args.minutes, 64: args.minutes_64}
    slice_s = args.slice

    bj.header("bench/realtime.py")
    work = Path(f"/tmp/stageplayer-bench-realtime-{os.getpid()}")
    work.mkdir(parents=True, exist_ok=True)
    song_s = 30 if args.quick else 180
    media = bj.Media(song_s, "wav")
    media.ensure()
    song = media.song(work / "songs" / "counter")
    if slice_s + 3 > song_s:
        raise SystemExit(f"--slice {slice_s} is longer than the song ({song_s} s)")

    from player.engine import messages as m
    from player.engine.engine import Engine

    ctx = mp.get_context("spawn")
    ui_conn = ui_proc = None
    if not args.no_ui_load:
        ui_conn, child = ctx.Pipe()
        ui_proc = ctx.Process(target=ui_load_main, name="bench-ui-load", daemon=True,
                              args=(args.ui_busy_ms, args.ui_fps, child))
        ui_proc.start()
        ui_cpu0, ui_wall0 = bj.cpu_seconds(ui_proc.pid), time.monotonic()
        print(f"UI load: pid {ui_proc.pid}, {args.ui_busy_ms:.0f} ms of work every "
              f"{1000 / args.ui_fps:.1f} ms", flush=True)

    summary = []
    try:
        for block in args.blocks:
            n_slices = max(1, round(minutes.get(block, args.minutes) * 60 / slice_s))
            run = bj.counter_run(work, block, song, slice_s, "bench-rt")
            setlist, server, rec = run.setlist, run.server, run.recorder
            print(f"\n== {block} frames ({block * 1000 / bj.RATE:.2f} ms): {server}; "
                  f"{n_slices} slices of {slice_s:.0f} s per player", flush=True)
            print("  slice  player  blocks   dropped  discont  silent  rec-missed  xruns  steal-s  "
                  "player's own counters", flush=True)
            totals = {"ours": bj.Glitches(0, 0, 0, 0, 0, 0), "bare": bj.Glitches(0, 0, 0, 0, 0, 0)}
            seconds = {"ours": 0.0, "bare": 0.0}
            per_slice: dict[str, list[int]] = {"ours": [], "bare": []}
            try:
                for i in range(2 * n_slices):
                    who = "ours" if i % 2 == 0 else "bare"
                    eng = bare = None
                    x0, steal0 = rec.xruns, bj.steal_jiffies()
                    try:
                        if who == "ours":
                            eng = Engine(log=work / f"engine-{block}-{i}.log")
                            eng.start()
                            bj.load_engine(eng, setlist, play=True)
                            st0 = eng.status()
                        else:
                            bare = bj.BarePlayer(block, 7)
                        time.sleep(1.0)
                        x0, steal0 = rec.xruns, bj.steal_jiffies()
                        captured, times, missed = rec.take(slice_s + 10)
                        if eng is not None:
                            st = eng.status()
                            own = (f"engine: dropped {st.dropped - st0.dropped}, late flags "
                                   f"{st.late - st0.late}, load max {st.load_max:.2f}, "
                                   f"state {st.state.name}")
                        else:
                            own = ""
                    finally:
                        if eng is not None:
                            eng.send(m.Stop())
                            eng.close()
                        if bare is not None:
                            res = bare.close()
                            own = f"bare: underflow flags {res.get('underflow_flags', '?')}"
                    g = bj.count_glitches(captured[0], block, times)
                    totals[who] = totals[who] + g
                    seconds[who] += captured.shape[1] / bj.RATE
                    per_slice[who].append(g.bad)
                    steal = (bj.steal_jiffies() - steal0) / bj.CLK_TCK
                    print(f"  {i + 1:5d}  {who:6s} {g.blocks:7d} {g.bad:9d} {g.discontinuities:8d} "
                          f"{g.silent_blocks:7d} {missed:11d} {rec.xruns - x0:6d} {steal:8.2f}  "
                          f"{own}", flush=True)
                    if g.bad_at:
                        at = sorted({round(b * block / bj.RATE, 1) for b in g.bad_at})
                        print(f"         dropped at (s into the slice): "
                              f"{', '.join(f'{t:g}' for t in at[:20])}"
                              f"{' ...' if len(at) > 20 else ''}", flush=True)
                    if server.proc is not None and server.proc.poll() is not None:
                        raise RuntimeError(f"jackd exited: {server.log}")
            finally:
                rec.close()
                server.stop()
            ours, base = totals["ours"], totals["bare"]
            om, bm = seconds["ours"] / 60, seconds["bare"] / 60
            opm = ours.bad / om if om else float("nan")
            bpm = base.bad / bm if bm else float("nan")
            print(f"  {block} frames: ours {ours.bad} dropped blocks in {om:.1f} min "
                  f"({opm:.2f}/min, {100 * ours.bad / max(1, ours.blocks):.3f}% of blocks), "
                  f"bare {base.bad} in {bm:.1f} min ({bpm:.2f}/min, "
                  f"{100 * base.bad / max(1, base.blocks):.3f}%); ratio ours/bare "
                  f"{bj.ratio(opm, bpm)}")
            print(f"    per slice, ours: {bj.fmt_stats(per_slice['ours'], '', 0)}")
            print(f"    per slice, bare: {bj.fmt_stats(per_slice['bare'], '', 0)}")
            print(f"    silent blocks ours/bare {ours.silent_blocks}/{base.silent_blocks}; "
                  f"frames skipped ours/bare {ours.skipped_frames}/{base.skipped_frames}; "
                  f"frames repeated ours/bare {ours.repeated_frames}/{base.repeated_frames}")
            summary.append((block, ours.bad, om, base.bad, bm))
    finally:
        if ui_proc is not None and ui_conn is not None:
            try:
                ui_cpu = bj.cpu_seconds(ui_proc.pid) - ui_cpu0
                ui_wall = time.monotonic() - ui_wall0
                ui_conn.send("stop")
                frames, late = ui_conn.recv() if ui_conn.poll(5) else ("?", "?")
                print(f"\nUI load: {100 * ui_cpu / ui_wall:.1f}% of a core over {ui_wall:.0f} s, "
                      f"{frames} frames, {late} started late")
            except (OSError, EOFError):
                pass
            bj.end_process(ui_proc, 5)
        bj.clean_up(work, args.keep)

    print("\nSummary (dropped blocks counted from the captured counter):")
    print("  block  ours total  ours/min  bare total  bare/min  ratio ours/bare")
    for block, o, om, b, bm in summary:
        opm = o / om if om else float("nan")
        bpm = b / bm if bm else float("nan")
        print(f"  {block:5d} {o:11d} {opm:9.2f} {b:11d} {bpm:9.2f}  {bj.ratio(opm, bpm)}")
    if any(b == 128 for b, *_ in summary):
        o, om, b, bm = next(r[1:] for r in summary if r[0] == 128)
        ok = (o / om if om else 0) <= (b / bm if bm else 0)
        print(f"  target at 128: ours <= bare per minute: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
