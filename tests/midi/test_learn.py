"""MIDI learn: arm an action, press the pedal, and the binding is saved into the rig file, which
still parses and keeps its comments, and works at once."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from player.actions import Action as A
from player.midi import messages as mm
from player.setlist.rig import load_rig
from tests.midi.conftest import ROOT, Host, Pedal, wait_connected


def rig_copy(tmp_path: Path) -> Path:
    path = tmp_path / "rig.toml"
    shutil.copy(ROOT / "config" / "rig.toml", path)
    text = path.read_text().replace('input = "FCB1010|MC6|MC8|AirTurn|Foot"', 'input = "pedaltest"')
    path.write_text(text)
    return path


def test_learn_saves_the_pressed_pedal_into_the_rig_file(host: Host, pedal: Pedal,
                                                         tmp_path: Path) -> None:
    path = rig_copy(tmp_path)
    before = path.read_text()
    host.configure(load_rig(str(path))[1], path)
    wait_connected(host, pedal.port)

    host.run(lambda: host.midi.handle(mm.MidiLearn(A.MUTE_ROLE, "bvs")))
    pedal.cc(20, 127, channel=2, pause=0.01)
    pedal.cc(20, 127, channel=2, pause=0.01)  # a bounce: not a second learn, not a press
    pedal.cc(20, 0, channel=2)
    learned = host.wait_event(mm.MidiLearned)
    assert learned is not None, host.events
    assert learned.path == str(path) and learned.action is A.MUTE_ROLE and learned.arg == "bvs"
    assert learned.binding == "CC 20, channel 2"
    assert host.take() == []  # learning a pedal does not also fire what it was bound to

    text = path.read_text()
    for line in before.splitlines():
        if line.strip().startswith("#"):
            assert line in text, f"comment lost: {line}"
    _, rig = load_rig(str(path))
    entry = rig.midi.map[-1]
    assert (entry.type, entry.control, entry.channel, entry.action, entry.arg) == (
        "control_change", 20, 2, A.MUTE_ROLE, "bvs")
    assert len(rig.midi.map) == 5 and rig.audio.block_size == 128  # the rest is as it was

    pedal.cc(20, 127, channel=2)
    assert host.take() == [(A.MUTE_ROLE, "bvs")]
    assert not list(tmp_path.glob(".*.tmp")), "the temporary file of the atomic save stayed behind"


def test_learning_a_bound_pedal_replaces_its_old_action(host: Host, pedal: Pedal, tmp_path: Path) -> None:
    path = rig_copy(tmp_path)
    host.configure(load_rig(str(path))[1], path)
    wait_connected(host, pedal.port)
    host.run(lambda: host.midi.handle(mm.MidiLearn(A.GO_TO_SONG, 4)))
    pedal.pc(1)  # bound to next_song in the shipped rig
    learned = host.wait_event(mm.MidiLearned)
    assert learned is not None and "replaces next_song" in learned.detail
    _, rig = load_rig(str(path))
    assert [e.action for e in rig.midi.map if e.program == 1] == [A.GO_TO_SONG]
    time.sleep(0.2)  # past the debounce: within it, a press is a bounce of the learned one
    pedal.pc(1)
    assert host.take() == [(A.GO_TO_SONG, 4)]


def test_cancelled_learn_binds_nothing(host: Host, pedal: Pedal, tmp_path: Path) -> None:
    path = rig_copy(tmp_path)
    before = path.read_text()
    host.configure(load_rig(str(path))[1], path)
    wait_connected(host, pedal.port)
    host.run(lambda: host.midi.handle(mm.MidiLearn(A.PANIC)))
    host.run(lambda: host.midi.handle(mm.MidiLearnCancel()))
    pedal.pc(0)
    assert host.take() == [(A.PLAY_PAUSE, None)]
    assert path.read_text() == before
