"""SMPTE timecode for the lighting desk: frame arithmetic, MIDI Time Code messages and LTC audio.

Pure functions and small generators with no I/O, so the engine process can host them: MTC quarter
frames and full frames for the rig's MIDI output, and LTC (linear timecode, SMPTE 12M biphase-mark
audio, 80 bits a frame) generated block by block for a timecode bus. 24, 25, 29.97 drop-frame and 30
fps. A decoder for each is here too: the tests (and a self-test) read back what was sent.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

RATES = {"24": (24, False), "25": (25, False), "29.97df": (30, True), "30": (30, False)}
MTC_RATE_CODE = {(24, False): 0, (25, False): 1, (30, True): 2, (30, False): 3}
SYNC_WORD = 0xBFFC  # bits 64..79 as sent (LSB first): 0011 1111 1111 1101


@dataclass(frozen=True)
class Fps:
    """A frame rate: ``base`` frames counted per second and drop-frame (29.97: 30 counted, 2 dropped
    every minute but each tenth)."""

    base: int
    drop: bool = False

    @property
    def real(self) -> float:
        """Frames per second of real time."""
        return self.base * 1000 / 1001 if self.drop else float(self.base)

    @classmethod
    def parse(cls, text: str) -> Fps:
        key = text.lower().replace(" ", "").replace("drop", "df")
        if key not in RATES:
            raise ValueError(f"timecode rate {text!r}: use 24, 25, 29.97df or 30")
        return cls(*RATES[key])


@dataclass(frozen=True, order=True)
class Timecode:
    hours: int
    minutes: int
    seconds: int
    frames: int

    def __str__(self) -> str:
        return f"{self.hours:02d}:{self.minutes:02d}:{self.seconds:02d}:{self.frames:02d}"

    @classmethod
    def parse(cls, text: str) -> Timecode:
        """``HH:MM:SS:FF`` (``;`` before the frames for drop-frame is accepted too)."""
        match = re.fullmatch(r"(\d{1,2}):(\d{2}):(\d{2})[:;.](\d{2})", text.strip())
        if not match:
            raise ValueError(f"timecode {text!r}: write HH:MM:SS:FF, like 01:00:00:00")
        h, m, s, f = (int(x) for x in match.groups())
        if h > 23 or m > 59 or s > 59 or f > 29:
            raise ValueError(f"timecode {text!r} is out of range")
        return cls(h, m, s, f)


def to_frames(tc: Timecode, fps: Fps) -> int:
    """The frame count of a timecode (drop-frame labels skip frames 0 and 1 of most minutes)."""
    minutes = tc.hours * 60 + tc.minutes
    count = (minutes * 60 + tc.seconds) * fps.base + tc.frames
    if fps.drop:
        count -= 2 * (minutes - minutes // 10)
    return count


def from_frames(count: int, fps: Fps) -> Timecode:
    """The timecode label of frame ``count`` (wrapping at 24 h)."""
    if fps.drop:
        per_10min = 10 * 60 * 30 - 9 * 2  # 17,982 frames in ten minutes
        day = 24 * 6 * per_10min
        count %= day
        tens, rest = divmod(count, per_10min)
        # the first minute of ten keeps its frames 0 and 1; the other nine drop them
        extra = 0 if rest < 1800 else 2 * ((rest - 1800) // 1798 + 1)
        count = count + 18 * tens + extra
    else:
        count %= 24 * 3600 * fps.base
    frames = count % fps.base
    total_s = count // fps.base
    return Timecode(total_s // 3600, total_s // 60 % 60, total_s % 60, frames)


ZERO = Timecode(0, 0, 0, 0)


def at_seconds(seconds: float, fps: Fps, start: Timecode = ZERO) -> tuple[Timecode, float]:
    """The timecode showing at ``seconds`` of the song (which starts at ``start``), and how far into
    that frame (0..1)."""
    exact = seconds * fps.real
    whole = math.floor(exact + 1e-9)
    return from_frames(to_frames(start, fps) + whole, fps), exact - whole


# --- MIDI Time Code ---------------------------------------------------------------------------------
def full_frame(tc: Timecode, fps: Fps) -> bytes:
    """The full-frame SysEx sent on every locate (start, jump, seek): F0 7F 7F 01 01 hr mn sc fr F7."""
    rate = MTC_RATE_CODE[(fps.base, fps.drop)]
    return bytes([0xF0, 0x7F, 0x7F, 0x01, 0x01, rate << 5 | tc.hours, tc.minutes, tc.seconds, tc.frames,
                  0xF7])


def quarter_frames(tc: Timecode, fps: Fps) -> list[bytes]:
    """The eight quarter frames (F1 0n..F1 7n) that carry ``tc``; they span two frames, so a receiver
    adds two frames to what it assembles (sent starting on the frame of ``tc``)."""
    rate = MTC_RATE_CODE[(fps.base, fps.drop)]
    nibbles = [tc.frames & 15, tc.frames >> 4, tc.seconds & 15, tc.seconds >> 4, tc.minutes & 15,
               tc.minutes >> 4, tc.hours & 15, (tc.hours >> 4) | rate << 1]
    return [bytes([0xF1, piece << 4 | value]) for piece, value in enumerate(nibbles)]


def mtc_schedule(start_s: float, end_s: float, fps: Fps, start: Timecode = ZERO) -> list[tuple[float, bytes]]:
    """The quarter frames due in song time [``start_s``, ``end_s``): (song seconds, message).

    Quarter frame ``i`` (0-7) of an even timecode frame ``F`` goes out at ``F + i / 4`` frames, and
    the eight carry ``F``'s label, as MTC senders do (a receiver adds two frames). A locate (a jump)
    sends ``full_frame`` first and restarts the schedule from the new position.
    """
    base = to_frames(start, fps)
    period = 1.0 / (4 * fps.real)  # seconds per quarter frame
    first = max(0, math.ceil(start_s / period - 1e-9))
    out = []
    q = first
    while q * period < end_s:
        frame, piece = divmod(q, 8)
        label = from_frames(base + frame * 2, fps)
        out.append((q * period, quarter_frames(label, fps)[piece]))
        q += 1
    return out


class MtcReader:
    """Assembles quarter frames and full frames back into timecodes (what a lighting desk does)."""

    def __init__(self) -> None:
        self._pieces: dict[int, int] = {}
        self.last: Timecode | None = None
        self.rate_code = -1

    def feed(self, data: bytes) -> Timecode | None:
        """One message; returns a timecode when one is complete (a full frame, or piece 7)."""
        if len(data) == 10 and data[:5] == bytes([0xF0, 0x7F, 0x7F, 0x01, 0x01]):
            self.rate_code = data[5] >> 5
            self.last = Timecode(data[5] & 31, data[6], data[7], data[8])
            self._pieces.clear()
            return self.last
        if len(data) != 2 or data[0] != 0xF1:
            return None
        piece, value = data[1] >> 4, data[1] & 15
        if piece == 0:
            self._pieces.clear()
        self._pieces[piece] = value
        if piece != 7 or len(self._pieces) != 8:
            return None
        p = self._pieces
        self.rate_code = p[7] >> 1
        self.last = Timecode((p[7] & 1) << 4 | p[6], p[5] << 4 | p[4], p[3] << 4 | p[2], p[1] << 4 | p[0])
        return self.last


# --- LTC ----------------------------------------------------------------------------------------------
def ltc_bits(tc: Timecode, fps: Fps) -> np.ndarray:
    """The 80 bits of one LTC frame, in the order sent (SMPTE 12M; user bits zero)."""
    bits = np.zeros(80, dtype=np.uint8)

    def put(value: int, at: int, width: int) -> None:
        for i in range(width):
            bits[at + i] = (value >> i) & 1

    put(tc.frames % 10, 0, 4)
    put(tc.frames // 10, 8, 2)
    bits[10] = 1 if fps.drop else 0
    put(tc.seconds % 10, 16, 4)
    put(tc.seconds // 10, 24, 3)
    put(tc.minutes % 10, 32, 4)
    put(tc.minutes // 10, 40, 3)
    put(tc.hours % 10, 48, 4)
    put(tc.hours // 10, 56, 2)
    put(SYNC_WORD, 64, 16)
    # The polarity bit (27, or 59 at 25 fps) makes every frame hold an even number of zeros, so each
    # frame starts on the same edge polarity.
    parity = 59 if fps.base == 25 and not fps.drop else 27
    if (80 - int(bits.sum())) % 2:
        bits[parity] = 1
    return bits


class LtcWriter:
    """LTC audio generated block by block: ``render(frames)`` continues where the last block ended;
    ``locate(tc, into)`` moves to another timecode (a jump or a seek), ``into`` of the way into it.

    Vectorised per LTC frame (no per-sample Python): a level is the parity of the transitions before
    it, one at each bit cell's start and one in the middle of each cell holding a 1. With the polarity
    bit every frame holds an even number of transitions, so each frame starts on the same level.
    """

    def __init__(self, rate: int, fps: Fps, level: float = 0.5, start: Timecode | None = None) -> None:
        self.rate = rate
        self.fps = fps
        self.level = level
        self._cell = rate / (fps.real * 80)  # samples per bit cell
        self.locate(start or ZERO)

    def locate(self, tc: Timecode, into: float = 0.0) -> None:
        self._count = to_frames(tc, self.fps)
        self._phase = min(max(into, 0.0), 1.0) * 80  # position in the LTC frame, in bit cells
        self._load()

    def _load(self) -> None:
        self.current = from_frames(self._count, self.fps)
        self._bits = ltc_bits(self.current, self.fps).astype(np.int64)
        self._ones_before = np.concatenate(([0], np.cumsum(self._bits)[:-1]))

    def render(self, frames: int) -> np.ndarray:
        """``frames`` samples of LTC (float32 square wave)."""
        out = np.empty(frames, dtype=np.float32)
        done = 0
        while done < frames:
            if self._phase >= 80.0 - 1e-9:
                self._phase -= 80.0
                self._count += 1
                self._load()
            n = min(frames - done, max(1, math.ceil((80.0 - self._phase) * self._cell - 1e-9)))
            ph = self._phase + np.arange(n) / self._cell
            cells = np.minimum(ph.astype(np.int64), 79)
            mid = (ph - cells) >= 0.5
            count = cells + 1 + self._ones_before[cells] + (self._bits[cells] & mid)
            out[done:done + n] = np.where(count % 2, -self.level, self.level)
            self._phase += n / self._cell
            done += n
        return out


def decode_ltc(signal: np.ndarray, rate: int, fps: Fps) -> list[tuple[int, Timecode]]:
    """Every complete LTC frame in ``signal``: (sample where its sync word ended, timecode)."""
    sign = np.signbit(signal)
    edges = np.flatnonzero(sign[1:] != sign[:-1]) + 1
    if len(edges) < 3:
        return []
    widths = np.diff(edges)
    cell = rate / (fps.real * 80)
    bits: list[int] = []
    ends: list[int] = []
    whole = widths > 0.75 * cell
    i = 0
    while i < len(widths):
        if whole[i]:  # a whole cell: a zero
            bits.append(0)
            ends.append(int(edges[i + 1]))
            i += 1
        elif i + 1 < len(widths) and not whole[i + 1]:  # two half cells: a one
            bits.append(1)
            ends.append(int(edges[i + 2]))
            i += 2
        else:  # a lone half cell: we started in the middle of a one; skip it
            i += 1
    found = []
    word = 0
    for k, bit in enumerate(bits):
        word = ((word << 1) | bit) & 0xFFFF
        if word == 0x3FFD and k >= 79:  # the sync word as received, first bit first
            frame = bits[k - 79:k - 15]
            value = [sum(frame[at + j] << j for j in range(width)) for at, width in
                     ((0, 4), (8, 2), (16, 4), (24, 3), (32, 4), (40, 3), (48, 4), (56, 2))]
            tc = Timecode(value[7] * 10 + value[6], value[5] * 10 + value[4], value[3] * 10 + value[2],
                          value[1] * 10 + value[0])
            found.append((ends[k], tc))
    return found
