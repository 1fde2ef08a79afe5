"""Redraw only what changed: a widget keeps the key of what it shows and repaints when it differs.

A terminal UI polled at 20 Hz that repaints everything each poll used 37-45% of a core here; most polls
change nothing a person can see (the clock shows whole seconds, a meter has a few dozen steps).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from rich.console import RenderableType
from textual.widgets import Static


class Changing(Static):
    """A ``Static`` whose content is rebuilt only when its key changes."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._shown: Hashable = object()

    def show(self, key: Hashable, make: Callable[[], RenderableType]) -> bool:
        """Show ``make()`` if ``key`` differs from what is on screen; True when it repainted."""
        if key == self._shown:
            return False
        self._shown = key
        self.update(make())
        return True
