"""Time the offline render (``render_song``) against sox and ffmpeg doing the same routing, in one run.

Why: a render before a show must be quick enough to run on every change, and the engine's deck +
mixer path should cost no more than the standard tools that do the same sums. All three tools mix the
same 24 stems into the same 8 outputs and their results are checked equal, so the times compare like
with like.

Stems (generated once into the cache dir, reused while their parameters match): 24 files, 24-bit WAV
at 48 kHz; stems 0, 3, 6, ... are mono, the others stereo (40 channels); each is uniform white noise of
peak 0.1 (-20 dBFS) from a generator seeded with the stem index. Stem i plays on stereo bus
b(i % 4 + 1) (outputs 1-2, 3-4, 5-6, 7-8) at unity gain, centre: a mono stem feeds both sides, a
stereo stem left to left and right to right. No sum can clip (6 stems of peak 0.1 per bus).

Run from the checkout:  .venv/bin/python -m bench.render [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from bench.common import header, table
from player.engine.deck import Deck
from player.engine.mixer import Mixer, StemLevel, build_matrix
from player.engine.plan import SongPlan
from player.engine.render import RENDER_BLOCK, render_song
from player.setlist.rig import Rig

RATE = 48000
STEMS = 24
BUSES = 4
TOLERANCE = 1e-4
TARGET = 1.2  # sox time / our time
CHUNK = 480000  # frames per generation / comparison step (10 s)


def stem_channels(i: int) -> int:
    """Every third stem mono: the renderers must handle both kinds in one mix."""
    return 1 if i % 3 == 0 else 2


def stem_bus(i: int) -> int:
    """0-based bus of stem ``i``: round-robin."""
    return i % BUSES


def make_rig() -> Rig:
    """Four stereo buses on outputs 1-8."""
    return Rig.model_validate({
        "audio": {"sample_rate": RATE, "block_size": 128},
        "buses": {f"b{b + 1}": [2 * b + 1, 2 * b + 2] for b in range(BUSES)},
        "roles": {"other": "b1"},
    })


def ensure_stems(cache: Path, seconds: int) -> list[Path]:
    """The stems for ``seconds``, generated only when missing or made with other parameters."""
    folder = cache / f"stems-{seconds}s"
    params = {"version": 1, "stems": STEMS, "seconds": seconds, "rate": RATE, "subtype": "PCM_24",
              "content": "uniform noise peak 0.1, seed = stem index", "mono": "i % 3 == 0"}
    paths = [folder / f"stem{i:02d}.wav" for i in range(STEMS)]
    manifest = folder / "manifest.json"
    if manifest.exists() and json.loads(manifest.read_text()) == params and all(
            p.exists() and sf.info(str(p)).frames == seconds * RATE for p in paths):
        return paths
    print(f"generating {STEMS} stems of {seconds} s into {folder} ...", flush=True)
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    manifest.unlink(missing_ok=True)
    for i, path in enumerate(paths):
        rng = np.random.default_rng(i)
        with sf.SoundFile(str(path), "w", RATE, stem_channels(i), subtype="PCM_24") as f:
            left = seconds * RATE
            while left:
                n = min(CHUNK, left)
                f.write(rng.uniform(-0.1, 0.1, (n, stem_channels(i))).astype(np.float32))
                left -= n
    manifest.write_text(json.dumps(params, indent=1))
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
    return paths


def channel_map() -> list[tuple[list[int], list[int]]]:
    """Per output pair (left, right): the 0-based merged input channels summed into each side."""
    pairs: list[tuple[list[int], list[int]]] = [([], []) for _ in range(BUSES)]
    col = 0
    for i in range(STEMS):
        left, right = pairs[stem_bus(i)]
        left.append(col)
        right.append(col + stem_channels(i) - 1)  # a mono stem feeds both sides
        col += stem_channels(i)
    return pairs


def output_sides() -> list[list[int]]:
    """Inputs of each of the 8 outputs, in output order."""
    return [side for pair in channel_map() for side in pair]


# --- the three renderers -------------------------------------------------------------------------

def run_ours(paths: list[Path], out: Path, subtype: str) -> list[Path]:
    """``render_song`` as the CLI would call it; one stereo file per bus."""
    rig = make_rig()
    levels = [StemLevel(channels=stem_channels(i), bus=f"b{stem_bus(i) + 1}") for i in range(STEMS)]
    result = render_song(SongPlan("bench", paths, levels), rig, out, subtype=subtype)
    if result.errors:
        raise RuntimeError(f"render_song reported errors: {result.errors}")
    return [result.files[f"b{b + 1}"] for b in range(BUSES)]


def sox_command(paths: list[Path], out: Path, subtype: str) -> list[str]:
    """``sox -M`` merges every channel of every input; ``remix -m`` sums them per output, unattenuated."""
    encoding = ["-e", "floating-point", "-b", "32"] if subtype == "FLOAT" else [
        "-e", "signed-integer", "-b", "24"]
    spec = [",".join(str(c + 1) for c in side) for side in output_sides()]
    return ["sox", "-D", "-M", *map(str, paths), *encoding, str(out), "remix", "-m", *spec]


def ffmpeg_command(paths: list[Path], out: Path, subtype: str) -> list[str]:
    """``amerge`` stacks every input's channels; ``pan`` sums them per output at unity (``=``: as given)."""
    inputs = [arg for p in paths for arg in ("-i", str(p))]
    merged = "".join(f"[{i}:a]" for i in range(len(paths)))
    pan = "|".join(f"c{o}=" + "+".join(f"c{c}" for c in side) for o, side in enumerate(output_sides()))
    codec = "pcm_f32le" if subtype == "FLOAT" else "pcm_s24le"
    return ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *inputs, "-filter_complex",
            f"{merged}amerge=inputs={len(paths)},pan={2 * BUSES}c|{pan}", "-c:a", codec, str(out)]


