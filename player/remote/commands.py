"""The remote's command table: a name and loose arguments (from OSC or JSON) -> engine commands.

OSC and the web remote share it, so ``/player/jump_to_section "Chorus"`` and a tap on the web page's
Chorus button are one thing. Every performer action of ``player.actions`` is here under its own name,
plus the mix. Arguments are checked strictly: a wrong type or a value out of range raises ``Refused``
(the servers count it and go on), never anything else.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from player.actions import DESCRIPTION, Action
from player.engine import messages as m
from player.engine.status import Status
from player.setlist.roles import Role

if TYPE_CHECKING:
    from player.ui.show import Show, SongRow

GAIN_DB = (-96.0, 24.0)  # a stem's or a bus's gain, as song.toml allows
MASTER_DB = (-60.0, 6.0)  # as the engine's master keys allow
MAX_TEXT = 128  # longer strings are not a name of anything here


class Kind(StrEnum):
    """Who may send it: ``control`` (the transport, as a pedal: allowed while locked) or ``mix``
    (an edit: refused while locked, as the UI's mixer is)."""

    CONTROL = "control"
    MIX = "mix"


class Refused(Exception):
    """A request that is not carried out; ``reason`` is the counter it goes to."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Context:
    """What a command is resolved against: the engine's latest status and the setlist as loaded."""

    status: Status
    show: Show | None


Build = Callable[[Sequence[object], Context, str], list[m.Command]]


@dataclass(frozen=True)
class Spec:
    """One remote command: its kind, how its arguments read (for the docs and the layout), its builder."""

    name: str
    kind: Kind
    args: str
    what: str
    build: Build


# --- argument readers -------------------------------------------------------------------------------
def _arg(args: Sequence[object], i: int, optional: bool = False) -> object:
    if i < len(args):
        return args[i]
    if optional:
        return None
    raise Refused("types", f"argument {i + 1} is missing")


def number(value: object, low: float, high: float, what: str = "value") -> float:
    """A finite int or float within [low, high] (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused("types", f"{what} must be a number, not {type(value).__name__}")
    if not math.isfinite(value) or not low <= value <= high:
        raise Refused("range", f"{what} {value!r} is outside {low:g}..{high:g}")
    return float(value)


def flag(value: object) -> bool:
    """On/off: a bool, or a number (OSC controls send 0.0 and 1.0)."""
    if isinstance(value, bool):
        return value
    return number(value, -1e9, 1e9, "on/off") != 0.0


def text(value: object, what: str = "name") -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise Refused("types", f"{what} must be a short text")
    return value


def whole(value: object, low: int, high: int, what: str) -> int:
    """An integer (or a float with no fraction, as OSC faders send) within [low, high]."""
    x = number(value, low, high, what)
    if x != int(x):
        raise Refused("range", f"{what} must be a whole number")
    return int(x)


def _no_args(args: Sequence[object]) -> bool:
    """Argument-less commands: no argument, or a button's press value. False on its release (0)."""
    if not args:
        return True
    return flag(args[0])


def _role(value: object) -> Role:
    try:
        return Role(text(value, "role").lower())
    except ValueError:
        raise Refused("range", f"no role {value!r} (roles: {', '.join(r.value for r in Role)})") from None


def _mode(value: object) -> m.JumpMode:
    name = text(value, "jump mode").lower().replace(" ", "_").replace("-", "_")
    try:
        return m.JumpMode[name.upper()]
    except KeyError:
        raise Refused("range", f"no jump mode {value!r} (now, beat, bar, section_end)") from None


def _song_row(ctx: Context) -> SongRow:
    show = ctx.show
    row = show.song(ctx.status.song) if show is not None else None
    if row is None:
        raise Refused("range", "no song is loaded")
    return row


def section_index(value: object, ctx: Context) -> int:
    """A section by name (any case) or 1-based number in the current song -> its index."""
    row = _song_row(ctx)
    names = [s.name for s in row.folder.song.sections] if row.folder is not None else []
    if isinstance(value, str):
        lowered = [n.lower() for n in names]
        if value.lower() in lowered:
            return lowered.index(value.lower())
        raise Refused("range", f"no section {value!r} in {row.title}")
    return whole(value, 1, max(len(names), 1), "section") - 1 if names else _none("section")


def _none(what: str) -> int:
    raise Refused("range", f"this song has no {what}s")


def stem_index(value: object, ctx: Context) -> int:
    """A stem of the current song by its name (any case) or 1-based number -> its index."""
    row = _song_row(ctx)
    if isinstance(value, str):
        for stem in row.stems:
            if stem.stem.display_name.lower() == value.lower():
                return stem.index
        raise Refused("range", f"no stem {value!r} in {row.title}")
    return whole(value, 1, max(len(row.stems), 1), "stem") - 1 if row.stems else _none("stem")


def _bus(value: object, ctx: Context) -> str:
    name = text(value, "bus")
    if ctx.show is not None and ctx.show.buses and name not in ctx.show.buses:
        raise Refused("range", f"no bus {name!r} (buses: {', '.join(ctx.show.buses)})")
    return name


# --- builders ---------------------------------------------------------------------------------------
def _plain(action: Action) -> Build:
    def build(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
        return [m.DoAction(action, None, source)] if _no_args(args) else []
    return build


def _go_to_song(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
    count = len(ctx.show.songs) if ctx.show is not None else 999
    number_ = whole(_arg(args, 0), 1, max(count, 1), "song")
    return [m.DoAction(Action.GO_TO_SONG, number_, source)]


def _jump_to_section(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
    index = section_index(_arg(args, 0), ctx)
    mode = _arg(args, 1, optional=True)
    if mode is None:
        return [m.DoAction(Action.JUMP_TO_SECTION, index + 1, source)]
    return [m.Jump(section=index, mode=_mode(mode))]


def _mute_role(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
    role = _role(_arg(args, 0))
    on = _arg(args, 1, optional=True)
    if on is None:
        return [m.DoAction(Action.MUTE_ROLE, role.value, source)]
    return [m.MuteRole(role, flag(on))]


def _stem(field: str) -> Build:
    def build(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
        stem = stem_index(_arg(args, 0), ctx)
        value = _arg(args, 1)
        if field == "gain_db":
            return [m.SetStem(stem, gain_db=number(value, *GAIN_DB, "gain (dB)"))]
        if field == "pan":
            return [m.SetStem(stem, pan=number(value, -1.0, 1.0, "pan"))]
        return [m.SetStem(stem, **{field: flag(value)})]
    return build


def _bus_gain(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
    return [m.SetBus(_bus(_arg(args, 0), ctx), gain_db=number(_arg(args, 1), *GAIN_DB, "gain (dB)"))]


def _bus_mute(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
    return [m.SetBus(_bus(_arg(args, 0), ctx), mute=flag(_arg(args, 1)))]


def _master(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
    return [m.SetMaster(number(_arg(args, 0), *MASTER_DB, "master (dB)"))]


def _role_solo(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
    return [m.SoloRole(_role(_arg(args, 0)), flag(_arg(args, 1)))]


def _switch(kind: type[m.SetClick] | type[m.SetGuide]) -> Build:
    def build(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
        on = _arg(args, 0, optional=True)
        return [kind(on=None if on is None else flag(on))]
    return build


def _jump_mode(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
    return [m.SetJumpMode(_mode(_arg(args, 0)))]


def _vamp(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
    on = _arg(args, 0, optional=True)
    return [m.Vamp(on=None if on is None else flag(on))]


def _seek(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
    length = ctx.status.length / ctx.status.rate if ctx.status.rate and ctx.status.length else 24 * 3600
    return [m.Seek(seconds=number(_arg(args, 0), 0.0, length, "position (s)"))]


def _jump_to_bar(args: Sequence[object], ctx: Context, source: str) -> list[m.Command]:
    bar = whole(_arg(args, 0), 1, 100_000, "bar")
    mode = _arg(args, 1, optional=True)
    return [m.Jump(bar=bar, mode=None if mode is None else _mode(mode))]


_SPECIAL: dict[Action, tuple[str, Build]] = {
    Action.GO_TO_SONG: ("SONG", _go_to_song),
    Action.JUMP_TO_SECTION: ("SECTION [MODE]", _jump_to_section),
    Action.MUTE_ROLE: ("ROLE [0|1]", _mute_role),
}

_WHAT = {**DESCRIPTION,  # one description per action (player.actions), a remote's own words beside
         Action.JUMP_TO_SECTION: "jump to a section by name or number; MODE now/beat/bar/section_end"}


def _table() -> dict[str, Spec]:
    specs = []
    for action in Action:
        args, build = _SPECIAL.get(action, ("[1|0]", _plain(action)))
        specs.append(Spec(action.value, Kind.CONTROL, args, _WHAT.get(action, action.value), build))
    specs += [
        Spec("jump_mode", Kind.CONTROL, "MODE", "set the jump mode: now, beat, bar, section_end", _jump_mode),
        Spec("vamp", Kind.CONTROL, "[0|1]", "vamp on (1) or off (0); no argument toggles", _vamp),
        Spec("jump_to_bar", Kind.CONTROL, "BAR [MODE]", "jump to a bar (1-based)", _jump_to_bar),
        Spec("seek", Kind.CONTROL, "SECONDS", "go to a time in the current song", _seek),
        Spec("click", Kind.CONTROL, "[0|1]", "generated click on/off", _switch(m.SetClick)),
        Spec("guide", Kind.CONTROL, "[0|1]", "generated guide on/off", _switch(m.SetGuide)),
        Spec("stem/gain", Kind.MIX, "STEM DB", "a stem's gain (name or number, -96..+24 dB)",
             _stem("gain_db")),
        Spec("stem/pan", Kind.MIX, "STEM PAN", "a stem's pan (-1..+1)", _stem("pan")),
        Spec("stem/mute", Kind.MIX, "STEM 0|1", "mute a stem", _stem("mute")),
        Spec("stem/solo", Kind.MIX, "STEM 0|1", "solo a stem", _stem("solo")),
        Spec("role/solo", Kind.MIX, "ROLE 0|1", "solo every stem of a role", _role_solo),
        Spec("bus/gain", Kind.MIX, "BUS DB", "a bus's gain (-96..+24 dB)", _bus_gain),
        Spec("bus/mute", Kind.MIX, "BUS 0|1", "mute a bus", _bus_mute),
        Spec("master", Kind.MIX, "DB", "master gain (-60..+6 dB)", _master),
    ]
    return {s.name: s for s in specs}


COMMANDS: dict[str, Spec] = _table()


def translate(name: str, args: Sequence[object], ctx: Context, source: str, locked: bool = False,
              read_only: bool = False) -> list[m.Command]:
    """The engine commands for one remote request; ``Refused`` says why there are none."""
    spec = COMMANDS.get(name)
    if spec is None:
        raise Refused("unknown", f"unknown command {name[:MAX_TEXT]!r}")
    if read_only:
        raise Refused("read_only", "this is a read-only remote")
    if locked and spec.kind is Kind.MIX:
        raise Refused("locked", "locked for the show: unlock on the stage screen to change the mix")
    return spec.build(args, ctx, source)
