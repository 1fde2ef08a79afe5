"""Comparing what a JACK output captured with what the offline render says it should carry."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def align(captured: np.ndarray, reference: np.ndarray) -> int:
    """The offset in ``reference`` at which ``captured`` starts (FFT cross-correlation).

    ``captured`` may start with silence recorded before the song started: that gives a negative
    offset (the song starts that many frames into the capture).
    """
    n = len(captured) + len(reference)
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(reference, size) * np.conj(np.fft.rfft(captured, size)), size)
    lag = int(np.argmax(corr))
    return lag if lag < size // 2 else lag - size


@dataclass
class Match:
    offset: int
    blocks: int  # blocks compared
    bad: int  # blocks that differ (dropouts on this VM's scheduling, not routing errors)


def compare(captured: np.ndarray, reference: np.ndarray, offset: int, block: int,
            tolerance: float = 2e-3, resync_blocks: int = 32) -> Match:
    """Block by block, how many captured blocks equal the reference at ``offset``.

    A block that did not arrive shifts everything after it by whole blocks; the comparison then
    finds the new offset (within ``resync_blocks``) and counts only the blocks that differ, so one
    dropout on a busy machine is one bad block, not the rest of the song.
    """
    start = max(0, -offset)
    blocks = bad = 0

    def same(i: int, j: int) -> bool:
        if j < 0 or j + block > len(reference):
            return False
        return bool(np.abs(captured[i:i + block] - reference[j:j + block]).max() <= tolerance)

    for i in range(start, len(captured) - block, block):
        if i + offset + block > len(reference):
            break
        blocks += 1
        if same(i, i + offset):
            continue
        bad += 1
        for k in range(1, resync_blocks + 1):
            if same(i, i + offset - k * block):
                offset -= k * block
                break
            if same(i, i + offset + k * block):
                offset += k * block
                break
    return Match(offset, blocks, bad)
