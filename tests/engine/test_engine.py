"""The engine process end to end through the test JACK server: what reaches each output, and faults."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from player.engine import messages as m
from player.engine.engine import Engine
from player.engine.plan import plan_song
from player.engine.render import render_song
from player.engine.status import State
from player.setlist import load_rig, load_setlist, load_song
from tests.conftest import DEMO, write_stem
from tests.engine.conftest import one_song_show
from tests.support import jackserver
from tests.support.audio import align, compare
from tests.support.jackserver import JackServer, Recorder


def load(engine: Engine, setlist: Path, song: int = 0) -> None:
    engine.send(m.LoadSetlist(setlist.resolve()))
    engine.send(m.Cue(song))
    seen: list[m.Event] = []
    assert engine.wait_for(m.DeviceBack, 10, seen), f"device never opened: {seen}"
    assert engine.wait_for(m.SongLoaded, 10, seen), f"song never loaded: {seen}"


def play_and_record(engine: Engine, server: JackServer, seconds: float) -> np.ndarray:
    recorder = Recorder(server, seconds)
    recorder.start()
    time.sleep(0.05)
    engine.send(m.Play())
    return recorder.wait(seconds + 5)


def test_demo_song_reaches_each_bus_and_nothing_else(engine: Engine, jack_server: JackServer,
                                                     tmp_path: Path) -> None:
    setlist = load_setlist(DEMO)
    _, rig = load_rig(setlist.setlist.rig, DEMO)
    song = load_song(setlist.song_folder(setlist.setlist.songs[0]))
    render = render_song(plan_song(song, rig, setlist.setlist.songs[0]), rig, tmp_path / "render")
    buses = {name: sf.read(str(path), dtype="float32", always_2d=True)[0]
             for name, path in render.files.items()}

    load(engine, DEMO)
    chorus = next(sec for sec in song.song.sections if sec.name.startswith("Chorus"))
    engine.send(m.Seek(bar=chorus.bar))  # where every bus has something to carry
    start = round(song.song.section_seconds(chorus) * rig.audio.sample_rate)
    time.sleep(0.3)
    captured = play_and_record(engine, jack_server, 4.0)
    engine.send(m.Stop())

    mix = sum(captured[c - 1] for chans in rig.buses.values() for c in chans)
    reference = {bus: data[start:start + 6 * 48000] for bus, data in buses.items()}
    ref_mix = sum(reference[b][:, k] for b, chans in rig.buses.items() for k in range(len(chans)))
    offset = align(mix, ref_mix)
    assert -48000 < offset <= 0, f"the song should start within the first second: {offset}"
    report = []
    for bus, channels in rig.buses.items():
        for k, ch in enumerate(channels):
            match = compare(captured[ch - 1], reference[bus][:, k], offset, jack_server.block)
            report.append(f"{bus}[{k}]: {match.bad}/{match.blocks} blocks differ")
            assert match.blocks > 100
            assert match.bad <= match.blocks * 0.1, report
            assert np.abs(reference[bus][:, k]).max() > 0.01, f"{bus} should carry sound"
    used = {c - 1 for chans in rig.buses.values() for c in chans}
    for ch in range(jack_server.outputs):
        if ch not in used:
            assert not captured[ch].any(), f"output {ch + 1} should carry nothing"
    print("; ".join(report))


def small_song(folder: Path) -> Path:
    """A 3-song setlist whose stems are sines at known frequencies; song 1 lacks a stem."""
    for i, name in enumerate(("one", "two", "three")):
        d = folder / name
        write_stem(d / "click.wav", 6.0, freq=1000)
        write_stem(d / "keys.wav", 6.0 if i else 1.0, freq=300 + 100 * i)  # song 1: ends early
        text = (f'title = "{name}"\n[[stems]]\nfile = "click.wav"\nrole = "click"\n'
                '[[stems]]\nfile = "keys.wav"\nrole = "keys"\n')
        if i == 0:
            text += '[[stems]]\nfile = "gone.wav"\nrole = "bvs"\n'
        (d / "song.toml").write_text(text)
    (folder / "config").mkdir(exist_ok=True)
    (folder / "config" / "rig.toml").write_text(
        '[audio]\ndevice = "system"\n[buses]\nin_ears = [1, 2]\nfoh_bvs = [3, 4]\n'
        'foh_tracks = [5, 6]\n[roles]\nclick = "in_ears"\nbvs = "foh_bvs"\nother = "foh_tracks"\n')
    setlist = folder / "set.toml"
    setlist.write_text('title = "T"\n[[songs]]\npath = "one"\n[[songs]]\npath = "two"\n'
                       '[[songs]]\npath = "three"\n')
    return setlist


def test_missing_stem_is_reported_and_the_song_plays_and_early_end_is_silence(
        engine: Engine, jack_server: JackServer, tmp_path: Path) -> None:
    setlist = small_song(tmp_path)
    engine.send(m.LoadSetlist(setlist))
    engine.send(m.Cue(0))
    seen: list[m.Event] = []
    error = engine.wait_for(m.FileError, 10, seen)
    assert error is not None and "gone.wav" in error.message, seen
    assert any(isinstance(e, m.DeviceBack) for e in seen) or engine.wait_for(m.DeviceBack, 10)
    captured = play_and_record(engine, jack_server, 2.0)
    click, keys, bvs = captured[0], captured[4], captured[2]
    sounding = np.flatnonzero(np.abs(keys) > 0)
    first, last = int(sounding[0]), int(sounding[-1])
    assert np.abs(click[first:first + 48000]).max() > 0.4, "the song plays"
    # 1 s of keys; a loaded machine's late blocks can only stretch it by whole blocks.
    assert 47_900 <= last - first <= 48_000 + 20 * jack_server.block, (first, last)
    assert last + 2 * jack_server.block < len(keys) - 24000, "then silence, not an error"
    assert np.abs(click[last + 256:]).max() > 0.4, "the click goes on after the keys end"
    assert not bvs.any(), "the missing stem is silent"
    assert engine.alive and engine.status().state is State.PLAYING


def test_cue_next_and_play_from_preload(engine: Engine, jack_server: JackServer,
                                        tmp_path: Path) -> None:
    setlist = small_song(tmp_path)
    load(engine, setlist)
    time.sleep(0.3)  # the preloader reads the next songs' first second
    engine.send(m.Cue(2))
    loaded = engine.wait_for(m.SongLoaded, 5)
    assert loaded is not None and loaded.index == 2
    captured = play_and_record(engine, jack_server, 1.0)
    keys = captured[4]
    start = int(np.argmax(np.abs(keys) > 0))
    spectrum = np.abs(np.fft.rfft(keys[start:start + 24000]))
    assert abs(np.argmax(spectrum) * 2 - 500) < 3, "song 3's keys (500 Hz) are playing"


def test_stalled_reader_is_covered_by_the_ring_then_silence_not_a_crash(
        engine: Engine, jack_server: JackServer, tmp_path: Path) -> None:
    folder = tmp_path / "long"
    write_stem(folder / "click.wav", 20.0, freq=1000)
    write_stem(folder / "keys.wav", 20.0, freq=400)
    setlist = one_song_show(tmp_path, "long",
                            '[buses]\na = [1]\nb = [2]\n[roles]\nclick = "a"\nother = "b"\n')
    load(engine, setlist)
    engine.send(m.Play())
    time.sleep(3.2)  # the ring fills to its 3 s
    before = engine.status()
    engine.send(m.DebugStallReader(2.0))
    time.sleep(2.5)
    after = engine.status()
    assert after.dropped == before.dropped, "a 2 s stall is covered by the read-ahead"
    engine.send(m.DebugStallReader(4.5))
    time.sleep(5.0)
    stalled = engine.status()
    assert stalled.dropped > after.dropped, "past the ring it plays silence and counts it"
    assert engine.alive and stalled.state is State.PLAYING
    time.sleep(1.0)
    recovered = engine.status()
    assert recovered.out_peaks[0] > 0.4, "sound is back once the reader catches up"
    assert recovered.skipped > 0, "the late reader skipped ahead to stay in time"


def test_engine_killed_is_noticed_and_restarted_on_the_same_song(
        engine: Engine, jack_server: JackServer, tmp_path: Path) -> None:
    setlist = small_song(tmp_path)
    load(engine, setlist, song=1)
    engine.send(m.Play())
    time.sleep(0.5)
    engine.send(m.Pause())
    assert engine.wait_state(State.PAUSED, 2)
    position = engine.status().position
    old = engine.pid
    os.kill(old, signal.SIGKILL)
    killed_at = time.monotonic()
    died = engine.wait_for(m.EngineDied, 3)
    assert died is not None and time.monotonic() - killed_at < 1.0, "noticed within 1 s"
    assert engine.wait_for(m.DeviceBack, 10), "the new engine opened the device"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and engine.status().position != position:
        time.sleep(0.05)
    status = engine.status()
    assert engine.pid != old and status.song == 1
    assert abs(status.position - position) <= 128, "same song, same place"
    assert status.state is not State.PLAYING, "it does not start playing by itself"
    captured = play_and_record(engine, jack_server, 0.5)
    assert np.abs(captured[4]).max() > 0.4


@pytest.mark.jack  # starts and kills a JACK server of its own
def test_jack_server_killed_mid_song_then_back(tmp_path: Path, monkeypatch) -> None:
    name = f"player-kill-{os.getpid()}"
    monkeypatch.setenv("JACK_DEFAULT_SERVER", name)
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    proc = jackserver.start(name, tmp_path / "jackd.log")
    server = JackServer(name, proc.pid)
    setlist = small_song(tmp_path)
    eng = Engine(log=tmp_path / "engine.log")
    eng.start()
    try:
        load(eng, setlist, song=1)
        eng.send(m.Play())
        time.sleep(1.0)
        jackserver.stop(proc)
        seen: list[m.Event] = []
        lost = eng.wait_for(m.DeviceLost, 5, seen)
        assert lost is not None, seen
        position = eng.status().position
        assert position > 0.5 * 48000
        time.sleep(1.0)
        assert eng.status().state is State.NO_DEVICE
        proc = jackserver.start(name, tmp_path / "jackd2.log")
        assert eng.wait_for(m.DeviceBack, 10, seen), seen
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and abs(eng.status().position - position) > 128:
            time.sleep(0.05)
        status = eng.status()
        assert status.song == 1 and abs(status.position - position) <= 128
        assert status.state is not State.PLAYING
        captured = play_and_record(eng, server, 0.5)
        assert np.abs(captured[4]).max() > 0.4, "it plays again from where it stopped"
    finally:
        eng.close()
        jackserver.stop(proc)
