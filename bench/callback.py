"""Time the whole audio callback (``Transport.callback``) offline, against bare baselines of the same shape.

Why: design.md budgets the callback by the cost of one matrix product; this checks that the real
callback (ring read, mix, fades, crossfade, peaks, status write) stays close to that budget and far
inside the block period, for the stem counts and block sizes a show uses.

Each timed region is exactly one call. The rings are kept full between calls outside the timed
region by publishing one more block per stem over noise already in the ring (no copy), so the
callback reads 2 s-old data as it does live, not data a writer has just left in the cache.

Run from the checkout:  .venv/bin/python -m bench.callback [--quick]
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from bench.common import header, ratio, summary, table
from player.engine.deck import Deck, DeckStats, Playhead
from player.engine.mixer import Mixer, StemLevel, build_matrix
from player.engine.ring import StemRing
from player.engine.status import StatusBlock
from player.engine.transport import NOW, Transport, Voice
from player.setlist.rig import Rig

RATE = 48000
OUTPUTS = 16
STEMS = (8, 24, 48, 64)
FRAMES = (64, 128, 256)
TARGET = (64, 128, 0.10)  # stems, frames, p99.9 as a fraction of the block period
ROUNDS = 10  # each kind is timed in this many slices, interleaved, so machine noise hits all alike

RIG = Rig.model_validate({
    "audio": {"sample_rate": RATE, "block_size": 128},
    "buses": {f"b{i + 1}": [2 * i + 1, 2 * i + 2] for i in range(OUTPUTS // 2)},
    "roles": {"other": "b1"},
})

Args = tuple[Any, ...]


class RingDeck(Playhead):
    """What the callback reads of a ``Deck`` (ring, position, length, stats), with no files behind it.

    A real ``Deck`` would end, and its refill would decode inside the benchmark loop; this one is
    endless and its refill costs one array store.
    """

    def __init__(self, stems: int, block: int, ring_frames: int, seed: int) -> None:
        self.ring = StemRing([2] * stems, ring_frames, block)
        rng = np.random.default_rng(seed)
        self.ring.data[:] = rng.uniform(-0.25, 0.25, self.ring.data.shape).astype(np.float32)
        self.start = 0
        self.length = 1 << 62
        self.stats = DeckStats()
        self.refill()

    def refill(self) -> None:
        """Every stem full again: publish the frames already in place (what a reader would write)."""
        ring = self.ring
        ring.written[:] = ring.read + ring.capacity


class Flags:
    """Stands in for sounddevice's CallbackFlags: the callback only reads ``output_underflow``."""

    output_underflow = False


def levels_for(stems: int) -> list[StemLevel]:
    """Stereo stems spread round-robin over the 8 stereo buses, with varied gains and pans."""
    return [StemLevel(channels=2, bus=f"b{i % (OUTPUTS // 2) + 1}", gain_db=-3.0 - i % 5,
                      pan=(i % 3 - 1) * 0.3) for i in range(stems)]


def make_voice(index: int, stems: int, block: int, ring_frames: int) -> Voice:
    """A playing song as the transport sees it; each voice its own noise, so no two rings share cache."""
    deck = RingDeck(stems, block, ring_frames, seed=1000 * stems + block + index)
    levels = levels_for(stems)
    mixer = Mixer(deck.ring.width, OUTPUTS, block)
    mixer.set_gains(build_matrix(levels, RIG, OUTPUTS), ramp=False)
    voice = Voice(index, f"bench {index}", cast(Deck, deck), mixer, levels, block)
    voice.started = True  # already playing: a late stem is silenced, not waited for
    return voice


def empty(outdata: np.ndarray, frames: int, time_info: object, status: object) -> None:
    """Baseline: the cost of a Python call with the callback's arguments, and of the clock itself."""


def time_calls(fn: Callable[..., object], prepare: Callable[[], Args], n: int) -> np.ndarray:
    """``n`` timings (ns) of ``fn(*prepare())``; only the call itself is inside the clock."""
    clock = time.perf_counter_ns
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        args = prepare()
        t0 = clock()
        fn(*args)
        out[i] = clock() - t0
    return out


