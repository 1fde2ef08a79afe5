"""The engine process's composition root: the engine, and the MIDI host and clock beside it.

It sits above both ``player.engine`` and ``player.midi`` (design.md), so neither imports the other.
MIDI is received here, in the engine process, not in the UI's: a JACK MIDI callback that waits for a
busy UI's GIL makes the whole JACK graph miss a cycle (design.md). The engine knows the MIDI host only
as a ``Host`` (configure, take, poll, close) and an ``EngineListener``.
"""

from __future__ import annotations

from collections.abc import Callable
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from player.engine.core import EngineListener
from player.engine.process import Host, run
from player.setlist.rig import Rig


class MidiPlugin:
    """The MIDI host as the engine loop sees it: it takes the MIDI commands and nothing else."""

    def __init__(self, put: Callable[[Any], None], emit: Callable[[Any], None], status: Any,
                 midi: str | None) -> None:
        from player.midi.host import MidiHost

        self.midi = midi
        self.host = MidiHost(put, emit, midi, status)

    def configure(self, rig: Rig, rig_file: Path | None) -> None:
        if self.midi != "off":
            self.host.configure(rig, rig_file)

    def take(self, command: object) -> bool:
        from player.midi.messages import MidiCommand

        if not isinstance(command, MidiCommand):
            return False
        self.host.handle(command)
        return True

    def poll(self, now: float) -> None:
        self.host.poll(now)

    def close(self) -> None:
        self.host.close()


def main(commands: Queue, events: Queue, status_path: str, log: str | None,
         device_override: str | None, midi: str | None = None) -> None:
    """The spawned engine process (``Engine`` names this function as its entry)."""

    def hosts(put: Callable[[Any], None], emit: Callable[[Any], None],
              status: Any) -> tuple[list[Host], list[EngineListener]]:
        plugin = MidiPlugin(put, emit, status, midi)
        return [plugin], [plugin.host]

    run(commands, events, status_path, log, device_override, hosts)
