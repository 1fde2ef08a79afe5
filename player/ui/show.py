"""What the screens show about the setlist, read in the UI process: titles, keys, tempi, sections, stems.

No Textual here: the screens render these plain values, and tests and benchmarks build them without a
terminal. Nothing raises for bad files: a song that does not load becomes a row with its problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import soundfile as sf

from player.setlist.problems import LoadError, Problem
from player.setlist.rig import load_rig
from player.setlist.roles import Role
from player.setlist.setlist import Entry, SetlistFile, load_setlist
from player.setlist.song import SongFolder, load_song

# Section colours when a song names none: distinct under stage light, in order.
TEMPO_RATE = 48000  # frames per second of the UI's own tempo maps (positions come as seconds)
PALETTE = ("dodger_blue2", "dark_orange", "green3", "magenta", "gold1", "cyan", "red1", "purple")


@dataclass(frozen=True)
class Span:
    """A section in seconds from the song's start (``end`` is the next section's start or the song end)."""

    name: str
    start: float
    end: float
    color: str
    index: int = -1  # index into the song's sections (what the engine's status reports)


@dataclass(frozen=True)
class StemRow:
    """One stem as the mixer shows it; ``column`` is its first column in the status's ``stem_peaks``."""

    index: int
    name: str
    role: Role
    channels: int
    column: int
    gain_db: float
    pan: float
    mute: bool
    bus: str | None


@dataclass
class SongRow:
    """One song of the running order as the screens show it."""

    index: int  # 0-based position in the setlist
    title: str
    path: str  # as written in the setlist
    seconds: float | None
    key: str = ""
    bpm: float = 0.0
    meter: str = ""
    sections: list[Span] = field(default_factory=list)
    stems: list[StemRow] = field(default_factory=list)
    skip: bool = False
    problems: list[Problem] = field(default_factory=list)
    folder: SongFolder | None = None
    entry: Entry | None = None
    tempo_map: object | None = None  # player.setlist.tempo.TempoMap at TEMPO_RATE, when there is one

    @property
    def length(self) -> str:
        return clock(self.seconds) if self.seconds is not None else "--:--"


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
            channels = info.channels
            if info.samplerate:
                seconds = max(seconds or 0.0, info.frames / info.samplerate)
        except (OSError, RuntimeError):
            channels = 1  # missing: the engine reports it; the strip stays
        stems.append(StemRow(i, stem.display_name, stem.role, channels, column, stem.gain_db, stem.pan,
                             stem.mute, stem.bus))
        column += channels
    tempo = song.song.tempo
    try:
        from player.setlist.tempo import TempoMap

        tempo_map = TempoMap.of(song.song, TEMPO_RATE)
    except Exception:  # noqa: BLE001 - bar.beat is then left to the engine
        tempo_map = None
    return SongRow(index, song.song.title, entry.path, seconds, key=song.song.key,
                   bpm=tempo.bpm if tempo else 0.0, meter=tempo.time_signature if tempo else "",
                   sections=section_spans(song, seconds or 0.0), stems=stems, skip=entry.skip,
                   folder=song, entry=entry, tempo_map=tempo_map)


def section_spans(song: SongFolder, seconds: float) -> list[Span]:
    """Sections with their start and end in seconds; those whose start is unknown are left out."""
    try:  # the engine's tempo map, when it exists, knows tempo changes
        from player.setlist import tempo as tempo_map

        rate = TEMPO_RATE
        mapped = tempo_map.sections(song.song, rate, int(seconds * rate))
        return [Span(s.name, s.start / rate, s.end / rate, s.color or PALETTE[i % len(PALETTE)], s.index)
                for i, s in enumerate(mapped)]
    except Exception:  # noqa: BLE001 - not there yet, or a song it cannot map: fall back
        pass
    starts = []
    for k, section in enumerate(song.song.sections):
        at = song.song.section_seconds(section)
        if at is not None:
            starts.append((at, k, section.name))
    starts.sort()
    spans: list[Span] = []
    for i, (at, k, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else max(seconds, at)
        spans.append(Span(name, at, end, PALETTE[i % len(PALETTE)], k))
    return spans


def span_position(spans: list[Span], section: int) -> int:
    """Where the engine's section index (into the song's sections) is in the playing-order spans."""
    return next((i for i, s in enumerate(spans) if s.index == section), -1)


def section_at(spans: list[Span], seconds: float) -> int:
    """Index of the section playing at ``seconds`` (-1 before the first)."""
    found = -1
    for i, span in enumerate(spans):
        if span.start <= seconds:
            found = i
    return found