class Config:
    """One (stems, frames) case: the transports, voices and buffers for every kind timed."""

    def __init__(self, stems: int, frames: int, ring_seconds: float) -> None:
        self.stems, self.frames = stems, frames
        ring_frames = int(ring_seconds * RATE)
        self.outdata = np.zeros((frames, OUTPUTS), dtype=np.float32)
        self.flags = Flags()
        self.status = StatusBlock()
        self.busy_status = StatusBlock()

        # steady: one song playing, nothing changing (the common block).
        self.voice = make_voice(0, stems, frames, ring_frames)
        self.transport = self._transport(self.status)
        self.transport.current = self.voice

        # busy: the most work one block can do. A seek crossfade into a second voice, a gain ramp
        # on both voices, a master fade, and one late stem (the masked mix) in the outgoing voice.
        self.a = make_voice(1, stems, frames, ring_frames)
        self.b = make_voice(2, stems, frames, ring_frames)
        self.busy = self._transport(self.busy_status)
        base = build_matrix(self.a.levels, RIG, OUTPUTS)
        self.matrices = (base, base * np.float32(0.9))
        self.flip = 0

        # matmul baseline: the mixer's product alone, over the same ring layout.
        self.mm_ring = self.voice.deck.ring.data
        self.mm_gains = self.voice.mixer.gains
        self.mm_out = np.empty((frames, OUTPUTS), dtype=np.float32)
        self.mm_pos = 0
        self.args: Args = (self.outdata, frames, None, self.flags)

    def _transport(self, status: StatusBlock) -> Transport:
        """A transport already playing at full level (as after play + fade-in)."""
        t = Transport(OUTPUTS, self.frames, RATE, status)
        t.request(1.0, 0.0, start=1.0)  # what play() asks: the first block takes it
        return t

    def prep_empty(self) -> Args:
        return self.args

    def prep_matmul(self) -> Args:
        pos = self.mm_pos
        self.mm_pos = (pos + self.frames) % len(self.mm_ring)
        return self.mm_ring[pos:pos + self.frames], self.mm_gains, self.mm_out

    def prep_steady(self) -> Args:
        cast(RingDeck, self.voice.deck).refill()
        return self.args

    def prep_busy(self) -> Args:
        a, b, t = self.a, self.b, self.busy
        cast(RingDeck, a.deck).refill()
        cast(RingDeck, b.deck).refill()
        a.deck.ring.written[0] = a.deck.ring.read  # stem 0 of the outgoing voice is late
        self.flip ^= 1
        a.mixer.set_gains(self.matrices[self.flip])
        b.mixer.set_gains(self.matrices[1 - self.flip])
        # A jump landing now: b takes over from a on this block's first row, with a's crossfade
        # spilling past the block (3 ms > 128 frames), while the master fades in from half level.
        t.current, t.pending, t.pending_at, t.outgoing = a, b, NOW, None
        a.started = b.started = True
        t.env = 0.5
        t.request(1.0, 1000.0)
        return self.args

    def kinds(self) -> dict[str, tuple[Callable[..., object], Callable[[], Args]]]:
        return {
            "empty call": (empty, self.prep_empty),
            "np.matmul": (np.matmul, self.prep_matmul),
            "callback steady": (self.transport.callback, self.prep_steady),
            "callback busy": (self.busy.callback, self.prep_busy),
        }

    def problems(self) -> list[str]:
        """Did each scenario take the path it claims to? (Counters the callback keeps.)"""
        found = []
        if self.transport.dropped or not self.transport.callbacks:
            found.append(f"steady dropped {self.transport.dropped} of {self.transport.callbacks} blocks")
        b = self.busy
        if not b.callbacks or not b.jumps == b.dropped == b.callbacks:
            found.append(f"busy: {b.jumps} crossfades, {b.dropped} masked of {b.callbacks} blocks")
        if self.transport.faults or b.faults:
            found.append(f"callback faults: steady {self.transport.faults}, busy {b.faults} "
                         f"({self.transport.fault or b.fault!r})")
        if not np.any(self.outdata):
            found.append("output silent")
        return found

    def close(self) -> None:
        self.status.close()
        self.busy_status.close()


