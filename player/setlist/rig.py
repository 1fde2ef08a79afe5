"""The rig: which audio device, which outputs make up each bus, where each role goes, which pedal does what.

Rig files live in ``config/rig.toml`` (the rig called ``default``) and ``config/rigs/NAME.toml``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from player.actions import NEEDS_ARGUMENT, Action
from player.setlist.problems import LoadError, Problem, Severity
from player.setlist.roles import Role
from player.setlist.strict import PortPattern, Strict
from player.setlist.tomlfile import load_model

NO_BUS = "none"  # a role routed to "none" is not played at all (no click in a rig without in-ears)
# Roles that a rig need not name: where they go when it does not (None: nowhere).
_OWN_DEFAULT: dict[Role, Role | None] = {Role.TIMECODE: None, Role.TALKBACK: Role.GUIDE,
                                         Role.COUNT_IN: Role.GUIDE}
# The field of a foot-switch entry that holds its message's number, by message type.
NUMBER_FIELD = {"program_change": "program", "control_change": "control", "note_on": "note",
                "note_off": "note"}


class AudioConfig(Strict):
    """The output device: found by a case-insensitive part of its name, as ``player devices`` lists it."""

    device: str = ""
    sample_rate: Literal[44100, 48000, 88200, 96000] = 48000
    block_size: int = Field(default=128, ge=16, le=4096)
    # Seconds of each song decoded ahead of the play position: how long a stalled disk (a USB
    # drive, a network share) is covered before a stem goes silent. Memory grows with it.
    read_ahead_seconds: float = Field(default=4.0, ge=1.0, le=30.0)

    @field_validator("block_size")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError("block size must be a power of two (64, 128, 256, ...)")
        return value


class FootSwitch(Strict):
    """One entry of the foot-switch map: a MIDI message (and gesture) and the action it triggers.

    ``gesture``: "press" fires on the press (at once, unless the same switch also has a "double",
    which makes it wait ``double_ms`` to tell one press from two); "long" fires once the switch has
    been held ``long_ms`` (it needs a pedal that sends a release: CC on/off or Note On/Off);
    "double" fires on a second press within ``double_ms``.
    """

    type: Literal["program_change", "control_change", "note_on", "note_off"]
    channel: int | None = Field(default=None, ge=1, le=16)  # None: any channel
    program: int | None = Field(default=None, ge=0, le=127)
    control: int | None = Field(default=None, ge=0, le=127)
    note: int | None = Field(default=None, ge=0, le=127)
    # Control Change value: an exact value, an inclusive [low, high] range, or "nonzero" / "any".
    # "any" suits toggle pedals that alternate 127 and 0 (every message is a press).
    value: int | tuple[int, int] | Literal["any", "nonzero"] = "nonzero"
    # A continuous pedal (sustain, expression): pressed at ``press_at`` or more, released at
    # ``release_at`` or less, nothing in between (hysteresis: a pedal resting near one threshold
    # never flickers). ``press_at`` below ``release_at``: a pedal of reversed polarity.
    press_at: int | None = Field(default=None, ge=0, le=127)
    release_at: int | None = Field(default=None, ge=0, le=127)
    gesture: Literal["press", "long", "double"] = "press"
    action: Action
    arg: int | str | None = None
    debounce_ms: int | None = Field(default=None, ge=0, le=5000)  # None: the [midi] setting
    long_ms: int | None = Field(default=None, ge=100, le=10000)
    double_ms: int | None = Field(default=None, ge=50, le=2000)

    @field_validator("value")
    @classmethod
    def _value(cls, value: int | tuple[int, int] | str) -> int | tuple[int, int] | str:
        if isinstance(value, int) and not 0 <= value <= 127:
            raise ValueError("a Control Change value is 0-127")
        if isinstance(value, tuple) and not 0 <= value[0] <= value[1] <= 127:
            raise ValueError("a value range is [low, high] with 0 <= low <= high <= 127")
        return value

    @model_validator(mode="after")
    def _complete(self) -> FootSwitch:
        need = NUMBER_FIELD[self.type]
        if getattr(self, need) is None:
            raise ValueError(f"a {self.type} entry needs `{need} = N` (0-127)")
        if (self.press_at is not None or self.release_at is not None) and self.type != "control_change":
            raise ValueError("`press_at` and `release_at` are for control_change pedals")
        if self.press_at is not None and self.value != "nonzero":
            raise ValueError("give either `value` or `press_at`, not both")
        if self.press_at is not None and self.press_at == self.release_at:
            raise ValueError("`press_at` and `release_at` must differ (the gap between them is the "
                             "hysteresis), e.g. press_at = 96, release_at = 32")
        if self.action in NEEDS_ARGUMENT and self.arg is None:
            raise ValueError(f"action {self.action.value!r} needs `arg` (a song number, section or role)")
        if self.gesture == "long":
            if self.type in ("program_change", "note_off"):
                raise ValueError(f'`gesture = "long"` needs a pedal that sends a release; a {self.type} '
                                 'has none (use control_change or note_on)')
            if self.type == "control_change" and (self.value == "any" or self.value == 0):
                raise ValueError('`gesture = "long"` needs a release: with `value = "any"` or `value = 0` '
                                 'every message is a press (use "nonzero" or a range)')
        return self

    @property
    def number(self) -> int:
        """The program, control or note number the entry listens to."""
        value: int | None = getattr(self, NUMBER_FIELD[self.type])
        assert value is not None  # checked by the validator
        return value


class MidiConfig(Strict):
    """MIDI: which ports to listen to (a regular expression over port names), the map and MIDI out.

    ``preset`` names a file in ``config/midi-presets/`` whose map is used first; entries of ``map``
    add to it (and replace a preset entry for the same message and gesture). ``output`` is a pattern
    for the port that receives song messages and, with ``clock = true``, MIDI clock.
    """

    input: PortPattern = ""
    output: PortPattern = ""
    preset: str = ""
    debounce_ms: int = Field(default=150, ge=0, le=5000)
    long_ms: int = Field(default=600, ge=100, le=10000)
    double_ms: int = Field(default=300, ge=50, le=2000)
    clock: bool = False
    map: list[FootSwitch] = []

    @field_validator("preset")
    @classmethod
    def _preset_name(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Za-z0-9_.-]+", value):
            raise ValueError("a preset is the name of a file in config/midi-presets/ without .toml, "
                             'like "morningstar-mc6"')
        return value


class Modes(Strict):
    """Which roles each performance mode drops: karaoke keeps the BVs, instrumental drops them too."""

    karaoke: list[Role] = [Role.LEAD]
    instrumental: list[Role] = [Role.LEAD, Role.BVS]

    def roles(self, mode: str) -> frozenset[Role]:
        """The roles ``mode`` mutes ("full" or an unknown name: none)."""
        return frozenset(getattr(self, mode, None) or ()) if mode in MODES else frozenset()


MODES = ("karaoke", "instrumental")  # besides "full", which drops nothing


class OscConfig(Strict):
    """OSC control over UDP (``player play --osc PORT|off`` overrides). OSC has no password: a
    ``host`` other than 127.0.0.1 lets anyone on that network drive the show."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=9000, ge=1, le=65535)


