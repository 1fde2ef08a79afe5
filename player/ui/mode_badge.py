"""KARAOKE / INSTRUMENTAL in large letters beside the transport, so nobody wonders where the lead went."""

from __future__ import annotations

from player.engine import messages as m
from player.ui.changing import Changing

LABEL = {"karaoke": "KARAOKE", "instrumental": "INSTRUMENTAL"}


def mode_words(event: m.ModeChanged | None) -> tuple[str, str]:
    """(big word, detail) for the mode; ("", "") for the full mix. A song played through vocal
    reduction (no lead stem) says so: it is not the clean karaoke that stems give."""
    if event is None or event.mode not in LABEL:
        return "", ""
    out = ", ".join(event.roles) or "nothing"
    detail = "vocal reduction\n(best effort)" if event.reduced else f"{out} out"
    return LABEL[event.mode], detail


class ModeBadge(Changing):
    """Shown only while a mode drops roles."""

    def update_mode(self, event: m.ModeChanged | None) -> None:
        word, detail = mode_words(event)
        self.display = bool(word)
        self.show((word, detail), lambda: f"{word}\n{detail}")
