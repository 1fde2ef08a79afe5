"""A level meter: one line, -48..0 dBFS, green / yellow from -12 / red from -3, with a short peak hold.

Levels are quantised to half a cell, so a meter repaints only when a person could see the change.
"""

from __future__ import annotations

import math
import time

from rich.text import Text

from player.ui.changing import Changing

FLOOR_DB = -48.0
HOLD_S = 1.0
CLIP_HOLD_S = 1.5  # a clip stays lit at least this long: one clipped block must not go unseen
FALL_DB_PER_S = 24.0  # a meter falls back smoothly: a 20 Hz poll of one block's peak misses transients


class Ballistics:
    """Rise at once, fall at ``FALL_DB_PER_S``: what the eye reads as level, from sparse peak samples."""

    def __init__(self) -> None:
        self.db = -120.0
        self.at = time.monotonic()

    def __call__(self, peak: float) -> float:
        now = time.monotonic()
        fallen = self.db - FALL_DB_PER_S * (now - self.at)
        self.db, self.at = max(to_db(peak), fallen), now
        return self.db


def to_db(peak: float) -> float:
    return 20 * math.log10(peak) if peak > 1e-6 else -120.0


class Meter(Changing):
    """``label`` then a bar; ``width`` cells of bar (the rest of the widget shows the label)."""

    def __init__(self, label: str, width: int = 20, **kwargs: object) -> None:
        super().__init__("", **kwargs)
        self.label = label
        self.bar_width = width
        self._hold = 0
        self._hold_until = 0.0
        self._clip_until = 0.0
        self._ballistics = Ballistics()

    def set_level(self, peak: float) -> None:
        db = self._ballistics(peak)
        frac = min(max((db - FLOOR_DB) / -FLOOR_DB, 0.0), 1.0)
        halves = int(frac * self.bar_width * 2)
        now = time.monotonic()
        if halves >= self._hold or now > self._hold_until:
            self._hold, self._hold_until = halves, now + HOLD_S
        if peak >= 1.0:
            self._clip_until = now + CLIP_HOLD_S
        clip = now < self._clip_until
        self.show((halves, self._hold, clip), lambda: self._text(halves, self._hold, clip))

    def _text(self, halves: int, hold: int, clip: bool) -> Text:
        text = Text(f"{self.label:<11.11}", style="bold")
        width = self.bar_width
        for cell in range(width):
            frac = (cell + 1) / width
            style = "red1" if frac > 0.94 else "yellow1" if frac > 0.75 else "green1"
            if cell * 2 + 2 <= halves:
                text.append("█", style=style)
            elif cell * 2 + 1 == halves:
                text.append("▌", style=style)
            elif cell == (hold - 1) // 2 and hold:
                text.append("│", style=style)
            else:
                text.append("·", style="grey50")
        text.append(" CLIP" if clip else "     ", style="bold white on red" if clip else "")
        return text
