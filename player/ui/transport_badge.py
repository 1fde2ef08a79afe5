"""The transport state in words and colour, big enough to read from two metres."""

from __future__ import annotations

from player.engine.status import State, Status
from player.ui.changing import Changing

# (text, CSS class) per state; vamping is a PLAYING engine with ``vamp`` set.
LOOK = {
    State.STOPPED: ("■ STOPPED", "stopped"),
    State.PLAYING: ("▶ PLAYING", "playing"),
    State.PAUSED: ("❚❚ PAUSED", "paused"),
    State.STOPPING: ("■ STOPPING", "stopped"),
    State.NO_DEVICE: ("✖ NO AUDIO DEVICE", "nodevice"),
    State.COUNT_IN: ("● COUNT-IN", "countin"),
    State.ENGINE_DOWN: ("✖ ENGINE DOWN", "nodevice"),
}
CLASSES = {cls for _, cls in LOOK.values()} | {"vamping"}


def look(status: Status) -> tuple[str, str]:
    if status.state is State.PLAYING and status.vamp:
        return "⟲ VAMPING", "vamping"
    if status.state is State.COUNT_IN and status.count_in:
        return f"● COUNT-IN {status.count_in}", "countin"
    return LOOK.get(status.state, (status.state.name, "stopped"))


class TransportBadge(Changing):
    """Stopped / count-in / playing / vamping / paused, each in its own colour."""

    def update_from(self, status: Status) -> None:
        text, cls = look(status)

        def make() -> str:
            for c in CLASSES - {cls}:
                self.remove_class(c)
            self.add_class(cls)
            return text

        self.show((text, cls), make)