def measure(cfg: Config, calls: int, warmup: int) -> tuple[dict[str, np.ndarray], list[int]]:
    """Timings per kind, interleaved in rounds; also the GC collections that ran meanwhile."""
    kinds = cfg.kinds()
    for fn, prep in kinds.values():
        time_calls(fn, prep, warmup)
    gc.collect()
    before = [s["collections"] for s in gc.get_stats()]
    parts: dict[str, list[np.ndarray]] = {k: [] for k in kinds}
    names = list(kinds)
    per_round = max(1, calls // ROUNDS)
    for r in range(ROUNDS):
        for name in names[r % len(names):] + names[: r % len(names)]:
            fn, prep = kinds[name]
            parts[name].append(time_calls(fn, prep, per_round))
    collections = [s["collections"] - b for s, b in zip(gc.get_stats(), before, strict=True)]
    return {k: np.concatenate(v) for k, v in parts.items()}, collections


def allocations(cfg: Config, calls: int) -> dict[str, tuple[float, float, float]]:
    """Python-level bytes per callback: (median and max transient peak, net retained) under tracemalloc.

    Informative: tracemalloc sees Python objects and numpy buffers, not what BLAS or C code mallocs.
    """
    result = {}
    for name, (fn, prep) in cfg.kinds().items():
        if not name.startswith("callback"):
            continue
        time_calls(fn, prep, 20)
        peaks = np.empty(calls, dtype=np.int64)
        net = 0
        tracemalloc.start()
        for i in range(calls):
            args = prep()
            tracemalloc.reset_peak()
            before, _ = tracemalloc.get_traced_memory()
            fn(*args)
            after, peak = tracemalloc.get_traced_memory()
            peaks[i] = peak - before
            net += after - before
        tracemalloc.stop()
        result[name] = (float(np.median(peaks)), float(peaks.max()), net / calls)
    return result


def set_fifo(priority: int) -> str:
    """Opt-in real-time priority: the live callback has it, so its tails exclude most preemption."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except (OSError, AttributeError) as exc:
        return f"SCHED_FIFO {priority} refused ({exc}); normal priority"
    return f"SCHED_FIFO priority {priority} (the live callback runs at real-time priority too)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 calls per kind instead of 20,000")
    parser.add_argument("--calls", type=int, help="timed calls per kind and configuration")
    parser.add_argument("--stems", default=",".join(map(str, STEMS)), help="stereo stem counts, e.g. 24,64")
    parser.add_argument("--frames", default=",".join(map(str, FRAMES)), help="block sizes, e.g. 128")
    parser.add_argument("--ring-seconds", type=float, default=2.0, help="ring length per voice (2 s live)")
    parser.add_argument("--alloc-calls", type=int, help="calls traced by tracemalloc (0: skip)")
    parser.add_argument("--fifo", type=int, metavar="PRIO",
                        help="run at SCHED_FIFO PRIO (root); default normal priority. On a shared "
                             "machine this hogs a core for the whole run (RT throttling still applies)")
    args = parser.parse_args()
    calls = args.calls or (2000 if args.quick else 20000)
    warmup = max(200, calls // 20)
    alloc_calls = args.alloc_calls if args.alloc_calls is not None else (100 if args.quick else 300)
    stems_list = [int(s) for s in args.stems.split(",")]
    frames_list = [int(f) for f in args.frames.split(",")]

    print(header("callback"))
    print(set_fifo(args.fifo) if args.fifo else "scheduling: normal priority (live: real-time priority, "
          "so tails here include preemption the live callback would not see)")
    print(f"{calls} timed calls per kind and configuration ({ROUNDS} interleaved rounds, {warmup} warm-up), "
          f"{OUTPUTS} outputs, {RATE} Hz, stereo stems, {args.ring_seconds:g} s rings, GC enabled")
    print("kinds: empty call = Python call + clock; np.matmul = np.matmul(block, gains, out) alone; "
          "callback steady = one song playing;\n       callback busy = crossfade into a 2nd voice + gain "
          "ramps on both + master fade + one late stem")
    print()

    heading = ["stems", "frames", "kind", "p50 us", "p99 us", "p99.9 us", "max us",
               "p50 %", "p99 %", "p99.9 %", "max %", "p50/mm", "p99.9/mm"]
    rows = [heading]
    target_line = ""
    alloc_rows = [["stems", "frames", "kind", "peak B/call p50", "peak B/call max", "net B/call"]]
    all_gc = [0, 0, 0]
    problems: list[str] = []
    for frames in frames_list:
        period_us = frames / RATE * 1e6
        for stems in stems_list:
            cfg = Config(stems, frames, args.ring_seconds)
            try:
                times, collections = measure(cfg, calls, warmup)
                all_gc = [a + c for a, c in zip(all_gc, collections, strict=True)]
                alloc = allocations(cfg, alloc_calls) if alloc_calls else {}
                problems += [f"{stems} stems @ {frames}: {p}" for p in cfg.problems()]
            finally:
                cfg.close()
            stats = {k: summary(v / 1e3) for k, v in times.items()}
            mm = stats["np.matmul"]
            for kind, s in stats.items():
                rows.append([str(stems), str(frames), kind,
                             *(f"{s[q]:.1f}" for q in ("p50", "p99", "p99.9", "max")),
                             *(f"{100 * s[q] / period_us:.2f}" for q in ("p50", "p99", "p99.9", "max")),
                             ratio(s["p50"], mm["p50"]), ratio(s["p99.9"], mm["p99.9"])])
            for kind, (p50, pmax, net) in alloc.items():
                alloc_rows.append([str(stems), str(frames), kind, f"{p50:.0f}", f"{pmax:.0f}", f"{net:.1f}"])
            if (stems, frames) == TARGET[:2]:
                for kind in ("callback steady", "callback busy"):
                    p = stats[kind]["p99.9"]
                    verdict = "met" if p <= TARGET[2] * period_us else "NOT met"
                    target_line += (f"target: {kind}, {stems} stems @ {frames} frames: p99.9 = {p:.1f} us = "
                                    f"{100 * p / period_us:.2f}% of the {period_us:.0f} us period "
                                    f"(target <= {100 * TARGET[2]:.0f}%): {verdict}\n")
            print(f"  done {stems} stems @ {frames} frames", flush=True)
        rows.append([""] * len(heading))

    print()
    print("callback time per call; % = of the block period (frames / 48 kHz: 64 -> 1333 us, 128 -> 2667 us, "
          "256 -> 5333 us); /mm = ratio to np.matmul alone")
    print(table(rows[:-1]))
    print()
    print(target_line.rstrip() or "target: (64 stems @ 128 frames not in this run)")
    print("design.md, measured before: np.matmul 24 stems @ 128: 5.7 us p50 / 22 us p99.9; "
          "64 stems: 39 us p99.9")
    print(f"GC collections during timed calls (gen0, gen1, gen2): {tuple(all_gc)}")
    print("scenario check (callback counters): " + ("; ".join(problems) if problems else
          "steady never dropped a block; busy crossfaded and masked a late stem in every block"))
    if len(alloc_rows) > 1:
        print()
        print(f"Python-level allocation per callback (tracemalloc, {alloc_calls} calls; informative): "
              "peak = bytes live at once beyond the start of the call, net = retained after it")
        print(table(alloc_rows))
    if problems:
        raise SystemExit("a scenario did not happen as described: these figures do not measure it")


if __name__ == "__main__":
    main()
