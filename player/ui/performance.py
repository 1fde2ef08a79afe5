"""The performance screen (the default): what the band needs to see during a song, readable from afar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from player.engine.status import Status
from player.ui.big_clock import BigClock
from player.ui.changing import Changing
from player.ui.lyrics_panel import LyricsPanel
from player.ui.meter import Meter
from player.ui.mode_badge import ModeBadge
from player.ui.musical import where
from player.ui.section_timeline import SectionTimeline
from player.ui.setlist_view import SetlistView
from player.ui.status_line import StatusLine
from player.ui.transport_badge import TransportBadge

if TYPE_CHECKING:
    from player.ui.app import StageApp


class PerformanceScreen(Screen):
    """Song title, transport, clock, sections, setlist, bus meters, health; nothing to edit here."""

    app: StageApp
    _parts: tuple | None = None  # filled on mount: the app may poll before

    def compose(self) -> ComposeResult:
        yield Changing("", id="song-title")
        with Horizontal(id="top"):
            yield TransportBadge("", id="badge")
            yield ModeBadge("", id="mode")
            yield BigClock(id="clock")
        yield SectionTimeline("", id="timeline")
        yield LyricsPanel("", id="lyrics")
        with Horizontal(id="middle"):
            yield SetlistView("", id="setlist")
            with Vertical(id="meters"):
                for bus in self.app.show.buses or {"master": [1, 2]}:
                    yield Meter(bus, width=16, classes="bus-meter")
        yield Changing("", id="last-action")
        yield StatusLine("", id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self._meters = list(self.query(Meter))
        self._buses = list((self.app.show.buses or {"master": [1, 2]}).values())
        self._parts = (self.query_one("#song-title", Changing), self.query_one(TransportBadge),
                       self.query_one(BigClock), self.query_one(SectionTimeline),
                       self.query_one(SetlistView), self.query_one("#last-action", Changing),
                       self.query_one(StatusLine))
        self._lyrics, self._mode = self.query_one(LyricsPanel), self.query_one(ModeBadge)

    def update_status(self, status: Status) -> None:
        if self._parts is None:
            return
        app = self.app
        show = app.show
        title, badge, big, timeline, setlist, last, line = self._parts
        song = show.song(status.song)
        here = where(status, song)
        title.show((status.song, id(show)), lambda: self._title(status.song))
        badge.update_from(status)
        big.update_from(status, song, here)
        timeline.update_from(status, song, here)
        setlist.update_from(status, show, app.queued)
        last.show(app.last_action, lambda: app.last_action)
        line.update_from(status, app.midi_port, app.midi_ok, app.midi_last, app.locked, app.live)
        self._mode.update_mode(app.mode)
        self._lyrics.update_view(app.lyrics.view(status, show),
                                 status.song >= 0 and bool(app.lyrics.lyrics(show, status.song).lines))
        peaks = status.out_peaks
        for meter, channels in zip(self._meters, self._buses, strict=False):
            meter.set_level(max((peaks[c - 1] for c in channels if 0 < c <= len(peaks)), default=0.0))

    def _title(self, index: int) -> str:
        show = self.app.show
        song = show.song(index)
        head = f"{index + 1}/{len(show.songs)}  {song.title}" if song else "no song cued"
        return f"{head}   ·   {show.title}"
