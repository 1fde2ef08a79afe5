"""A song: a folder of stems, described by ``song.toml`` or guessed from its file names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from player.setlist.problems import LoadError, Problem, Severity
from player.setlist.roles import Role, guess_name, guess_role
from player.setlist.strict import Strict
from player.setlist.tomlfile import load_model

SONG_FILE = "song.toml"
MAX_BARS = 9_999  # 83 minutes at 480 bpm in 4/4: longer than any song, far below what breaks the maths
MAX_SECONDS = 24 * 3600.0
AUDIO_EXTENSIONS = frozenset({".wav", ".wave", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".mp3"})


_METER = re.compile(r"\s*(\d{1,2})\s*/\s*(1|2|4|8|16|32)\s*")


def _check_meter(value: str) -> str:
    m = _METER.fullmatch(value)
    if not m or int(m.group(1)) == 0:
        raise ValueError("time signature must look like '4/4', '3/4', '6/8' or '7/8'")
    return f"{int(m.group(1))}/{m.group(2)}"


class TempoChange(Strict):
    """A change at a bar: a new tempo (at once, or reached over ``ramp_bars``), a new meter, or both.

    Without ``bpm`` a meter change keeps the note-value tempo: a quarter note lasts as long as before
    (4/4 at 120 into 7/8 counts eighths at 240).
    """

    bar: int = Field(ge=2, le=MAX_BARS)
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


class Tempo(Strict):
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


class Section(Strict):
    """A named part of the song, starting at a bar (1-based) or at a time in seconds."""

    name: str = Field(min_length=1)
    bar: int | None = Field(default=None, ge=1, le=MAX_BARS)
    seconds: float | None = Field(default=None, ge=0, le=MAX_SECONDS)
    color: str = ""  # shown on the timeline: a colour name ("red") or "#rrggbb"; "" picks by name
    cue: bool = True  # speak its name before it starts (generated guide)
    midi: list[MidiMessage] = []  # sent on the rig's MIDI output when the section starts

    @model_validator(mode="after")
    def _one_start(self) -> Section:
        if (self.bar is None) == (self.seconds is None):
            raise ValueError("give the section exactly one of `bar = N` or `seconds = S`")
        return self


class Stem(Strict):
    """One audio file of the song and how it enters the mix."""

    file: str = Field(min_length=1)
    name: str | None = None
    role: Role = Role.OTHER
    gain_db: float = Field(default=0.0, ge=-96, le=24)
    pan: float = Field(default=0.0, ge=-1, le=1)
    mute: bool = False
    bus: str | None = None
    # A split-mono pair: ``file`` is the left side and ``right`` the right one; they play as one
    # stereo stem, hard left and right (not two mono stems in the centre, 3 dB louder and narrow).
    right: str | None = Field(default=None, min_length=1)
    # ``transpose = false``: never pitch-shifted (only time-stretched) when the song is transposed.
    transpose: bool = Field(default=True, strict=True)

    @model_validator(mode="after")
    def _two_sides(self) -> Stem:
        if self.right is not None and self.right == self.file:
            raise ValueError("`right` names the same file as `file`: give the right side's file")
        return self

    @property
    def display_name(self) -> str:
        return self.name or guess_name(self.file)

    @property
    def files(self) -> list[str]:
        """Every file the stem plays: one, or the left and right sides of a split-mono pair."""
        return [self.file] if self.right is None else [self.file, self.right]


class MidiMessage(Strict):
    """A MIDI message to send, in the rig's MIDI output (channels 1-16 as printed on devices)."""

    type: Literal["program_change", "control_change", "note_on", "note_off"]
    channel: int = Field(default=1, ge=1, le=16)
    program: int | None = Field(default=None, ge=0, le=127)
    control: int | None = Field(default=None, ge=0, le=127)
    value: int | None = Field(default=None, ge=0, le=127)
    note: int | None = Field(default=None, ge=0, le=127)
    velocity: int | None = Field(default=None, ge=0, le=127)


Section.model_rebuild()  # its ``midi`` field names MidiMessage, defined after it


class SongMidi(Strict):
    """MIDI sent when the song is loaded (patch changes) and when it starts (lights, lyrics)."""

    on_load: list[MidiMessage] = []
    on_start: list[MidiMessage] = []


class LyricLine(Strict):
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


class Generate(Strict):
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


class Song(Strict):
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
    end_bar: int | None = Field(default=None, ge=2, le=MAX_BARS)
    lyrics: list[LyricLine] = []  # used when the folder has no lyrics.lrc (player.lyrics)
    # Play it in another key or at another speed (a setlist entry's own values win): semitones, factor.
    transpose: int = Field(default=0, ge=-12, le=12, strict=True)
    tempo_factor: float = Field(default=1.0, ge=0.5, le=2.0)  # `tempo` is the [tempo] map here

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

    def right_path(self, stem: Stem) -> Path | None:
        """The right side's file of a split-mono pair, else None."""
        return self.path / stem.right if stem.right else None


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


def audio_files(folder: Path) -> list[str]:
    """The audio files of a folder by name, without hidden ones.

    macOS leaves ``._Click.wav`` (4 KB of resource fork) beside every file copied to a FAT or exFAT
    stick, and ``.Trash`` and editors' backups hide the same way: none of them is a stem.
    """
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    return sorted(p.name for p in entries
                  if not p.name.startswith(".") and p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file())


# "Keys.L.wav", "Keys L.wav", "Keys_L.wav", "Keys-Left.wav", "Keys (L).wav": the side after a separator.
_SIDE = re.compile(r"^(?P<base>.*?\S)[ ._-]+\(?(?P<side>l|r|left|right)\)?$", re.IGNORECASE)


def split_mono_pairs(files: list[str]) -> list[tuple[str, str | None]]:
    """``(left, right)`` for each left/right pair of mono files, ``(file, None)`` for the rest, in order.

    A side pairs only with the other side of the same name and extension; a lone ``Keys L`` stays mono.
    """
    sides: dict[tuple[str, str, str], str] = {}
    for f in files:
        name, ext = (f.rsplit(".", 1) + [""])[:2]
        m = _SIDE.match(name)
        if m:
            sides[(m.group("base").lower(), ext.lower(), m.group("side")[0].lower())] = f
    paired: dict[str, str | None] = {}
    for (base, ext, side), left in sides.items():
        right = sides.get((base, ext, "r"))
        if side == "l" and right is not None:
            paired[left], paired[right] = right, None
    out: list[tuple[str, str | None]] = []
    for f in files:
        if f not in paired:
            out.append((f, None))
        elif paired[f] is not None:
            out.append((f, paired[f]))
    return out


def guess_song(folder: Path) -> Song:
    """A song made of every audio file in the folder, roles guessed from the names."""
    files = audio_files(folder)
    if not files:
        raise LoadError([Problem(Severity.ERROR, f"no {SONG_FILE} and no audio files in the folder.",
                                 folder, fix=f"add the stems (WAV, FLAC, OGG, AIFF) or a {SONG_FILE}.")])
    stems = []
    for left, right in split_mono_pairs(files):
        if right is None:
            stems.append(Stem(file=left, role=guess_role(left)))
        else:
            base = _SIDE.match(left.rsplit(".", 1)[0])
            name = base.group("base") if base else left
            stems.append(Stem(file=left, right=right, role=guess_role(name), name=guess_name(name)))
    return Song(title=folder.name, stems=stems)
