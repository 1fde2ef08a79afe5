"""How fast a song starts: Play -> first sound, Cue(next) + Play -> first sound, and cold-cache loads.

    .venv/bin/python -m bench.start            # full: 50 trials each, 20 cold loads per format
    .venv/bin/python -m bench.start --quick    # seconds: 5 trials, 3 cold loads

Timing is wall clock (``time.monotonic``): taken just before ``send``, and in the recorder's JACK
callback, which runs in a process of its own at JACK's real-time priority and notes when it started
for the cycle in which the first non-zero sample of the counter output appeared (+ the sample's
offset in the block). The engine wrote that block one cycle earlier (the monitor ports show what was
played one cycle later; calibrated at start with a pulse the recorder writes itself), so two figures:
"engine" (the cycle the engine wrote it in: its response) and "monitor" (one cycle later: when the
dummy device played it; a sound card adds its own output latency). JACK frame time was tried first
and rejected: on this loaded VM the dummy driver's cycles run late, and both ``jack_frame_time()``
read in another process and the cycle start times from ``jack_get_cycle_times()`` disagreed with
the recorder's cycles by up to 20 ms (onsets "before" the send), while the wall clock stayed
consistent to the period (2.67 ms between the two figures, every trial).

Because the song's stems include the counter (design in bench/jack.py), the first sample heard also
says which song frame it was: it must be frame 0, or the start of the song was lost.

Cold loads: before each trial the song's 24 files are evicted from the page cache with
POSIX_FADV_DONTNEED (these files only: the machine is shared, and a global drop_caches would flush
everyone's cache; ``--drop-caches`` does the global ``sync; echo 3 > drop_caches`` instead), and
``fincore`` checks that none of their pages stayed resident.
"""

from __future__ import annotations

import os
from pathlib import Path


