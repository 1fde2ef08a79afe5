"""Musical time: where every bar and beat of a song falls, in frames at a given rate.

One map serves the click generator, the spoken cues, quantized jumps, the status (bar.beat) and the
MIDI clock, so they can never disagree. A map is a list of segments, each starting on a bar with a
meter and either a steady tempo or a ramp. In a ramp the tempo changes linearly with each pulse
(``bpm(x) = b0 + (b1 - b0) x / L``), so time is ``60 L / (b1 - b0) * ln(bpm(x) / b0)`` in closed form:
no numerical integration, and beat positions are exact at any rate. Frame ``f`` is ``round(t * rate)``.
Frames before 0 (a count-in) continue the first bar's tempo backwards: bars -1, -2, ...
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from player.setlist.song import Song, Tempo


@dataclass(frozen=True)
class _Segment:
    bar: int  # first bar (1-based)
    t0: float  # seconds at its start
    q0: float  # quarter notes at its start
    beats: int  # pulses per bar
    pulse_q: float  # quarter notes per pulse
    bpm0: float
    bpm1: float  # == bpm0 unless ramping
    length: float  # pulses of the ramp (math.inf for a steady tempo)
    meter: str

    def time(self, x: float) -> float:
        """Seconds from the segment's start to pulse ``x``."""
        if self.bpm1 == self.bpm0:
            return x * 60.0 / self.bpm0
        d = self.bpm1 - self.bpm0
        return 60.0 * self.length / d * math.log1p(d * x / (self.length * self.bpm0))

    def pulses(self, t: float) -> float:
        """Inverse of ``time``."""
        if self.bpm1 == self.bpm0:
            return t * self.bpm0 / 60.0
        d = self.bpm1 - self.bpm0
        return self.length * self.bpm0 / d * math.expm1(t * d / (60.0 * self.length))

    def bpm(self, x: float) -> float:
        if self.bpm1 == self.bpm0:
            return self.bpm0
        return self.bpm0 + (self.bpm1 - self.bpm0) * min(max(x, 0.0), self.length) / self.length


@dataclass(frozen=True)
class Where:
    """A position in musical terms. ``bar`` is 1-based; count-in bars are -1, -2, ..."""

    bar: int
    beat: int  # 1-based pulse within the bar
    beats_in_bar: int
    bpm: float
    fraction: float  # of the way to the next pulse, 0..1
    meter: str


@dataclass(frozen=True)
class Beat:
    frame: int
    bar: int
    beat: int  # 1-based; 0 for a subdivision between pulses
    sub: int  # 0 on the pulse, 1.. for subdivisions


@dataclass(frozen=True)
class Span:
    """A section laid out in frames: where it starts and ends (the next section's start, or the end)."""

    index: int
    name: str
    start: int
    end: int
    color: str


