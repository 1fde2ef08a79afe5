"""The layers stay apart: the core runs without the UI, the engine without MIDI (design.md)."""

import subprocess
import sys

import pytest

CORE = ["player.setlist", "player.setlist.check", "player.engine", "player.engine.devices",
        "player.engine.core", "player.midi", "player.midi.ports", "player.midi.host",
        "player.midi.jackclock", "player.actions"]


@pytest.mark.parametrize("module", CORE)
def test_core_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print(any(m.split('.')[0] == 'textual' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("module", ["player.engine", "player.engine.devices", "player.engine.core",
                                    "player.engine.engine", "player.engine.process",
                                    "player.engine.messages"])
def test_engine_does_not_import_midi(module: str) -> None:
    code = (f"import sys, {module}; "
            "print(any(m.split('.')[0] in ('mido', 'rtmidi') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_checking_a_show_does_not_start_portaudio() -> None:
    code = "import sys, player.setlist.check; print('sounddevice' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_ui_process_loads_no_midi_library_for_midi_messages() -> None:
    code = ("import sys, player.midi.messages, player.ui.events; "
            "print(any(m.split('.')[0] in ('mido', 'rtmidi', 'sounddevice') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
