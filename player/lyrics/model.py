"""Lyrics as the player uses them: lines with a start on the song's timeline, optionally timed words."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from player.setlist.problems import Problem


@dataclass(frozen=True)
class Word:
    """A word (or syllable) and when it is sung, in seconds from the song's first sample."""

    start: float
    text: str  # as written, with its spaces: syllables of one word join without one


@dataclass(frozen=True)
class Line:
    """One lyric line. ``words`` is empty unless the source times words (Enhanced LRC, .kar)."""

    start: float
    text: str
    words: tuple[Word, ...] = ()
    line: int | None = None  # where it was written (1-based), for problems
    end: float | None = None  # a closing word stamp, when the source gives one

    @property
    def bare(self) -> str:
        """The line as one plain string: what a screen shows without word timing."""
        return " ".join(self.text.split())


@dataclass(frozen=True)
class Lyrics:
    """A song's lyrics in time order, where they came from, and what was wrong with the file."""

    lines: tuple[Line, ...] = ()
    source: Path | None = None
    kind: str = ""  # "lrc", "enhanced", "toml", "midi" or "" (none)
    problems: tuple[Problem, ...] = field(default=())
    meta: dict[str, str] = field(default_factory=dict)  # LRC tags: ti, ar, al, by, length...

    @property
    def timed_words(self) -> bool:
        return any(line.words for line in self.lines)


NO_LYRICS = Lyrics()
