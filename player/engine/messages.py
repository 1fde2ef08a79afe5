"""What crosses the process boundary: commands in (small, immutable, picklable) and events out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from player.actions import Action
from player.setlist.roles import Role
from player.setlist.setlist import SetlistFile


class JumpMode(IntEnum):
    """When a jump lands: at once, or on the next beat / bar / section boundary (sample-exact)."""

    NOW = 0
    BEAT = 1
    BAR = 2
    SECTION_END = 3


class Command:
    """Base of everything ``Engine.send`` accepts."""


@dataclass(frozen=True)
class LoadSetlist(Command):
    path: Path
    rig: str | None = None  # None: the setlist's own rig
    # The setlist as read when the performer loaded it (``Engine.send`` fills it in): a restarted
    # engine plays that version, not whatever the file holds by then (player.setlist.SetlistFile).
    setlist: SetlistFile | None = None


@dataclass(frozen=True)
class Cue(Command):
    """Make song ``index`` (0-based) the current one, at its start. While playing it is queued."""

    index: int


@dataclass(frozen=True)
class Play(Command):
    """Start (or resume). ``count_in`` bars of click and spoken count before the song's first
    sample; None uses the setlist entry's or the song's setting. Ignored when resuming."""

    count_in: int | None = None


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
class Jump(Command):
    """Jump within the current song, landing per ``mode`` (None: the engine's current jump mode).

    Exactly one target: ``section`` (0-based index), ``relative`` (+1 next section, -1 previous:
    from the start of the current section if more than a bar in, else the one before), ``bar``
    (1-based), or ``seconds``.
    """

    section: int | None = None
    relative: int | None = None
    bar: int | None = None
    seconds: float | None = None
    mode: JumpMode | None = None


@dataclass(frozen=True)
class CancelJump(Command):
    """Forget a pending jump (and a pending vamp release)."""


@dataclass(frozen=True)
class SetJumpMode(Command):
    """The mode used by jumps that do not name one; None: cycle NOW -> BEAT -> BAR -> SECTION_END."""

    mode: JumpMode | None = None


@dataclass(frozen=True)
class Vamp(Command):
    """Loop the current section (or bars ``start_bar``..``end_bar`` inclusive, 1-based) until released.

    ``on`` None toggles. Releasing lets the loop play to its end (``release_now`` False) or leaves
    at the next bar line (``release_now`` True), continuing after the loop.
    """

    on: bool | None = None
    start_bar: int | None = None
    end_bar: int | None = None
    release_now: bool = False


@dataclass(frozen=True)
class SetClick(Command):
    """The generated click: on/off (None toggles) and its level."""

    on: bool | None = None
    gain_db: float | None = None


@dataclass(frozen=True)
class SetGuide(Command):
    """The generated spoken guide: on/off (None toggles) and its level."""

    on: bool | None = None
    gain_db: float | None = None


@dataclass(frozen=True)
class MuteRole(Command):
    """Mute (True), unmute (False) or toggle (None) every stem of a role, e.g. the BVs."""

    role: Role
    mute: bool | None = None


@dataclass(frozen=True)
class Panic(Command):
    """Fade everything out over ``fade_ms`` and stop; pending jumps, vamps and auto-advance go."""

    fade_ms: float = 1000.0


@dataclass(frozen=True)
class DoAction(Command):
    """A performer's action (a key or a foot switch): the engine decides what it means now.

    One place interprets actions, so a pedal and a key always do the same thing. ``source`` is
    shown back in ``ActionDone`` ("key", "midi: MC6 Pro", ...).
    """

    action: Action
    arg: int | str | None = None
    source: str = "key"


@dataclass(frozen=True)
class TestTone(Command):
    """Setup: a tone (or pink-ish noise) on one output channel (1-based), to check the wiring."""

    channel: int
    kind: str = "tone"  # or "noise"
    seconds: float = 1.0
    gain_db: float = -18.0


@dataclass(frozen=True)
class ListDevices(Command):
    """Ask for the output devices; answered with a ``DeviceList`` event (PortAudio stays in the engine)."""


@dataclass(frozen=True)
class Shutdown(Command):
    pass


@dataclass(frozen=True)
class DebugStallReader(Command):
    """Test hook: the disk reader sleeps this long, as a slow or stuck disk would make it."""

    seconds: float


@dataclass(frozen=True)
class DebugFault(Command):
    """Test hook: the audio callback raises in the next ``blocks`` blocks, as a bug would."""

    blocks: int = 1


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
class EngineFault(Event):
    """The audio callback raised: that block played as silence and the show went on. Not a lost
    device: a bug, reported once with its traceback (also in the engine log)."""

    message: str
    traceback: str = ""


@dataclass(frozen=True)
class ReadAhead(Event):
    """The current song's decoded read-ahead ran low (``low``) or recovered: a slow disk."""

    seconds: float
    low: bool


@dataclass(frozen=True)
class RateChanged(Event):
    """The device runs at another rate than the rig asks: the show plays at the device's."""

    device_rate: int
    rig_rate: int


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
class DeviceList(Event):
    """Output devices as ``player devices`` shows them: (name, outputs) pairs, and the one in use."""

    devices: tuple[tuple[str, int], ...]
    current: str


@dataclass(frozen=True)
class MixChanged(Event):
    """The mix as the engine now plays it, after any change from a key, a pedal or the mixer.

    ``stems``: (gain_db, pan, mute, solo) per stem of song ``song``, in song order (generated
    sources follow the song's stems); ``muted_roles`` and the click/guide switches apply on top.
    """

    song: int
    stems: tuple[tuple[float, float, bool, bool], ...]
    buses: tuple[tuple[str, float, bool], ...]  # (bus, gain_db, mute)
    master_db: float
    muted_roles: tuple[str, ...]
    click: bool
    guide: bool


@dataclass(frozen=True)
class ActionDone(Event):
    """What an action did, in words ("next song: 3 Mighty Giant Run"), and who asked for it."""

    action: Action
    arg: int | str | None
    source: str
    detail: str


@dataclass(frozen=True)
class TempoTapped(Event):
    """Tap tempo: the tapped bpm (display only) once two or more taps are close enough together."""

    bpm: float


@dataclass(frozen=True)
class SetMode(Command):
    """Performance mode: "full", "karaoke" or "instrumental" (the rig's [modes] name the roles)."""

    mode: str


@dataclass(frozen=True)
class ModeChanged(Event):
    """The mode now playing and the roles it drops, so the stage screen can say why the lead is gone.

    ``reduced``: the current song has no lead stem, so karaoke uses vocal reduction (best effort).
    """

    mode: str
    roles: tuple[str, ...]
    reduced: bool = False


@dataclass(frozen=True)
class Problem(Event):
    """A command that could not be carried out, in words for the performer."""

    message: str
