"""The engine's hook: the prepared file of a stem when it is ready, and the tempo map at the show's tempo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from player.prepare.cache import PrepareCache
from player.prepare.hook import prepared_path, tempo_map
from player.prepare.prepare import Job, prepare_all
from player.setlist.setlist import Entry
from player.setlist.song import Song, SongFolder, Stem, Tempo, TempoChange
from player.setlist.tempo import TempoMap

RATE = 48_000


def song_of(tmp_path: Path, **fields: object) -> SongFolder:
    x = 0.3 * np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE)
    for name in ("keys.wav", "click.wav"):
        sf.write(str(tmp_path / name), np.stack([x, x], 1), RATE)
    stems = [Stem(file="keys.wav", role="keys"), Stem(file="click.wav", role="click")]
    return SongFolder(tmp_path, Song(title="S", stems=stems, **fields), None)  # type: ignore[arg-type]


def test_prepared_path_when_ready_none_before_and_none_for_a_stem_played_as_recorded(tmp_path: Path) -> None:
    song = song_of(tmp_path)
    entry = Entry(path=".", transpose=2)
    keys, click = song.song.stems
    assert prepared_path(song, keys, entry) is None  # not prepared yet: the original plays
    prepare_all([Job("S", tmp_path / "keys.wav", 2, 1.0)], PrepareCache(), workers=1)
    path = prepared_path(song, keys, entry)
    assert path is not None and sf.info(str(path)).frames == RATE
    assert prepared_path(song, click, entry) is None  # a click is never shifted
    assert prepared_path(song, keys, Entry(path=".")) is None  # this show plays it as recorded
    path.write_bytes(path.read_bytes()[:1000])
    assert prepared_path(song, keys, entry) is None  # damaged: never played


def test_tempo_map_scaled_by_the_entry_lands_bars_earlier(tmp_path: Path) -> None:
    tempo = Tempo(bpm=120, changes=[TempoChange(bar=5, bpm=90, ramp_bars=2)])
    song = song_of(tmp_path, tempo=tempo)
    original = TempoMap(tempo, RATE)
    scaled = tempo_map(song, Entry(path=".", tempo=1.25), RATE)
    assert scaled is not None
    for bar in (2, 5, 6, 9):
        assert abs(scaled.seconds_at(bar) - original.seconds_at(bar) / 1.25) < 1e-9
    same = tempo_map(song, Entry(path="."), RATE)
    assert same is not None and same.seconds_at(9) == original.seconds_at(9)
    assert tempo_map(song_of(tmp_path), None, RATE) is None
