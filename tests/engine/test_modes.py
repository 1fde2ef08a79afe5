"""Karaoke and instrumental modes: the rig's [modes] roles drop through the mute matrices."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from player.actions import Action
from player.engine import messages as m
from player.engine.engine import Engine
from player.setlist.rig import load_rig
from player.setlist.roles import Role
from tests.support.harness import BLOCK, Harness
from tests.support.jackserver import JackServer, Recorder


def test_instrumental_mutes_the_bvs_within_one_block_and_back(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.send(m.Cue(0))
    h.send(m.Play())
    assert np.allclose(h.run(4, channel=1), 0.25)
    h.send(m.DoAction(Action.INSTRUMENTAL_TOGGLE))
    ramp = h.run(2, channel=1)
    assert np.all(ramp[BLOCK - 1:] == 0.0) and ramp[0] > 0, "down over one block, then silent"
    assert h.core.mix.mode == "instrumental" and h.core.mix.mode_roles == {Role.LEAD, Role.BVS}
    done = [e for e in h.events if isinstance(e, m.ActionDone)][-1]
    assert done.detail == "instrumental: bvs, lead out"
    changed = [e for e in h.events if isinstance(e, m.ModeChanged)][-1]
    assert changed.mode == "instrumental" and changed.roles == ("bvs", "lead")
    assert h.run(2, channel=0).any(), "the click (other bus) keeps going"
    h.send(m.DoAction(Action.INSTRUMENTAL_TOGGLE))
    h.run(1)
    assert np.allclose(h.run(2, channel=1), 0.25) and h.core.mix.mode == "full"
    h.close()


def test_karaoke_keeps_the_bvs_and_a_bvs_mute_outlives_the_mode(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.send(m.Cue(0))
    h.send(m.Play())
    h.send(m.DoAction(Action.KARAOKE_TOGGLE))
    h.run(1)
    assert np.allclose(h.run(2, channel=1), 0.25), "karaoke drops the lead only"
    h.send(m.MuteRole(Role.BVS, True))
    h.send(m.DoAction(Action.KARAOKE_TOGGLE))
    h.run(1)
    assert not h.run(2, channel=1).any(), "the performer's own mute stays after the mode"
    h.close()


def test_a_setlist_entry_starts_its_song_in_a_mode(tmp_path: Path) -> None:
    h = Harness(tmp_path, entry_toml='mode = "instrumental"')
    h.send(m.Cue(0))
    h.send(m.Play())
    assert not h.run(3, channel=1).any(), "the BVs are out from the first sample"
    assert h.run(3, channel=0).any()
    h.close()


def test_rig_modes_table_and_an_unknown_role_is_an_error(tmp_path: Path) -> None:
    from player.setlist.problems import LoadError

    rig = tmp_path / "rig.toml"
    rig.write_text('[buses]\na = [1]\n[roles]\nother = "a"\n[modes]\nkaraoke = ["lead", "guide"]\n')
    _, loaded = load_rig(str(rig))
    assert loaded.modes.roles("karaoke") == {Role.LEAD, Role.GUIDE}
    assert loaded.modes.roles("instrumental") == {Role.LEAD, Role.BVS}
    assert loaded.modes.roles("full") == frozenset()
    rig.write_text('[buses]\na = [1]\n[roles]\nother = "a"\n[modes]\nkaraoke = ["singer"]\n')
    with pytest.raises(LoadError) as err:
        load_rig(str(rig))
    assert "modes.karaoke" in str(err.value)


# --- through JACK ----------------------------------------------------------------------------------
LEAD, CLICK = 0.25, 0.5


@pytest.fixture
def engine(jack_server: JackServer, tmp_path: Path) -> Iterator[Engine]:
    eng = Engine(log=tmp_path / "engine.log", midi="off")
    eng.start()
    yield eng
    eng.close()


def load_one(engine: Engine, folder: Path, song: str, rig: str, entry: str = "") -> list[m.Event]:
    """A one-song setlist with its own rig, loaded and cued; the events seen until the song loaded."""
    (folder / "rig.toml").write_text('[audio]\ndevice = "system"\n' + rig)
    setlist = folder / "set.toml"
    setlist.write_text(f'title = "T"\nrig = "rig.toml"\n[[songs]]\npath = "{song}"\n{entry}')
    engine.send(m.LoadSetlist(setlist))
    engine.send(m.Cue(0))
    seen: list[m.Event] = []
    assert engine.wait_for(m.SongLoaded, 15, seen) or any(isinstance(e, m.SongLoaded) for e in seen)
    assert any(isinstance(e, m.DeviceBack) for e in seen) or engine.wait_for(m.DeviceBack, 10, seen)
    return seen


def test_karaoke_toggle_while_playing_silences_the_lead_and_the_click_goes_on(
        engine: Engine, jack_server: JackServer, tmp_path: Path) -> None:
    song = tmp_path / "song"
    song.mkdir()
    frames = 10 * 48000
    sf.write(str(song / "click.wav"), np.full(frames, CLICK, np.float32), 48000, subtype="FLOAT")
    sf.write(str(song / "lead.wav"), np.full(frames, LEAD, np.float32), 48000, subtype="FLOAT")
    (song / "song.toml").write_text('title = "S"\n[generate]\nclick = "off"\n'
                                    '[[stems]]\nfile = "click.wav"\nrole = "click"\n'
                                    '[[stems]]\nfile = "lead.wav"\nrole = "lead"\n')
    load_one(engine, tmp_path, "song", '[buses]\nin_ears = [1]\nvox = [2]\n'
             '[roles]\nclick = "in_ears"\nlead = "vox"\nother = "in_ears"\n')
    recorder = Recorder(jack_server, 3.0)
    recorder.start()
    engine.send(m.Play())
    time.sleep(1.0)
    engine.send(m.DoAction(Action.KARAOKE_TOGGLE, source="pedal"))
    captured = recorder.wait(8)
    engine.send(m.Stop())
    click, lead = captured[0], captured[1]
    on = np.flatnonzero(lead == LEAD)
    assert len(on) > 24000, "the lead played before the toggle"
    after = lead[on[-1] + 1:]
    assert len(after) > 24000, "the toggle landed during the recording"
    ramp = np.flatnonzero(after != 0.0)
    # One block of ramp (linear, from the lead's level down), then exact silence to the end.
    assert len(ramp) < jack_server.block and (len(ramp) == 0 or ramp[-1] == len(ramp) - 1), ramp
    assert np.all(np.abs(after[:len(ramp)]) < LEAD)
    start = int(np.flatnonzero(click == CLICK)[0])
    assert np.all(click[start:] == CLICK), "the click never stops, across the toggle"


def test_karaoke_of_a_one_file_song_plays_the_vocal_reduction_through_jack(
        engine: Engine, jack_server: JackServer, tmp_path: Path) -> None:
    """The split source is read by the engine's disk thread: the centre voice band goes, the bass stays."""
    song = tmp_path / "take"
    song.mkdir()
    t = np.arange(48000 * 6) / 48000
    centre = 0.3 * np.sin(2 * np.pi * 900 * t) + 0.3 * np.sin(2 * np.pi * 55 * t)
    sf.write(str(song / "Whole Take.wav"), np.stack([centre, centre], 1).astype(np.float32), 48000,
             subtype="FLOAT")
    seen = load_one(engine, tmp_path, "take", '[buses]\nmain = [1, 2]\n'
                    '[roles]\nother = "main"\nclick = "none"\nguide = "none"\n', 'mode = "karaoke"\n')
    changed = next((e for e in seen if isinstance(e, m.ModeChanged)), None) or engine.wait_for(
        m.ModeChanged, 5, seen)
    assert changed is not None and changed.mode == "karaoke" and changed.reduced
    recorder = Recorder(jack_server, 3.0)
    recorder.start()
    engine.send(m.Play())
    captured = recorder.wait(8)
    engine.send(m.Stop())
    left = captured[0]
    start = int(np.flatnonzero(np.abs(left) > 0.05)[0])
    window = left[start + 24000:start + 72000]  # one second, away from the file's start
    spectrum = np.abs(np.fft.rfft(window)) / (len(window) / 2)
    assert spectrum[55] > 0.3 * 0.8, "the bass below the voice band stays"
    assert spectrum[900] < 0.3 * 0.1, "the centre voice band is cancelled"
