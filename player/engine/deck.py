"""A song made ready to play from a position: its stems decoded at the device rate into a ring.

Used by the live engine (a streamer thread calls ``fill``, the callback reads the ring) and by the
offline renderer (the same ``fill`` and the same mixer, as fast as the disk allows), so what is
rendered is what the show plays.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile as sf
import soxr

from player.engine.ring import StemRing

READ_FRAMES = 8192  # per read call: each soundfile.read costs ~15 us of overhead, so never block-sized
RETRY_SECONDS = 0.5  # a damaged stretch of a file is retried this often (of song time), in silence


@dataclass(frozen=True)
class Header:
    """What the control thread needs of a file without holding it open: rate, channels, length."""

    samplerate: int
    channels: int
    frames: int


_headers: dict[tuple[str, int, int], Header] = {}


def read_header(path: Path) -> Header:
    """The file's header, cached by path, size and mtime; raises ``OSError``/``RuntimeError``.

    Read on the control thread with a handle of its own that is closed at once, so building a
    voice opens no file that the streamer could be reading (closing a SoundFile that another
    thread reads segfaults inside libsndfile).
    """
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    header = _headers.get(key)
    if header is None:
        info = sf.info(str(path))
        header = _headers[key] = Header(int(info.samplerate), int(info.channels), int(info.frames))
    return header


Opener = Callable[[Path], sf.SoundFile]


def open_file(path: Path) -> sf.SoundFile:
    """How a stem's file is opened (on the streamer thread); tests put a blocking file here."""
    return sf.SoundFile(str(path))


