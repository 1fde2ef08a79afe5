"""The performance screen's lyric lines: the current one large and lit word by word, the next smaller."""

from __future__ import annotations

from rich.console import Group

from player.lyrics import LyricView
from player.ui.big_text import ROWS, big_line
from player.ui.changing import Changing
from player.ui.lyric_text import AHEAD, NOW, SUNG, highlighted, line_text, next_text, ready_text

BIG_FROM = (120, 40)  # a stage screen at least this size draws the current line in large letters
BIG_ROWS = 2  # rows of large letters at most; a longer line is plain text


class LyricsPanel(Changing):
    """Hidden for a song without lyrics; repaints when the line or the word changes, not per poll."""

    view = LyricView()
    _big = False

    def update_view(self, view: LyricView, has_lyrics: bool) -> None:
        """``has_lyrics``: the song has lines at all (the panel stays put through its breaks)."""
        self.view = view
        self.display = has_lyrics
        width, height = self.app.size
        big = width >= BIG_FROM[0] and height >= BIG_FROM[1]
        if big != self._big:  # a style set on every poll would lay the screen out again each time
            self._big = big
            self.styles.height = BIG_ROWS * ROWS + 1 if big else 2
        key = (id(view.current), view.word, id(view.next), view.ready, view.next_song, big, width)
        self.show(key, lambda: self._paint(view, big, width))

    def _paint(self, view: LyricView, big: bool, width: int) -> Group:
        current = ready_text(view) if view.ready else line_text(view.current, view.word)
        if big and view.current is not None and not view.ready:
            large = big_line(view.current, view.word, width - 4, (SUNG, NOW, AHEAD), BIG_ROWS)
            if large is not None:
                large.justify = "left"
                current = large
        return Group(current, next_text(view))

    @property
    def highlighted(self) -> str:
        return highlighted(self.view)
