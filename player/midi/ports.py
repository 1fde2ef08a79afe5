"""MIDI ports, listed through every python-rtmidi API this machine has (ALSA, JACK)."""

from __future__ import annotations

from dataclasses import dataclass, field

from player.quiet import captured_stderr

_APIS = {"LINUX_ALSA": "ALSA", "UNIX_JACK": "JACK", "MACOSX_CORE": "CoreMIDI",
         "WINDOWS_MM": "Windows MM"}


@dataclass
class PortList:
    """Ports of one MIDI API, or why that API is not available here."""

    api: str
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    error: str = ""


def list_ports() -> list[PortList]:
    """Input and output ports per API; an API that fails (no ALSA sequencer, no JACK server) says so."""
    try:
        import mido
        import rtmidi
    except ImportError as exc:
        return [PortList("MIDI", error=f"python-rtmidi is not installed ({exc})")]
    names = {rtmidi.API_LINUX_ALSA: "LINUX_ALSA", rtmidi.API_UNIX_JACK: "UNIX_JACK",
             rtmidi.API_MACOSX_CORE: "MACOSX_CORE", rtmidi.API_WINDOWS_MM: "WINDOWS_MM"}
    result = []
    for api in rtmidi.get_compiled_api():
        name = names.get(api)
        if name is None:
            continue  # the dummy API, or one mido cannot open
        label = _APIS[name]
        ports = PortList(label)
        try:
            with captured_stderr():
                backend = mido.Backend(f"mido.backends.rtmidi/{name}", load=True)
                ports.inputs = list(backend.get_input_names())
                ports.outputs = list(backend.get_output_names())
        except Exception as exc:  # noqa: BLE001 - rtmidi raises bare SystemError/RuntimeError, API absent
            ports.error = _why(label, exc)
        result.append(ports)
    return result


def _why(label: str, exc: Exception) -> str:
    if label == "ALSA":
        return "no ALSA sequencer (/dev/snd/seq is missing: no MIDI hardware or snd-seq module)"
    if label == "JACK":
        return "no JACK server running"
    return f"unavailable ({exc})"
