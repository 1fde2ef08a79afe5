"""A lyric line as styled text: sung words lit, the word being sung reversed, the rest plain."""

from __future__ import annotations

from rich.text import Text

from player.lyrics import LyricView
from player.lyrics.model import Line

SUNG = "bold #FFD700"
NOW = "bold black on #FFD700"
AHEAD = "bold white"
NEXT = "#A0A0A0"
READY = "bold #00BFFF"


def line_text(line: Line | None, word: int, style: str = AHEAD) -> Text:
    """``line`` with word ``word`` highlighted (words before it sung); untimed lines in ``style``."""
    if line is None:
        return Text("")
    if not line.words or word < 0:
        return Text(line.bare, style=style)
    text = Text()
    for i, w in enumerate(line.words):
        text.append(w.text, style=SUNG if i < word else NOW if i == word else AHEAD)
    text.rstrip()
    return text


def highlighted(view: LyricView) -> str:
    """The word being sung, as shown (tests and a remote read this)."""
    line = view.current
    if line is None or not line.words or not 0 <= view.word < len(line.words):
        return ""
    return line.words[view.word].text.strip()


def ready_text(view: LyricView) -> Text:
    """The count-in: "GET READY" and the beats left, as dots a singer counts from afar."""
    return Text(f"GET READY  {view.ready}  " + "● " * max(view.ready, 0), style=READY)


def next_text(view: LyricView) -> Text:
    if view.next is None:
        return Text("")
    head = f"next song, {view.next_song}: " if view.next_song else "next: "
    return Text(head + view.next.bare, style=NEXT)
