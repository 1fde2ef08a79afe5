"""Offline render: per-bus files carry exactly their stems, resampled stems stay in time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from player.engine.plan import plan_song
from player.engine.render import render_song
from player.setlist import load_song
from player.setlist.rig import Rig
from tests.conftest import write_stem

RIG = Rig.model_validate({
    "audio": {"block_size": 128},
    "buses": {"in_ears": [1, 2], "foh_bvs": [3, 4], "foh_tracks": [5, 6]},
    "roles": {"click": "in_ears", "guide": "in_ears", "bvs": "foh_bvs", "other": "foh_tracks"},
})


def song(tmp_path: Path) -> Path:
    folder = tmp_path / "song"
    write_stem(folder / "click.wav", 2.0, freq=1000, amplitude=0.25, subtype="FLOAT")
    write_stem(folder / "bv.wav", 2.0, channels=2, freq=660, amplitude=0.25, subtype="FLOAT")
    write_stem(folder / "bass.wav", 1.5, freq=55, amplitude=0.25, subtype="FLOAT")  # ends early
    write_stem(folder / "keys.wav", 2.0, freq=330, amplitude=0.25, subtype="FLOAT")
    (folder / "song.toml").write_text(
        'title = "T"\n[[stems]]\nfile = "click.wav"\nrole = "click"\n'
        '[[stems]]\nfile = "bv.wav"\nrole = "bvs"\ngain_db = -6.0\n'
        '[[stems]]\nfile = "bass.wav"\nrole = "bass"\npan = -1.0\n'
        '[[stems]]\nfile = "keys.wav"\nrole = "keys"\n'
        '[[stems]]\nfile = "missing.wav"\nrole = "keys"\n')
    return folder


def read(path: Path) -> np.ndarray:
    return sf.read(str(path), dtype="float32", always_2d=True)[0]


def test_render_per_bus_is_the_sum_of_its_stems(tmp_path: Path) -> None:
    folder = song(tmp_path)
    result = render_song(plan_song(load_song(folder), RIG), RIG, tmp_path / "out", per_channel=True,
                         block=1000)
    assert result.frames == 96000
    assert result.errors and "missing.wav" in result.errors[0]  # reported, and the song still plays
    click, bv, keys = read(folder / "click.wav"), read(folder / "bv.wav"), read(folder / "keys.wav")
    bass = np.zeros((96000, 1), np.float32)
    bass[:72000] = read(folder / "bass.wav")

    ears = read(result.files["in_ears"])
    np.testing.assert_array_equal(ears, np.hstack([click, click]))
    bvs = read(result.files["foh_bvs"])
    np.testing.assert_allclose(bvs, bv * np.float32(10 ** (-6 / 20)), atol=1e-7)
    tracks = read(result.files["foh_tracks"])
    np.testing.assert_allclose(tracks[:, 0], bass[:, 0] + keys[:, 0], atol=1e-7)
    np.testing.assert_allclose(tracks[:, 1], keys[:, 0], atol=1e-7)  # bass hard left
    np.testing.assert_array_equal(read(result.files["out_6"])[:, 0], tracks[:, 1])
    np.testing.assert_array_equal(read(result.files["out_1"])[:, 0], click[:, 0])


def test_resampled_stem_stays_in_time(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    rate_a, rate_b = 48000, 44100
    for name, rate in (("click.wav", rate_a), ("keys.wav", rate_b)):
        data = np.zeros(rate * 2, np.float32)
        data[rate // 2] = 0.5  # an impulse at exactly 0.5 s in each file
        folder.mkdir(exist_ok=True)
        sf.write(str(folder / name), data, rate, subtype="FLOAT")
    result = render_song(plan_song(load_song(folder), RIG), RIG, tmp_path / "out", block=512)
    assert result.frames == 96000
    ears, tracks = read(result.files["in_ears"]), read(result.files["foh_tracks"])
    assert int(np.argmax(np.abs(ears[:, 0]))) == 24000
    assert int(np.argmax(np.abs(tracks[:, 0]))) == 24000, "the 44.1 kHz stem lands on the same sample"
