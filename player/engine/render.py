"""Offline render: the live engine's deck and mixer, driven as fast as the disk allows.

One file per bus (and optionally per output channel). It proves the routing before a show, gives
rehearsal mixes, and is the deterministic test bed of the mixer.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from player.engine.deck import Deck
from player.engine.mixer import Mixer, build_matrix
from player.engine.plan import SongPlan
from player.setlist.rig import Rig

RENDER_BLOCK = 8192  # frames per ring block: fewer Python round trips per second of audio
MIX_ROWS = 2048  # rows per matrix product: bigger ones make OpenBLAS wake threads that only spin
READ_FRAMES = 16384  # decoder reads: offline there is no deadline, only throughput

@dataclass
class RenderResult:
    files: dict[str, Path]  # bus (or "out_N") -> file
    frames: int
    errors: list[str]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "song"


def render_song(plan: SongPlan, rig: Rig, out_dir: Path, per_channel: bool = False,
                subtype: str = "FLOAT", progress: Callable[[int, int], None] | None = None,
                block: int = RENDER_BLOCK) -> RenderResult:
    """Render one song into ``out_dir``; decoding runs on a second thread (it releases the GIL)."""
    rate = rig.audio.sample_rate
    outputs = rig.output_channels
    # A count-in renders before bar 1, as the band would hear it.
    start = plan.tempo.frame_at(-plan.count_in) if plan.count_in and plan.tempo else 0
    deck = Deck(plan.sources, rate, block, ring_frames=READ_FRAMES * 4, start=start)
    total = deck.length - start
    levels = [dataclasses.replace(lv, channels=src.channels)
              for lv, src in zip(plan.levels, deck.sources, strict=True)]
    mixer = Mixer(deck.ring.width, outputs, min(block, MIX_ROWS))
    mixer.set_gains(build_matrix(levels, rig, outputs), ramp=False)

    out_dir.mkdir(parents=True, exist_ok=True)
    targets: dict[str, tuple[list[int], Path]] = {
        bus: ([c - 1 for c in chans], out_dir / f"{bus}.wav") for bus, chans in rig.buses.items()}
    if per_channel:
        for c in range(outputs):
            targets[f"out_{c + 1}"] = ([c], out_dir / f"out_{c + 1}.wav")
    files = {name: sf.SoundFile(str(path), "w", rate, len(chans), subtype=subtype)
             for name, (chans, path) in targets.items()}

    done = threading.Event()
    wake_readers, wake_mixer = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def read(stems: range) -> None:
        try:
            while not done.is_set():
                if deck.fill(max_frames=READ_FRAMES, stems=stems) == 0:
                    wake_readers.wait(0.05)
                    wake_readers.clear()
                else:
                    wake_mixer.set()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the mixing thread
            failures.append(exc)
            wake_mixer.set()

    # Two readers, each the only writer of its stems: decoding releases the GIL, so both cores
    # decode while this thread mixes and writes.
    readers = [threading.Thread(target=read, args=(group,), name=f"render-reader-{i}", daemon=True)
               for i, group in enumerate(_halves(deck))]
    for r in readers:
        r.start()
    out = np.empty((block, outputs), dtype=np.float32)
    written = 0
    try:
        while written < total:
            while not deck.ring.ready_block():
                if failures:
                    raise failures[0]
                wake_mixer.wait(0.05)
                wake_mixer.clear()
            frames = deck.ring.peek()
            for row in range(0, block, MIX_ROWS):
                mixer.mix(frames[row:row + MIX_ROWS], out[row:row + MIX_ROWS])
            deck.ring.advance()
            wake_readers.set()
            n = min(block, total - written)
            for name, (chans, _) in targets.items():
                files[name].write(out[:n, chans])
            written += n
            if progress:
                progress(written, total)
    finally:
        done.set()
        wake_readers.set()
        for r in readers:
            r.join()
        for f in files.values():
            f.close()
        deck.close()
    return RenderResult({k: v[1] for k, v in targets.items()}, written, deck.errors())


def _halves(deck: Deck) -> list[range]:
    """Split the stems in two groups of about equal channel count (decoding cost follows it)."""
    channels = [s.channels for s in deck.sources]
    total, run = sum(channels), 0
    for i, c in enumerate(channels):
        run += c
        if run * 2 >= total:
            return [r for r in (range(0, i + 1), range(i + 1, len(channels))) if len(r)]
    return [range(len(channels))]
