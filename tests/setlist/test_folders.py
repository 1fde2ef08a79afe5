"""Folders as bands bring them: hidden files, split-mono pairs, a song folder or a folder of songs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from player.engine.plan import plan_song
from player.engine.render import render_song
from player.setlist.rig import Rig
from player.setlist.roles import Role
from player.setlist.song import load_song
from tests.conftest import write_stem

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
