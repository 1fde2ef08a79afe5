"""Foot-switch presets for common controllers: ``config/midi-presets/NAME.toml``.

A preset is a map the performer does not have to write: a rig says ``preset = "morningstar-mc6"``
(or the UI asks for one at the show), and the rig's own ``[[midi.map]]`` entries add to it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from player.setlist.problems import LoadError, Problem, Severity
from player.setlist.rig import FootSwitch, config_dirs
from player.setlist.strict import PortPattern, Strict
from player.setlist.tomlfile import load_model

FOLDER = "midi-presets"


class Preset(Strict):
    """The contents of a preset file."""

    name: str = Field(min_length=1)
    description: str = ""
    input: PortPattern = ""  # used when the rig gives none
    debounce_ms: int | None = Field(default=None, ge=0, le=5000)
    long_ms: int | None = Field(default=None, ge=100, le=10000)
    double_ms: int | None = Field(default=None, ge=50, le=2000)
    map: list[FootSwitch] = Field(min_length=1)

    def entries(self) -> list[FootSwitch]:
        """The map with the preset's timings written into each entry (the rig's apply elsewhere)."""
        out = []
        for e in self.map:
            update = {k: getattr(self, k) for k in ("debounce_ms", "long_ms", "double_ms")
                      if getattr(e, k) is None and getattr(self, k) is not None}
            out.append(e.model_copy(update=update) if update else e)
        return out


def preset_dirs(near: Path | None = None) -> list[Path]:
    return [d / FOLDER for d in config_dirs(near)]


def available(near: Path | None = None) -> list[str]:
    """Preset names (file stems), first folder wins."""
    names: list[str] = []
    for d in preset_dirs(near):
        if d.is_dir():
            names += [p.stem for p in sorted(d.glob("*.toml")) if p.stem not in names]
    return names


def load_preset(name: str, near: Path | None = None) -> tuple[Path, Preset]:
    """The named preset, validated; ``LoadError`` names the file and field, or lists the presets."""
    for d in preset_dirs(near):
        path = d / f"{name}.toml"
        if path.is_file():
            return path, load_model(Preset, path)
    names = ", ".join(available(near)) or "none found"
    raise LoadError([Problem(Severity.ERROR, f"MIDI preset {name!r} not found.", near, field="midi.preset",
                             fix=f"use one of: {names} (files in config/{FOLDER}/).")])
