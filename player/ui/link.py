"""The UI's only way to the engine: send a command, read the latest status, take new events.

``LiveLink`` wraps a running ``Engine``; ``FrozenLink`` holds one fixed ``Status`` (snapshot tests, the
screens with no engine) and keeps what was sent. Neither blocks: the engine applies commands at its
next block and the status is a copy from shared memory.
"""

from __future__ import annotations

from typing import Protocol

from player.engine import messages as m
from player.engine.status import State, Status


class Link(Protocol):
    def send(self, command: m.Command) -> None: ...
    def status(self) -> Status: ...
    def events(self) -> list[m.Event]: ...


def idle_status(**fields: object) -> Status:
    """A stopped engine with nothing loaded; ``fields`` override (for a frozen screen)."""
    base: dict[str, object] = dict(
        state=State.STOPPED, song=-1, position=0, length=0, rate=48000, block=128, late=0, dropped=0,
        callbacks=0, load=0.0, load_max=0.0, skipped=0, out_peaks=(), stem_peaks=(), device="",
        seq=0, wall=0.0, buffered=0)
    base.update(fields)
    return Status(**base)  # type: ignore[arg-type]


class FrozenLink:
    """A fixed status and a list of what was sent: the clock never moves, so screens repeat exactly."""

    def __init__(self, status: Status | None = None, events: list[m.Event] | None = None) -> None:
        self.fixed = status or idle_status()
        self.sent: list[m.Command] = []
        self._events = list(events or [])

    def send(self, command: m.Command) -> None:
        self.sent.append(command)

    def status(self) -> Status:
        return self.fixed

    def events(self) -> list[m.Event]:
        out, self._events = self._events, []
        return out


class LiveLink:
    """A running ``Engine``."""

    def __init__(self, engine: object) -> None:
        self.engine = engine
        self._last = idle_status()

    def send(self, command: m.Command) -> None:
        self.engine.send(command)  # type: ignore[attr-defined]

    def status(self) -> Status:
        try:
            self._last = self.engine.status()  # type: ignore[attr-defined]
        except TimeoutError:  # kept changing while read: show the last one again
            pass
        return self._last

    def events(self) -> list[m.Event]:
        return self.engine.events()  # type: ignore[attr-defined]
