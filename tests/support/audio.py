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
            tolerance: float = 2e-3) -> Match:
    """Block by block, how many captured blocks equal the reference at ``offset``."""
    start = max(0, -offset)
    blocks = bad = 0
    for i in range(start, len(captured) - block, block):
        j = i + offset
        if j + block > len(reference):
            break
        blocks += 1
        if np.abs(captured[i:i + block] - reference[j:j + block]).max() > tolerance:
            bad += 1
    return Match(offset, blocks, bad)
