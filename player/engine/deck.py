"""A song made ready to play from a position: its stems decoded at the device rate into a ring.

Used by the live engine (a streamer thread calls ``fill``, the callback reads the ring) and by the
offline renderer (the same ``fill`` and the same mixer, as fast as the disk allows), so what is
rendered is what the show plays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile as sf
import soxr

from player.engine.ring import StemRing

READ_FRAMES = 8192  # per read call: each soundfile.read costs ~15 us of overhead, so never block-sized


class StemSource:
    """One stem file decoded (and resampled when its rate differs) at the device rate.

    A file that is missing or cannot be decoded becomes a silent source: the song plays without it.
    After its end a stem gives silence, so a stem that ends early never holds the others back.
    """

    def __init__(self, path: Path, rate: int) -> None:
        self.path = path
        self.rate = rate
        self.error = ""
        self._file: sf.SoundFile | None = None
        self._resampler: soxr.ResampleStream | None = None
        self.channels = 1
        self.length = 0  # frames at the device rate
        self._eof = False
        self._lead = 0  # frames of silence before the file (a start before 0: a count-in)
        self._pending: np.ndarray | None = None  # decoded frames that did not fit in the ring
        self._buf: np.ndarray | None = None  # decode buffer; pending may be a view of it
        try:
            self._file = sf.SoundFile(str(path))
        except (OSError, RuntimeError) as exc:
            self.error = f"{path.name}: {exc}"
            return
        self.channels = min(2, self._file.channels)
        self.length = round(self._file.frames * rate / self._file.samplerate)
        self._new_resampler()

    @property
    def silent(self) -> bool:
        return self._file is None

    def _new_resampler(self) -> None:
        f = self._file
        if f is not None and f.samplerate != self.rate:
            self._resampler = soxr.ResampleStream(f.samplerate, self.rate, self.channels,
                                                  dtype="float32", quality="HQ")

    def seek(self, frame: int) -> None:
        """Continue from ``frame`` (device rate; before 0 gives silence until 0)."""
        self._eof = False
        self._pending = None
        self._lead = max(0, -frame)
        frame = max(0, frame)
        if self._file is None:
            return
        source_frame = round(frame * self._file.samplerate / self.rate)
        self._file.seek(min(source_frame, self._file.frames))
        self._new_resampler()
        self._eof = frame >= self.length

    def unread(self, data: np.ndarray) -> None:
        """Give back frames that did not fit; the next ``read`` returns them first."""
        if len(data):
            self._pending = data

    def read(self, frames: int) -> np.ndarray:
        """Up to ``frames`` frames (maybe fewer, or more from a resampler); silence after the end."""
        if self._pending is not None:
            data, self._pending = self._pending, None
            return data
        if self._lead:
            n = min(frames, self._lead)
            self._lead -= n
            return np.zeros((n, self.channels), dtype=np.float32)
        f = self._file
        if f is None or self._eof:
            return np.zeros((frames, self.channels), dtype=np.float32)
        want = frames if self._resampler is None else max(1, round(frames * f.samplerate / self.rate))
        if self._buf is None or len(self._buf) < want or self._buf.shape[1] != f.channels:
            # Reused: a fresh 100+ kB array per read costs page faults on every call.
            self._buf = np.empty((max(want, READ_FRAMES), f.channels), dtype=np.float32)
        try:
            data = f.read(want, dtype="float32", always_2d=True, out=self._buf[:want])
        except (OSError, RuntimeError) as exc:  # a file that breaks mid-song goes silent
            self.error = f"{self.path.name}: {exc}"
            self._eof = True
            return np.zeros((frames, self.channels), dtype=np.float32)
        if data.shape[1] != self.channels:
            data = np.ascontiguousarray(data[:, : self.channels])
        last = len(data) < want
        if self._resampler is not None:
            data = self._resampler.resample_chunk(data, last=last)
        if last:
            self._eof = True
        if len(data) == 0 and not last:
            return np.zeros((0, self.channels), dtype=np.float32)
        return data

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


@dataclass
class DeckStats:
    skipped_frames: int = 0  # frames readers jumped because they fell behind the callback


class Source(Protocol):
    """What a deck streams from: a stem file, or a generated click or cue track."""

    channels: int
    length: int
    error: str

    def seek(self, frame: int) -> None: ...
    def read(self, frames: int) -> np.ndarray: ...
    def unread(self, data: np.ndarray) -> None: ...
    def close(self) -> None: ...


class Deck:
    """Stems + ring for one song from ``start`` (frames at the device rate; negative: a count-in)."""

    def __init__(self, sources: Sequence[Path | Source], rate: int, block: int, ring_frames: int,
                 start: int = 0) -> None:
        self.sources: list[Source] = [StemSource(s, rate) if isinstance(s, Path) else s
                                      for s in sources]
        self.rate = rate
        self.start = start
        self.length = max((s.length for s in self.sources), default=0)
        for s in self.sources:
            if getattr(s, "follows_length", False):
                s.length = self.length
        self.ring = StemRing([s.channels for s in self.sources], ring_frames, block)
        self.stats = DeckStats()
        # Read no further ahead than this (frames from ``start``): a preloaded next song keeps only
        # its first seconds in memory; the rest of its ring stays untouched (unallocated) pages.
        self.fill_limit: int | None = None
        for s in self.sources:
            s.seek(start)

    @property
    def position(self) -> int:
        """The song frame the next block starts at."""
        return self.start + self.ring.read

    @property
    def finished(self) -> bool:
        return self.position >= self.length

    def errors(self) -> list[str]:
        return [s.error for s in self.sources if s.error]

    def fill(self, max_frames: int = READ_FRAMES, stems: range | None = None) -> int:
        """Decode into every stem's free ring space, up to ``max_frames`` each; returns frames written.

        Called by the streamer thread (live) or the renderer (offline); never by the callback.
        ``stems`` limits it to some stems: each stem must have one writer only.
        """
        ring = self.ring
        total = 0
        for i in stems if stems is not None else range(len(self.sources)):
            source = self.sources[i]
            skipped = ring.skip_to_reader(i)
            if skipped:
                self.stats.skipped_frames += skipped
                source.seek(self.start + int(ring.written[i]))
            space = ring.space(i)
            if self.fill_limit is not None:
                space = min(space, self.fill_limit - int(ring.written[i]))
                if space <= 0:
                    continue
            elif space < min(max_frames, ring.capacity // 4):
                continue  # wait for room for a whole read: fewer, larger reads
            data = source.read(min(space, max_frames))
            n = ring.write(i, data)
            source.unread(data[n:])
            total += n
        return total

    def prefill(self) -> None:
        """Fill the ring completely (before playing, or offline)."""
        while self.fill():
            if min(self.ring.space(i) for i in range(len(self.sources))) == 0:
                break

    def close(self) -> None:
        for s in self.sources:
            s.close()
