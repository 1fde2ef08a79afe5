"""A plain-terminal transport: shows the setlist and runs the show until the Textual stage UI lands.

Line-based on purpose: it works over ssh, in tmux and with no terminal at all (it then prints the
setlist and returns). Type a command and Enter; Enter alone is play/pause.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

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


class EngineLike(Protocol):
    def send(self, command: object) -> None: ...
    def status(self) -> object: ...
    def events(self) -> list[object]: ...


HELP = ("Enter: play/pause   s: stop   n / p: next / previous song   1-99: go to song   "
        "+ / -: master level   ?: this help   q: quit")


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


def _status_line(status: object, rows: list[Row]) -> str:
    song = getattr(status, "song", -1)
    title = rows[song].title if 0 <= song < len(rows) else "-"
    state = getattr(status, "state", None)
    seconds = getattr(status, "seconds", 0.0)
    rate = getattr(status, "rate", 0) or 1
    length = getattr(status, "length", 0) / rate
    return (f"[{getattr(state, 'name', '?').lower()}] {song + 1}. {title}  {clock(seconds)} / "
            f"{clock(length)}   device: {getattr(status, 'device', '') or 'none'}   "
            f"dropped blocks: {getattr(status, 'dropped', 0)}")


def run(title: str, rows: list[Row], read: Callable[[], str] | None,
        write: Callable[[str], None], engine: EngineLike | None = None) -> int:
    """Show the setlist; with ``read`` (a terminal) take commands until quit or end of input."""
    from player.engine import messages as m
    from player.engine.status import State

    cued = next((i for i, r in enumerate(rows) if not r.skipped), 0)
    for line in setlist_lines(title, rows, cued):
        write(line)
    if read is None:
        return 0
    write(HELP)
    stop_events = threading.Event()
    if engine is not None:
        engine.send(m.Cue(cued))

        def report_events() -> None:
            while not stop_events.wait(0.2):
                for event in engine.events():
                    write(f"  ! {_describe(event)}")

        threading.Thread(target=report_events, daemon=True).start()
    master = 0.0
    try:
        while True:
            try:
                command = read().strip().lower()
            except (EOFError, KeyboardInterrupt):
                return 0
            if command in {"q", "quit", "exit"}:
                return 0
            if command == "?":
                write(HELP)
                continue
            if command == "n":
                cued = min(cued + 1, len(rows) - 1)
            elif command == "p":
                cued = max(cued - 1, 0)
            elif command.isdigit() and 1 <= int(command) <= len(rows):
                cued = int(command) - 1
            elif engine is not None and command in {"", "s", "+", "-"}:
                status = engine.status()
                if command == "s":
                    engine.send(m.Stop())
                elif command in {"+", "-"}:
                    master = min(6.0, master + 1.0) if command == "+" else max(-60.0, master - 1.0)
                    engine.send(m.SetMaster(master))
                    write(f"Master {master:+.0f} dB")
                elif getattr(status, "state", None) is State.PLAYING:
                    engine.send(m.Pause())
                else:
                    engine.send(m.Play())
                time.sleep(0.05)  # let the engine take it before showing where it is
                write(_status_line(engine.status(), rows))
                continue
            elif command:
                write(f"Unknown command {command!r}. {HELP}")
                continue
            if command in {"n", "p"} or command.isdigit():
                playing = engine is not None and getattr(engine.status(), "state", None) in (
                    State.PLAYING, State.STOPPING)
                if engine is not None:
                    engine.send(m.Cue(cued))
                if playing:
                    write(f"Next: {cued + 1}. {rows[cued].title} (after this song; s to stop now)")
                else:
                    write(f"Cued: {cued + 1}. {rows[cued].title}")
    finally:
        stop_events.set()


def _describe(event: object) -> str:
    """Events in the words a performer needs, with what to do where there is something to do."""
    from player.engine import messages as m

    if isinstance(event, m.DeviceLost):
        return f"Audio device lost ({event.device}): {event.detail}. Reconnect it; the show waits."
    if isinstance(event, m.DeviceBack):
        return f"Audio device ready: {event.device}"
    if isinstance(event, m.EngineDied):
        return "The audio engine stopped unexpectedly; restarting it on the same song."
    if isinstance(event, m.FileError):
        return f"File problem: {event.message}"
    if isinstance(event, m.SongLoaded):
        return f"Song {event.index + 1} ready: {event.title} ({clock(event.seconds)})"
    if isinstance(event, m.SongEnded):
        return f"Song {event.index + 1} ended."
    if isinstance(event, m.Problem):
        return event.message
    if isinstance(event, m.SetlistLoaded):
        return f"Setlist loaded: {event.title}"
    if isinstance(event, m.EngineStarted):
        return "Audio engine restarted." if event.restarted else "Audio engine started."
    return type(event).__name__