class LinkConfig(Strict):
    """Ableton Link: join the session, publish each song's tempo and start/stop; ``quantum``: beats
    per Link bar; ``follow``: a song's start waits for the next Link bar."""

    enabled: bool = False
    quantum: int = Field(default=4, ge=1, le=32)
    follow: bool = False


class SelftestConfig(Strict):
    """``player selftest``: which buses get the tone (default: all; ``["in_ears"]`` for a quiet check
    during a changeover), how loud, and an input patched back from one output with a cable, which
    proves that sound left the machine on that output."""

    buses: list[str] | None = None
    level_db: float = Field(default=-30.0, ge=-60.0, le=-6.0)
    seconds: float = Field(default=0.5, ge=0.2, le=3.0)
    loopback_input: int | None = Field(default=None, ge=1)
    loopback_output: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _both_or_neither(self) -> SelftestConfig:
        if (self.loopback_input is None) != (self.loopback_output is None):
            raise ValueError("give both loopback_input and loopback_output (the input the cable "
                             "comes back on, the output it leaves from), or neither")
        return self


class Rig(Strict):
    """The contents of a rig file."""

    name: str = ""
    audio: AudioConfig = AudioConfig()
    buses: dict[str, list[int]] = Field(min_length=1)
    roles: dict[Role, str] = {}
    midi: MidiConfig = MidiConfig()
    modes: Modes = Modes()
    osc: OscConfig = OscConfig()
    link: LinkConfig = LinkConfig()
    selftest: SelftestConfig = SelftestConfig()

    @field_validator("buses")
    @classmethod
    def _channels(cls, buses: dict[str, list[int]]) -> dict[str, list[int]]:
        for name, channels in buses.items():
            if name == NO_BUS:
                raise ValueError(f"'{NO_BUS}' is reserved (it means: not played)")
            if len(channels) not in (1, 2):
                raise ValueError(f"bus {name!r}: give one channel (mono) or two (stereo), "
                                 f"like {name} = [1, 2]")
            if any(c < 1 for c in channels):
                raise ValueError(f"bus {name!r}: output channels are numbered from 1")
        return buses

    @model_validator(mode="after")
    def _roles_have_buses(self) -> Rig:
        for role, bus in self.roles.items():
            if bus != NO_BUS and bus not in self.buses:
                raise ValueError(f"role {role.value!r} goes to bus {bus!r}, which is not in [buses] "
                                 f"(buses: {', '.join(self.buses)}, or '{NO_BUS}')")
        if Role.OTHER not in self.roles and any(r not in self.roles for r in Role
                                                if r not in _OWN_DEFAULT):
            raise ValueError("[roles] must give every role a bus, or give `other = \"BUS\"` for "
                             "the roles it leaves out")
        return self

    @model_validator(mode="after")
    def _selftest_names_buses(self) -> Rig:
        for bus in self.selftest.buses or ():
            if bus not in self.buses:
                raise ValueError(f"[selftest] buses names {bus!r}, which is not in [buses] "
                                 f"(buses: {', '.join(self.buses)})")
        out = self.selftest.loopback_output
        if out is not None and not any(out in channels for channels in self.buses.values()):
            raise ValueError(f"[selftest] loopback_output = {out} is not an output of any bus: the "
                             "test tone never plays there")
        return self

    def bus_for(self, role: Role, override: str | None = None) -> str:
        """The bus a stem plays on: its own override, else its role's, else the ``other`` role's."""
        if override:
            return override
        if role in self.roles:
            return self.roles[role]
        if role in _OWN_DEFAULT:  # never "other": timecode on the speakers would be a loud buzz
            follows = _OWN_DEFAULT[role]
            return self.bus_for(follows) if follows is not None else NO_BUS
        return self.roles[Role.OTHER]

    @property
    def output_channels(self) -> int:
        """How many device outputs the rig needs (the highest channel any bus uses)."""
        return max(c for channels in self.buses.values() for c in channels)


