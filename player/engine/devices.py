"""Audio devices as PortAudio sees them, and the one a rig's ``audio.device`` names."""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import ModuleType

from player.quiet import captured_stderr


@dataclass(frozen=True)
class AudioDevice:
    """An output device: a rig names it by part of ``name``."""

    index: int
    name: str
    host_api: str
    outputs: int
    default_rate: float


class AudioUnavailable(RuntimeError):
    """PortAudio could not be loaded (library missing): no device can be listed or opened."""


def _sounddevice() -> ModuleType:
    # Never let PortAudio's JACK host API start a server with its own settings behind our back.
    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    try:
        with captured_stderr():
            import sounddevice
    except OSError as exc:
        raise AudioUnavailable(f"PortAudio is not installed ({exc}); on Debian: "
                               "apt-get install libportaudio2") from None
    return sounddevice


def output_devices() -> list[AudioDevice]:
    """Every device with at least one output, in PortAudio's order."""
    sd = _sounddevice()
    apis = sd.query_hostapis()
    out = []
    for d in sd.query_devices():
        if d["max_output_channels"] > 0:
            out.append(AudioDevice(d["index"], d["name"], apis[d["hostapi"]]["name"],
                                   d["max_output_channels"], d["default_samplerate"]))
    return out


def find_output_device(pattern: str) -> AudioDevice | None:
    """The first device whose name contains ``pattern`` (any case); ``""`` means the default output.

    With several matches the one with most outputs wins: a multi-output interface is what a rig
    with in-ear and front-of-house buses was written for.
    """
    devices = output_devices()
    if not pattern:
        sd = _sounddevice()
        default = sd.default.device[1]
        if default is None or default < 0:
            # No default: PortAudio's JACK device is the one a no-soundcard machine offers.
            return max(devices, key=lambda d: d.outputs, default=None)
        return next((d for d in devices if d.index == default), None)
    matches = [d for d in devices if pattern.lower() in d.name.lower()]
    return max(matches, key=lambda d: d.outputs, default=None)
