"""A ring of stem audio: each stem's reader fills its own columns, the callback reads whole rows.

One array (frames x all stem channels) instead of one ring per stem, so the callback hands the mixer
one contiguous block and does no per-stem work. Each stem has its own write count; a block is
complete when every stem has written past it. A stem that has not (a stalled or slow reader) is
silenced for that block and counted, never waited for.

Single producer per column set (the streamer thread), single consumer (the callback): the producer
only advances ``written[i]`` after the data is in place, the consumer only advances ``read`` after it
has mixed. Plain integer stores are atomic under the GIL.
"""

from __future__ import annotations

import numpy as np


class StemRing:
    """``capacity`` frames (a multiple of ``block``) for ``columns`` interleaved stem channels."""

    def __init__(self, columns: list[int], capacity: int, block: int) -> None:
        capacity = max(block, (capacity + block - 1) // block * block)
        self.block = block
        self.capacity = capacity
        self.width = sum(columns)
        self.data = np.zeros((capacity, self.width), dtype=np.float32)
        starts = np.cumsum([0, *columns])
        self.spans = [(int(starts[i]), int(starts[i + 1])) for i in range(len(columns))]
        self.written = np.zeros(len(columns), dtype=np.int64)  # frames each stem has written
        self.read = 0  # frames the consumer has taken; always a multiple of ``block``
        # Column -> stem, to expand a per-stem "ready" mask to columns without fancy indexing.
        self._stem_of_column = np.repeat(np.arange(len(columns)), columns)
        self._ready = np.zeros(len(columns), dtype=bool)
        self._column_bool = np.zeros(self.width, dtype=bool)
        self._column_ready = np.zeros(self.width, dtype=np.float32)
        self._row_index: np.ndarray | None = None
        self._row_mask: np.ndarray | None = None

    # --- producer side -------------------------------------------------------------------------
    def space(self, stem: int) -> int:
        """Frames stem ``stem`` may write now without overwriting unread audio."""
        return int(self.read + self.capacity - self.written[stem])

    def write(self, stem: int, frames: np.ndarray) -> int:
        """Append ``frames`` (n x stem channels) for one stem; returns how many fitted."""
        n = min(len(frames), self.space(stem))
        if n <= 0:
            return 0
        lo, hi = self.spans[stem]
        start = int(self.written[stem]) % self.capacity
        first = min(n, self.capacity - start)
        self.data[start:start + first, lo:hi] = frames[:first]
        if n > first:
            self.data[: n - first, lo:hi] = frames[first:n]
        self.written[stem] += n  # publish after the data is in place
        return n

    def skip_to_reader(self, stem: int) -> int:
        """If stem ``stem`` fell behind the consumer, jump it to the consumer's position.

        Returns how many frames it skipped: its reader must skip as many in its file, so the stem
        stays in time with the others instead of drifting late.
        """
        behind = self.read - int(self.written[stem])
        if behind <= 0:
            return 0
        self.written[stem] = self.read
        return behind

    # --- consumer side (real-time) ---------------------------------------------------------------
    def ready_block(self) -> bool:
        """Have all stems written the next block?"""
        return bool(self.written.min() >= self.read + self.block)

    def peek(self) -> np.ndarray:
        """The next block (a view, no copy)."""
        start = self.read % self.capacity
        return self.data[start:start + self.block]

    def column_mask(self) -> np.ndarray:
        """1.0 for columns whose stem has the next block, 0.0 for the others (preallocated)."""
        np.greater_equal(self.written, self.read + self.block, out=self._ready)
        np.take(self._ready, self._stem_of_column, out=self._column_bool, mode="clip")
        np.copyto(self._column_ready, self._column_bool)
        return self._column_ready

    def prepare_row_mask(self, outputs: int) -> None:
        """Allocate, off the real-time thread, what ``row_mask`` fills in."""
        self._row_index = np.repeat(np.arange(self.width)[:, None], outputs, axis=1)
        self._row_mask = np.zeros((self.width, outputs), dtype=np.float32)

    def row_mask(self) -> np.ndarray:
        """``column_mask`` spread over a (columns x outputs) gain matrix's shape.

        Same shape as the matrix it multiplies: numpy allocates a temporary for broadcasting
        ufuncs, which the callback must not do.
        """
        assert self._row_index is not None and self._row_mask is not None
        np.take(self.column_mask(), self._row_index, out=self._row_mask, mode="clip")
        return self._row_mask

    def advance(self) -> None:
        self.read += self.block

    def buffered(self) -> int:
        """Frames every stem has ready beyond the read position."""
        return max(0, int(self.written.min()) - self.read)
