"""The MIDI host: everything MIDI that runs inside the engine process (owned by the MIDI work, issue #5).

Interface used by ``player.engine.process`` (keep these signatures):
- ``MidiHost(submit, emit, ports, status)``: ``submit(command)`` queues an engine command (a
  ``DoAction`` for a matched foot switch) on the engine's command queue, safe from any thread;
  ``emit(event)`` sends an event to the UI; ``ports`` is the ``--midi`` option (None: the rig's
  pattern, "all": every input, "off": none); ``status`` is the engine's ``StatusBlock``.
- ``configure(rig, rig_file)`` after each setlist load (ports and map may change).
- ``handle(command)`` for ``MidiCommand``s (learn, presets).
- ``poll(now)`` every engine tick (20 ms): hot-plug checks, rate-limited inside.
- ``close()`` at shutdown.
- The show-listener calls (``song_cued``, ``transport``, ``jumped``, ``section_started``) drive MIDI out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from player.engine import messages as m
from player.setlist.rig import Rig


class MidiHost:
    """Not yet listening (issue #5 fills this in); the engine already calls every method."""

    def __init__(self, submit: Callable[[m.Command], None], emit: Callable[[m.Event], None],
                 ports: str | None, status: Any) -> None:
        self.submit, self.emit, self.ports, self.status = submit, emit, ports, status

    def configure(self, rig: Rig, rig_file: Path | None) -> None:
        pass

    def handle(self, command: m.MidiCommand) -> None:
        self.emit(m.Problem("MIDI learn and presets are not available yet."))

    def poll(self, now: float) -> None:
        pass

    def close(self) -> None:
        pass

    # --- show listener: MIDI out ----------------------------------------------------------------
    def song_cued(self, index: int, song: Any, tempo: Any, rate: int) -> None:
        pass

    def transport(self, playing: bool, frame: int) -> None:
        pass

    def jumped(self, frame: int) -> None:
        pass

    def section_started(self, index: int, name: str) -> None:
        pass
