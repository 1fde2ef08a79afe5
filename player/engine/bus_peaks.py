"""The peak of each bus of a song, summed by the show's own deck and mixer: ``player check`` uses it.

A stem that peaks at -3 dBFS is fine alone; four of them on one bus can sum past full scale, and
the per-stem check never sees it. This plays the song offline through the same plan (gains, pans,
mutes, generated click and cues) and matrix the show uses, and keeps only the per-bus maximum.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from player.engine.deck import Deck
from player.engine.mixer import Mixer, build_matrix
from player.engine.plan import plan_song
from player.setlist.rig import Rig
from player.setlist.setlist import Entry
from player.setlist.song import SongFolder

BLOCK = 8192
READ_FRAMES = 16384


def bus_peaks(song: SongFolder, entry: Entry | None, rig: Rig) -> dict[str, float]:
    """Bus name -> the largest absolute sample on any of its channels (1.0 = full scale)."""
    rate = rig.audio.sample_rate
    outputs = rig.output_channels
    plan = plan_song(song, rig, entry, rate=rate)
    start = plan.tempo.frame_at(-plan.count_in) if plan.count_in and plan.tempo else 0
    deck = Deck(plan.sources, rate, BLOCK, ring_frames=READ_FRAMES * 4, start=start)
    try:
        levels = [dataclasses.replace(lv, channels=src.channels)
                  for lv, src in zip(plan.levels, deck.sources, strict=True)]
        mixer = Mixer(deck.ring.width, outputs, BLOCK)
        mixer.set_gains(build_matrix(levels, rig, outputs), ramp=False)
        out = np.empty((BLOCK, outputs), dtype=np.float32)
        peak = np.zeros(outputs, dtype=np.float32)
        total, done, idle = deck.length - start, 0, 0
        while done < total:
            if not deck.ring.ready_block():
                idle = 0 if deck.fill(max_frames=READ_FRAMES) else idle + 1
                if idle > 100:  # a source that gives nothing: what was summed is the answer
                    break
                continue
            mixer.mix(deck.ring.peek(), out)
            deck.ring.advance()
            n = min(BLOCK, total - done)
            np.maximum(peak, np.abs(out[:n]).max(axis=0), out=peak)
            done += n
    finally:
        deck.close()
    return {bus: float(max(peak[c - 1] for c in chans)) for bus, chans in rig.buses.items()}
