"""The LRC reader against the quirks of real files, one test each."""

from __future__ import annotations

from pathlib import Path

import pytest

from player.lyrics.load import load_lyrics
from player.lyrics.lrc import decode, parse_lrc, stamp_seconds
from player.lyrics.write import to_lrc
from player.setlist.song import load_song


def starts(text: str) -> list[tuple[float, str]]:
    return [(round(ln.start, 3), ln.bare) for ln in parse_lrc(text).lines]


def test_several_stamps_on_one_line_make_one_line_each_in_time_order() -> None:
    text = "[00:12.00][01:12.00]Chorus line\n[00:30.00]Verse line\n"
    assert starts(text) == [(12.0, "Chorus line"), (30.0, "Verse line"), (72.0, "Chorus line")]


def test_offset_moves_every_line_earlier_when_positive() -> None:
    assert starts("[offset:+250]\n[00:10.00]a\n[00:20.50]b\n") == [(9.75, "a"), (20.25, "b")]
    assert starts("[offset:-500]\n[00:10.00]a\n") == [(10.5, "a")]


def test_offset_after_the_lines_still_applies_and_a_bad_one_is_a_problem() -> None:
    assert starts("[00:10.00]a\n[offset:100]\n") == [(9.9, "a")]
    bad = parse_lrc("[offset:soon]\n[00:10.00]a\n")
    assert [p.line for p in bad.problems] == [1] and "offset" in bad.problems[0].message


@pytest.mark.parametrize(
    ("stamp", "seconds"),
    [
        ("01:02", 62.0),
        ("01:02.5", 62.5),
        ("01:02.50", 62.5),
        ("01:02.500", 62.5),
        ("01:02:50", 62.5),
        ("1:02.05", 62.05),
        ("100:00.00", 6000.0),
    ],
)
def test_stamps_with_and_without_hundredths(stamp: str, seconds: float) -> None:
    assert stamp_seconds(stamp) == pytest.approx(seconds)


def test_stamp_with_seconds_past_59_is_not_a_stamp() -> None:
    assert stamp_seconds("01:75.00") is None


def test_metadata_tags_are_kept_and_not_shown() -> None:
    lyrics = parse_lrc(
        "[ti:Highway Song]\n[ar:The Band]\n[al:Live]\n[by:someone]\n[length: 03:20]\n[00:05.00]first\n"
    )
    assert lyrics.meta == {
        "ti": "Highway Song",
        "ar": "The Band",
        "al": "Live",
        "by": "someone",
        "length": "03:20",
    }
    assert [ln.bare for ln in lyrics.lines] == ["first"] and not lyrics.problems


def test_utf8_bom_crlf_and_latin1(tmp_path: Path) -> None:
    text, enc = decode("\ufeff[00:01.00]Café\r\n[00:02.00]Straße\r\n".encode())
    assert enc == "utf-8" and starts(text) == [(1.0, "Café"), (2.0, "Straße")]
    text, enc = decode("[00:01.00]Café déjà vu\r\n".encode("latin-1"))
    assert enc == "latin-1" and starts(text) == [(1.0, "Café déjà vu")]
    song = tmp_path / "song"
    song.mkdir()
    (song / "take.wav").write_bytes(b"")
    (song / "lyrics.lrc").write_bytes("\ufeff[ar:Ünïcode]\r\n[00:03.00]Ça va\r\n".encode("latin-1", "ignore"))
    lyrics = load_lyrics(load_song(song))
    assert [ln.bare for ln in lyrics.lines] == ["Ça va"]


def test_enhanced_word_times_and_syllables() -> None:
    lyrics = parse_lrc("[00:10.00]<00:10.00>Hel<00:10.40>lo <00:11.00>world\n")
    line = lyrics.lines[0]
    assert lyrics.kind == "enhanced" and line.bare == "Hello world"
    assert [(w.start, w.text) for w in line.words] == [(10.0, "Hel"), (10.4, "lo "), (11.0, "world")]


def test_enhanced_a2_form_with_spaces_and_a_closing_stamp() -> None:
    line = parse_lrc("[00:10.00] <00:10.00> one <00:10.50> two <00:11.20>\n").lines[0]
    assert line.bare == "one two" and [w.start for w in line.words] == [10.0, 10.5]
    assert line.end == pytest.approx(11.2)


def test_enhanced_line_with_two_stamps_moves_its_words_along() -> None:
    lines = parse_lrc("[00:10.00][01:10.00]<00:10.00>la <00:10.50>la\n").lines
    assert [[w.start for w in ln.words] for ln in lines] == [[10.0, 10.5], [70.0, 70.5]]


def test_bad_lines_are_problems_at_their_line_and_the_rest_is_kept() -> None:
    lyrics = parse_lrc("[00:01.00]ok\n[xx:yy]broken\njust text\n[00:03.00]<0a:00>word\n[00:04.00]fine\n")
    assert [ln.bare for ln in lyrics.lines] == ["ok", "word", "fine"]
    assert [p.line for p in lyrics.problems] == [2, 3, 4]


def test_empty_stamp_is_a_break() -> None:
    assert starts("[00:01.00]sing\n[00:04.00]\n") == [(1.0, "sing"), (4.0, "")]


def test_written_lrc_reads_back_the_same() -> None:
    lyrics = parse_lrc("[00:10.00]<00:10.00>Hel<00:10.40>lo <00:11.00>world<00:12.00>\n[00:15.00]plain\n")
    again = parse_lrc(to_lrc(lyrics, shift=2.0))
    assert [(ln.start, ln.bare) for ln in again.lines] == [(12.0, "Hello world"), (17.0, "plain")]
    assert [w.start for w in again.lines[0].words] == [12.0, 12.4, 13.0]
    assert again.lines[0].end == pytest.approx(14.0)
