"""What the screens show about the setlist, read in the UI process: titles, keys, tempi, sections, stems.

Built on ``player.setlist`` alone: a row holds the loaded song, its sections are ``tempo.Span``s at
``TEMPO_RATE`` (given a colour), its stems the song's ``Stem``s plus their files' headers. No Textual
here: tests and benchmarks build these without a terminal. Nothing raises for bad files: a song that
does not load becomes a row with its problems.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import soundfile as sf

from player.setlist import tempo
from player.setlist.problems import LoadError, Problem
from player.setlist.rig import load_rig
from player.setlist.setlist import Entry, SetlistFile, load_setlist
from player.setlist.song import SongFolder, Stem, load_song
from player.setlist.tempo import Span, TempoMap

TEMPO_RATE = 48000  # frames per second of the UI's own tempo maps and section spans
# Section colours when a song names none: distinct under stage light, in order.
PALETTE = ("dodger_blue2", "dark_orange", "green3", "magenta", "gold1", "cyan", "red1", "purple")


@dataclass(frozen=True)
class StemRow:
    """One stem as the mixer shows it: the song file's stem, plus what its audio file's header says.
    ``column`` is its first column in the status's ``stem_peaks``."""

    index: int
    stem: Stem
    channels: int
    column: int


@dataclass
class SongRow:
    """One song of the running order as the screens show it: the loaded song (``folder``, None when it
    does not load), its stems' headers, and its sections laid out at ``TEMPO_RATE``."""

    index: int  # 0-based position in the setlist
    title: str
    path: str  # as written in the setlist
    seconds: float | None
    sections: list[Span] = field(default_factory=list)  # in playing order, each with a colour
    stems: list[StemRow] = field(default_factory=list)
    skip: bool = False
    problems: list[Problem] = field(default_factory=list)
    folder: SongFolder | None = None
    entry: Entry | None = None
    tempo_map: TempoMap | None = None  # at TEMPO_RATE, when the song has a tempo

    @property
    def length(self) -> str:
        return clock(self.seconds) if self.seconds is not None else "--:--"

    @property
    def key(self) -> str:
        return self.folder.song.key if self.folder else ""

    @property
    def bpm(self) -> float:
        song_tempo = self.folder.song.tempo if self.folder else None
        return song_tempo.bpm if song_tempo else 0.0

    @property
    def meter(self) -> str:
        song_tempo = self.folder.song.tempo if self.folder else None
        return song_tempo.time_signature if song_tempo else ""


@dataclass
class Show:
    """The loaded setlist: its file, title, rig name and songs in running order."""

    path: Path
    title: str
    rig: str
    songs: list[SongRow]
    file: SetlistFile | None = None
    problems: list[Problem] = field(default_factory=list)
    buses: dict[str, list[int]] = field(default_factory=dict)  # the rig's: name -> output channels
    rig_path: Path | None = None

    def song(self, index: int) -> SongRow | None:
        return self.songs[index] if 0 <= index < len(self.songs) else None

    def next_playable(self, index: int, step: int = 1) -> int | None:
        """The next song that is not skipped, after ``index`` in the direction of ``step``."""
        i = index + step
        while 0 <= i < len(self.songs):
            if not self.songs[i].skip:
                return i
            i += step
        return None

    def seconds_left(self, index: int, position: float) -> float:
        """Time left in the set: the rest of song ``index`` and every later song not skipped."""
        total = 0.0
        for row in self.songs[max(index, 0):]:
            if row.skip and row.index != index:
                continue
            total += row.seconds or 0.0
        if 0 <= index < len(self.songs):
            total -= min(position, self.songs[index].seconds or 0.0)
        return max(total, 0.0)


def clock(seconds: float | None) -> str:
    """``m:ss`` (``h:mm:ss`` past an hour) of whole seconds, never negative."""
    if seconds is None:
        return "--:--"
    s = max(int(seconds), 0)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def load_show(path: Path, rig: str | None = None) -> Show:
    """Read the setlist and each song's folder (headers only: fast enough for a cold start)."""
    try:
        setlist = load_setlist(path)
    except LoadError as exc:
        return Show(path, path.name, "default", [], None, exc.problems)
    rows = [song_row(i, setlist, entry) for i, entry in enumerate(setlist.setlist.songs)]
    show = Show(path, setlist.setlist.title, rig or setlist.setlist.rig, rows, setlist)
    try:
        show.rig_path, loaded = load_rig(show.rig, path)
        show.buses = {name: list(channels) for name, channels in loaded.buses.items()}
    except LoadError as exc:
        show.problems += exc.problems
    return show


def song_row(index: int, setlist: SetlistFile, entry: Entry) -> SongRow:
    folder = setlist.song_folder(entry)
    try:
        song = load_song(folder)
    except LoadError as exc:
        return SongRow(index, entry.path, entry.path, None, skip=entry.skip, problems=exc.problems,
                       entry=entry)
    stems: list[StemRow] = []
    seconds: float | None = None
    column = 0
    for i, stem in enumerate(song.song.stems):
        try:
            info = sf.info(str(song.stem_path(stem)))
            channels = 2 if stem.right else info.channels  # a split-mono pair plays as one stereo stem
            if info.samplerate:
                seconds = max(seconds or 0.0, info.frames / info.samplerate)
        except (OSError, RuntimeError):
            channels = 1  # missing: the engine reports it; the strip stays
        stems.append(StemRow(i, stem, channels, column))
        column += channels
    spans = tempo.sections(song.song, TEMPO_RATE, int((seconds or 0.0) * TEMPO_RATE))
    coloured = [dataclasses.replace(s, color=s.color or PALETTE[i % len(PALETTE)])
                for i, s in enumerate(spans)]
    return SongRow(index, song.song.title, entry.path, seconds, sections=coloured, stems=stems,
                   skip=entry.skip, folder=song, entry=entry,
                   tempo_map=TempoMap.of(song.song, TEMPO_RATE))


def span_position(spans: list[Span], section: int) -> int:
    """Where the engine's section index (into the song's sections) is in the playing-order spans."""
    return next((i for i, s in enumerate(spans) if s.index == section), -1)
