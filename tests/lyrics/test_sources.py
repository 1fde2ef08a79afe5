"""Lyric sources other than LRC, their order, the timeline lookup and the checks."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from player.lyrics import load_lyrics, view_at
from player.lyrics.check import lyric_problems
from player.lyrics.lrc import parse_lrc
from player.setlist.song import load_song


def song_dir(tmp_path: Path, toml_extra: str = "", bpm: float = 120.0) -> Path:
    d = tmp_path / "song"
    d.mkdir(exist_ok=True)
    (d / "take.wav").write_bytes(b"")
    (d / "song.toml").write_text(
        f'title = "T"\n[tempo]\nbpm = {bpm}\n[[stems]]\nfile = "take.wav"\n' + toml_extra
    )
    return d


LYRICS_TOML = (
    '[[lyrics]]\nbar = 9\ntext = "at bar nine"\n'
    '[[lyrics]]\nbar = 3\nbeat = 3\ntext = "bar three, beat three"\n'
    '[[lyrics]]\nseconds = 1.5\ntext = "by seconds"\n'
)


def test_toml_lyrics_stay_on_their_bars_when_the_tempo_changes(tmp_path: Path) -> None:
    lyrics = load_lyrics(load_song(song_dir(tmp_path, LYRICS_TOML)))
    assert lyrics.kind == "toml"
    assert [(ln.start, ln.bare) for ln in lyrics.lines] == [
        (1.5, "by seconds"),
        (5.0, "bar three, beat three"),
        (16.0, "at bar nine"),
    ]
    slower = load_lyrics(load_song(song_dir(tmp_path, LYRICS_TOML, bpm=60.0)))
    assert [ln.start for ln in slower.lines] == [1.5, 10.0, 32.0]


def test_lrc_file_comes_before_toml_lyrics(tmp_path: Path) -> None:
    d = song_dir(tmp_path, LYRICS_TOML)
    (d / "lyrics.lrc").write_text("[00:02.00]from the file\n")
    assert [ln.bare for ln in load_lyrics(load_song(d)).lines] == ["from the file"]


def write_kar(path: Path, texts: list[tuple[int, str]], kind: str = "text") -> None:
    """A one-track MIDI file at 120 bpm (480 ticks a beat): ``(tick, text)`` lyric events."""
    midi = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    last = 0
    for tick, text in texts:
        track.append(mido.MetaMessage(kind, text=text, time=tick - last))
        last = tick
    midi.save(str(path))


def test_kar_text_events_make_lines_with_timed_syllables(tmp_path: Path) -> None:
    d = song_dir(tmp_path)
    write_kar(
        d / "song.kar",
        [
            (0, "@KMIDI KARAOKE FILE"),
            (0, "@TTitle"),
            (960, "\\Hel"),
            (1200, "lo "),
            (1440, "world"),
            (1920, "/Se"),
            (2160, "cond"),
        ],
    )
    lyrics = load_lyrics(load_song(d))
    assert lyrics.kind == "midi"
    assert [(ln.start, ln.bare) for ln in lyrics.lines] == [(1.0, "Hello world"), (2.0, "Second")]
    assert [w.start for w in lyrics.lines[0].words] == [1.0, 1.25, 1.5]


def test_midi_lyric_events_end_lines_with_a_return(tmp_path: Path) -> None:
    d = song_dir(tmp_path)
    write_kar(d / "lyrics.mid", [(480, "One "), (720, "line\r"), (1440, "Two\r")], kind="lyrics")
    lyrics = load_lyrics(load_song(d))
    assert [(ln.start, ln.bare) for ln in lyrics.lines] == [(0.5, "One line"), (1.5, "Two")]


def test_a_broken_midi_file_is_a_problem(tmp_path: Path) -> None:
    d = song_dir(tmp_path)
    (d / "song.kar").write_bytes(b"MThd\x00\x00\x00\x06garbage")
    lyrics = load_lyrics(load_song(d))
    assert not lyrics.lines and lyrics.problems


LRC = "[00:02.00]one\n[00:04.00]<00:04.00>two <00:04.50>words\n[00:06.00]\n[00:08.00]last\n"


def test_view_follows_the_position_not_a_clock() -> None:
    lyrics = parse_lrc(LRC)
    assert view_at(lyrics, 0.5).current is None and view_at(lyrics, 0.5).next.bare == "one"
    v = view_at(lyrics, 4.6)
    assert v.current.bare == "two words" and v.word == 1 and v.next.bare == "last"
    assert view_at(lyrics, 4.1).word == 0
    assert view_at(lyrics, 6.5).current is None  # an empty stamp clears the line
    # A vamp or a jump back is just an earlier position: the same line again.
    assert view_at(lyrics, 2.5).current.bare == "one"


def test_count_in_says_get_ready_with_the_beats_and_the_first_line_next() -> None:
    v = view_at(parse_lrc(LRC), -1.2, count_in=3)
    assert v.ready == 3 and v.current is None and v.next.bare == "one"


def test_after_the_last_line_the_next_songs_first_line_is_next() -> None:
    following = parse_lrc("[00:01.00]next song starts\n")
    v = view_at(parse_lrc(LRC), 8.5, following=following, following_title="Bravo")
    assert v.current.bare == "last" and v.next.bare == "next song starts" and v.next_song == "Bravo"
    assert view_at(parse_lrc(LRC), 30.0).current is None  # long after the last line: cleared


def test_check_reports_lines_past_the_end_and_overlaps_at_their_lines(tmp_path: Path) -> None:
    d = song_dir(tmp_path)
    (d / "lyrics.lrc").write_text(
        "[00:01.00]a\n[00:01.00]b\n[00:02.00]<00:02.00>c <00:05.00>d\n"
        "[00:03.00]<00:03.50>e <00:03.20>f\n[00:09.00]too late\n[zz]bad\n"
    )
    problems = lyric_problems(load_song(d), seconds=8.0)
    by_line = {p.line: p.message for p in problems}
    assert set(by_line) == {2, 3, 4, 5, 6}, by_line
    assert "after the song ends" in by_line[5] and "share the stamp" in by_line[2]
    assert "next line starts" in by_line[3] and "back in time" in by_line[4]
    assert all(p.file == d / "lyrics.lrc" for p in problems)


def test_check_points_at_the_toml_line_of_a_late_lyric(tmp_path: Path) -> None:
    d = song_dir(tmp_path, '[[lyrics]]\nbar = 2\ntext = "fine"\n[[lyrics]]\nbar = 99\ntext = "late"\n')
    problems = lyric_problems(load_song(d), seconds=10.0)
    text = (d / "song.toml").read_text().splitlines()
    assert len(problems) == 1 and text[problems[0].line - 1] == 'text = "late"'


@pytest.mark.parametrize(
    "extra", ['[[lyrics]]\ntext = "x"\n', '[[lyrics]]\nbar = 1\nseconds = 2\ntext = "x"\n']
)
def test_toml_lyric_needs_one_start(tmp_path: Path, extra: str) -> None:
    from player.setlist.problems import LoadError

    with pytest.raises(LoadError):
        load_song(song_dir(tmp_path, extra))


def test_player_check_lists_lyric_problems_at_their_lines(tmp_path: Path) -> None:
    from player.setlist.check import check_show
    from player.setlist.report import render
    from tests.conftest import write_stem

    d = tmp_path / "song"
    write_stem(d / "keys.wav", 4.0)
    (d / "song.toml").write_text('title = "T"\n[[stems]]\nfile = "keys.wav"\nrole = "keys"\n')
    (d / "lyrics.lrc").write_text("[00:01.00]fine\n[00:1x.00]broken\n[00:09.00]after the end\n")
    (tmp_path / "rig.toml").write_text('[buses]\nmain = [1, 2]\n[roles]\nother = "main"\n')
    setlist = tmp_path / "set.toml"
    setlist.write_text('title = "S"\nrig = "rig.toml"\n[[songs]]\npath = "song"\n')
    report = check_show(setlist, device="skipped")
    text = "\n".join(str(line) for line in render(report))
    assert report.ok, "lyric problems are warnings: the show still runs"
    assert "lyrics.lrc:2" in text and "lyrics.lrc:3" in text and "after the song ends" in text


def test_text_events_of_a_plain_midi_file_are_not_lyrics(tmp_path: Path) -> None:
    d = song_dir(tmp_path)
    write_kar(d / "lights.mid", [(0, "Created by the lighting desk"), (480, "cue 1")])
    assert not load_lyrics(load_song(d)).lines


def test_smf_reader_tempo_changes_across_tracks_and_running_status(tmp_path: Path) -> None:
    from player.lyrics.smf import read_texts

    midi = mido.MidiFile(ticks_per_beat=480, type=1)
    tempo, words = mido.MidiTrack(), mido.MidiTrack()
    midi.tracks += [tempo, words]
    tempo.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    tempo.append(mido.MetaMessage("set_tempo", tempo=1000000, time=960))  # 60 bpm from 1.0 s
    words.append(mido.Message("note_on", note=60, velocity=90, time=0))
    words.append(mido.MetaMessage("lyrics", text="one ", time=960))
    words.append(mido.Message("note_off", note=60, time=0))
    words.append(mido.MetaMessage("lyrics", text="two\r", time=480))
    path = tmp_path / "t.mid"
    midi.save(str(path))
    assert [(round(e.seconds, 6), e.text) for e in read_texts(path.read_bytes())] == [
        (1.0, "one "), (2.0, "two\r")]
    # Running status: two Note Ons sharing one status byte, then a text event at tick 480.
    track = (b"\x00\x90\x3c\x40" b"\x00\x3e\x40" b"\x83\x60\xff\x01\x02hi" b"\x00\xff\x2f\x00")
    data = (b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0"
            + b"MTrk" + len(track).to_bytes(4, "big") + track)
    assert [(e.seconds, e.kind, e.text) for e in read_texts(data)] == [(0.5, "text", "hi")]
