"""The performance screen's lyric lines: the current one large and lit word by word, the next smaller."""

from __future__ import annotations

from rich.console import Group

from player.lyrics import LyricView
from player.ui.changing import Changing
from player.ui.lyric_text import highlighted, line_text, next_text, ready_text


class LyricsPanel(Changing):
    """Hidden for a song without lyrics; repaints when the line or the word changes, not per poll."""

    view = LyricView()

    def update_view(self, view: LyricView, has_lyrics: bool) -> None:
        """``has_lyrics``: the song has lines at all (the panel stays put through its breaks)."""
        self.view = view
        self.display = has_lyrics
        key = (id(view.current), view.word, id(view.next), view.ready, view.next_song)
        self.show(key, lambda: Group(ready_text(view) if view.ready else line_text(view.current, view.word),
                                     next_text(view)))

    @property
    def highlighted(self) -> str:
        return highlighted(self.view)
