"""The big clock: elapsed time in large digits, then remaining time, bar.beat, tempo and key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits

from player.engine.status import Status
from player.ui.changing import Changing
from player.ui.musical import Where
from player.ui.show import SongRow, clock


class BigClock(Vertical):
    """Repaints on whole seconds and on each beat, not on every poll."""

    def compose(self) -> ComposeResult:
        self._digits = Digits("0:00", id="elapsed")
        self._detail = Changing("", id="clock-detail")
        self._elapsed = "0:00"
        yield self._digits
        yield self._detail

    def update_from(self, status: Status, song: SongRow | None, where: Where) -> None:
        elapsed = clock(status.seconds)
        if elapsed != self._elapsed:
            self._elapsed = elapsed
            self._digits.update(elapsed)
        length = status.length / status.rate if status.rate and status.length else (
            song.seconds if song else None)
        left = f"-{clock(max((length or 0) - status.seconds, 0))}" if length else "-‑:‑‑"
        if where.bar < 0:
            bar = f"count-in {status.count_in or -where.bar}"
        elif where.bar:
            bar = f"bar {where.bar}.{where.beat}"
        else:
            bar = "no tempo"
        bpm = f"{where.bpm:g} bpm" if where.bpm else ""
        key = f"key {song.key}" if song and song.key else ""
        meter = song.meter if song and song.meter else ""
        mix = (f"click {'on' if status.click else 'off'}  guide {'on' if status.guide else 'off'}  "
               f"master {status.master_db:+.0f} dB")
        detail = (left, bar, bpm, key, meter, mix)
        self._detail.show(
            detail, lambda: "  ".join(x for x in (f"left {left}", bar, bpm, meter, key) if x) + "\n" + mix)
