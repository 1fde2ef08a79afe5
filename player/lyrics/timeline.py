"""Which line is sung now: looked up by the song position, so the lyrics follow the show.

A vamped chorus plays its positions again, so its lines repeat; a jump to the bridge lands on the
bridge's position, so its line shows at once; a segue makes the next song current, so its lines
take over; during a count-in the singer sees "get ready" with the beats left. Nothing here keeps
time of its own.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from player.lyrics.model import Line, Lyrics

LINGER_S = 8.0  # a line with nothing after it stays this long, then the screen clears


@dataclass(frozen=True)
class LyricView:
    """What a lyrics display shows at one moment."""

    current: Line | None = None
    word: int = -1  # index of the word being sung in ``current.words``; -1: none (or untimed)
    next: Line | None = None
    ready: int = 0  # count-in beats left: "get ready" is shown instead of a line
    next_song: str = ""  # the next song's title when ``next`` is its first line (a hand-over)

    @property
    def empty(self) -> bool:
        return self.current is None and self.next is None and not self.ready


def view_at(
    lyrics: Lyrics,
    seconds: float,
    count_in: int = 0,
    following: Lyrics | None = None,
    following_title: str = "",
) -> LyricView:
    """The view at ``seconds`` on the song's timeline (negative or ``count_in`` > 0: a count-in).

    ``following`` are the next song's lyrics: after this song's last line its first line is shown
    as the next one, so a segue hands over without a blank.
    """
    lines = [ln for ln in lyrics.lines]
    if not lines and not (following and following.lines):
        return LyricView()
    if count_in > 0 or seconds < 0:
        first = next((ln for ln in lines if ln.bare), None)
        return LyricView(None, -1, first, max(count_in, 1))
    starts = [ln.start for ln in lines]
    i = bisect.bisect_right(starts, seconds) - 1
    current = lines[i] if i >= 0 else None
    nxt = next((ln for ln in lines[i + 1 :] if ln.bare), None)
    title = ""
    if nxt is None and following is not None:
        nxt = next((ln for ln in following.lines if ln.bare), None)
        title = following_title if nxt is not None else ""
    if current is not None and not current.bare:
        current = None  # an empty stamp: an instrumental break clears the line
    if current is not None and i + 1 >= len(lines):
        ends = (
            current.end
            if current.end is not None
            else (current.words[-1].start + 2.0 if current.words else current.start + LINGER_S)
        )
        if seconds > max(ends, current.start + 2.0):
            current = None
    word = -1
    if current is not None and current.words:
        word = bisect.bisect_right([w.start for w in current.words], seconds) - 1
        if current.end is not None and seconds >= current.end:
            word = len(current.words)  # every word sung
    return LyricView(current, word, nxt, 0, title)
