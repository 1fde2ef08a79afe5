"""One mixer strip on one line: name, [-] gain [+], [M]ute, [S]olo, meter(s). Mouse and keyboard.

Clicking a zone posts ``Strip.Pressed`` with what was pressed; the mixer screen turns it into a command.
The strip repaints only when its numbers or its meter's half-cell level change.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message

from player.ui.changing import Changing
from player.ui.meter import FLOOR_DB, Ballistics

NAME_W = 22  # role (8) and name
# Zones by column: (first, last, what)
ZONES = ((NAME_W, NAME_W + 2, "down"), (NAME_W + 12, NAME_W + 14, "up"),
         (NAME_W + 16, NAME_W + 18, "mute"), (NAME_W + 20, NAME_W + 22, "solo"))
METER_AT = NAME_W + 24


class Strip(Changing):
    """A stem (``kind`` "stem") or a bus ("bus", no solo; one meter per output channel)."""

    class Pressed(Message):
        def __init__(self, strip: Strip, what: str) -> None:
            super().__init__()
            self.strip = strip
            self.what = what  # "select", "up", "down", "mute", "solo"

    def __init__(self, kind: str, index: int, label: str, gain_db: float = 0.0, mute: bool = False,
                 channels: int = 1, group: str = "", **kwargs: object) -> None:
        super().__init__("", **kwargs)
        self.kind = kind
        self.index = index
        self.label = label
        self.group = group  # shown before the name on the first strip of a group
        self.gain_db = gain_db
        self.mute = mute
        self.solo = False
        self.channels = channels
        self.selected = False
        self._levels: tuple[int, ...] = (0,) * channels
        self._ballistics = [Ballistics() for _ in range(max(channels, 1))]

    def on_mount(self) -> None:
        self.repaint()

    def set_levels(self, peaks: list[float]) -> None:
        width = self._meter_width()
        levels = []
        for peak, ballistics in zip(peaks[: self.channels] or [0.0], self._ballistics, strict=False):
            frac = min(max((ballistics(peak) - FLOOR_DB) / -FLOOR_DB, 0.0), 1.0)
            levels.append(int(frac * width * 2))
        self._levels = tuple(levels)
        self.repaint()

    def _meter_width(self) -> int:
        room = max(self.size.width - METER_AT - 1, 8)
        return max(room // max(self.channels, 1) - 1, 3)

    def repaint(self) -> None:
        key = (self.gain_db, self.mute, self.solo, self.selected, self._levels, self.size.width)
        self.show(key, self._paint)

    def _paint(self) -> Text:
        text = Text()
        name_style = "bold black on yellow1" if self.selected else "bold"
        text.append(f"{self.group[:7]:<8}", style="bold #00BFFF")
        text.append(f"{self.label[:NAME_W - 9]:<{NAME_W - 8}}", style=name_style)
        text.append("[-]", style="bold")
        text.append(f" {self.gain_db:+6.1f} dB ", style="bold white")
        text.append("[+]", style="bold")
        text.append(" ")
        text.append("[M]", style="bold black on red1" if self.mute else "grey70")
        text.append(" ")
        if self.kind == "stem":
            text.append("[S]", style="bold black on green1" if self.solo else "grey70")
        else:
            text.append("   ")
        text.append(" ")
        width = self._meter_width()
        for level in self._levels:
            for cell in range(width):
                style = "grey35" if self.mute else (
                    "red1" if cell > width * 0.94 else "yellow1" if cell > width * 0.75 else "green1")
                if cell * 2 + 2 <= level:
                    text.append("█", style=style)
                elif cell * 2 + 1 == level:
                    text.append("▌", style=style)
                else:
                    text.append("·", style="grey35")
            text.append(" ")
        return text

    def on_click(self, event: events.Click) -> None:
        what = next((w for a, b, w in ZONES if a <= event.x <= b), "select")
        if what == "solo" and self.kind != "stem":
            what = "select"
        self.post_message(self.Pressed(self, what))

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.post_message(self.Pressed(self, "up"))
        event.stop()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.post_message(self.Pressed(self, "down"))
        event.stop()
