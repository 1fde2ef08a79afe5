"""A setlist: the running order of a show, with per-song overrides for this show only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from player.setlist.problems import LoadError, Problem, Severity
from player.setlist.roles import Role
from player.setlist.song import SONG_FILE, Switch, audio_files
from player.setlist.strict import Strict
from player.setlist.tomlfile import load_model


class Transition(StrEnum):
    """What happens when a song ends: stop and cue the next, start the next after a pause, segue
    (the next song starts on this one's last bar line), or fade out over its last seconds and stop."""

    STOP = "stop"
    AUTO = "auto"
    SEGUE = "segue"
    FADE = "fade"


class Entry(Strict):
    """One song in the running order. ``path`` is relative to the setlist file."""

    path: str = Field(min_length=1)
    gain_db: float = Field(default=0.0, ge=-96, le=24)
    muted_roles: list[Role] = []
    skip: bool = False
    transition: Transition = Transition.STOP
    advance_after: float | None = Field(default=None, ge=0, le=600)
    fade_seconds: float | None = Field(default=None, gt=0, le=60)
    # This show's choice over the song's [generate] settings (None: the song's).
    click: Switch | None = None
    guide: Switch | None = None
    count_in: int | None = Field(default=None, ge=0, le=2)
    # Start this song in a mode (the rig's [modes] say which roles drop); None: keep the current one.
    mode: Literal["full", "karaoke", "instrumental"] | None = None
    # This show's key and tempo (None: the song's): semitones, and a factor of the song's tempo.
    transpose: int | None = Field(default=None, ge=-12, le=12, strict=True)
    tempo: float | None = Field(default=None, ge=0.5, le=2.0)

    @model_validator(mode="after")
    def _advance(self) -> Entry:
        if self.advance_after is not None and self.transition is not Transition.AUTO:
            raise ValueError('`advance_after` only applies with transition = "auto"')
        if self.fade_seconds is not None and self.transition is not Transition.FADE:
            raise ValueError('`fade_seconds` only applies with transition = "fade"')
        return self

    @property
    def pause_seconds(self) -> float:
        """Seconds between this song's end and the next one's start, for ``auto``."""
        return self.advance_after if self.advance_after is not None else 0.0


class Setlist(Strict):
    """The contents of ``setlists/NAME.toml``."""

    title: str = Field(min_length=1)
    rig: str = "default"
    songs: list[Entry] = Field(min_length=1)


@dataclass(frozen=True)
class SetlistFile:
    """A loaded setlist and its file, against which song paths resolve.

    ``folder``: made from a song folder or a folder of songs (``path`` is that folder), not a file.
    """

    path: Path
    setlist: Setlist
    folder: bool = False

    def song_folder(self, entry: Entry) -> Path:
        return ((self.path if self.folder else self.path.parent) / entry.path).resolve()


def load_setlist(path: Path) -> SetlistFile:
    """Read and validate a setlist; ``LoadError`` names the line and field of each problem.

    A folder is a setlist too: a song folder is a one-song show, a folder of song folders a show of
    them all in name order. So ``check``, ``play`` and ``render`` take whatever the band brought.
    """
    if path.is_dir():
        return folder_setlist(path)
    return SetlistFile(path, load_model(Setlist, path))


def is_song_folder(folder: Path) -> bool:
    """A folder with a song.toml, or with audio files (roles are then guessed from their names)."""
    return (folder / SONG_FILE).is_file() or bool(audio_files(folder))


def song_folders(folder: Path) -> list[Path]:
    """The song folders inside ``folder``, in name order ("2 ..." before "10 ..."), hidden ones left out."""
    try:
        subs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []
    return sorted((p for p in subs if is_song_folder(p)), key=lambda p: name_order(p.name))


def name_order(name: str) -> list[tuple[int, int | str]]:
    """Sort key: numbers by value, words without case, so "2 Intro" comes before "10 Finale"."""
    return [(0, int(part)) if part.isdigit() else (1, part.casefold())
            for part in re.findall(r"\d+|\D+", name)]


def folder_setlist(folder: Path) -> SetlistFile:
    """The show a folder makes: itself when it is a song, else each song folder inside it."""
    title = folder.resolve().name or str(folder)
    if is_song_folder(folder):
        paths = ["."]
    else:
        paths = [p.name for p in song_folders(folder)]
    if not paths:
        raise LoadError([Problem(
            Severity.ERROR, f"no songs in the folder: no {SONG_FILE}, no audio files and no song "
            "folders in it.", folder, fix="give a song folder (its stems, with or without a "
            f"{SONG_FILE}), a folder of song folders, or a setlist file (player new-setlist makes one).")])
    return SetlistFile(folder, Setlist(title=title, songs=[Entry(path=p) for p in paths]), folder=True)
