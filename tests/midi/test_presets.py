"""Each shipped preset, fed the message sequence its controller really sends, fires the right actions
once each: Program Change pedals, CC on/off pairs, toggle pedals (127/0), bouncing contacts,
Note On velocity 0, a half-damper sustain pedal. Real JACK MIDI ports, real rtmidi callbacks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from player.actions import Action as A
from player.engine import messages as m
from player.midi import messages as mm
from player.midi.presets import available, load_preset
from player.setlist.check import check_show
from player.setlist.problems import Severity
from tests.midi.conftest import Host, Pedal, test_rig, wait_connected
from tests.setlist.test_check import RIG, SIXTEEN, problems, show  # noqa: F401 - ``show`` is a fixture


def use(host: Host, pedal: Pedal, preset: str, **midi: object) -> None:
    host.configure(test_rig(preset=preset, **midi))
    wait_connected(host, pedal.port)


def test_every_preset_file_loads() -> None:
    names = available()
    assert {"morningstar-mc6", "morningstar-mc8", "behringer-fcb1010-pc", "behringer-fcb1010-cc",
            "generic-2button-cc", "generic-2button-cc-toggle", "sustain-pedal"} <= set(names)
    for name in names:
        path, preset = load_preset(name)
        assert preset.map, path
        assert path.read_text().lstrip().startswith("#"), f"{path}: document the controller in comments"


def test_morningstar_mc6_and_mc8_program_changes(host: Host, pedal: Pedal) -> None:
    use(host, pedal, "morningstar-mc6")
    for program in range(6):
        pedal.pc(program)
    pedal.pc(0, channel=2)  # another device's channel: not ours
    assert host.take() == [(A.PLAY_PAUSE, None), (A.NEXT_SONG, None), (A.PREVIOUS_SONG, None),
                           (A.NEXT_SECTION, None), (A.VAMP_TOGGLE, None), (A.STOP, None)]
    host.run(lambda: host.midi.handle(mm.MidiUsePreset("morningstar-mc8")))
    for program in (7, 6):
        pedal.pc(program)
    assert host.take() == [(A.CANCEL_JUMP, None), (A.VAMP_TOGGLE, None)]


def test_fcb1010_program_changes_ignore_expression_pedals(host: Host, pedal: Pedal) -> None:
    use(host, pedal, "behringer-fcb1010-pc")
    pedal.pc(3)
    for value in range(0, 128, 16):  # a sweep of expression pedal A (CC 27)
        pedal.cc(27, value, pause=0.005)
    pedal.pc(9, channel=5)  # stock firmware: any channel
    assert host.take() == [(A.NEXT_SONG, None), (A.PANIC, None)]
    assert host.midi.ignored >= 8


def test_fcb1010_cc_and_a_double_stomp(host: Host, pedal: Pedal) -> None:
    use(host, pedal, "behringer-fcb1010-cc")
    pedal.cc(104, 127, pause=0.01)
    pedal.cc(104, 127)  # stomped hard: the switch fired twice within the 200 ms debounce
    assert host.take() == [(A.NEXT_SONG, None)]
    pedal.cc(102, 127)
    assert host.take() == [(A.PLAY_PAUSE, None)]


def test_momentary_two_button_press_hold_and_bounce(host: Host, pedal: Pedal) -> None:
    use(host, pedal, "generic-2button-cc")
    pedal.tap(80)  # press + release: play/pause, on release (the switch also has a long press)
    assert host.take() == [(A.PLAY_PAUSE, None)]
    pedal.cc(80, 127, pause=1.0)  # held past 700 ms: stop, while still held
    assert host.actions() == [(A.STOP, None)]
    pedal.cc(80, 0)  # the release of a long press does nothing more
    assert host.take() == [(A.STOP, None)]
    for value in (127, 0, 127, 0, 127):  # a bouncing contact on press
        pedal.cc(81, value, pause=0.002)
    pedal.cc(81, 0, pause=0.05)
    assert host.take() == [(A.NEXT_SONG, None)]


def test_toggle_pedal_each_message_is_one_press(host: Host, pedal: Pedal) -> None:
    use(host, pedal, "generic-2button-cc-toggle")
    pedal.cc(80, 127, pause=0.2)
    pedal.cc(80, 0, pause=0.2)  # the same pedal's next press sends 0
    pedal.cc(81, 127, pause=0.004)
    pedal.cc(81, 0, pause=0.2)  # a bounce: within the debounce interval, dropped
    assert host.take() == [(A.PLAY_PAUSE, None), (A.PLAY_PAUSE, None), (A.NEXT_SONG, None)]


def test_sustain_pedal_single_double_long_and_half_damper(host: Host, pedal: Pedal) -> None:
    use(host, pedal, "sustain-pedal")
    pedal.tap(64)
    assert host.take(0.7) == [(A.PLAY, None)]
    pedal.tap(64)
    time.sleep(0.1)
    pedal.tap(64, hold=0.03)  # second press ~180 ms after the first: inside 400 ms, past the debounce
    assert host.take(0.7) == [(A.STOP, None)]
    pedal.cc(64, 127, pause=1.1)  # held 0.8 s and more
    pedal.cc(64, 0)
    assert host.take(0.7) == [(A.NEXT_SONG, None)]
    for value in (20, 70, 100, 127, 90, 40, 0):  # a half-damper pedal, pressed slowly, released
        pedal.cc(64, value, pause=0.06)
    assert host.take(0.7) == [(A.PLAY, None)]


def test_sustain_pedal_resting_near_the_middle_or_dipping_in_a_slow_press_is_one_press(
        host: Host, pedal: Pedal) -> None:
    use(host, pedal, "sustain-pedal")
    for value in (62, 66) * 8:  # resting half down; each change past the debounce interval
        pedal.cc(64, value, pause=0.15)
    assert host.take(0.7) == [], "a resting pedal fired actions"
    pedal.cc(64, 0, pause=0.2)
    for value in (10, 40, 70, 100, 50, 110, 127):  # a slow press with one dip
        pedal.cc(64, value, pause=0.15)
    pedal.cc(64, 0)
    assert host.take(0.7) == [(A.PLAY, None)]
    assert host.midi.ignored == 0, "values between the thresholds are the pedal's, not junk"


def test_press_and_release_thresholds_of_a_rig_entry(host: Host, pedal: Pedal) -> None:
    host.configure(test_rig(debounce_ms=100, map=[
        {"type": "control_change", "control": 11, "press_at": 100, "release_at": 20,
         "action": "next_song"},
        {"type": "control_change", "control": 12, "press_at": 20, "release_at": 100,
         "action": "stop"}]))  # reversed polarity
    wait_connected(host, pedal.port)
    for value in (90, 101, 50, 101, 10, 110):  # press, no release at 50, released at 10, press
        pedal.cc(11, value, pause=0.15)
    for value in (127, 30, 10, 50, 10):  # pressed at 10: one press (50 is no release)
        pedal.cc(12, value, pause=0.15)
    assert host.take() == [(A.NEXT_SONG, None), (A.NEXT_SONG, None), (A.STOP, None)]


@pytest.mark.parametrize(("entry", "says"), [
    ({"type": "program_change", "program": 1, "press_at": 96, "action": "stop"}, "control_change"),
    ({"type": "control_change", "control": 64, "press_at": 64, "release_at": 64, "action": "stop"},
     "must differ"),
    ({"type": "control_change", "control": 64, "value": 127, "press_at": 96, "action": "stop"},
     "either"),
])
def test_bad_thresholds_are_refused_with_a_reason(entry: dict, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        test_rig(map=[entry])


def test_note_on_velocity_zero_is_a_release(host: Host, pedal: Pedal, tmp_path: Path) -> None:
    host.configure(test_rig(map=[{"type": "note_on", "note": 60, "action": "next_section"},
                                 {"type": "note_on", "note": 60, "gesture": "long",
                                  "action": "previous_section"}]))
    wait_connected(host, pedal.port)
    pedal.send(0x90, 60, 100, pause=0.05)
    pedal.send(0x90, 60, 0)  # running-status pedals release with Note On velocity 0
    assert host.take() == [(A.NEXT_SECTION, None)]
    pedal.send(0x90, 60, 100, pause=0.9)
    pedal.send(0x80, 60, 0)
    assert host.take() == [(A.PREVIOUS_SECTION, None)]


@pytest.mark.parametrize("entry", [
    {"type": "control_change", "control": 7, "value": "any", "gesture": "long", "action": "stop"},
    {"type": "program_change", "program": 1, "gesture": "long", "action": "stop"},
])
def test_long_press_without_a_release_is_refused_with_a_reason(entry: dict) -> None:
    with pytest.raises(ValueError, match="release"):
        test_rig(map=[entry])


def test_unknown_preset_is_a_clear_problem_and_the_rig_map_still_works(host: Host, pedal: Pedal) -> None:
    host.configure(test_rig(preset="mc-six", map=[{"type": "program_change", "program": 4,
                                                   "action": "stop"}]))
    problem = host.wait_event(m.Problem)
    assert problem is not None and "'mc-six' not found" in problem.message
    assert "morningstar-mc6" in problem.message, "the message lists the presets there are"
    wait_connected(host, pedal.port)
    pedal.pc(4)
    assert host.take() == [(A.STOP, None)]


def test_every_preset_is_in_the_documentation_table() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "midi.md").read_text()
    for name in available():
        assert f"| `{name}` |" in table, f"docs/midi.md: add {name} to the presets table"


def test_a_preset_without_an_input_pattern_listens_to_every_input_and_says_so(
        host: Host, pedal: Pedal) -> None:
    host.configure(test_rig(input="", preset="sustain-pedal"))
    said = host.wait_event(m.Problem, lambda e: "listening to every MIDI input" in e.message)
    assert said is not None and "sustain-pedal" in said.message, host.events
    wait_connected(host, pedal.port)
    pedal.tap(64)
    assert host.take(0.7) == [(A.PLAY, None)]


def test_check_warns_when_the_rig_names_no_midi_input(show: Path) -> None:  # noqa: F811
    rig = show.parent.parent / "config" / "rig.toml"
    rig.write_text(RIG + '[midi]\npreset = "sustain-pedal"\n')
    [warning] = [w for w in problems(check_show(show, device=SIXTEEN), Severity.WARNING) if "MIDI" in w]
    assert "listens to every MIDI input" in warning and "midi.input" in warning
    rig.write_text(RIG + '[midi]\npreset = "sustain-pedal"\ninput = "Keystation"\n')
    assert not [w for w in problems(check_show(show, device=SIXTEEN), Severity.WARNING) if "MIDI" in w]
