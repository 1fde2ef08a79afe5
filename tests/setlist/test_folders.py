"""Folders as bands bring them: hidden files, split-mono pairs, a song folder or a folder of songs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from player.engine.plan import plan_song
from player.engine.render import render_song
from player.setlist.check import check_show
from player.setlist.problems import LoadError
from player.setlist.rig import Rig
from player.setlist.roles import Role
from player.setlist.setlist import load_setlist
from player.setlist.song import load_song
from tests.conftest import write_stem
from tests.test_cli import player

RIG = Rig.model_validate({
    "audio": {"block_size": 128},
    "buses": {"in_ears": [1, 2], "foh": [3, 4]},
    "roles": {"click": "in_ears", "guide": "in_ears", "other": "foh"},
})


def read(path: Path) -> np.ndarray:
    return sf.read(str(path), dtype="float32", always_2d=True)[0]


def test_appledouble_and_hidden_files_are_not_stems(tmp_path: Path) -> None:
    write_stem(tmp_path / "Click.wav", 1.0)
    write_stem(tmp_path / "Bass.wav", 1.0)
    (tmp_path / "._Click.wav").write_bytes(b"\x00\x05\x16\x07" + b"\x00" * 4092)  # a resource fork
    write_stem(tmp_path / ".Bass.wav.swp.wav", 1.0)
    song = load_song(tmp_path)
    assert [s.file for s in song.song.stems] == ["Bass.wav", "Click.wav"]


def test_split_mono_pairs_play_as_one_stereo_stem_hard_left_and_right(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    for left, right in (("Keys.L.wav", "Keys.R.wav"), ("Pad L.wav", "Pad R.wav"),
                        ("Gtr_L.wav", "Gtr_R.wav")):
        write_stem(folder / left, 1.0, freq=440, amplitude=0.25, subtype="FLOAT")
        write_stem(folder / right, 1.0, freq=660, amplitude=0.25, subtype="FLOAT")
    write_stem(folder / "Lone_L.wav", 1.0, freq=110, amplitude=0.25, subtype="FLOAT")
    song = load_song(folder)
    stems = {s.display_name: (s.file, s.right, s.role) for s in song.song.stems}
    assert stems == {"Gtr": ("Gtr_L.wav", "Gtr_R.wav", Role.GUITARS),
                     "Keys": ("Keys.L.wav", "Keys.R.wav", Role.KEYS),
                     "Pad": ("Pad L.wav", "Pad R.wav", Role.PADS),
                     "Lone L": ("Lone_L.wav", None, Role.OTHER)}
    keep = [s for s in song.song.stems if s.display_name == "Keys"]
    only_keys = type(song)(song.path, song.song.model_copy(update={"stems": keep}), None)
    plan = plan_song(only_keys, RIG, rate=48000)
    assert [lv.channels for lv in plan.levels] == [2]
    result = render_song(plan, RIG, tmp_path / "out", block=1000)
    foh = read(result.files["foh"])
    # Left only on the left, right only on the right, each at its own level (not summed in the centre).
    np.testing.assert_array_equal(foh[:, 0], read(folder / "Keys.L.wav")[:, 0])
    np.testing.assert_array_equal(foh[:, 1], read(folder / "Keys.R.wav")[:, 0])


def band_folder(tmp_path: Path) -> Path:
    """A folder of song folders as a band hands it over: no setlist, one song without song.toml."""
    root = tmp_path / "gig"
    write_stem(root / "10 Finale" / "Keys.wav", 1.0)
    write_stem(root / "2 Opener" / "Bass.wav", 1.0)
    write_stem(root / "2 Opener" / "Click.wav", 1.0)
    (root / "2 Opener" / "song.toml").write_text(
        'title = "Opener"\n[[stems]]\nfile = "Bass.wav"\nrole = "bass"\n'
        '[[stems]]\nfile = "Click.wav"\nrole = "click"\n')
    (root / ".Trashes").mkdir()
    (root / "artwork").mkdir()  # no audio: not a song
    return root


def test_a_folder_of_songs_is_a_setlist_in_name_order(tmp_path: Path) -> None:
    root = band_folder(tmp_path)
    setlist = load_setlist(root)
    assert [e.path for e in setlist.setlist.songs] == ["2 Opener", "10 Finale"]
    assert setlist.song_folder(setlist.setlist.songs[1]) == (root / "10 Finale").resolve()
    one = load_setlist(root / "2 Opener")
    assert [one.song_folder(e) for e in one.setlist.songs] == [(root / "2 Opener").resolve()]
    report = check_show(root, device="not looked for")
    assert report.ok and [s.title for s in report.songs] == ["Opener", "10 Finale"]
    with pytest.raises(LoadError) as caught:
        load_setlist(root / "artwork")
    assert "no songs in the folder" in str(caught.value) and "new-setlist" in str(caught.value)


def test_check_play_and_render_take_a_song_folder_and_a_folder_of_songs(tmp_path: Path) -> None:
    root = band_folder(tmp_path)
    for target in (root, root / "2 Opener"):
        out = player("check", str(target), "--no-device")
        assert out.returncode == 0 and "The show can run." in out.stdout, out.stdout + out.stderr
        assert "Is a directory" not in out.stdout
    out = player("play", str(root), env={**os.environ, "CI": "true"})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1. Opener" in out.stdout and "2. 10 Finale" in out.stdout
    out = player("render", str(root), "--out", str(tmp_path / "out"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["01-opener", "02-10-finale"]


def test_new_setlist_writes_a_file_that_checks(tmp_path: Path) -> None:
    root = band_folder(tmp_path)
    write_stem(tmp_path / "encore" / "Piano.wav", 1.0)
    help_text = player("--help").stdout
    assert "new-setlist" in help_text
    out = player("new-setlist", "friday", str(root), str(tmp_path / "encore"), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    target = tmp_path / "setlists" / "friday.toml"
    setlist = load_setlist(target)
    assert setlist.setlist.title == "friday"
    assert [setlist.song_folder(e).name for e in setlist.setlist.songs] == ["2 Opener", "10 Finale",
                                                                          "encore"]
    assert [e.path for e in setlist.setlist.songs][0] == "../gig/2 Opener"  # relative to the file
    again = player("new-setlist", "friday", str(root), cwd=tmp_path)
    assert again.returncode == 1 and "already exists" in again.stdout
    bad = player("new-setlist", "other", str(root / "artwork"), cwd=tmp_path)
    assert bad.returncode == 1 and "no song here" in bad.stdout
    assert not (tmp_path / "setlists" / "other.toml").exists()


def test_an_empty_setlist_shows_the_real_songs_form(tmp_path: Path) -> None:
    for text in ('title = "Empty"\n', 'title = "Empty"\nsongs = []\n'):
        (tmp_path / "show.toml").write_text(text)
        with pytest.raises(LoadError) as caught:
            load_setlist(tmp_path / "show.toml")
        [p] = caught.value.problems
        assert "[[songs]]" in p.message and '`path = "folder/of/the-song"`' in (p.fix or "")


def test_one_channel_rule_check_render_and_the_show_plan(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    write_stem(folder / "Bass.wav", 1.0)
    write_stem(folder / "Surround.wav", 1.0, channels=6)
    song = load_song(folder)
    plan = plan_song(song, RIG, rate=48000)
    assert [lv.bus for lv in plan.levels] == ["foh", "none"]  # the show plays it nowhere
    assert plan.refused == ["Surround.wav has 6 channels; stems are mono or stereo."]
    check = player("check", str(folder), "--no-device")
    assert check.returncode == 1 and "Surround.wav has 6 channels" in check.stdout
    render = player("render", str(folder), "--out", str(tmp_path / "out"))
    assert render.returncode == 1, render.stdout + render.stderr
    assert "Surround.wav has 6 channels; stems are mono or stereo. Not rendered" in render.stdout
    foh = read(tmp_path / "out" / "song" / "foh_tracks.wav")  # the default rig
    np.testing.assert_array_equal(foh[:, 0], read(folder / "Bass.wav")[:, 0])  # only the bass


def test_click_and_count_in_on_a_song_without_tempo_say_why_nothing_plays(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    write_stem(folder / "Keys.wav", 1.0)
    out = player("render", str(folder), "--out", str(tmp_path / "out"), "--click", "on",
                 "--count-in", "1")
    assert out.returncode == 0, out.stdout + out.stderr
    assert 'a generated click is asked for (click "on"), but the song has no [tempo]' in out.stdout
    assert "a 1-bar count-in is asked for, but the song has no [tempo]" in out.stdout
    setlist = tmp_path / "show.toml"
    setlist.write_text('title = "S"\n[[songs]]\npath = "song"\ncount_in = 2\n')
    report = check_show(setlist, device="not looked for")
    [warning] = [p for p in report.songs[0].problems if "count-in" in p.message]
    assert "a 2-bar count-in is asked for" in warning.message and "[tempo]" in (warning.fix or "")


def test_a_song_python_cannot_parse_does_not_refuse_the_show(tmp_path: Path) -> None:
    root = band_folder(tmp_path)
    toml = root / "2 Opener" / "song.toml"
    toml.write_text(toml.read_text() + "end_bar = " + "9" * 5000 + "\n")
    out = player("play", str(root), env={**os.environ, "CI": "true"})
    assert out.returncode == 0 and "Traceback" not in out.stdout + out.stderr, out.stdout + out.stderr
    assert "2. 10 Finale" in out.stdout
    out = player("render", str(root), "--out", str(tmp_path / "out"))
    assert out.returncode == 1 and "Traceback" not in out.stdout + out.stderr
    assert "song.toml:8: TOML cannot be read: a number too long to read" in out.stdout
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["02-10-finale"]


def test_a_show_opened_from_a_folder_says_how_to_save_its_order(tmp_path: Path) -> None:
    from player.setlist.saving import SaveError, save_order

    root = band_folder(tmp_path)
    with pytest.raises(SaveError) as caught:
        save_order(root, [1, 0], {})
    assert "not a setlist file" in str(caught.value) and "player new-setlist" in str(caught.value)
