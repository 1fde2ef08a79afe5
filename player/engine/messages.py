"""What crosses the process boundary: commands in (small, immutable, picklable) and events out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from player.setlist.roles import Role


class Command:
    """Base of everything ``Engine.send`` accepts."""


@dataclass(frozen=True)
class LoadSetlist(Command):
    path: Path
    rig: str | None = None  # None: the setlist's own rig


@dataclass(frozen=True)
class Cue(Command):
    """Make song ``index`` (0-based) the current one, at its start. While playing it is queued."""

    index: int


@dataclass(frozen=True)
class Play(Command):
    pass


@dataclass(frozen=True)
class Pause(Command):
    fade_ms: float = 10.0


@dataclass(frozen=True)
class Stop(Command):
    """Fade out and go back to the start of the current song."""

    fade_ms: float = 10.0


@dataclass(frozen=True)
class Seek(Command):
    """Go to a time or a bar (1-based) of the current song; gapless while playing."""

    seconds: float | None = None
    bar: int | None = None


@dataclass(frozen=True)
class SetStem(Command):
    """Change one stem of the current song; fields left None are unchanged."""

    stem: int
    gain_db: float | None = None
    pan: float | None = None
    mute: bool | None = None
    solo: bool | None = None


@dataclass(frozen=True)
class SoloRole(Command):
    """Solo (or unsolo) every stem of a role at once, e.g. all the BVs."""

    role: Role
    solo: bool = True


@dataclass(frozen=True)
class SetBus(Command):
    bus: str
    gain_db: float | None = None
    mute: bool | None = None


@dataclass(frozen=True)
class SetMaster(Command):
    gain_db: float


@dataclass(frozen=True)
class Shutdown(Command):
    pass


@dataclass(frozen=True)
class DebugStallReader(Command):
    """Test hook: the disk reader sleeps this long, as a slow or stuck disk would make it."""

    seconds: float


class Event:
    """Base of what the engine reports."""


@dataclass(frozen=True)
class SetlistLoaded(Event):
    title: str
    songs: tuple[str, ...]


@dataclass(frozen=True)
class SongLoaded(Event):
    index: int
    title: str
    seconds: float


@dataclass(frozen=True)
class SongEnded(Event):
    index: int


@dataclass(frozen=True)
class FileError(Event):
    """A stem or file that could not be played; the song goes on without it."""

    message: str


@dataclass(frozen=True)
class DeviceLost(Event):
    device: str
    detail: str = ""


@dataclass(frozen=True)
class DeviceBack(Event):
    device: str


@dataclass(frozen=True)
class EngineDied(Event):
    exitcode: int | None


@dataclass(frozen=True)
class EngineStarted(Event):
    pid: int
    restarted: bool = False


@dataclass(frozen=True)
class Problem(Event):
    """A command that could not be carried out, in words for the performer."""

    message: str
