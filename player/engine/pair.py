"""A split-mono pair (``Keys.L.wav`` + ``Keys.R.wav``) streamed as one stereo source.

Two mono files of one instrument are its left and right channels: played as two centred mono stems
they would sum to a narrow image 3-6 dB too loud. Each side decodes (and resamples) on its own; a
read gives as many frames as both sides have, the rest waits for the next read.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np

from player.engine.deck import StemSource


class PairSource:
    """Left and right files as the two channels of one source (the deck's ``Source`` protocol)."""

    channels = 2
    reads_disk = True  # filled by the streamer's disk thread, like a StemSource

    def __init__(self, left: Path, right: Path, rate: int) -> None:
        self.left, self.right = StemSource(left, rate), StemSource(right, rate)
        self.length = max(self.left.length, self.right.length)
        self.notices: deque[str] = deque()

    def fresh(self) -> PairSource:
        """Unread sides for another deck (headers are cached, no file is opened)."""
        return PairSource(self.left.path, self.right.path, self.left.rate)

    @property
    def error(self) -> str:
        return "; ".join(e for e in (self.left.error, self.right.error) if e)

    def seek(self, frame: int) -> None:
        self.left.seek(frame)
        self.right.seek(frame)

    def read(self, frames: int) -> np.ndarray:
        left, right = self.left.read(frames), self.right.read(frames)
        n = min(len(left), len(right))
        self.left.unread(left[n:])
        self.right.unread(right[n:])
        out = np.empty((n, 2), dtype=np.float32)
        out[:, 0] = left[:n, 0]  # a side that is not mono plays its first channel (check says so)
        out[:, 1] = right[:n, 0]
        for side in (self.left, self.right):
            while side.notices:
                self.notices.append(side.notices.popleft())
        return out

    def unread(self, data: np.ndarray) -> None:
        if len(data):
            self.left.unread(np.ascontiguousarray(data[:, :1]))
            self.right.unread(np.ascontiguousarray(data[:, 1:]))

    def close(self) -> None:
        self.left.close()
        self.right.close()
