"""The tempo map: where bars and beats fall, across ramps, meter changes and a count-in."""

from __future__ import annotations

import math

import pytest

from player.setlist.problems import LoadError
from player.setlist.song import Song, Tempo
from player.setlist.tempo import TempoMap, section_at, sections
from player.setlist.tomlfile import load_model

RATE = 48000


def tempo(**kw: object) -> Tempo:
    return Tempo.model_validate(kw)


def test_steady_tempo_puts_bars_and_beats_on_exact_frames() -> None:
    tm = TempoMap(tempo(bpm=120), RATE)
    assert [tm.frame_at(b) for b in (1, 2, 3)] == [0, 96000, 192000]
    assert [b.frame for b in tm.beats(0, 96000)] == [0, 24000, 48000, 72000]
    where = tm.locate(96000 + 24000 + 100)
    assert (where.bar, where.beat, where.beats_in_bar, where.bpm) == (2, 2, 4, 120)


def test_a_ramp_follows_the_closed_form_and_lands_on_the_new_tempo() -> None:
    # 120 -> 60 bpm over bars 3-4 (8 pulses): tempo linear in pulses.
    tm = TempoMap(tempo(bpm=120, changes=[{"bar": 3, "bpm": 60, "ramp_bars": 2}]), RATE)
    expected_ramp = 60 * 8 / -60 * math.log(60 / 120)  # seconds of the whole ramp
    assert tm.seconds_at(5) == pytest.approx(4.0 + expected_ramp)
    assert tm.locate(tm.frame_at(5) + 10).bpm == 60
    assert tm.locate(tm.frame_at(4)).bpm == pytest.approx(90, abs=0.01)
    gaps = [b.frame for b in tm.beats(tm.frame_at(3), tm.frame_at(5))]
    spacing = [b - a for a, b in zip(gaps, gaps[1:], strict=False)]
    assert all(b > a for a, b in zip(spacing, spacing[1:], strict=False))  # slowing down


def test_meter_change_keeps_the_quarter_note_unless_told() -> None:
    tm = TempoMap(tempo(bpm=120, changes=[{"bar": 3, "time_signature": "7/8"}]), RATE)
    where = tm.locate(tm.frame_at(3) + 1)
    assert (where.beats_in_bar, where.bpm, where.meter) == (7, 240, "7/8")
    assert tm.seconds_at(4) - tm.seconds_at(3) == pytest.approx(7 * 0.25)


def test_six_eight_in_two_clicks_dotted_quarters() -> None:
    tm = TempoMap(tempo(bpm=60, time_signature="6/8", beats=2), RATE)
    assert tm.seconds_at(2) == 2.0
    assert tm.quarters_at(RATE) == pytest.approx(1.5)
    assert [b.sub for b in tm.beats(0, RATE, per_pulse=3)] == [0, 1, 2]


def test_count_in_bars_come_before_bar_one() -> None:
    tm = TempoMap(tempo(bpm=120), RATE)
    assert tm.frame_at(-1) == -96000 and tm.frame_at(-2) == -192000
    assert tm.locate(-1).bar == -1 and tm.locate(-96001).bar == -2
    assert tm.next_bar(-5) == 0 and tm.next_bar(1) == 96000 and tm.next_beat(1) == 24000


def test_quarters_round_trip_through_a_ramp() -> None:
    tm = TempoMap(tempo(bpm=100, changes=[{"bar": 2, "bpm": 140, "ramp_bars": 3}]), RATE)
    for frame in (0, 12345, 300000, 700000):
        assert tm.frame_at_quarters(tm.quarters_at(frame)) == pytest.approx(frame, abs=1e-3)


def test_sections_are_laid_out_in_frames(tmp_path) -> None:
    song = Song.model_validate({"title": "A", "tempo": {"bpm": 120}, "stems": [{"file": "a.wav"}],
                                "sections": [{"name": "Verse", "bar": 2},
                                             {"name": "Intro", "bar": 1, "color": "green"}]})
    spans = sections(song, RATE, 10 * 96000)
    assert [(s.name, s.start, s.end, s.color) for s in spans] == [
        ("Intro", 0, 96000, "green"), ("Verse", 96000, 960000, "")]


def test_section_at_is_the_last_section_started() -> None:
    song = Song.model_validate({"title": "A", "tempo": {"bpm": 120}, "stems": [{"file": "a.wav"}],
                                "sections": [{"name": "Verse", "bar": 2}, {"name": "Chorus", "bar": 4}]})
    spans = sections(song, RATE, 10 * 96000)
    assert [section_at(spans, f) for f in (0, 95999, 96000, 3 * 96000 - 1, 3 * 96000, 10**9)] == [
        -1, -1, 0, 0, 1, 1]
    assert section_at([], 0) == -1


def test_changes_out_of_order_are_an_error_naming_the_field(tmp_path) -> None:
    path = tmp_path / "song.toml"
    path.write_text('title = "A"\n[tempo]\nbpm = 90\n[[tempo.changes]]\nbar = 9\nbpm = 100\n'
                    'ramp_bars = 4\n[[tempo.changes]]\nbar = 11\nbpm = 80\n[[stems]]\nfile = "a.wav"\n')
    with pytest.raises(LoadError) as err:
        load_model(Song, path)
    assert "bar order" in str(err.value) and "tempo" in str(err.value)
