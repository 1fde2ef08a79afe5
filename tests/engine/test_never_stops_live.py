"""The engine never stops, through the test JACK server: bursts of commands, faults in the callback,
a device at another rate than the rig, and a disk that stalls for longer than the read-ahead."""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np

from player.actions import Action
from player.engine import messages as m
from player.engine.engine import Engine
from player.engine.status import State
from tests.conftest import DEMO, write_stem
from tests.engine.conftest import one_song_show
from tests.engine.test_engine import load, play_and_record
from tests.support.jackserver import JackServer, Recorder


def burst(rng: random.Random) -> m.Command:
    """One of the commands a panicking performer, a bouncing pedal or a remote could send."""
    pick = rng.randrange(12)
    if pick < 5:
        action = (Action.NEXT_SONG, Action.PREVIOUS_SONG, Action.NEXT_SECTION,
                  Action.PREVIOUS_SECTION, Action.PLAY_PAUSE)[pick]
        return m.DoAction(action, source="test")
    return (m.Jump(section=rng.randrange(6), mode=rng.choice(list(m.JumpMode))),
            m.SetStem(stem=rng.randrange(9), gain_db=-rng.uniform(0, 12)),
            m.Seek(seconds=rng.uniform(0, 60)), m.Cue(rng.randrange(3)), m.Play(),
            m.Pause(), m.Vamp())[pick - 5]


def test_a_thousand_mixed_commands_a_second_and_it_still_plays(engine: Engine,
                                                              jack_server: JackServer) -> None:
    load(engine, DEMO)
    pid = engine.pid
    engine.send(m.Play())
    rng = random.Random(5)
    sent = 0
    start = time.monotonic()
    while time.monotonic() - start < 3.0:  # 1,000 a second, in bursts of 20 every 20 ms
        for _ in range(20):
            engine.send(burst(rng))
            sent += 1
        time.sleep(max(0.0, start + sent / 1000 - time.monotonic()))
    seen: list[m.Event] = []
    engine.send(m.Stop())
    marker = m.DoAction(Action.CLICK_TOGGLE, source="marker")
    engine.send(marker)
    deadline = time.monotonic() + 30
    done = None
    while done is None and time.monotonic() < deadline:
        batch = engine.events()  # in bulk: thousands of answers are queued
        seen.extend(batch)
        done = next((e for e in batch if isinstance(e, m.ActionDone) and e.source == "marker"), None)
        time.sleep(0.01)
    assert done is not None, "every command was taken, the last one answered"
    assert engine.pid == pid and engine.alive, "no engine death"
    assert not [e for e in seen if isinstance(e, (m.EngineDied, m.EngineFault))], seen[-5:]
    assert engine.wait_state(State.STOPPED, 5) or engine.wait_state(State.PAUSED, 1)
    engine.send(m.DoAction(Action.CLICK_TOGGLE, source="marker"))
    engine.send(m.Cue(1))
    loaded = engine.wait_for(m.SongLoaded, 10, seen)
    while loaded is not None and loaded.index != 1:  # a stop that landed on a queued song
        loaded = engine.wait_for(m.SongLoaded, 10, seen)
    assert loaded is not None, f"a song can still be cued: {seen[-8:]}"
    engine.send(m.Seek(seconds=30.0))  # into the song, where the tracks play
    time.sleep(0.3)
    captured = play_and_record(engine, jack_server, 1.5)
    assert np.abs(captured[0:2]).max() > 0.1 and np.abs(captured[4:6]).max() > 0.01, "it plays"
    assert engine.status().state is State.PLAYING and engine.status().faults == 0


