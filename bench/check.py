"""Time ``player check`` on a big setlist: serial as before, in worker processes, and from the cache.

Why: a 200-song setlist took 1:44 to check and the stage screen said "checking…" for minutes at 95%
of a core. This builds a show of N generated songs (6 mono 16-bit WAV stems of S seconds each, 48 kHz,
sines at -12 dBFS; written to a temporary folder, so the OS page cache holds them: the figures are
decode and mix cost, not disk) and times, in one run:

- serial: one process, per-stem peaks only (what ``check`` did before), empty check cache;
- parallel: worker processes (``--jobs``), with the summed-bus check, empty check cache;
- cached: the same again, every file unchanged;

and the stage screen's view: while a check runs on a background thread (as the setlist screen runs
it), a 10 ms ticker on the main thread measures how late it wakes (the GIL wait a key press would see).

Run from the checkout:  .venv/bin/python -m bench.check [--quick] [--songs N] [--seconds S]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from bench.common import header, summary, table
from player.engine.bus_peaks import bus_peaks
from player.setlist.cache import CheckCache
from player.setlist.check import check_show

STEMS = ("Click", "Bass", "Keys", "Pad", "Gtr", "BV")


def make_show(root: Path, songs: int, seconds: float) -> Path:
    rate = 48000
    t = np.arange(int(seconds * rate)) / rate
    for n in range(songs):
        folder = root / f"{n + 1:03d} Song"
        folder.mkdir(parents=True)
        for k, name in enumerate(STEMS):
            tone = (0.25 * np.sin(2 * np.pi * (110 + 55 * k + n) * t)).astype(np.float32)
            sf.write(str(folder / f"{name}.wav"), tone, rate, subtype="PCM_16")
    return root


def timed(root: Path, cache: Path, **kw: object) -> float:
    start = time.perf_counter()
    report = check_show(root, device="not looked for", cache=CheckCache(cache), **kw)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    assert len(report.songs) and all(s.stems for s in report.songs), "songs were not checked"
    return elapsed


def ticker_lag(root: Path, cache: Path, **kw: object) -> tuple[dict[str, float], float]:
    """Lateness (ms) of a 10 ms main-thread ticker while a check runs on a background thread."""
    done = threading.Event()
    took: list[float] = []

    def run() -> None:
        took.append(timed(root, cache, **kw))
        done.set()

    thread = threading.Thread(target=run)
    thread.start()
    lags = []
    while not done.is_set():
        before = time.perf_counter()
        time.sleep(0.010)
        lags.append((time.perf_counter() - before - 0.010) * 1000)
    thread.join()
    return summary(np.array(lags)), took[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="8 songs of 10 s")
    parser.add_argument("--songs", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    songs, seconds = (8, 10.0) if args.quick else (args.songs, args.seconds)
    print(header("check"))
    print(f"show: {songs} songs x {len(STEMS)} mono stems x {seconds:g} s (16-bit WAV, 48 kHz); "
          f"jobs {args.jobs}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-check-"))
    try:
        root = make_show(tmp / "show", songs, seconds)
        serial = timed(root, tmp / "c1.json", jobs=1)
        parallel = timed(root, tmp / "c2.json", jobs=args.jobs, mix=bus_peaks)
        cached = timed(root, tmp / "c2.json", jobs=args.jobs, mix=bus_peaks)
        parallel_nomix = timed(root, tmp / "c3.json", jobs=args.jobs)
        lag_serial, _ = ticker_lag(root, tmp / "c4.json", jobs=1, mix=bus_peaks)
        lag_parallel, _ = ticker_lag(root, tmp / "c5.json", jobs=args.jobs, mix=bus_peaks)
        per = 200 / songs
        rows = [["run", "wall s", "per song ms", "200 songs (scaled) s"]]
        for name, t in (("serial, stem peaks only (before)", serial),
                        (f"{args.jobs} processes, stem peaks only", parallel_nomix),
                        (f"{args.jobs} processes, + summed buses", parallel),
                        ("cached, + summed buses", cached)):
            rows.append([name, f"{t:.2f}", f"{t / songs * 1000:.0f}", f"{t * per:.1f}"])
        print(table(rows))
        rows = [["check on a background thread", "p50 ms", "p99 ms", "max ms"]]
        for name, lag in (("in-process (jobs 1), + buses", lag_serial),
                          (f"{args.jobs} processes, + buses", lag_parallel)):
            rows.append([name, f"{lag['p50']:.2f}", f"{lag['p99']:.2f}", f"{lag['max']:.2f}"])
        print("main-thread 10 ms ticker lateness while checking (what a key press waits):")
        print(table(rows))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