def main() -> int:
    import argparse
    import time

    import numpy as np
    import soundfile as sf

    from bench import jack as bj

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a few trials, short media (seconds)")
    ap.add_argument("--trials", type=int, default=None, help="start trials per case (default 50)")
    ap.add_argument("--load-trials", type=int, default=None, help="cold loads per format (20)")
    ap.add_argument("--block", type=int, default=128, help="JACK period = rig block size")
    ap.add_argument("--drop-caches", action="store_true",
                    help="drop the whole page cache (root) instead of evicting the song's files")
    ap.add_argument("--verbose", action="store_true", help="print every trial")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs, setlists)")
    args = ap.parse_args()
    trials = args.trials or (5 if args.quick else 50)
    load_trials = args.load_trials or (3 if args.quick else 20)
    block = args.block
    ms_per_frame = 1000.0 / bj.RATE

    bj.header("bench/start.py")
    work = Path(f"/tmp/stageplayer-bench-start-{os.getpid()}")
    work.mkdir(parents=True, exist_ok=True)
    seconds = 30 if args.quick else 180
    wav = bj.Media(seconds, "wav")
    flac = bj.Media(seconds, "flac")
    wav.ensure()
    flac.ensure()

    rig = bj.write_rig(work / "rig.toml", block)
    songs = work / "songs"
    starts = [wav.song(songs / f"s{i}") for i in range(3)]
    setlist_a = bj.write_setlist(work / "start.toml", rig, starts, "start")
    # Load setlist: the WAV song, the FLAC song, and an unrelated song to cue in between, so
    # the measured song is never preloaded (the engine preloads the 2 songs after the current one).
    other = songs / "other"
    other.mkdir(parents=True, exist_ok=True)
    sf.write(str(other / "t01.wav"), (0.05 * np.sin(np.arange(bj.RATE * 5) / 10)).astype(np.float32),
             bj.RATE, subtype="PCM_24")
    cold_w = wav.song(songs / "cold-wav")
    cold_f = flac.song(songs / "cold-flac")
    setlist_b = bj.write_setlist(work / "load.toml", rig, [cold_w, cold_f, other], "load")

    server = bj.private_server(block, work)
    print(f"jackd {server.name} pid {server.pid}: dummy, {bj.RATE} Hz, {block} frames "
          f"({block * ms_per_frame:.2f} ms), {server.mode}",
          flush=True)

    from player.engine import messages as m
    from player.engine.engine import Engine
    from player.engine.status import State

    eng: Engine | None = None
    rec: bj.Recorder | None = None
    bare: bj.BarePlayer | None = None
    try:
        cal = bj.Recorder(server.name, [16], 1.0, name="bench-cal", detect=True, out_port=16)
        delay = bj.monitor_delay(cal)
        cal.close()
        print(f"monitor delay (pulse written -> seen on system:monitor_16): {delay} frames "
              f"({delay / block:.2f} cycles)", flush=True)

        eng = Engine(log=work / "engine.log")
        eng.start()
        rec = bj.Recorder(server.name, [bj.COUNTER_OUTPUT], 1.0, name="bench-start", detect=True)

        def load(setlist: Path, first: bool) -> None:
            eng.send(m.LoadSetlist(setlist.resolve()))
            eng.send(m.Cue(0))
            seen: list[m.Event] = []
            if first and not eng.wait_for(m.DeviceBack, 15, seen) and not any(
                    isinstance(e, m.DeviceBack) for e in seen):
                raise RuntimeError(f"device never opened: {seen}; see {work / 'engine.log'}")
            if not any(isinstance(e, m.SongLoaded) for e in seen) and not eng.wait_for(
                    m.SongLoaded, 10, seen):
                raise RuntimeError(f"song never loaded: {seen}")

        def stop_and_settle(settle: float) -> None:
            eng.send(m.Stop())
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                st = eng.status()
                if st.state is State.STOPPED and st.position == 0:
                    break
                time.sleep(0.005)
            time.sleep(settle)
            eng.events()

        def onset(w0: float, timeout: float = 3.0) -> tuple[float, float, int] | None:
            """(ms from w0 to the engine writing the first sample, ms to the monitor showing it,
            the song frame it was)."""
            deadline = time.monotonic() + timeout
            while rec.first is None and time.monotonic() < deadline:
                time.sleep(0.001)
            first, walls = rec.first, rec.onset_wall()
            rec.disarm()
            if first is None or walls is None:
                return None
            written, shown = ((t - w0) * 1000.0 for t in walls)
            frame = int(round(first[1] * bj.COUNTER_SCALE)) - 1
            if args.verbose:
                print(f"    engine {written:7.2f} ms  monitor {shown:7.2f} ms  song frame {frame}")
            return written, shown, frame

        results: dict[str, dict[str, list]] = {}

        def note(case: str, got: tuple[float, float, int] | None, dropped: int,
                 extra: float | None = None) -> None:
            r = results.setdefault(case, {"lat": [], "mon": [], "frame0": [], "dropped": [],
                                          "miss": 0, "extra": []})
            if got is None:
                r["miss"] += 1
                return
            r["lat"].append(got[0])
            r["mon"].append(got[1])
            r["frame0"].append(got[2])
            r["dropped"].append(dropped)
            if extra is not None:
                r["extra"].append(extra)

        # (a) Play from stopped, the cued song's ring filled; each trial followed by one of the
        # baseline: a bare sounddevice player (own process, stream running silent) told "play"
        # over a pipe, which starts the counter at its next callback.
        load(setlist_a, True)
        bare = bj.BarePlayer(block, 7, playing=False)
        time.sleep(0.5)
        for _ in range(trials):
            before = eng.status().dropped
            rec.arm(record=False)
            w0 = time.monotonic()
            eng.send(m.Play())
            got = onset(w0)
            time.sleep(0.05)
            note("a", got, eng.status().dropped - before)
            stop_and_settle(0.2)
            rec.arm(record=False)
            w0 = time.monotonic()
            bare.send("play")
            got = onset(w0)
            time.sleep(0.05)
            note("bare", got, 0)
            bare.send("silence")
            time.sleep(0.3)
        bare.close()
        bare = None

        xr_a = rec.xruns
        # (b) Cue(next) + Play, the next song preloaded while the previous one was cued.
        for _ in range(trials):
            eng.send(m.Cue(0))
            time.sleep(0.5)  # the preload of song 2 fills
            eng.events()
            before = eng.status().dropped
            rec.arm(record=False)
            w0 = time.monotonic()
            eng.send(m.Cue(1))
            eng.send(m.Play())
            got = onset(w0)
            time.sleep(0.05)
            note("b", got, eng.status().dropped - before)
            stop_and_settle(0.1)

        xr_b = rec.xruns
        # (c) Cold-cache load: Cue -> SongLoaded, then Play at once -> first sound.
        load(setlist_b, False)
        eng.send(m.Cue(2))
        time.sleep(0.3)
        resident_after_evict: list[int] = []
        global_drop_ok = None
        for _ in range(load_trials):
            for case, index, media_song in (("wav", 0, cold_w), ("flac", 1, cold_f)):
                eng.send(m.Cue(2))  # an unrelated song: the measured one is neither current nor
                time.sleep(0.3)     # preloaded, and the previous voices are freed
                eng.events()
                files = sorted(media_song.iterdir())
                if args.drop_caches:
                    global_drop_ok = bj.drop_all_caches()
                    if not global_drop_ok:
                        bj.evict(files)
                else:
                    bj.evict(files)
                resident_after_evict.append(bj.resident_pages(files))
                before = eng.status().dropped
                w0 = time.monotonic()
                eng.send(m.Cue(index))
                loaded = None
                while time.monotonic() - w0 < 10:
                    for e in eng.events():
                        if isinstance(e, m.SongLoaded) and e.index == index:
                            loaded = time.monotonic()
                    if loaded:
                        break
                    time.sleep(0.0002)
                if loaded is None:
                    note(case, None, 0)
                    continue
                rec.arm(record=False)
                eng.send(m.Play())
                got = onset(w0)
                time.sleep(0.3)
                note(case, got, eng.status().dropped - before, (loaded - w0) * 1000)
                stop_and_settle(0.05)

        xr_c = rec.xruns
        # --- report --------------------------------------------------------------------------
        print()
        block_ms = block * ms_per_frame
        print(f"Block {block} frames = {block_ms:.3f} ms; target for (a) and (b): "
              f"<= 1 block + 1 ms = {block_ms + 1:.2f} ms. Wall clock: just before send(), "
              "against the start of the recorder's callback for the cycle that carried the song's "
              "first sample, + its offset in the block.")
        print("  written: the cycle in which the player wrote it (the cycle before the monitor showed "
              "it); the engine's response. It can be negative by up to a block: the player may still "
              "catch the cycle that was already running at send().")
        print(f"  monitor: the cycle in which system:monitor showed it = played by the dummy device "
              f"(one cycle later: {delay} frames, calibrated above); a sound card adds its own "
              "output latency to this.")
        names = {"a": "(a) Play from stopped (cued song, ring filled)",
                 "b": "(b) Cue(next) + Play, next song preloaded 0.5 s before",
                 "bare": "baseline: bare sounddevice player told \"play\" over a pipe (trials "
                         "interleaved with (a))"}
        base = results.get("bare")
        for case in ("a", "b", "bare"):
            r = results.get(case)
            if not r:
                continue
            lat = np.array(r["lat"], dtype=np.float64)
            print(f"{names[case]}:")
            print(f"    written ms:     {bj.fmt_stats(lat, ' ms')}")
            print(f"    written blocks: {bj.fmt_stats(lat / block_ms, '', 2)}")
            print(f"    monitor ms:     {bj.fmt_stats(r['mon'], ' ms')}")
            if case != "bare" and base and base["mon"]:
                o, b = bj.stats(r["mon"]), bj.stats(base["mon"])
                print(f"    monitor / baseline: median {bj.ratio(o['median'], b['median'])}, "
                      f"p99 {bj.ratio(o['p99'], b['p99'])}, max {bj.ratio(o['max'], b['max'])}")
            within = int(np.count_nonzero(lat <= block_ms + 1))
            print(f"    written within target: {within}/{len(lat)}; no sound within 3 s: "
                  f"{r['miss']}; first song frame heard != 0: "
                  f"{sum(1 for f in r['frame0'] if f != 0)} (values {sorted(set(r['frame0']))[:5]})"
                  + (f"; engine 'dropped' during the start: {sum(r['dropped'])}"
                     if case != "bare" else ""))
        print()
        how = ("global drop_caches" if global_drop_ok else
               "POSIX_FADV_DONTNEED on the 24 files" +
               (" (global drop_caches was refused)" if global_drop_ok is False else ""))
        res = [x for x in resident_after_evict if x >= 0]
        print(f"(2) Cold-cache load, 24 stereo 24-bit stems, {seconds} s; cache emptied by {how}; "
              f"pages still resident after eviction: max {max(res) if res else 'n/a (no fincore)'}")
        print("    Cue -> SongLoaded is what the engine reports: files open and the first read of "
              "every stem decoded (ready to play). Cue -> first sound: Play sent as soon as "
              "SongLoaded arrived; the engine waits in silence until every stem's first block is "
              "there, so the song's first frame is never lost.")
        targets = {"wav": 50, "flac": 100}
        for case in ("wav", "flac"):
            r = results.get(case)
            if not r:
                continue
            print(f"  {case.upper()} (target <= {targets[case]} ms):")
            print(f"    Cue -> SongLoaded:             {bj.fmt_stats(r['extra'], ' ms')}")
            print(f"    Cue -> first sound (engine):   {bj.fmt_stats(r['lat'], ' ms')}")
            late = [f for f in r["frame0"] if f != 0]
            gaps = sum(1 for d in r["dropped"] if d)
            print(f"    first counter frame heard: {bj.fmt_stats(r['frame0'], '', 0)}: "
                  f"{len(late)} of {len(r['frame0'])} trials lost the song's first "
                  f"{'/'.join(str(f) for f in sorted(set(late))) or '0'} frames of the counter stem")
            print(f"    engine 'dropped' blocks (some stem's ring empty) in the first 0.3 s: "
                  f"{bj.fmt_stats(r['dropped'], '', 0)}: {gaps} of {len(r['dropped'])} trials started "
                  f"with stems missing; no sound: {r['miss']}")
        print(f"\njackd log lines about xruns/late cycles: {server.xrun_lines()}; "
              f"xrun callbacks seen by the recorder: before/during (a) {xr_a}, (b) {xr_b - xr_a}, "
              f"(2) {xr_c - xr_b}")
    finally:
        bj.tear_down(server, work, args.keep, bare, rec, eng)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