def run_command(command: list[str]) -> None:
    """Run a tool; its failure stops the bench (a failed tool would look fast)."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


# --- measurement ---------------------------------------------------------------------------------

def cpu_seconds(who: int) -> float:
    """User + system CPU: tells a parallel render from a cheaper one."""
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def timed(fn: Callable[[], object], child: bool) -> tuple[float, float]:
    """Wall and CPU seconds of ``fn``; CPU of the child processes it ran, or of this whole process."""
    who = resource.RUSAGE_CHILDREN if child else resource.RUSAGE_SELF
    os.sync()  # the previous run's output is on disk, not being written back during this one
    cpu0, t0 = cpu_seconds(who), time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    return wall, cpu_seconds(who) - cpu0


def warm(paths: list[Path]) -> None:
    """Read every stem once so all tools start from the page cache, not from whoever ran first."""
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


def compare(ours: list[Path], other: Path) -> tuple[bool, float, str]:
    """Max absolute difference between our bus files (side by side) and another tool's 8-channel file."""
    readers = [sf.SoundFile(str(p)) for p in ours]
    theirs = sf.SoundFile(str(other))
    try:
        frames = {r.frames for r in readers}
        if len(frames) != 1 or theirs.frames not in frames or theirs.channels != 2 * BUSES:
            return False, float("inf"), (f"shape differs: ours {[r.frames for r in readers]} frames, "
                                         f"{other.name} {theirs.frames} frames x {theirs.channels} ch")
        worst = 0.0
        while True:
            a = np.hstack([r.read(CHUNK, dtype="float32", always_2d=True) for r in readers])
            b = theirs.read(CHUNK, dtype="float32", always_2d=True)
            if not len(a):
                break
            worst = max(worst, float(np.max(np.abs(a - b))))
        return worst <= TOLERANCE, worst, f"{theirs.frames} frames x {theirs.channels} ch"
    finally:
        for r in readers:
            r.close()
        theirs.close()


def peak(paths: list[Path]) -> float:
    """Largest sample in our output: proves the comparison is not between two silences."""
    top = 0.0
    for p in paths:
        for block in sf.blocks(str(p), blocksize=CHUNK, dtype="float32", always_2d=True):
            top = max(top, float(np.max(np.abs(block))))
    return top


