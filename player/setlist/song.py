"""A song: a folder of stems, described by ``song.toml`` or guessed from its file names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from player.setlist.problems import LoadError, Problem, Severity
from player.setlist.roles import Role, guess_name, guess_role
from player.setlist.tomlfile import load_model

SONG_FILE = "song.toml"
AUDIO_EXTENSIONS = frozenset({".wav", ".wave", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".mp3"})


class _Strict(BaseModel):
    # Unknown fields are errors: a typo ("gain_bd") must not silently fall back to a default on stage.
    model_config = ConfigDict(extra="forbid", frozen=True)


_METER = re.compile(r"\s*(\d{1,2})\s*/\s*(1|2|4|8|16|32)\s*")


def _check_meter(value: str) -> str:
    m = _METER.fullmatch(value)
    if not m or int(m.group(1)) == 0:
        raise ValueError("time signature must look like '4/4', '3/4', '6/8' or '7/8'")
    return f"{int(m.group(1))}/{m.group(2)}"


class TempoChange(_Strict):
    """A change at a bar: a new tempo (at once, or reached over ``ramp_bars``), a new meter, or both.

    Without ``bpm`` a meter change keeps the note-value tempo: a quarter note lasts as long as before
    (4/4 at 120 into 7/8 counts eighths at 240).
    """

    bar: int = Field(ge=2)
    bpm: float | None = Field(default=None, gt=0, le=999)
    ramp_bars: int = Field(default=0, ge=0, le=256)
    time_signature: str | None = None
    beats: int | None = Field(default=None, ge=1, le=32)

    @field_validator("time_signature")
    @classmethod
    def _meter(cls, value: str | None) -> str | None:
        return None if value is None else _check_meter(value)

    @model_validator(mode="after")
    def _something(self) -> TempoChange:
        if self.bpm is None and self.time_signature is None and self.beats is None:
            raise ValueError("a tempo change needs `bpm`, `time_signature` or `beats`")
        if self.ramp_bars and self.bpm is None:
            raise ValueError("`ramp_bars` needs the `bpm` to ramp to")
        return self


class Tempo(_Strict):
    """The tempo map: start tempo and meter, then changes at bars.

    ``bpm`` counts click pulses. By default a bar has as many pulses as the time signature's top number
    and ``bpm`` counts the bottom note (quarters in 4/4, eighths in 7/8); ``beats = 2`` in 6/8 clicks
    the two felt beats, and ``bpm`` then counts dotted quarters.
    """

    bpm: float = Field(gt=0, le=999)
    time_signature: str = "4/4"
    beats: int | None = Field(default=None, ge=1, le=32)
    changes: list[TempoChange] = []

    @field_validator("time_signature")
    @classmethod
    def _meter(cls, value: str) -> str:
        return _check_meter(value)

    @model_validator(mode="after")
    def _ordered(self) -> Tempo:
        last_bar, free_from = 1, 2
        for change in self.changes:
            if change.bar <= last_bar or change.bar < free_from:
                raise ValueError(f"tempo change at bar {change.bar} comes before or inside the one "
                                 "above it: list changes in bar order, after any ramp has finished")
            last_bar, free_from = change.bar, change.bar + change.ramp_bars
        return self

    @property
    def beats_per_bar(self) -> int:
        return self.beats or int(self.time_signature.split("/")[0])

    @property
    def bar_seconds(self) -> float:
        """The first bar's length (the whole song's when the tempo never changes)."""
        return self.beats_per_bar * 60.0 / self.bpm


class Section(_Strict):
    """A named part of the song, starting at a bar (1-based) or at a time in seconds."""

    name: str = Field(min_length=1)
    bar: int | None = Field(default=None, ge=1)
    seconds: float | None = Field(default=None, ge=0)
    color: str = ""  # shown on the timeline: a colour name ("red") or "#rrggbb"; "" picks by name
    cue: bool = True  # speak its name before it starts (generated guide)
    midi: list[MidiMessage] = []  # sent on the rig's MIDI output when the section starts

    @model_validator(mode="after")
    def _one_start(self) -> Section:
        if (self.bar is None) == (self.seconds is None):
            raise ValueError("give the section exactly one of `bar = N` or `seconds = S`")
        return self


class Stem(_Strict):
    """One audio file of the song and how it enters the mix."""

    file: str = Field(min_length=1)
    name: str | None = None
    role: Role = Role.OTHER
    gain_db: float = Field(default=0.0, ge=-96, le=24)
    pan: float = Field(default=0.0, ge=-1, le=1)
    mute: bool = False
    bus: str | None = None

    @property
    def display_name(self) -> str:
        return self.name or guess_name(self.file)


class MidiMessage(_Strict):
    """A MIDI message to send, in the rig's MIDI output (channels 1-16 as printed on devices)."""

    type: Literal["program_change", "control_change", "note_on", "note_off"]
    channel: int = Field(default=1, ge=1, le=16)
    program: int | None = Field(default=None, ge=0, le=127)
    control: int | None = Field(default=None, ge=0, le=127)
    value: int | None = Field(default=None, ge=0, le=127)
    note: int | None = Field(default=None, ge=0, le=127)
    velocity: int | None = Field(default=None, ge=0, le=127)


