"""The named screens the app switches between (F2-F6 and the letters in ``keys.py``)."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen

from player.ui.lyrics_view import LyricsScreen
from player.ui.midi_screen import MidiScreen
from player.ui.mixer import MixerScreen
from player.ui.performance import PerformanceScreen
from player.ui.setlist_screen import SetlistScreen
from player.ui.setup_screen import SetupScreen

SCREENS: dict[str, Callable[[], Screen]] = {
    "performance": PerformanceScreen,
    "mixer": MixerScreen,
    "setlist": SetlistScreen,
    "midi": MidiScreen,
    "setup": SetupScreen,
    "lyrics": LyricsScreen,
}
