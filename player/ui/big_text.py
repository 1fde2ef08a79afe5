"""Large letters for the lyrics view: a 3x5 pixel font drawn with half blocks.

Plain text is one cell a letter, and a terminal's cells shrink as it grows (160x48 on the monitor
that showed 80x24): too small for a singer 2 m away. Drawn four cells wide and three rows tall, a
letter is three times the height of plain text at any size. Capitals only (the font has no lower
case); accents are dropped (É is drawn as E); a character the font lacks makes the line plain text.
"""

from __future__ import annotations

import unicodedata

from rich.text import Text

from player.lyrics.model import Line

# Each glyph: five rows of three pixels ("#" on).
_FONT_ROWS = {
    "A": ".#.|#.#|###|#.#|#.#", "B": "##.|#.#|##.|#.#|##.", "C": ".##|#..|#..|#..|.##",
    "D": "##.|#.#|#.#|#.#|##.", "E": "###|#..|##.|#..|###", "F": "###|#..|##.|#..|#..",
    "G": ".##|#..|#.#|#.#|.##", "H": "#.#|#.#|###|#.#|#.#", "I": "###|.#.|.#.|.#.|###",
    "J": "..#|..#|..#|#.#|.#.", "K": "#.#|#.#|##.|#.#|#.#", "L": "#..|#..|#..|#..|###",
    "M": "#.#|###|#.#|#.#|#.#", "N": "##.|#.#|#.#|#.#|#.#", "O": ".#.|#.#|#.#|#.#|.#.",
    "P": "##.|#.#|##.|#..|#..", "Q": ".#.|#.#|#.#|##.|.##", "R": "##.|#.#|##.|#.#|#.#",
    "S": ".##|#..|.#.|..#|##.", "T": "###|.#.|.#.|.#.|.#.", "U": "#.#|#.#|#.#|#.#|###",
    "V": "#.#|#.#|#.#|#.#|.#.", "W": "#.#|#.#|#.#|###|#.#", "X": "#.#|#.#|.#.|#.#|#.#",
    "Y": "#.#|#.#|.#.|.#.|.#.", "Z": "###|..#|.#.|#..|###",
    "0": "###|#.#|#.#|#.#|###", "1": ".#.|##.|.#.|.#.|###", "2": "##.|..#|.#.|#..|###",
    "3": "##.|..#|.#.|..#|##.", "4": "#.#|#.#|###|..#|..#", "5": "###|#..|##.|..#|##.",
    "6": ".##|#..|###|#.#|###", "7": "###|..#|.#.|.#.|.#.", "8": "###|#.#|###|#.#|###",
    "9": "###|#.#|###|..#|##.",
    " ": "...|...|...|...|...", ".": "...|...|...|...|.#.", ",": "...|...|...|.#.|#..",
    "'": ".#.|.#.|...|...|...", "’": ".#.|.#.|...|...|...", "!": ".#.|.#.|.#.|...|.#.",
    "?": "##.|..#|.#.|...|.#.", "-": "...|...|###|...|...", ":": "...|.#.|...|.#.|...",
    ";": "...|.#.|...|.#.|#..", '"': "#.#|#.#|...|...|...", "(": "..#|.#.|.#.|.#.|..#",
    ")": "#..|.#.|.#.|.#.|#..", "/": "..#|..#|.#.|#..|#..", "&": ".#.|#.#|.#.|#.#|.##",
}
_HALF = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
CELL = 4  # columns per letter: three pixels and a gap
ROWS = 3  # terminal rows per letter: five pixel rows (and a blank one) in half blocks


def _glyph_rows(char: str) -> list[str] | None:
    """The letter's three rows of three cells, or None when the font lacks it."""
    pattern = _FONT_ROWS.get(char)
    if pattern is None:
        return None
    px = [[c == "#" for c in row] for row in pattern.split("|")] + [[False] * 3]
    return ["".join(_HALF[(px[2 * r][x], px[2 * r + 1][x])] for x in range(3)) + " " for r in range(ROWS)]


def plain_caps(text: str) -> str:
    """``text`` in capitals without accents (what the font can draw)."""
    decomposed = unicodedata.normalize("NFD", text.upper())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def big_line(line: Line, word: int, width: int, styles: tuple[str, str, str], max_rows: int) -> Text | None:
    """The line in large letters wrapped to ``width`` columns, words styled (sung, now, ahead).

    None when a character is missing from the font or the line needs more than ``max_rows`` rows of
    letters: the caller then shows plain text.
    """
    sung, now, ahead = styles
    pieces = [(w.text, i) for i, w in enumerate(line.words)] if line.words and word >= 0 else [
        (line.bare, -1)]
    # Syllables ("Hel", "lo ") join into one word as written; words split where the text has spaces.
    words: list[list[tuple[str, str]]] = [[]]
    for text, i in pieces:
        style = ahead if i < 0 else sung if i < word else now if i == word else ahead
        for char in plain_caps(text):
            if char.isspace():
                if words[-1]:
                    words.append([])
            else:
                words[-1].append((char, style))
    words = [w for w in words if w]
    per_row = max(1, width // CELL)
    rows: list[list[list[tuple[str, str]]]] = [[]]
    used = 0
    for chars in words:
        if len(chars) > per_row:
            return None
        need = len(chars) + (1 if rows[-1] else 0)
        if rows[-1] and used + need > per_row:
            rows.append([])
            used, need = 0, len(chars)
        rows[-1].append(chars)
        used += need
    if len(rows) > max_rows:
        return None
    out = Text(justify="center")
    for n, row in enumerate(rows):
        for r in range(ROWS):
            for k, chars in enumerate(row):
                if k:
                    out.append(" " * CELL)
                for char, style in chars:
                    glyph = _glyph_rows(char)
                    if glyph is None:
                        return None
                    out.append(glyph[r], style=style)
            if not (n == len(rows) - 1 and r == ROWS - 1):
                out.append("\n")
    return out