Section.model_rebuild()  # its ``midi`` field names MidiMessage, defined after it


class SongMidi(_Strict):
    """MIDI sent when the song is loaded (patch changes) and when it starts (lights, lyrics)."""

    on_load: list[MidiMessage] = []
    on_start: list[MidiMessage] = []


class LyricLine(_Strict):
    """A lyric line at a bar (it stays on its bar when the tempo changes) or at a time in seconds."""

    text: str
    bar: int | None = Field(default=None, ge=1)
    beat: float = Field(default=1.0, ge=1)
    seconds: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_start(self) -> LyricLine:
        if (self.bar is None) == (self.seconds is None):
            raise ValueError("give the lyric line exactly one of `bar = N` or `seconds = S`")
        return self


Switch = Literal["auto", "on", "off"]
Subdivision = Literal["none", "8th", "16th", "triplet"]
SUBDIVISIONS: dict[str, int] = {"none": 1, "8th": 2, "16th": 4, "triplet": 3}


class Generate(_Strict):
    """What the player generates from the tempo map and sections.

    ``auto``: a click when the song has no click stem, spoken cues when it has no guide stem.
    """

    click: Switch = "auto"
    guide: Switch = "auto"
    subdivision: Subdivision = "none"
    click_gain_db: float = Field(default=0.0, ge=-96, le=12)
    guide_gain_db: float = Field(default=0.0, ge=-96, le=12)
    cue_bars: int = Field(default=1, ge=0, le=4)  # section names are spoken this many bars early
    count_in: int = Field(default=0, ge=0, le=2)  # bars of click and spoken count before bar 1


class Song(_Strict):
    """The contents of ``song.toml``."""

    title: str = Field(min_length=1)
    artist: str = ""
    key: str = ""
    tempo: Tempo | None = None
    sections: list[Section] = []
    stems: list[Stem] = Field(min_length=1)
    midi: SongMidi = SongMidi()
    generate: Generate = Generate()
    # The bar line where the music ends (a segue starts the next song exactly there); default: the
    # file's end, rounded to the nearest bar line.
    end_bar: int | None = Field(default=None, ge=2)
    lyrics: list[LyricLine] = []  # used when the folder has no lyrics.lrc (player.lyrics)

    def section_seconds(self, section: Section) -> float | None:
        """Where a section starts, or None when it is given in bars and the song has no tempo."""
        if section.seconds is not None:
            return section.seconds
        if self.tempo is None or section.bar is None:
            return None
        from player.setlist.tempo import TempoMap

        return TempoMap(self.tempo, 1_000_000).seconds_at(section.bar)


@dataclass(frozen=True)
class SongFolder:
    """A loaded song with where it came from: paths in problems and stems are relative to ``path``."""

    path: Path
    song: Song
    toml: Path | None  # None when the stems were guessed from file names

    def stem_path(self, stem: Stem) -> Path:
        return self.path / stem.file


def load_song(folder: Path) -> SongFolder:
    """Load a song folder; raises ``LoadError`` naming the file, line and field of each problem."""
    if not folder.is_dir():
        raise LoadError([Problem(Severity.ERROR, f"song folder {folder.name!r} not found.", folder,
                                 fix="check the path in the setlist (it is relative to the "
                                     "setlist file).")])
    toml = folder / SONG_FILE
    if toml.is_file():
        return SongFolder(folder, load_model(Song, toml), toml)
    return SongFolder(folder, guess_song(folder), None)


def guess_song(folder: Path) -> Song:
    """A song made of every audio file in the folder, roles guessed from the names."""
    files = sorted(p.name for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS)
    if not files:
        raise LoadError([Problem(Severity.ERROR, f"no {SONG_FILE} and no audio files in the folder.",
                                 folder, fix=f"add the stems (WAV, FLAC, OGG, AIFF) or a {SONG_FILE}.")])
    stems = [Stem(file=f, role=guess_role(f)) for f in files]
    return Song(title=folder.name, stems=stems)