class TempoMap:
    """Bars and beats of one song at one sample rate."""

    def __init__(self, tempo: Tempo, rate: int) -> None:
        self.rate = rate
        beats = tempo.beats_per_bar
        meter = tempo.time_signature
        pulse_q = _pulse_quarters(meter, beats)
        bpm = tempo.bpm
        segs: list[_Segment] = []
        bar, t, q = 1, 0.0, 0.0

        def close(until_bar: int) -> None:
            nonlocal t, q
            last = segs[-1]
            x = (until_bar - last.bar) * last.beats
            t = last.t0 + last.time(x)
            q = last.q0 + x * last.pulse_q

        segs.append(_Segment(1, 0.0, 0.0, beats, pulse_q, bpm, bpm, math.inf, meter))
        for change in tempo.changes:
            close(change.bar)
            bar = change.bar
            new_meter = change.time_signature or meter
            new_beats = change.beats or (beats if change.time_signature is None
                                         else int(new_meter.split("/")[0]))
            new_pulse_q = _pulse_quarters(new_meter, new_beats)
            current = bpm * pulse_q / new_pulse_q  # same note-value tempo in the new pulse
            meter, beats, pulse_q = new_meter, new_beats, new_pulse_q
            target = change.bpm if change.bpm is not None else current
            if change.ramp_bars:
                segs.append(_Segment(bar, t, q, beats, pulse_q, current, target,
                                     float(change.ramp_bars * beats), meter))
                close(bar + change.ramp_bars)
                bar += change.ramp_bars
            bpm = target
            segs.append(_Segment(bar, t, q, beats, pulse_q, bpm, bpm, math.inf, meter))
        self._segments = segs
        self._starts = [s.t0 for s in segs]
        self._bars = [s.bar for s in segs]
        self._quarters = [s.q0 for s in segs]

    @classmethod
    def of(cls, song: Song, rate: int) -> TempoMap | None:
        return cls(song.tempo, rate) if song.tempo is not None else None

    # --- bars -> time ----------------------------------------------------------------------------
    def _segment_of_bar(self, bar: int) -> _Segment:
        return self._segments[max(0, bisect.bisect_right(self._bars, bar) - 1)]

    def seconds_at(self, bar: int, beat: float = 1.0) -> float:
        """Seconds from the song's first sample to ``bar`` (1-based; -1 is the bar before bar 1)."""
        if bar <= 0:
            bar += 1  # no bar 0: -1 is the count-in bar just before bar 1
        seg = self._segment_of_bar(bar)
        return seg.t0 + seg.time((bar - seg.bar) * seg.beats + (beat - 1))

    @staticmethod
    def add_bars(bar: int, delta: int) -> int:
        """``bar`` moved by ``delta`` bars, skipping the bar 0 that does not exist (1 - 1 = -1)."""
        ordinal = bar - 1 if bar > 0 else bar  # bars ..., -2, -1, 1, 2 -> ..., -2, -1, 0, 1
        ordinal += delta
        return ordinal + 1 if ordinal >= 0 else ordinal

    def frame_at(self, bar: int, beat: float = 1.0) -> int:
        return round(self.seconds_at(bar, beat) * self.rate)

    # --- time -> bars ----------------------------------------------------------------------------
    def _segment_at(self, seconds: float) -> _Segment:
        return self._segments[max(0, bisect.bisect_right(self._starts, seconds) - 1)]

    def pulses_at(self, frame: float) -> tuple[_Segment, float]:
        """The segment holding ``frame`` and the (fractional) pulses since its start."""
        t = frame / self.rate
        seg = self._segment_at(t)
        return seg, seg.pulses(t - seg.t0)

    def locate(self, frame: float) -> Where:
        # Half a frame later: a beat's frame is its exact time rounded, so it counts as that beat.
        seg, x = self.pulses_at(frame + 0.5)
        whole = math.floor(x)
        bar = seg.bar + whole // seg.beats
        if bar <= 0:
            bar -= 1
        return Where(bar, whole % seg.beats + 1, seg.beats, seg.bpm(x), x - whole, seg.meter)

    def quarters_at(self, frame: float) -> float:
        """Quarter notes from the song's first sample (MIDI clock: 24 pulses per quarter)."""
        seg, x = self.pulses_at(frame)
        return seg.q0 + x * seg.pulse_q

    def frame_at_quarters(self, quarters: float) -> float:
        seg = self._segments[max(0, bisect.bisect_right(self._quarters, quarters) - 1)]
        return (seg.t0 + seg.time((quarters - seg.q0) / seg.pulse_q)) * self.rate

    # --- beats in a range ------------------------------------------------------------------------
    def beats(self, start: int, end: int, per_pulse: int = 1) -> list[Beat]:
        """Every pulse (and ``per_pulse - 1`` subdivisions of it) with ``start <= frame < end``."""
        out: list[Beat] = []
        first_seg, x0 = self.pulses_at(start)
        i = self._segments.index(first_seg)
        for seg in self._segments[i:]:
            if seg is not first_seg and seg.t0 * self.rate >= end:
                break
            nxt = self._segments[self._segments.index(seg) + 1].t0 if seg is not self._segments[-1] \
                else math.inf
            k = math.floor(x0 * per_pulse) - 1 if seg is first_seg else 0
            while True:
                x = k / per_pulse
                t = seg.t0 + seg.time(x)
                if t >= nxt - 1e-12:
                    break
                frame = round(t * self.rate)
                if frame >= end:
                    return out
                if frame >= start:
                    whole = math.floor(x + 1e-9)
                    sub = k % per_pulse
                    bar = seg.bar + whole // seg.beats
                    if bar <= 0:
                        bar -= 1
                    out.append(Beat(frame, bar, whole % seg.beats + 1 if sub == 0 else 0, sub))
                k += 1
        return out

    def next_beat(self, frame: int) -> int:
        """The first pulse at or after ``frame``."""
        seg, x = self.pulses_at(frame)
        k = math.ceil(x - 1e-9)
        f = round((seg.t0 + seg.time(k)) * self.rate)
        return f if f >= frame else round((seg.t0 + seg.time(k + 1)) * self.rate)

    def next_bar(self, frame: int) -> int:
        """The first downbeat at or after ``frame``."""
        where = self.locate(frame)
        here = self.frame_at(where.bar)
        if here >= frame:
            return here
        nxt = where.bar + 1 if where.bar != -1 else 1
        return self.frame_at(nxt)

    def bar_of(self, frame: int) -> int:
        return self.locate(frame).bar


def _pulse_quarters(meter: str, beats: int) -> float:
    top, bottom = (int(v) for v in meter.split("/"))
    return top / beats * 4.0 / bottom


def section_at(spans: Sequence[Span], frame: float) -> int:
    """Index into ``spans`` (in playing order) of the section playing at ``frame`` (-1 before the first)."""
    found = -1
    for i, span in enumerate(spans):
        if span.start <= frame:
            found = i
    return found


def sections(song: Song, rate: int, length: int) -> list[Span]:
    """The song's sections in frames, in playing order; each ends where the next begins."""
    tm = TempoMap.of(song, rate)
    starts: list[tuple[int, int]] = []
    for i, s in enumerate(song.sections):
        if s.seconds is not None:
            starts.append((round(s.seconds * rate), i))
        elif tm is not None and s.bar is not None:
            starts.append((tm.frame_at(s.bar), i))
    starts.sort()
    spans = []
    for n, (start, i) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else max(length, start)
        s = song.sections[i]
        spans.append(Span(i, s.name, start, end, s.color))
    return spans
