"""The lyric view for the screens, computed from the status the app already polls (song, position).

The engine reports no lyric state: the UI reads each song's lyrics once (a small file) and looks the
line up by the song position, so what it shows follows every jump, vamp and segue the engine makes.
"""

from __future__ import annotations

from player.engine.status import State, Status
from player.lyrics import Lyrics, LyricView, load_lyrics, view_at
from player.lyrics.model import NO_LYRICS
from player.ui.show import Show


class LyricsFeed:
    """Lyrics per song of one show (read on first use), and the view at a status."""

    def __init__(self) -> None:
        self._show: int | None = None
        self._cache: dict[int, Lyrics] = {}

    def lyrics(self, show: Show, index: int) -> Lyrics:
        if self._show != id(show):  # a reloaded or another setlist: read again
            self._show, self._cache = id(show), {}
        if index not in self._cache:
            row = show.song(index)
            try:
                self._cache[index] = load_lyrics(row.folder) if row and row.folder else NO_LYRICS
            except Exception:  # noqa: BLE001 - a lyrics file must never take the stage screen down
                self._cache[index] = NO_LYRICS
        return self._cache[index]

    def view(self, status: Status, show: Show) -> LyricView:
        """What to show now; empty when the song has no lyrics."""
        if status.song < 0:
            return LyricView()
        lyrics = self.lyrics(show, status.song)
        if not lyrics.lines:
            return LyricView()
        nxt = show.next_playable(status.song)
        following = self.lyrics(show, nxt) if nxt is not None else None
        title = show.songs[nxt].title if nxt is not None else ""
        counting = status.count_in if (status.state is State.COUNT_IN or status.position < 0) else 0
        if status.position < 0 and not counting:
            counting = 1
        return view_at(lyrics, status.seconds, counting, following, title)
