"""The running order: the current song highlighted, the next one named, the time left in the set."""

from __future__ import annotations

from rich.text import Text

from player.engine.status import Status
from player.ui.changing import Changing
from player.ui.show import Show, clock


class SetlistView(Changing):
    """Repaints when the song changes and once a second for the set's time left."""

    def update_from(self, status: Status, show: Show, queued: int | None = None) -> None:
        """``queued``: the song the performer queued during this one (it comes next)."""
        current = status.song
        if queued is not None and show.song(queued) is not None:
            nxt: int | None = queued
        else:
            nxt = show.next_playable(current) if current >= 0 else show.next_playable(-1)
        left = int(show.seconds_left(current, status.seconds))
        height = max(self.size.height - 2, 1)
        width = max(self.size.width - 2, 20)
        self.show((id(show), current, nxt, left, height, width),
                  lambda: self._paint(show, current, nxt, left, height, width))

    def _paint(self, show: Show, current: int, nxt: int | None, left: int, height: int,
               width: int) -> Text:
        rows = show.songs
        first = min(max(current - 1, 0), max(len(rows) - height, 0))
        text = Text()
        for row in rows[first:first + height]:
            mark, style = "  ", ""
            if row.index == current:
                mark, style = "▶ ", "bold black on yellow1"
            elif row.index == nxt:
                mark, style = "› ", "bold"
            elif row.skip:
                style = "grey50 strike"
            flag = " !" if row.problems else ""
            title = f"{row.title}{flag}"[: max(width - 13, 8)]
            text.append(f"{mark}{row.index + 1:>2} {title:<{max(width - 13, 8)}}", style=style)
            text.append(f"{row.length:>7}\n", style=style or "grey70")
        following = show.song(nxt) if nxt is not None else None
        text.append("Next: ", style="grey70")
        text.append(f"{following.index + 1}. {following.title}" if following else "end of set",
                    style="bold")
        text.append(f"\nSet left {clock(left)}", style="grey70")
        return text
