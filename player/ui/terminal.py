"""A plain-terminal transport: shows the setlist and moves the cue, until the Textual stage UI lands.

Line-based on purpose: it works over ssh, in tmux and with no terminal at all (it then prints the
setlist and returns).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from player.setlist.problems import Problem
from player.setlist.report import clock


@dataclass(frozen=True)
class Row:
    """One setlist line as the performer sees it."""

    title: str
    seconds: float | None
    stems: int
    problems: list[Problem]
    skipped: bool = False


HELP = "Keys: n next song, p previous song, 1-99 go to song, q quit (then Enter)."


def setlist_lines(title: str, rows: list[Row], cued: int) -> list[str]:
    """The setlist with the cued song marked, each problem under its song."""
    total = sum(r.seconds or 0 for r in rows if not r.skipped)
    lines = [f"{title}: {len(rows)} songs, {clock(total)}"]
    for i, r in enumerate(rows):
        mark = ">" if i == cued else " "
        length = clock(r.seconds) if r.seconds is not None else "--:--"
        state = " (skipped)" if r.skipped else ""
        lines.append(f" {mark} {i + 1:>2}. {r.title:<40} {length:>6}  {r.stems} stems{state}")
        lines += [f"        ! {p}" for p in r.problems]
    return lines


def run(title: str, rows: list[Row], read: Callable[[], str] | None,
        write: Callable[[str], None]) -> int:
    """Show the setlist; with ``read`` (a terminal) take commands until quit or end of input."""
    cued = next((i for i, r in enumerate(rows) if not r.skipped), 0)
    for line in setlist_lines(title, rows, cued):
        write(line)
    if read is None:
        return 0
    write(HELP)
    while True:
        try:
            command = read().strip().lower()
        except (EOFError, KeyboardInterrupt):
            return 0
        if command in {"q", "quit", "exit"}:
            return 0
        if command == "n":
            cued = min(cued + 1, len(rows) - 1)
        elif command == "p":
            cued = max(cued - 1, 0)
        elif command.isdigit() and 1 <= int(command) <= len(rows):
            cued = int(command) - 1
        elif command:
            write(f"Unknown command {command!r}. {HELP}")
            continue
        write(f"Cued: {cued + 1}. {rows[cued].title}")
