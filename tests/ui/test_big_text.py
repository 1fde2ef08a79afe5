"""Large letters for the lyrics view: wrapping, word styles, and the fall-back to plain text."""

from __future__ import annotations

from player.lyrics.lrc import parse_lrc
from player.ui.big_text import CELL, ROWS, big_line, plain_caps

STYLES = ("sung", "now", "ahead")


def test_letters_are_three_rows_four_cells_and_words_keep_their_style() -> None:
    line = parse_lrc("[00:01.00]<00:01.00>Hel<00:01.30>lo <00:01.60>you\n").lines[0]
    text = big_line(line, 1, 200, STYLES, max_rows=2)
    assert text is not None
    rows = text.plain.split("\n")
    assert len(rows) == ROWS and len(rows[0]) == CELL * len("HELLO") + CELL + CELL * len("YOU")
    styles = {str(span.style) for span in text.spans}
    assert styles == {"sung", "now", "ahead"}  # "HEL" sung, "LO" being sung, "YOU" ahead
    assert rows[0].startswith("█ █ █▀▀ █   █   ▄▀▄")  # H E L L O, the syllables joined


def test_long_line_wraps_by_words_and_gives_up_past_max_rows() -> None:
    line = parse_lrc("[00:01.00]one two three four\n").lines[0]
    wrapped = big_line(line, -1, CELL * 10, STYLES, max_rows=2)  # "ONE TWO" / "THREE FOUR"
    assert wrapped is not None and len(wrapped.plain.split("\n")) == 2 * ROWS
    assert big_line(line, -1, CELL * 10, STYLES, max_rows=1) is None


def test_accents_drop_and_a_missing_glyph_means_plain_text() -> None:
    assert plain_caps("Café déjà") == "CAFE DEJA"
    assert big_line(parse_lrc("[00:01.00]Café\n").lines[0], -1, 100, STYLES, 2) is not None
    assert big_line(parse_lrc("[00:01.00]caf€\n").lines[0], -1, 100, STYLES, 2) is None
