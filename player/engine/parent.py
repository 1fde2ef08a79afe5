"""The engine follows its parent: when the UI (or headless server) is gone, fade out and exit.

After ``kill -9`` of the UI, or a closed terminal, nobody is left to stop the engine: it played on
to the song's end and kept the device, and a second player then played on top of it (issue #11).
The spawned engine is not told when its parent dies, but it is re-parented (to init or a
subreaper), so ``os.getppid()`` changes: checked every tick (20 ms), it costs one system call.
A closed terminal sends SIGHUP to the engine too (it is in the terminal's process group): the
engine ignores it and leaves with the fade once its parent has gone, never with a click.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from player.engine import messages as m

FADE_MS = 500.0  # out within a second, without a click
SETTLE_S = 0.15  # after the fade, for the last faded block to reach the device


class ParentWatch:
    """``gone(now, handle)`` is False while the parent lives; once it has died it starts a fade
    (through ``handle``, the core's command entry) and is True when the fade is over."""

    def __init__(self) -> None:
        self.parent = os.getppid()
        self.leaving_at: float | None = None
        try:
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        except (ValueError, OSError, AttributeError):  # not the main thread, or no SIGHUP here
            pass

    def gone(self, now: float, handle: Callable[[m.Command], object]) -> bool:
        if self.leaving_at is None:
            if os.getppid() == self.parent:
                return False
            self.leaving_at = now + FADE_MS / 1000.0 + SETTLE_S
            try:
                handle(m.Panic(fade_ms=FADE_MS))
            except Exception:  # noqa: BLE001 - nothing loaded: nothing to fade
                self.leaving_at = now
        return now >= self.leaving_at