class StemSource:
    """One stem file decoded (and resampled when its rate differs) at the device rate.

    The file is opened, read, seeked and closed only by the thread that fills the deck (the
    streamer), never by the control thread: ``seek`` only records where to go. A file that is missing
    or cannot be decoded becomes a silent source: the song plays without it. A file that breaks in
    the middle (a decoder error, or frames the decoder skipped) keeps its place in time: silence for
    the missing span, then the stem comes back in sync, and ``notices`` says so in words.
    """

    def __init__(self, path: Path, rate: int, opener: Opener | None = None,
                 header: Header | None = None) -> None:
        self.path = path
        self.rate = rate
        self.error = ""
        self.notices: deque[str] = deque()  # appended by the filling thread, drained by control
        self._opener = opener
        self._file: sf.SoundFile | None = None
        self._resampler: soxr.ResampleStream | None = None
        self.channels = 1
        self.length = 0  # frames at the device rate
        self._header: Header | None = None
        self._want: int | None = 0  # a seek still to apply (on the filling thread)
        self._frame = 0  # device frame of the next frame ``read`` hands out (after the lead)
        self._src = 0  # file frame the open file will decode next
        self._retry_at = 0  # while the file is shut after damage: try again from this frame
        self._damaged_at: int | None = None  # device frame where the current damage began
        self._eof = False
        self._lead = 0  # frames of silence before the file (a start before 0: a count-in)
        self._pending: np.ndarray | None = None  # decoded frames that did not fit in the ring
        self._buf: np.ndarray | None = None  # decode buffer; pending may be a view of it
        self._zeros = np.zeros((0, 1), dtype=np.float32)
        try:
            self._header = header or read_header(path)
        except (OSError, RuntimeError) as exc:
            self.error = f"{path.name}: {exc}"
            return
        self.channels = min(2, max(1, self._header.channels))
        self.length = round(self._header.frames * rate / self._header.samplerate)

    # --- any thread, before or while filling ------------------------------------------------------
    def seek(self, frame: int) -> None:
        """Continue from ``frame`` (device rate; before 0 gives silence until 0)."""
        self._pending = None
        self._want = frame

    def unread(self, data: np.ndarray) -> None:
        """Give back frames that did not fit; the next ``read`` returns them first."""
        if len(data):
            self._pending = data
            self._frame -= len(data)

    # --- the filling thread ----------------------------------------------------------------------
    def _silence(self, frames: int) -> np.ndarray:
        if len(self._zeros) < frames or self._zeros.shape[1] != self.channels:
            self._zeros = np.zeros((max(frames, READ_FRAMES), self.channels), dtype=np.float32)
        self._frame += frames
        return self._zeros[:frames]

    def _to_src(self, frame: int) -> int:
        h = self._header
        assert h is not None
        return round(frame * h.samplerate / self.rate)

    def _shut(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except (OSError, RuntimeError):
                pass
            self._file = None

    def _damage(self, why: str) -> None:
        """The file broke at the current frame: shut it, play silence, retry a little later."""
        self._shut()
        if self._damaged_at is None:
            self._damaged_at = self._frame
            self.notices.append(f"{self.path.name}: damaged at {_clock(self._frame, self.rate)} "
                                f"({why}); silent until it decodes again")
            if not self.error:
                self.error = f"{self.path.name}: {why}"
        self._retry_at = self._frame + max(1, round(RETRY_SECONDS * self.rate))

    def _open_at(self, frame: int) -> bool:
        """Open the file (again) positioned at device frame ``frame``; False while it cannot be."""
        h = self._header
        assert h is not None
        try:
            f = (self._opener or open_file)(self.path)
        except (OSError, RuntimeError) as exc:
            self._damage(str(exc))
            return False
        src = min(self._to_src(frame), h.frames)
        try:
            if src:
                f.seek(src)
        except (OSError, RuntimeError) as exc:
            try:
                f.close()
            except (OSError, RuntimeError):
                pass
            self._damage(str(exc))
            return False
        self._file, self._src = f, src
        self._resampler = (soxr.ResampleStream(h.samplerate, self.rate, self.channels,
                                               dtype="float32", quality="HQ")
                           if h.samplerate != self.rate else None)
        if self._damaged_at is not None:
            self.notices.append(f"{self.path.name}: back in time at {_clock(frame, self.rate)}")
            self._damaged_at = None
        return True

    def _apply_seek(self, frame: int) -> None:
        self._eof = False
        self._lead = max(0, -frame)
        self._frame = frame = max(0, frame)
        self._retry_at = 0
        if self._header is None:
            return
        self._eof = frame >= self.length
        self._shut()  # reopened at the new frame on the next read: a seek never fails a jump

    def read(self, frames: int) -> np.ndarray:
        """Up to ``frames`` frames (maybe fewer, or more from a resampler); silence after the end."""
        want_seek = self._want
        if want_seek is not None:
            self._want = None
            self._apply_seek(want_seek)
        if self._pending is not None:
            data, self._pending = self._pending, None
            self._frame += len(data)
            return data
        if self._lead:
            n = min(frames, self._lead)
            self._lead -= n
            out = self._silence(n)
            self._frame -= n  # the lead is before frame 0
            return out
        h = self._header
        if h is None or self._eof or self._frame >= self.length:
            return self._silence(frames)
        if self._file is None:
            if self._frame < self._retry_at:
                return self._silence(min(frames, self._retry_at - self._frame))
            if not self._open_at(self._frame):
                return self._silence(min(frames, self._retry_at - self._frame))
        f = self._file
        assert f is not None
        want = frames if self._resampler is None else max(1, round(frames * h.samplerate / self.rate))
        want = min(want, max(0, h.frames - self._src)) or 1
        if self._buf is None or len(self._buf) < want or self._buf.shape[1] != h.channels:
            # Reused: a fresh 100+ kB array per read costs page faults on every call.
            self._buf = np.empty((max(want, READ_FRAMES), h.channels), dtype=np.float32)
        try:
            data = f.read(want, dtype="float32", always_2d=True, out=self._buf[:want])
            after = f.tell()
        except (OSError, RuntimeError) as exc:  # damaged here: silence, then try again later
            self._damage(str(exc))
            return self._silence(min(frames, self._retry_at - self._frame))
        if after - len(data) > self._src:
            # The decoder skipped damaged data, and where it resumed is only known to the page:
            # trust its position, not its samples. Silence up to there, then a sample-exact seek.
            self._skip_to(round(after * self.rate / h.samplerate))
            return self._silence(min(frames, self._retry_at - self._frame))
        self._src = after
        if data.shape[1] != self.channels:
            data = np.ascontiguousarray(data[:, : self.channels])
        last = after >= h.frames
        short = len(data) < want and not last
        if self._resampler is not None:
            data = self._resampler.resample_chunk(data, last=last)
        if last:
            self._eof = True
        self._frame += len(data)
        if short:
            self._damage("the file ends before its header says")
        return data

    def _skip_to(self, frame: int) -> None:
        self.notices.append(f"{self.path.name}: {(frame - self._frame) / self.rate:.2f} s lost at "
                            f"{_clock(self._frame, self.rate)} (damaged data); kept in time with "
                            "silence")
        self._shut()
        self._damaged_at = None  # told already; the reopen is not news
        self._retry_at = max(frame, self._frame + 1)

    def close(self) -> None:
        self._shut()


def _reads_disk(source: Source) -> bool:
    return isinstance(source, StemSource) or bool(getattr(source, "reads_disk", False))


def fresh_sources(sources: Sequence[Path | Source], headers: dict[Path, Header | None],
                  rate: int) -> list[Source]:
    """New, unread sources for one deck from a plan's (sources are stateful: one deck each)."""
    out: list[Source] = []
    for src in sources:
        if isinstance(src, Path):
            out.append(StemSource(src, rate, header=headers.get(src)))
        else:
            clone = getattr(src, "fresh", None)
            out.append(clone() if clone is not None else src)
    return out


def _clock(frame: int, rate: int) -> str:
    seconds = max(0, frame) / rate
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


@dataclass
class DeckStats:
    skipped_frames: int = 0  # frames readers jumped because they fell behind the callback


class Source(Protocol):
    """What a deck streams from: a stem file, or a generated click or cue track."""

    channels: int
    length: int

    @property
    def error(self) -> str: ...

    def seek(self, frame: int) -> None: ...
    def read(self, frames: int) -> np.ndarray: ...
    def unread(self, data: np.ndarray) -> None: ...
    def close(self) -> None: ...


class Playhead:
    """Where a deck's reader (the callback) is: ``start`` + what it has taken from the ring."""

    start: int
    length: int
    ring: StemRing

    @property
    def position(self) -> int:
        """The song frame the next block starts at."""
        return self.start + self.ring.read

    @property
    def finished(self) -> bool:
        return self.position >= self.length


class Deck(Playhead):
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
        # Which thread fills which stem (one writer each): files from the streamer's disk thread,
        # generated sources from a thread that never touches the disk, so a stalled disk never
        # silences the click and the cues.
        self.disk_stems = tuple(i for i, s in enumerate(self.sources) if _reads_disk(s))
        self.memory_stems = tuple(i for i, s in enumerate(self.sources) if not _reads_disk(s))


    def errors(self) -> list[str]:
        return [s.error for s in self.sources if s.error]

    def notices(self) -> list[str]:
        """What the readers noticed since the last call (damage, recovery), in words."""
        out: list[str] = []
        for s in self.sources:
            queue = getattr(s, "notices", None)
            while queue:
                out.append(queue.popleft())
        return out

    def fill(self, max_frames: int = READ_FRAMES, stems: Sequence[int] | None = None) -> int:
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

    def close(self) -> None:
        """Close every file; only the thread that fills the deck may call it (see ``Streamer``)."""
        for s in self.sources:
            s.close()
