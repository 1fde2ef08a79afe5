"""A setlist: the running order of a show, with per-song overrides for this show only."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from player.setlist.roles import Role
from player.setlist.song import Switch
from player.setlist.tomlfile import load_model


class Transition(StrEnum):
    """What happens when a song ends: stop and cue the next, start the next after a pause, segue
    (the next song starts on this one's last bar line), or fade out over its last seconds and stop."""

    STOP = "stop"
    AUTO = "auto"
    SEGUE = "segue"
    FADE = "fade"


class Entry(BaseModel):
    """One song in the running order. ``path`` is relative to the setlist file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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


class Setlist(BaseModel):
    """The contents of ``setlists/NAME.toml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    rig: str = "default"
    songs: list[Entry] = Field(min_length=1)


@dataclass(frozen=True)
class SetlistFile:
    """A loaded setlist and its file, against which song paths resolve."""

    path: Path
    setlist: Setlist

    def song_folder(self, entry: Entry) -> Path:
        return (self.path.parent / entry.path).resolve()


def load_setlist(path: Path) -> SetlistFile:
    """Read and validate a setlist file; ``LoadError`` names the line and field of each problem."""
    return SetlistFile(path, load_model(Setlist, path))
