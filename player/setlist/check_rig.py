"""What ``player check`` says about the rig: the output device (outputs, rate), the MIDI preset and
the MIDI inputs it listens to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from player.setlist.problems import Problem, Severity
from player.setlist.rig import Rig, config_dirs
from player.setlist.tomlfile import locate


@dataclass(frozen=True)
class Device:
    """The output device the rig's name matched, as the engine sees it."""

    name: str
    outputs: int
    host_api: str = ""
    rate: int = 0  # the rate it runs at now (0: unknown)


def check_device(rig: Rig, rig_path: Path | None, device: Device | None | str) -> list[Problem]:
    wanted = rig.audio.device or "the system default output"
    if isinstance(device, str):
        return [Problem(Severity.INFO, f"audio device not checked: {device}", rig_path,
                        field="audio.device")]
    if device is None:
        return [Problem(Severity.WARNING, f"no output device matches {wanted!r} right now, so the "
                        "output channels were not checked.", rig_path, field="audio.device",
                        fix="connect the interface, or run `player devices` and put part of its "
                            "name in audio.device.")]
    problems = []
    text = rig_path.read_text(encoding="utf-8") if rig_path else ""
    if device.rate and device.rate != rig.audio.sample_rate:
        problems.append(Problem(
            Severity.WARNING, f"{device.name!r} runs at {device.rate} Hz, the rig asks "
            f"{rig.audio.sample_rate} Hz: the show will play at {device.rate} Hz, every stem "
            "resampled (unless the device can be switched when the show opens it).", rig_path,
            locate(text, ("audio", "sample_rate")), "audio.sample_rate",
            fix=f"set the interface to {rig.audio.sample_rate} Hz, or audio.sample_rate = "
                f"{device.rate} in the rig."))
    for bus, channels in rig.buses.items():
        beyond = [c for c in channels if c > device.outputs]
        if beyond:
            problems.append(Problem(
                Severity.ERROR,
                f"bus {bus!r} uses output {beyond[0]}, but {device.name!r} has only "
                f"{device.outputs} outputs.", rig_path, locate(text, ("buses", bus)),
                f"buses.{bus}", fix=f"use outputs 1-{device.outputs}, or choose a rig for this "
                "interface with --rig."))
    return problems



def check_preset(rig: Rig, rig_path: Path | None) -> list[Problem]:
    """A foot-switch preset the rig names must exist, or the pedal would do nothing on stage."""
    name = rig.midi.preset
    if not name:
        return []
    folders = [d / "midi-presets" for d in config_dirs(rig_path)]
    if any((d / f"{name}.toml").is_file() for d in folders):
        return []
    known = sorted({f.stem for d in folders if d.is_dir() for f in d.glob("*.toml")})
    text = rig_path.read_text(encoding="utf-8") if rig_path else ""
    return [Problem(Severity.ERROR, f"MIDI preset {name!r} not found.", rig_path,
                    locate(text, ("midi", "preset")) if text else None, "midi.preset",
                    fix=f"use one of: {', '.join(known) or '(none installed)'}; or remove the line.")]


def check_midi_input(rig: Rig, rig_path: Path | None) -> list[Problem]:
    """A foot-switch map with no port to listen to (no ``input``, a preset without one, such as
    sustain-pedal): the player listens to every MIDI input then; say so before the show."""
    if rig.midi.input or not (rig.midi.map or rig.midi.preset):
        return []
    import tomllib

    preset = next((d / "midi-presets" / f"{rig.midi.preset}.toml" for d in config_dirs(rig_path)
                   if rig.midi.preset and (d / "midi-presets" / f"{rig.midi.preset}.toml").is_file()), None)
    if rig.midi.preset and preset is None:
        return []  # the missing preset is an error of its own
    try:
        if preset is not None and tomllib.loads(preset.read_text(encoding="utf-8")).get("input"):
            return []
    except (OSError, ValueError):
        return []
    text = rig_path.read_text(encoding="utf-8") if rig_path else ""
    whose = f"preset {rig.midi.preset!r} names none" if rig.midi.preset else "the map names none"
    return [Problem(Severity.WARNING, f"MIDI: no input port to listen to ({whose}): the player listens "
                    "to every MIDI input.", rig_path, locate(text, ("midi",)) if text else None,
                    "midi.input", fix='to listen to one controller only, set `input = "PART OF ITS NAME"` '
                    "in [midi] (`player devices` lists the ports).")]
