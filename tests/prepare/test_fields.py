"""Key and tempo in the files: an entry and a song say them, a stem opts out; bad values are located."""

from __future__ import annotations

from pathlib import Path

import pytest

from player.setlist import LoadError
from player.setlist.setlist import Setlist
from player.setlist.song import Song
from player.setlist.tomlfile import load_model


def problem(model: type, path: Path, text: str):
    path.write_text(text)
    with pytest.raises(LoadError) as info:
        load_model(model, path)
    return info.value.problems[0]


def test_entry_and_song_and_stem_fields_load(tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    path.write_text('title = "S"\n[[songs]]\npath = "a"\ntranspose = -2\ntempo = 1.04\n')
    entry = load_model(Setlist, path).songs[0]
    assert (entry.transpose, entry.tempo) == (-2, 1.04)
    song = tmp_path / "song.toml"
    song.write_text('title = "A"\ntranspose = 3\ntempo_factor = 0.9\n[[stems]]\nfile = "a.wav"\n'
                    '[[stems]]\nfile = "c.wav"\ntranspose = false\n')
    loaded = load_model(Song, song)
    assert (loaded.transpose, loaded.tempo_factor) == (3, 0.9)
    assert [s.transpose for s in loaded.stems] == [True, False]


def test_transpose_30_is_a_located_error(tmp_path: Path) -> None:
    p = problem(Setlist, tmp_path / "show.toml", 'title = "S"\n[[songs]]\npath = "a"\n\ntranspose = 30\n')
    assert (p.line, p.field) == (5, "songs[1].transpose") and "12" in p.message


def test_tempo_0_is_a_located_error(tmp_path: Path) -> None:
    p = problem(Setlist, tmp_path / "show.toml", 'title = "S"\n[[songs]]\npath = "a"\ntempo = 0\n')
    assert (p.line, p.field) == (4, "songs[1].tempo") and "0.5" in p.message


def test_song_transpose_out_of_range_and_stem_transpose_not_a_bool(tmp_path: Path) -> None:
    p = problem(Song, tmp_path / "song.toml", 'title = "A"\ntranspose = -13\n[[stems]]\nfile = "a.wav"\n')
    assert (p.line, p.field) == (2, "transpose")
    p = problem(Song, tmp_path / "song.toml", 'title = "A"\n[[stems]]\nfile = "a.wav"\ntranspose = 2\n')
    assert (p.line, p.field) == (4, "stems[1].transpose")
