"""The rig: which audio device, which outputs make up each bus, where each role goes, which pedal does what.

Rig files live in ``config/rig.toml`` (the rig called ``default``) and ``config/rigs/NAME.toml``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from player.actions import NEEDS_ARGUMENT, Action
from player.setlist.problems import LoadError, Problem, Severity
from player.setlist.roles import Role
from player.setlist.tomlfile import load_model

NO_BUS = "none"  # a role routed to "none" is not played at all (no click in a rig without in-ears)
SAMPLE_RATES = (44100, 48000, 88200, 96000)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AudioConfig(_Strict):
    """The output device: found by a case-insensitive part of its name, as ``player devices`` lists it."""

    device: str = ""
    sample_rate: Literal[44100, 48000, 88200, 96000] = 48000
    block_size: int = Field(default=128, ge=16, le=4096)

    @field_validator("block_size")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError("block size must be a power of two (64, 128, 256, ...)")
        return value


class FootSwitch(_Strict):
    """One entry of the foot-switch map: a MIDI message (and gesture) and the action it triggers."""

    type: Literal["program_change", "control_change", "note_on", "note_off"]
    channel: int | None = Field(default=None, ge=1, le=16)  # None: any channel
    program: int | None = Field(default=None, ge=0, le=127)
    control: int | None = Field(default=None, ge=0, le=127)
    note: int | None = Field(default=None, ge=0, le=127)
    # Control Change value: an exact value, an inclusive [low, high] range, or "nonzero" / "any".
    value: int | tuple[int, int] | Literal["any", "nonzero"] = "nonzero"
    gesture: Literal["press", "long", "double"] = "press"
    action: Action
    arg: int | str | None = None
    debounce_ms: int | None = Field(default=None, ge=0, le=5000)

    @model_validator(mode="after")
    def _complete(self) -> FootSwitch:
        need = {"program_change": "program", "control_change": "control",
                "note_on": "note", "note_off": "note"}[self.type]
        if getattr(self, need) is None:
            raise ValueError(f"a {self.type} entry needs `{need} = N` (0-127)")
        if self.action in NEEDS_ARGUMENT and self.arg is None:
            raise ValueError(f"action {self.action.value!r} needs `arg` (a song number, section or role)")
        return self


class MidiConfig(_Strict):
    """MIDI input: which ports to listen to (a regular expression over port names) and the map."""

    input: str = ""
    output: str = ""
    debounce_ms: int = Field(default=150, ge=0, le=5000)
    map: list[FootSwitch] = []

    @field_validator("input", "output")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid port-name pattern: {exc}") from None
        return value


class Rig(_Strict):
    """The contents of a rig file."""

    name: str = ""
    audio: AudioConfig = AudioConfig()
    buses: dict[str, list[int]] = Field(min_length=1)
    roles: dict[Role, str] = {}
    midi: MidiConfig = MidiConfig()

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
        if Role.OTHER not in self.roles and any(r not in self.roles for r in Role):
            raise ValueError("[roles] must give every role a bus, or give `other = \"BUS\"` for "
                             "the roles it leaves out")
        return self

    def bus_for(self, role: Role, override: str | None = None) -> str:
        """The bus a stem plays on: its own override, else its role's, else the ``other`` role's."""
        if override:
            return override
        return self.roles.get(role) or self.roles[Role.OTHER]

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
