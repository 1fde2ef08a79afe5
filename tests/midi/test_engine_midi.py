"""End to end: a pedal on a JACK MIDI port starts the song in the engine process and the song
sounds at the outputs; the engine reports what the pedal did and where it came from."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from player.engine import messages as m
from player.engine.engine import Engine
from player.engine.status import State
from player.midi import messages as mm
from tests.conftest import write_stem
from tests.midi.conftest import PEDAL, Pedal
from tests.support.jackserver import JackServer, Recorder


def pedal_show(folder: Path) -> Path:
    write_stem(folder / "one" / "keys.wav", 4.0, freq=440)
    (folder / "one" / "song.toml").write_text(
        'title = "One"\n[midi]\non_start = []\n[[stems]]\nfile = "keys.wav"\nrole = "keys"\n')
    (folder / "config").mkdir(exist_ok=True)
    (folder / "config" / "rig.toml").write_text(
        '# a rig with a pedal\n[audio]\ndevice = "system"\n[buses]\nmain = [5, 6]\n[roles]\n'
        f'other = "main"\n[midi]\ninput = "{PEDAL}"\n'
        '[[midi.map]]\ntype = "program_change"\nprogram = 0\naction = "play_pause"\n'
        '[[midi.map]]\ntype = "control_change"\ncontrol = 64\nvalue = [64, 127]\naction = "stop"\n')
    setlist = folder / "set.toml"
    setlist.write_text('title = "Pedal"\n[[songs]]\npath = "one"\n')
    return setlist


def test_a_pedal_press_starts_the_song(midi_jack: JackServer, tmp_path: Path) -> None:
    pedal = Pedal()
    engine = Engine(log=tmp_path / "engine.log")
    engine.start()
    try:
        engine.send(m.LoadSetlist(pedal_show(tmp_path).resolve()))
        engine.send(m.Cue(0))
        seen: list[m.Event] = []
        assert engine.wait_for(m.SongLoaded, 10, seen), seen
        ports = [e for e in seen if isinstance(e, mm.MidiPort)] or [engine.wait_for(mm.MidiPort, 10, seen)]
        assert ports[0] is not None and ports[0].connected and ports[0].port == pedal.port, seen
        time.sleep(0.2)
        recorder = Recorder(midi_jack, 1.0)
        recorder.start()
        pedal.pc(0)
        done = engine.wait_for(m.ActionDone, 5, seen)
        assert done is not None and done.source == f"midi: {pedal.port}", seen
        captured = recorder.wait(5)
        assert engine.wait_state(State.PLAYING, 2) is not None
        assert np.abs(captured[4]).max() > 0.1, "the song sounds on output 5"
        pedal.cc(64, 100)
        assert engine.wait_state(State.STOPPED, 3) is not None
    finally:
        engine.close()
        pedal.unplug()
