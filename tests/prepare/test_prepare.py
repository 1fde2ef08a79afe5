"""Preparing a show's key and tempo: the rules per stem, the pitch that comes out, the cache's hits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from player.cli import main
from player.prepare.cache import PrepareCache
from player.prepare.prepare import Job, jobs, prepare_all, prepared_file
from player.setlist.setlist import load_setlist
from player.setlist.song import load_song

RATE = 48_000


def sine(path: Path, freq: float, seconds: float = 3.0) -> None:
    t = np.arange(int(seconds * RATE)) / RATE
    x = 0.5 * np.sin(2 * np.pi * freq * t)
    sf.write(str(path), np.stack([x, x], axis=1), RATE, subtype="PCM_24")


def pitch(x: np.ndarray) -> float:
    """The strongest frequency of the middle of ``x``, to a few thousandths of a hertz."""
    mid = x[x.size // 4: 3 * x.size // 4]
    n = 1 << 21
    spec = np.abs(np.fft.rfft(mid * np.hanning(mid.size), n))
    k = int(np.argmax(spec))
    a, b, c = np.log(spec[k - 1: k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * RATE / n


def cents(f: float, target: float) -> float:
    return 1200 * float(np.log2(f / target))


@pytest.fixture
def show(tmp_path: Path) -> Path:
    song = tmp_path / "song"
    song.mkdir()
    sine(song / "keys.wav", 440.0)
    sine(song / "click.wav", 1000.0)
    sine(song / "drone.wav", 220.0)
    (song / "song.toml").write_text(
        'title = "Sine"\n[[stems]]\nfile = "keys.wav"\nrole = "keys"\n'
        '[[stems]]\nfile = "click.wav"\nrole = "click"\n'
        '[[stems]]\nfile = "drone.wav"\nrole = "pads"\ntranspose = false\n')
    setlist = tmp_path / "show.toml"
    setlist.write_text('title = "T"\n[[songs]]\npath = "song"\ntranspose = 2\n')
    return setlist


def todo(setlist: Path) -> list[Job]:
    return list(jobs(load_setlist(setlist), load_song))


def test_only_musical_stems_are_shifted_and_every_recorded_stem_is_stretched(show: Path) -> None:
    assert [(j.source.name, j.semitones, j.tempo) for j in todo(show)] == [("keys.wav", 2, 1.0)]
    show.write_text('title = "T"\n[[songs]]\npath = "song"\ntranspose = 2\ntempo = 0.9\n')
    assert [(j.source.name, j.semitones, j.tempo) for j in todo(show)] == [
        ("keys.wav", 2, 0.9), ("click.wav", 0, 0.9), ("drone.wav", 0, 0.9)]


def test_the_song_says_it_when_the_entry_does_not(show: Path) -> None:
    toml = show.parent / "song" / "song.toml"
    rest = toml.read_text().split("\n", 1)[1]
    toml.write_text('title = "Sine"\ntranspose = -3\ntempo_factor = 1.05\n' + rest)
    show.write_text('title = "T"\n[[songs]]\npath = "song"\n')
    assert [(j.source.name, j.semitones, j.tempo) for j in todo(show)][0] == ("keys.wav", -3, 1.05)


def test_a_sine_up_two_semitones_measures_within_two_cents(show: Path) -> None:
    cache = PrepareCache()
    [done] = prepare_all(todo(show), cache, workers=1)
    assert not done.hit and not done.error
    path = prepared_file(cache, done.job.source, 2, 1.0)
    assert path is not None
    out, rate = sf.read(str(path), dtype="float64")
    assert rate == RATE and out.shape == (3 * RATE, 2)
    for side in (0, 1):
        assert abs(cents(pitch(out[:, side]), 440.0 * 2 ** (2 / 12))) < 2.0


def test_tempo_stretches_the_length_and_keeps_the_pitch(show: Path) -> None:
    show.write_text('title = "T"\n[[songs]]\npath = "song"\ntempo = 0.9\n')
    cache = PrepareCache()
    done = prepare_all(todo(show), cache, workers=2)
    assert sorted(d.job.source.name for d in done) == ["click.wav", "drone.wav", "keys.wav"]
    click = prepared_file(cache, show.parent / "song" / "click.wav", 0, 0.9)
    assert click is not None
    out, _ = sf.read(str(click), dtype="float64")
    assert abs(out.shape[0] - 3 * RATE / 0.9) <= 1
    assert abs(cents(pitch(out[:, 0]), 1000.0)) < 2.0


def test_a_second_prepare_is_a_cache_hit_without_workers(show: Path) -> None:
    cache = PrepareCache()
    first = prepare_all(todo(show), cache, workers=1)
    assert [d.hit for d in first] == [False] and first[0].cpu_seconds > 0
    path = prepared_file(cache, first[0].job.source, 2, 1.0)
    assert path is not None
    before = path.stat().st_ino
    second = prepare_all(todo(show), cache, workers=1)
    assert [d.hit for d in second] == [True] and second[0].cpu_seconds == 0.0
    assert path.stat().st_ino == before  # not made again


def test_a_copied_stem_hits_by_content(show: Path) -> None:
    cache = PrepareCache()
    prepare_all(todo(show), cache, workers=1)
    copy = show.parent / "song" / "keys copy.wav"
    copy.write_bytes((show.parent / "song" / "keys.wav").read_bytes())
    [done] = prepare_all([Job("Sine", copy, 2, 1.0)], cache, workers=1)
    assert done.hit  # found by the worker from the file's hash: nothing shifted


def test_a_truncated_cache_file_is_never_used_and_is_made_again(show: Path) -> None:
    cache = PrepareCache()
    [first] = prepare_all(todo(show), cache, workers=1)
    path = prepared_file(cache, first.job.source, 2, 1.0)
    assert path is not None
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    assert prepared_file(cache, first.job.source, 2, 1.0) is None
    [again] = prepare_all(todo(show), cache, workers=1)
    assert not again.hit and not again.error
    assert path.read_bytes() == whole  # the same seed, the same file


def test_a_cache_file_without_its_sidecar_is_not_an_entry(show: Path) -> None:
    cache = PrepareCache()
    [first] = prepare_all(todo(show), cache, workers=1)
    (cache.root / f"{first.key}.json").unlink()
    assert cache.get(first.key) is None and not (cache.root / f"{first.key}.wav").exists()


def test_the_least_recently_used_entries_go_past_the_limit(show: Path) -> None:
    cache = PrepareCache()
    done = prepare_all([Job("S", show.parent / "song" / n, 2, 1.0) for n in ("keys.wav", "drone.wav")],
                       cache, workers=1)
    size = (cache.root / f"{done[0].key}.wav").stat().st_size
    older, newer = sorted(done, key=lambda d: (cache.root / f"{d.key}.wav").stat().st_mtime_ns)
    small = PrepareCache(cache.root, limit=size + 1)
    assert small.evict() == [older.key]
    assert small.get(newer.key) is not None and small.get(older.key) is None


def test_an_unreadable_stem_is_an_error_and_the_rest_is_prepared(show: Path) -> None:
    bad = show.parent / "song" / "bad.wav"
    bad.write_bytes(b"RIFF not audio")
    done = prepare_all([Job("S", bad, 2, 1.0), *todo(show)], PrepareCache(), workers=1)
    errors = {d.job.source.name: d.error for d in done}
    assert "bad.wav" in errors["bad.wav"] and errors["keys.wav"] == ""


def test_player_prepare_command_twice(show: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prepare", str(show), "--jobs", "1"]) == 0
    assert "Prepared 1 file(s), 0 already in the cache, 0 failed" in capsys.readouterr().out
    assert main(["prepare", str(show)]) == 0
    assert "Prepared 0 file(s), 1 already in the cache, 0 failed" in capsys.readouterr().out


def test_player_prepare_with_nothing_to_do(show: Path, capsys: pytest.CaptureFixture[str]) -> None:
    show.write_text('title = "T"\n[[songs]]\npath = "song"\n')
    assert main(["prepare", str(show)]) == 0
    assert "Nothing to prepare" in capsys.readouterr().out


def test_a_stretched_click_stem_lands_on_the_scaled_beats(show: Path) -> None:
    """A recorded click at x0.9: each click where the scaled tempo map puts its beat, within 1 ms."""
    x = np.zeros(4 * RATE)
    beats = [RATE // 2 * k for k in range(1, 8)]  # 120 bpm
    for b in beats:
        x[b:b + 48] = np.hanning(48)
    sf.write(str(show.parent / "song" / "click.wav"), np.stack([x, x], 1), RATE, subtype="FLOAT")
    cache = PrepareCache()
    prepare_all([Job("S", show.parent / "song" / "click.wav", 0, 0.9)], cache, workers=1)
    path = prepared_file(cache, show.parent / "song" / "click.wav", 0, 0.9)
    assert path is not None
    out, _ = sf.read(str(path), dtype="float64")
    for b in beats:
        want = round(b / 0.9) + 24  # the burst's peak
        window = np.abs(out[want - RATE // 8: want + RATE // 8, 0])
        assert abs(int(np.argmax(window)) - RATE // 8) <= 48