def phases(paths: list[Path], subtype: str) -> dict[str, float]:
    """CPU seconds of each stage of ours, run on one thread: where render_song's time goes.

    Stages are timed with this thread's CPU clock; what other threads of the process burnt meanwhile
    (numpy's BLAS pool) is shown on its own line.

    ``Deck.fill`` (decode + copy into the ring) is timed whole; decoding alone is timed by reading the
    same files with soundfile in the same block size, and the ring copy is the difference.
    """
    rig, block = make_rig(), RENDER_BLOCK
    levels = [StemLevel(channels=stem_channels(i), bus=f"b{stem_bus(i) + 1}") for i in range(STEMS)]
    deck = Deck(paths, RATE, block, ring_frames=block * 8)
    mixer = Mixer(deck.ring.width, 2 * BUSES, block)
    mixer.set_gains(build_matrix(levels, rig, 2 * BUSES), ramp=False)
    out = np.empty((block, 2 * BUSES), dtype=np.float32)
    spent = dict.fromkeys(("Deck.fill (decode + ring copy)", "Mixer.mix (matmul)", "bus files write"), 0.0)
    folder = Path(tempfile.mkdtemp(prefix="bench-render-phases-"))
    files = [sf.SoundFile(str(folder / f"b{b + 1}.wav"), "w", RATE, 2, subtype=subtype) for b in range(BUSES)]
    clock = time.thread_time
    written = 0
    process0, thread0 = time.process_time(), clock()
    try:
        while written < deck.length:
            t0 = clock()
            while not deck.ring.ready_block():
                deck.fill(max_frames=block)
            t1 = clock()
            mixer.mix(deck.ring.peek(), out)
            deck.ring.advance()
            t2 = clock()
            n = min(block, deck.length - written)
            for b, f in enumerate(files):
                f.write(out[:n, 2 * b:2 * b + 2])
            written += n
            t3 = clock()
            for key, dt in zip(spent, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                spent[key] += dt
    finally:
        for f in files:
            f.close()
        deck.close()
        shutil.rmtree(folder)
    others = (time.process_time() - process0) - (clock() - thread0)
    t0 = clock()
    for p in paths:
        with sf.SoundFile(str(p)) as f:
            while len(f.read(block, dtype="float32", always_2d=True)):
                pass
    decode = clock() - t0
    fill = spent.pop("Deck.fill (decode + ring copy)")
    return {"decode (soundfile, 24-bit -> float32)": decode, "ring copy (Deck.fill - decode)": fill - decode,
            **spent, "other threads (BLAS workers, working or spinning)": max(0.0, others)}


def run_child(args: argparse.Namespace) -> None:
    """``--child DIR``: one in-process render into DIR, its wall and CPU seconds printed as JSON."""
    paths = ensure_stems(args.cache, args.seconds)
    wall, cpu = timed(lambda: run_ours(paths, args.child, args.subtype), child=False)
    print(json.dumps({"wall": wall, "cpu": cpu}))


def ours_one_blas_thread(args: argparse.Namespace, seconds: int, out: Path) -> tuple[float, float]:
    """Ours in a child with OpenBLAS limited to one thread: the suggested fix, timed by the child itself."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "bench.render", "--child", str(out), "--seconds", str(seconds),
               "--subtype", args.subtype, "--cache", str(args.cache)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env,
                          cwd=Path(__file__).resolve().parents[1])
    if done.returncode:
        raise RuntimeError(f"child render failed: {done.stderr.strip()[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["wall"], result["cpu"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="30 s stems and one run each (default 180 s, 3)")
    parser.add_argument("--seconds", type=int, help="stem length in seconds")
    parser.add_argument("--runs", type=int, help="timed runs per tool")
    parser.add_argument("--subtype", choices=("FLOAT", "PCM_24"), default="FLOAT",
                        help="output format of all three tools (default 32-bit float)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/player-bench-render"),
                        help="where the generated stems and the outputs go")
    parser.add_argument("--keep", action="store_true", help="keep the rendered outputs")
    parser.add_argument("--no-variant", action="store_true",
                        help="skip the informative 'ours, 1 BLAS thread' row")
    parser.add_argument("--profile", action="store_true",
                        help="also time each stage of ours on one thread (CPU seconds)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    seconds = args.seconds or (30 if args.quick else 180)
    runs = args.runs or (1 if args.quick else 3)
    if args.child:
        args.seconds = seconds
        run_child(args)
        return

    print(header("render"))
    versions = []
    for tool in ("sox", "ffmpeg"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install -y --no-install-recommends {tool})")
        first = subprocess.run([tool, "--version" if tool == "sox" else "-version"], capture_output=True,
                               text=True, check=False).stdout.splitlines()
        versions.append(first[0].strip() if first else tool)
    print(f"tools: {'; '.join(versions)}; libsndfile {sf.__libsndfile_version__}")
    paths = ensure_stems(args.cache, seconds)
    mono = ", ".join(str(i) for i in range(STEMS) if stem_channels(i) == 1)
    channels = sum(map(stem_channels, range(STEMS)))
    print(f"{STEMS} stems x {seconds} s, 24-bit WAV {RATE} Hz, {channels} channels (mono: stems {mono}), "
          f"white noise; round-robin into {BUSES} stereo buses = 8 outputs; output {args.subtype} WAV")
    print(f"{runs} run(s) per tool, order rotated each round; inputs read once before timing (page cache "
          "warm); sync before each run; ours runs in-process (no interpreter start-up), sox and ffmpeg as "
          "commands")

    out = args.cache / "out"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    ours_dir, variant_dir = out / "ours", out / "ours-1-blas-thread"
    sox_out, ffmpeg_out = out / "sox.wav", out / "ffmpeg.wav"
    ours_files = [ours_dir / f"b{b + 1}.wav" for b in range(BUSES)]
    variant = "ours, 1 BLAS thread"

    tools: dict[str, Callable[[], tuple[float, float]]] = {
        "ours": lambda: timed(lambda: run_ours(paths, ours_dir, args.subtype), child=False),
        "sox": lambda: timed(lambda: run_command(sox_command(paths, sox_out, args.subtype)), child=True),
        "ffmpeg": lambda: timed(lambda: run_command(ffmpeg_command(paths, ffmpeg_out, args.subtype)),
                                child=True),
    }
    if not args.no_variant:
        tools[variant] = lambda: ours_one_blas_thread(args, seconds, variant_dir)
    warm(paths)
    walls: dict[str, list[float]] = {k: [] for k in tools}
    cpus: dict[str, list[float]] = {k: [] for k in tools}
    names = list(tools)
    for r in range(runs):
        for name in names[r % len(names):] + names[: r % len(names)]:
            wall, cpu = tools[name]()
            walls[name].append(wall)
            cpus[name].append(cpu)
            print(f"  run {r + 1}: {name} {wall:.2f} s", flush=True)

    print()
    rows = [["tool", "median s", "runs s", "CPU s (median)", "x real time", "/ sox"]]
    med = {k: statistics.median(v) for k, v in walls.items()}
    for name in tools:
        rows.append([name, f"{med[name]:.2f}", " ".join(f"{w:.2f}" for w in walls[name]),
                     f"{statistics.median(cpus[name]):.2f}", f"{seconds / med[name]:.0f}",
                     f"{med[name] / med['sox']:.2f}"])
    print(table(rows, right=True))
    print()
    print(f"ratio ours/sox    = {med['ours'] / med['sox']:.2f}  (sox/ours = {med['sox'] / med['ours']:.2f}x; "
          f"target: ours >= {TARGET}x faster than sox, i.e. sox/ours >= {TARGET}: "
          f"{'met' if med['sox'] / med['ours'] >= TARGET else 'NOT met'})")
    print(f"ratio ours/ffmpeg = {med['ours'] / med['ffmpeg']:.2f}  "
          f"(ffmpeg/ours = {med['ffmpeg'] / med['ours']:.2f}x)")
    if variant in med:
        print(f"informative, not what ships: {variant} (OPENBLAS_NUM_THREADS=1, timed inside a child "
              f"process) / sox = {med[variant] / med['sox']:.2f}")
    print("measured before on this machine (180 s): sox 4.4 s, ffmpeg 7.2 s, a plain numpy loop 5.6 s")

    print()
    print(f"our output peak {peak(ours_files):.4f} (a silent render would compare equal to anything silent)")
    checks = [("ours", ours_files, "sox", sox_out), ("ours", ours_files, "ffmpeg", ffmpeg_out)]
    if variant in med:
        checks.append((variant, [variant_dir / p.name for p in ours_files], "sox", sox_out))
    for name, files, other_name, other in checks:
        equal, worst, detail = compare(files, other)
        print(f"{name} vs {other_name}: {'EQUAL' if equal else 'DIFFERENT'} within {TOLERANCE:g} "
              f"(max abs diff {worst:.3g}; {detail})")
    if args.profile:
        print()
        print("where ours spends its time, stages run one after another on one thread (CPU s; "
              "render_song runs decode + ring copy on its reader thread, mix + write on the caller's):")
        stages = phases(paths, args.subtype)
        print(table([["stage", "CPU s", "share"],
                     *([k, f"{v:.2f}", f"{100 * v / sum(stages.values()):.0f}%"] for k, v in stages.items()),
                     ["total", f"{sum(stages.values()):.2f}", ""]]))
    if args.keep:
        print(f"outputs kept in {out}")
    else:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
