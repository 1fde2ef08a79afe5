"""The setlist as plain lines, for ``player play`` with no terminal (CI, a pipe, a log)."""

from __future__ import annotations

from player.ui.show import Show, clock


def setlist_lines(show: Show, cued: int) -> list[str]:
    """The setlist with the cued song marked, each problem under its song."""
    total = sum(r.seconds or 0 for r in show.songs if not r.skip)
    lines = [f"{show.title}: {len(show.songs)} songs, {clock(total)}"]
    for r in show.songs:
        mark = ">" if r.index == cued else " "
        state = " (skipped)" if r.skip else ""
        lines.append(f" {mark} {r.index + 1:>2}. {r.title:<40} {r.length:>6}  {len(r.stems)} stems{state}")
        lines += [f"        ! {p}" for p in r.problems]
    lines += [f" ! {p}" for p in show.problems]
    return lines
