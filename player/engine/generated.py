"""Sources made from the tempo map instead of a file: the click, the spoken cues and the count-in.

They behave like a stem (``StemSource``'s interface), so the deck streams them into the ring beside
the files and the mixer routes them like any stem: sample-exact on the tempo map, on their own bus,
with their own level, and the callback does nothing new. Each sound starts on the exact frame of its
beat; sounds that straddle a read are continued in the next one.
"""

from __future__ import annotations

import copy

import numpy as np

from player.engine.sounds import Sounds
from player.setlist.generate import NUMBERS, words_for
from player.setlist.tempo import Span, TempoMap

WORD_GAP = 0.03  # seconds between two words of one cue ("chorus" ... "two")


class ScheduledSource:
    """A mono source of short sounds at fixed frames. Subclasses say which sounds fall in a range."""

    channels = 1
    error = ""
    follows_length = True  # the deck sets ``length`` to the song's (files') length

    def __init__(self, rate: int, longest: int) -> None:
        self.rate = rate
        self.length = 0
        self.pos = 0
        self._longest = longest  # frames of the longest sound: how far back a sound may start
        self._buf = np.zeros(0, dtype=np.float32)

    def events(self, start: int, end: int) -> list[tuple[int, np.ndarray]]:
        """(frame, samples) of every sound starting in [start, end)."""
        raise NotImplementedError

    def fresh(self) -> ScheduledSource:
        """The same sounds, unread, for another deck (the schedule is shared: it never changes)."""
        clone = copy.copy(self)
        clone.pos, clone.length = 0, 0
        clone._buf = np.zeros(0, dtype=np.float32)
        return clone

    def seek(self, frame: int) -> None:
        self.pos = frame

    def unread(self, data: np.ndarray) -> None:
        self.pos -= len(data)  # generated again on the next read, identically

    def read(self, frames: int) -> np.ndarray:
        if len(self._buf) < frames:
            self._buf = np.zeros(frames, dtype=np.float32)
        out = self._buf[:frames]
        out.fill(0.0)
        start, end = self.pos, self.pos + frames
        for frame, samples in self.events(start - self._longest, min(end, self.length)):
            lo, hi = max(frame, start), min(frame + len(samples), end)
            if lo < hi:
                out[lo - start:hi - start] += samples[lo - frame:hi - frame]
        self.pos = end
        return out[:, None]

    def close(self) -> None:
        pass


class ClickSource(ScheduledSource):
    """The song's click from bar 1: accent on each downbeat, ``per_pulse`` subdivisions."""

    def __init__(self, tempo: TempoMap, sounds: Sounds, per_pulse: int = 1) -> None:
        super().__init__(tempo.rate, max(len(s) for s in sounds.click.values()))
        self.tempo, self.sounds, self.per_pulse = tempo, sounds, per_pulse

    def events(self, start: int, end: int) -> list[tuple[int, np.ndarray]]:
        click = self.sounds.click
        return [(b.frame, click["accent"] if b.beat == 1 else click["beat"] if b.sub == 0
                 else click["sub"])
                for b in self.tempo.beats(max(0, start), end, self.per_pulse)]


class CountInSource(ScheduledSource):
    """The bars before bar 1: a click on every pulse and the count spoken ("one, two, three, four")."""

    def __init__(self, tempo: TempoMap, sounds: Sounds, bars: int) -> None:
        longest = max(len(s) for s in (*sounds.click.values(), *sounds.words.values()))
        super().__init__(tempo.rate, longest)
        self.tempo, self.sounds = tempo, sounds
        self.first = tempo.frame_at(-bars) if bars else 0

    def events(self, start: int, end: int) -> list[tuple[int, np.ndarray]]:
        out: list[tuple[int, np.ndarray]] = []
        for b in self.tempo.beats(max(start, self.first), min(end, 0)):
            out.append((b.frame, self.sounds.click["accent" if b.beat == 1 else "beat"]))
            if 1 <= b.beat <= len(NUMBERS):
                out.append((b.frame, self.sounds.words[NUMBERS[b.beat - 1]]))
        return out


class CueSource(ScheduledSource):
    """Each section's name spoken ``lead_bars`` before it starts (on that bar's downbeat)."""

    def __init__(self, tempo: TempoMap | None, sounds: Sounds, spans: list[Span], lead_bars: int,
                 rate: int, skip: frozenset[int] = frozenset()) -> None:
        longest = max(len(s) for s in sounds.words.values()) * 2 + int(WORD_GAP * rate)
        super().__init__(rate, longest)
        self.schedule: list[tuple[int, np.ndarray]] = []
        for span in spans:
            words = words_for(span.name)
            if not words or span.index in skip:
                continue
            if tempo is not None:
                bar = tempo.add_bars(tempo.locate(span.start).bar, -lead_bars)
                at = tempo.frame_at(bar) if lead_bars else span.start
            else:
                at = span.start - round(lead_bars * 2.0 * rate)  # no tempo: two seconds a bar
            if at < 0:
                continue  # before the song: the count-in speaks then
            for word in words:
                samples = sounds.words[word]
                self.schedule.append((at, samples))
                at += len(samples) + int(WORD_GAP * rate)
        self.schedule.sort(key=lambda e: e[0])
        self._frames = np.array([f for f, _ in self.schedule], dtype=np.int64)

    def events(self, start: int, end: int) -> list[tuple[int, np.ndarray]]:
        lo, hi = np.searchsorted(self._frames, [start, end])
        return self.schedule[int(lo):int(hi)]
