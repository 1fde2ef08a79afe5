"""Engine health and MIDI in one line: device, late blocks, load; pedal connected, last message."""

from __future__ import annotations

import time

from rich.text import Text

from player.engine.status import State, Status
from player.ui.changing import Changing

STALE_S = 2.0  # no status written for this long: the engine is stuck


class StatusLine(Changing):
    """Health at a glance: green when all is well, a red word where something needs a look."""

    def update_from(self, status: Status, midi_port: str, midi_ok: bool | None, midi_last: str,
                    locked: bool, live: bool) -> None:
        stale = live and status.wall > 0 and time.time() - status.wall > STALE_S
        load = int(status.load * 20) * 5  # 5% steps: the last block's share of its period
        key = (status.device, status.late, status.dropped, load, stale, status.state is State.NO_DEVICE,
               midi_port, midi_ok, midi_last, locked, status.faults)
        self.show(key, lambda: self._paint(status, stale, load, midi_port, midi_ok, midi_last, locked))

    def _paint(self, status: Status, stale: bool, load: int, midi_port: str, midi_ok: bool | None,
                midi_last: str, locked: bool) -> Text:
        text = Text()
        if locked:
            text.append(" LOCKED ", style="bold black on yellow1")
            text.append(" ")
        if stale:
            text.append("ENGINE NOT RESPONDING", style="bold white on red")
        elif status.state is State.NO_DEVICE or not status.device:
            text.append("no audio device", style="bold white on red" if live_device(status) else "grey70")
        else:
            text.append(f"♪ {status.device.split(' (')[0][:18]}", style="green1")
        if status.faults:  # a bug in the engine, told apart from a lost device
            text.append(f"  ENGINE FAULT ×{status.faults}", style="bold white on dark_orange3")
        problems = status.late + status.dropped
        text.append(f"  late {status.late}/{status.dropped}", style="bold red1" if problems else "grey70")
        text.append(f"  load {load}%", style="bold red1" if load > 70 else "grey70")
        if midi_ok is None:
            text.append("  MIDI: no pedal", style="grey70")
        elif midi_ok:
            text.append(f"  MIDI ✓ {midi_port}", style="green1")
        else:
            text.append(f"  MIDI ✖ {midi_port} lost", style="bold white on red")
        if midi_last:
            text.append(f"  last {midi_last}", style="grey70")
        return text


def live_device(status: Status) -> bool:
    return status.state is State.NO_DEVICE
