"""Engine process memory (PSS, RSS) and CPU while playing, against a bare sounddevice player.

    .venv/bin/python -m bench.memory            # full: song 1 for 60 s, songs 5/10/20 for 20 s,
                                                # 64 stems for 60 s (about 5 minutes)
    .venv/bin/python -m bench.memory --quick    # seconds, short songs

Setlist: 20 songs of 24 stereo 24-bit WAV stems (3-5 min: 23 shared 3-min stems, symlinked into
each song folder, + one stem of 3, 3.5, 4, 4.5 or 5 min that sets the song's length), and a second
setlist with one 64-stem song. Memory is ``/proc/PID/smaps_rollup`` of the engine process (``Pss``
shares shared pages fairly: python-rtmidi's second JACK mapping would inflate RSS, design.md),
sampled every second. CPU is utime+stime from ``/proc/PID/stat`` (all threads: the JACK callback,
the disk reader, the control loop) over the playing interval, as % of one core. The baseline is a
bare player (``bench.jack.bare_player_main``: a counter from memory through a trivial sounddevice
callback, same device, channels and block size) measured in the same run the same way.
"""

from __future__ import annotations

import os
from pathlib import Path


def main() -> int:
    import argparse
    import time

    import numpy as np

    from bench import jack as bj

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="short songs and intervals (seconds)")
    ap.add_argument("--block", type=int, default=128)
    ap.add_argument("--first", type=float, default=None, help="seconds of song 1 (default 60)")
    ap.add_argument("--others", type=float, default=None, help="seconds of songs 5/10/20 (20)")
    ap.add_argument("--wide", type=float, default=None, help="seconds of the 64-stem song (60)")
    ap.add_argument("--mmap-threshold", type=int, default=None, metavar="BYTES",
                    help="set MALLOC_MMAP_THRESHOLD_ for the engine process (e.g. 131072: glibc then "
                         "keeps large arrays in mmap and returns them when freed)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    first_s = args.first or (10 if args.quick else 60)
    others_s = args.others or (4 if args.quick else 20)
    wide_s = args.wide or (10 if args.quick else 60)
    block = args.block

    bj.header("bench/memory.py")
    if args.mmap_threshold is not None:
        os.environ["MALLOC_MMAP_THRESHOLD_"] = str(args.mmap_threshold)  # inherited by the engine
    work = Path(f"/tmp/stageplayer-bench-memory-{os.getpid()}")
    work.mkdir(parents=True, exist_ok=True)
    base = 30 if args.quick else 180
    lengths = [base + k * (base // 6) for k in range(5)]  # 180, 210, 240, 270, 300 s (full)
    media = bj.Media(base, "wav")
    media.ensure(extra_seconds=tuple(lengths[1:]))
    rig = bj.write_rig(work / "rig.toml", block)
    folders = []
    for i in range(20):
        extra = lengths[i % 5]
        folder = work / "songs" / f"song{i + 1:02d}"
        if extra == base:
            folders.append(media.song(folder, tones=23))
        else:
            folders.append(media.song(folder, tones=22, extra=extra))
    set24 = bj.write_setlist(work / "twenty.toml", rig, folders, "twenty songs")
    wide = media.song(work / "songs" / "wide", tones=63)
    set64 = bj.write_setlist(work / "wide.toml", rig, [wide], "64 stems")
    print(f"20 songs of 24 stems, lengths {sorted(set(lengths))} s; a 64-stem song of {base} s",
          flush=True)

    server = bj.private_server(block, work)
    print(f"jackd {server.name} pid {server.pid}: dummy, {bj.RATE} Hz, {block} frames, "
          f"{server.mode}", flush=True)

    from player.engine import messages as m
    from player.engine.engine import Engine
    from player.engine.status import State

    mib = 1 / 1024.0
    samples: list[tuple[str, float, float, float, float]] = []  # label, t, position s, pss, rss
    jack_pss: dict[str, float] = {}  # label -> PSS of JACK's shared memory at the interval's end

    def sample(pid: int, label: str, seconds: float, status=None) -> tuple[float, float]:
        """Sample every second for ``seconds``; returns (cpu seconds, wall seconds)."""
        c0, w0 = bj.cpu_seconds(pid), time.monotonic()
        t = 0.0
        while True:
            mem = bj.smaps_rollup(pid)
            pos = status().seconds if status else 0.0
            samples.append((label, t, pos, mem["Pss"] * mib, mem["Rss"] * mib))
            t += 1.0
            if t > seconds + 1e-6:
                break
            time.sleep(max(0.0, w0 + t - time.monotonic()))
        jack_pss[label] = sum(p for k, p, _ in bj.smaps_breakdown(pid, top=99)
                              if k == "JACK shared memory")
        return bj.cpu_seconds(pid) - c0, time.monotonic() - w0

    def start_engine(setlist: Path, log: str, stems: str) -> Engine:
        """A fresh engine process with the setlist loaded; its idle PSS a second later."""
        eng = Engine(log=work / log)
        eng.start()
        bj.load_engine(eng, setlist)
        time.sleep(1.0)
        idle_pss[stems] = bj.smaps_rollup(eng.pid)["Pss"] * mib
        return eng

    def measure(eng: Engine, label: str, where: str, seconds: float, start: bool = True) -> None:
        """CPU, PSS samples, a breakdown and the blocks dropped over ``seconds`` of playing."""
        d0 = eng.status().dropped
        if start:
            eng.send(m.Play())
            eng.wait_state(State.PLAYING, 3)
        cpu[label] = sample(eng.pid, label, seconds, eng.status)
        breakdown[where] = bj.smaps_breakdown(eng.pid, top=3)
        dropped[label] = eng.status().dropped - d0

    def play(eng: Engine, index: int) -> None:
        eng.send(m.Stop())
        eng.wait_state(State.STOPPED, 3)
        time.sleep(0.1)
        eng.events()
        eng.send(m.Cue(index))
        if not eng.wait_for(m.SongLoaded, 15):
            raise RuntimeError(f"song {index + 1} never loaded")
        time.sleep(0.5)  # the ring fills before play (see start.py: an immediate play loses blocks)
        eng.send(m.Play())
        if not eng.wait_state(State.PLAYING, 3):
            raise RuntimeError(f"song {index + 1} did not play")

    cpu: dict[str, tuple[float, float]] = {}
    dropped: dict[str, int] = {}
    idle_pss: dict[str, float] = {}
    breakdown: dict[str, list[tuple[str, float, float]]] = {}
    eng: Engine | None = None
    bare: bj.BarePlayer | None = None
    try:
        # Baseline: the bare player, same device and block size.
        bare = bj.BarePlayer(block, 7)
        time.sleep(1.0)
        cpu["bare"] = sample(bare.pid, "bare", first_s)
        breakdown["bare player"] = bj.smaps_breakdown(bare.pid, top=3)
        bare.close()
        bare = None

        # 24 stems: idle with the stream open, song 1 for first_s, then songs 5, 10, 20.
        eng = start_engine(set24, "engine-24.log", "24")
        cpu["idle"] = sample(eng.pid, "idle", min(10.0, first_s), eng.status)
        measure(eng, "song 1", "24 stems, song 1", first_s)
        for n in (5, 10, 20):
            play(eng, n - 1)
            measure(eng, f"song {n}", f"24 stems, song {n}", others_s, start=False)
        eng.close()
        eng = None

        # 64 stems, a fresh engine process.
        eng = start_engine(set64, "engine-64.log", "64")
        time.sleep(0.5)
        measure(eng, "64 stems", "64 stems", wide_s)
        eng.close()
        eng = None
    finally:
        bj.tear_down(server, work, args.keep, bare, eng)

    # --- report ------------------------------------------------------------------------------
    print("\nSamples (every 1 s): label, t s, song position s, PSS MiB, RSS MiB")
    for label in dict.fromkeys(s[0] for s in samples):
        rows = [s for s in samples if s[0] == label]
        pss = ", ".join(f"{r[3]:.1f}" for r in rows)
        print(f"  {label:9s} PSS: {pss}")
        print(f"  {'':9s} RSS: {', '.join(f'{r[4]:.1f}' for r in rows)}")
        print(f"  {'':9s} pos: {', '.join(f'{r[2]:.0f}' for r in rows)}")

    def col(label: str, i: int) -> np.ndarray:
        return np.array([s[i] for s in samples if s[0] == label])

    bare_pss = col("bare", 3)
    print("\nMemory (MiB)  PSS median   PSS max   RSS median   RSS max   PSS/bare   PSS without "
          "JACK's shm (median, /bare)")
    bare_own = float(np.median(bare_pss)) - jack_pss.get("bare", 0.0)
    for label in dict.fromkeys(s[0] for s in samples):
        pss, rss = col(label, 3), col(label, 4)
        own = float(np.median(pss)) - jack_pss.get(label, 0.0)
        print(f"  {label:10s} {np.median(pss):10.1f} {pss.max():9.1f} {np.median(rss):12.1f} "
              f"{rss.max():9.1f}   {bj.ratio(float(np.median(pss)), float(np.median(bare_pss))):8s}"
              f"   {own:6.1f}  {bj.ratio(own, bare_own)}")
    print("  JACK's shared memory (the server's segments, mapped by jackd and each client, so its "
          "PSS depends on how many map it; absent with an ALSA device) is "
          f"{jack_pss.get('song 1', 0.0):.1f} MiB of the engine's PSS here.")
    print(f"  engine with the stream open, before the first play: 24-stem setlist "
          f"{idle_pss.get('24', 0):.1f}, 64-stem {idle_pss.get('64', 0):.1f}")
    played = [s for s in samples if s[0].startswith("song")]
    peak = max(s[3] for s in played) if played else float("nan")
    print(f"  24 stems: PSS max over all songs {peak:.1f} MiB (target <= 100 MiB): "
          f"{'within' if peak <= 100 else 'OVER'}")

    # Growth: slope of PSS against song position while song 1 plays (skip the first 5 s: the ring
    # and the preloads are still being touched), and song 1's end against songs 5, 10 and 20.
    s1 = [s for s in samples if s[0] == "song 1"]
    steady = [s for s in s1 if s[1] >= min(5.0, first_s / 2)]
    if len(steady) >= 3:
        x = np.array([s[2] for s in steady]) / 60.0
        y = np.array([s[3] for s in steady])
        slope = float(np.polyfit(x, y, 1)[0]) if np.ptp(x) > 0 else float("nan")
        print(f"  growth while song 1 plays (t >= {steady[0][1]:.0f} s): {slope:+.2f} MiB per minute "
              f"of song, {y[-1] - y[0]:+.2f} MiB from {steady[0][2]:.0f} s to {steady[-1][2]:.0f} s "
              f"(target: not growing)")
    ends = {label: col(label, 3)[-1] for label in ("song 1", "song 5", "song 10", "song 20")
            if col(label, 3).size}
    print("  PSS at the end of each interval: " +
          ", ".join(f"{k} {v:.1f}" for k, v in ends.items()) +
          " (song lengths: " + ", ".join(f"{n}: {lengths[(n - 1) % 5]} s" for n in (1, 5, 10, 20))
          + ")")

    print("\nWhere the PSS is (MiB, PSS / RSS), at the end of the interval:")
    for label, rows in breakdown.items():
        print(f"  {label}: " + "; ".join(f"{k} {p:.1f}/{r:.1f}" for k, p, r in rows))

    print("\nCPU of the whole process, % of one core (utime+stime / wall)")
    bare_pct = 100 * cpu["bare"][0] / cpu["bare"][1]
    targets = {"song 1": 12, "song 5": 12, "song 10": 12, "song 20": 12, "64 stems": 25}
    for label, (c, w) in cpu.items():
        pct = 100 * c / w
        tgt = targets.get(label)
        extra = f"  target <= {tgt}%: {'within' if pct <= tgt else 'OVER'}" if tgt else ""
        drop = f"  engine 'dropped' blocks {dropped[label]}" if label in dropped else ""
        print(f"  {label:10s} {pct:6.1f}%  over {w:5.1f} s   x bare {bj.ratio(pct, bare_pct)}"
              f"{extra}{drop}")
    if os.environ.get("MALLOC_MMAP_THRESHOLD_"):
        print(f"(engine ran with MALLOC_MMAP_THRESHOLD_={os.environ['MALLOC_MMAP_THRESHOLD_']})")
    print(f"\njackd log lines about xruns/late cycles: {server.xrun_lines()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
