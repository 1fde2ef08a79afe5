"""The full-screen lyrics view (``L``), for a monitor that faces the singer.

The current line in the middle, bold and lit word by word, the next lines under it; a count-in shows
GET READY and the beats; the mode (karaoke) and the song are named at the top. The current line is
drawn in large letters (``big_text``: three rows, four cells a letter), so a singer reads it from
2 m at 80x24 and it stays as large on a bigger terminal; a line too long for them is plain text.
Only the transport keys work here (and ``L`` or F2 go back): nothing to edit, nothing to mis-press.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.align import Align
from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen

from player.engine.status import Status
from player.lyrics import LyricView
from player.lyrics.model import Line, Lyrics
from player.ui.big_text import ROWS, big_line
from player.ui.changing import Changing
from player.ui.lyric_text import (
    AHEAD,
    NEXT,
    NOW,
    READY,
    SUNG,
    highlighted,
    line_text,
    next_text,
    ready_text,
)
from player.ui.mode_badge import mode_words

if TYPE_CHECKING:
    from player.ui.app import StageApp

AFTER = 2  # lines shown after the next one
BIG_FROM = (80, 24)  # a terminal at least this size draws the current line in large letters


def following(lyrics: Lyrics, line: Line | None, count: int) -> list[Line]:
    """The ``count`` sung lines after ``line`` (empty stamps skipped)."""
    if line is None:
        return []
    lines = list(lyrics.lines)
    try:
        at = next(i for i, ln in enumerate(lines) if ln is line)
    except StopIteration:
        return []
    return [ln for ln in lines[at + 1:] if ln.bare][:count]


class LyricsScreen(Screen):
    """Readable from the stage: the terminal's whole width for the words."""

    app: StageApp
    view = LyricView()
    _parts: tuple[Changing, Changing] | None = None  # filled on mount: the app may poll before

    def compose(self) -> ComposeResult:
        yield Changing("", id="lyrics-head")
        yield Changing("", id="lyrics-body")

    def on_mount(self) -> None:
        self._parts = (self.query_one("#lyrics-head", Changing), self.query_one("#lyrics-body", Changing))

    def update_status(self, status: Status) -> None:
        if self._parts is None:
            return
        head_part, body = self._parts
        app = self.app
        show = app.show
        view = app.lyrics.view(status, show)
        self.view = view
        row = show.song(status.song)
        word, detail = mode_words(app.mode)
        title = f"{status.song + 1}  {row.title}" if row else "no song cued"
        head = f"{title}   {word + ' · ' + detail.replace(chr(10), ' · ') if word else ''}".rstrip()
        head_part.show(head, lambda: Text(head, style="bold"))
        lyrics = app.lyrics.lyrics(show, status.song) if status.song >= 0 else Lyrics()
        key = (id(view.current), view.word, id(view.next), view.ready, view.next_song, id(lyrics),
               self.size)
        body.show(key, lambda: self._body(view, lyrics))

    def _body(self, view: LyricView, lyrics: Lyrics) -> Group:
        if not lyrics.lines:
            return Group(Align.center(Text("no lyrics for this song", style=NEXT)))
        current = ready_text(view) if view.ready else line_text(view.current, view.word)
        width, height = self.size
        shown = Line(0.0, f"get ready {view.ready}") if view.ready else view.current
        if shown is not None and width >= BIG_FROM[0] and height >= BIG_FROM[1]:
            styles = (READY,) * 3 if view.ready else (SUNG, NOW, AHEAD)
            big = big_line(shown, view.word, width - 6, styles, max_rows=max(1, (height - 14) // ROWS))
            current = big if big is not None else current
        if not current.plain:
            current = Text("♪", style="bold #FFD700")
        rows: list[Text] = [current, Text(" "), next_text(view)]
        rows += [Text(ln.bare, style=NEXT) for ln in following(lyrics, view.next, AFTER)]
        return Group(*(Align.center(r) for r in rows))

    @property
    def highlighted(self) -> str:
        return highlighted(self.view)