def test_a_fault_in_the_callback_is_silence_and_a_message_not_a_lost_device(
        engine: Engine, jack_server: JackServer, tmp_path: Path) -> None:
    folder = tmp_path / "song"
    write_stem(folder / "keys.wav", 10.0, freq=500)
    setlist = one_song_show(tmp_path, "song", '[buses]\na = [1]\nb = [2]\n[roles]\nother = "b"\n')
    load(engine, setlist)
    pid = engine.pid
    recorder = Recorder(jack_server, 3.0)
    recorder.start()
    engine.send(m.Play())
    time.sleep(0.8)
    engine.send(m.DebugFault(blocks=100))  # 0.27 s of a callback that raises every block
    seen: list[m.Event] = []
    fault = engine.wait_for(m.EngineFault, 5, seen)
    captured = recorder.wait(10)[1]
    assert fault is not None and "DebugFault" in fault.message and "Traceback" in fault.traceback
    assert not [e for e in seen if isinstance(e, (m.DeviceLost, m.EngineDied))], seen
    status = engine.status()
    assert status.faults == 100 and status.state is State.PLAYING and engine.pid == pid
    block = jack_server.block
    blocks = captured[: len(captured) // block * block].reshape(-1, block)
    silent = np.flatnonzero(np.abs(blocks).max(axis=1) == 0)
    sounding = np.flatnonzero(np.abs(blocks).max(axis=1) > 0.4)
    assert len(sounding) and sounding[0] < silent[-1] < sounding[-1], "sound, silence, sound again"
    assert 95 <= len(silent[silent > sounding[0]]) <= 110, "about the faulty blocks, no more"


def test_a_device_at_another_rate_plays_resampled(engine: Engine, jack_server: JackServer,
                                                  tmp_path: Path) -> None:
    folder = tmp_path / "song"
    write_stem(folder / "keys.wav", 6.0, rate=44100, freq=1000)
    setlist = one_song_show(tmp_path, "song", 'sample_rate = 44100\n[buses]\na = [1]\nb = [2]\n'
                            '[roles]\nother = "b"\n')
    seen: list[m.Event] = []
    engine.send(m.LoadSetlist(setlist))
    engine.send(m.Cue(0))
    changed = engine.wait_for(m.RateChanged, 10, seen)
    assert changed is not None and (changed.device_rate, changed.rig_rate) == (48000, 44100), seen
    assert engine.wait_for(m.SongLoaded, 10, seen), seen
    captured = play_and_record(engine, jack_server, 1.5)[1]
    start = int(np.argmax(np.abs(captured) > 0.1))
    part = captured[start + 4800:start + 4800 + 48000]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    assert abs(np.argmax(spectrum) - 1000) <= 1, "a 1 kHz stem sounds at 1 kHz at 48 kHz"
    assert not [e for e in seen if isinstance(e, (m.EngineDied, m.DeviceLost))]
    assert engine.status().rate == 48000


def test_a_disk_stall_longer_than_the_read_ahead_keeps_the_click_and_warns_first(
        engine: Engine, jack_server: JackServer, tmp_path: Path) -> None:
    folder = tmp_path / "long"
    write_stem(folder / "keys.wav", 30.0, freq=400)
    (folder / "song.toml").write_text(
        'title = "Long"\n[tempo]\nbpm = 120\n[generate]\nclick = "on"\n[[stems]]\nfile = "keys.wav"\n'
        'role = "keys"\n')
    setlist = one_song_show(tmp_path, "long", 'read_ahead_seconds = 2.0\n[buses]\na = [1]\nb = [2]\n'
                            '[roles]\nclick = "a"\nother = "b"\n')
    load(engine, setlist)
    engine.send(m.Play())
    time.sleep(1.0)
    recorder = Recorder(jack_server, 5.0)
    recorder.start()
    engine.send(m.DebugStallReader(4.0))  # twice the read-ahead
    seen: list[m.Event] = []
    low = engine.wait_for(m.ReadAhead, 3, seen)
    assert low is not None and low.low and low.seconds > 0.2, "warned while audio was left"
    captured = recorder.wait(15)
    click, keys = captured[0], captured[1]
    rate = 48000
    dry = np.flatnonzero([np.abs(keys[i:i + 4800]).max() == 0 for i in range(0, len(keys), 4800)])
    assert len(dry), "the stems ran dry during the stall"
    beats = [i for i in range(0, len(click) - rate // 2, rate // 2)
             if np.abs(click[i:i + rate // 2]).max() > 0.1]
    assert len(beats) == len(range(0, len(click) - rate // 2, rate // 2)), \
        "the generated click played every beat, stall or not"
    back = engine.wait_for(m.ReadAhead, 6, seen)
    assert back is not None and not back.low, "and the warning clears when the disk is back"


def test_an_engine_that_keeps_dying_is_shown_down_not_playing(jack_server: JackServer,
                                                             tmp_path: Path) -> None:
    import os
    import signal

    eng = Engine(log=tmp_path / "engine.log")
    eng.start()
    try:
        load(eng, DEMO)
        eng.send(m.Play())
        assert eng.wait_state(State.PLAYING, 5)
        seen: list[m.Event] = []
        for _ in range(8):  # more deaths in a minute than the restart limit allows
            pid = eng.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and (eng.pid == pid or not eng.alive):
                if any(isinstance(e, m.Problem) and "not restarting" in e.message for e in seen):
                    break
                eng.wait_for(m.EngineStarted, 0.2, seen)
            if any(isinstance(e, m.Problem) and "not restarting" in e.message for e in seen):
                break
        assert any(isinstance(e, m.Problem) and "not restarting" in e.message for e in seen), seen
        assert eng.status().state is State.ENGINE_DOWN, "the screen says the engine is down"
    finally:
        eng.close()