def config_dirs(start: Path | None = None) -> list[Path]:
    """Where rig files are looked for: beside the setlists folder, the working directory, the checkout."""
    dirs = []
    if start is not None:
        dirs.append(start.resolve().parent / "config")
        dirs.append(start.resolve().parent.parent / "config")
    dirs.append(Path.cwd() / "config")
    dirs.append(Path(__file__).resolve().parents[2] / "config")
    seen: list[Path] = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def rig_path(name: str, near: Path | None = None) -> Path:
    """Resolve a rig name (``default``, ``stereo``) or path (``../my-rig.toml``) to a file."""
    if name.endswith(".toml"):
        path = Path(name)
        if not path.is_absolute() and near is not None:
            path = near.parent / path
        return path
    candidates = [d / ("rig.toml" if name == "default" else f"rigs/{name}.toml")
                  for d in config_dirs(near)]
    for c in candidates:
        if c.is_file():
            return c
    raise LoadError([Problem(
        Severity.ERROR, f"rig {name!r} not found (looked in {', '.join(str(c) for c in candidates)}).",
        near, field="rig",
        fix="use `default` (config/rig.toml), the name of a file in config/rigs/, or a path to a "
            ".toml file.")])


def load_rig(name_or_path: str, near: Path | None = None) -> tuple[Path, Rig]:
    """The rig file chosen by a setlist or ``--rig``, validated."""
    path = rig_path(name_or_path, near)
    return path, load_model(Rig, path)
