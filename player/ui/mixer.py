"""The mixer: a strip per stem grouped by role, a strip per bus with a meter per output channel.

Changes go to the engine at once (``SetStem``, ``SoloRole``, ``SetBus``); ``w`` saves the stem levels
into the song's ``song.toml``, ``W`` the muted roles into this show's setlist entry (atomic saves).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from player.engine import messages as m
from player.engine.status import Status
from player.setlist.roles import Role
from player.setlist.saving import Level, save_entry_muted_roles, save_stem_levels
from player.ui.changing import Changing
from player.ui.show import SongRow
from player.ui.strip import Strip

if TYPE_CHECKING:
    from player.ui.app import StageApp

STEP_DB = 1.0
MIN_DB, MAX_DB = -60.0, 12.0


class StripBox(VerticalScroll, can_focus=False):
    """The strips; not focusable, so the arrow keys choose strips instead of scrolling."""


class MixerScreen(Screen):
    """Keyboard: ↑/↓ choose a strip, ←/→ gain, x mute, o solo, r solo the role; mouse on the strips."""

    app: StageApp
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("left", "gain(-1)", "-1 dB"),
        Binding("right", "gain(1)", "+1 dB"),
        Binding("x", "toggle_strip('mute')", "Mute"),
        Binding("o", "toggle_strip('solo')", "Solo"),
        Binding("r", "solo_role", "Solo role"),
        Binding("w", "save_song", "Save to song"),
        Binding("W", "save_entry", "Save to setlist"),
        Binding("escape,m,f2", "app.screen('performance')", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._song = -2
        self._strips: list[Strip] = []
        self._bus_strips: list[Strip] = []
        self._selected = 0
        self._saved: dict[int, Level] = {}
        self._ready = False  # the app may poll before the screen is composed
        self._mix: m.MixChanged | None = None  # the engine's report last shown

    def compose(self) -> ComposeResult:
        yield Changing("", id="mixer-title")
        yield StripBox(id="strips")
        yield Static("", id="mixer-help")
        yield Footer()

    def on_mount(self) -> None:
        self._ready = True
        self.query_one("#mixer-help", Static).update(
            "↑↓ strip  ←→ gain  x mute  o solo  r solo role  w save to song  W save muted roles "
            "to setlist  m back")

    # --- building --------------------------------------------------------------------------------
    def _build(self, index: int) -> None:
        self._song = index
        box = self.query_one("#strips", StripBox)
        box.remove_children()
        song = self.app.show.song(index)
        self._strips, self._bus_strips = [], []
        widgets: list[Static] = []
        if song is not None:
            muted = set(song.entry.muted_roles) if song.entry else set()
            for role in Role:
                rows = [s for s in song.stems if s.stem.role is role]
                for k, row in enumerate(rows):
                    stem = row.stem
                    strip = Strip("stem", row.index, stem.display_name, stem.gain_db,
                                  stem.mute or role in muted, group="" if k else role.value, classes="strip")
                    strip.role = role  # type: ignore[attr-defined]
                    self._strips.append(strip)
                    widgets.append(strip)
            self._saved = {s.index: Level(s.stem.gain_db, s.stem.mute) for s in song.stems}
        for i, (bus, channels) in enumerate(self.app.show.buses.items()):
            strip = Strip("bus", i, bus, channels=len(channels), group="" if i else "BUS",
                          classes="strip bus-strip")
            strip.bus = bus  # type: ignore[attr-defined]
            strip.outputs = channels  # type: ignore[attr-defined]
            self._bus_strips.append(strip)
            widgets.append(strip)
        box.mount(*widgets)
        self._selected = 0
        self._select(0)
        title = f"Mixer · {index + 1}. {song.title}" if song else "Mixer · no song cued"
        self.query_one("#mixer-title", Changing).show(title, lambda: title)

    @property
    def _all(self) -> list[Strip]:
        return self._strips + self._bus_strips

    def _select(self, i: int) -> None:
        strips = self._all
        if not strips:
            return
        self._selected = max(0, min(i, len(strips) - 1))
        for k, strip in enumerate(strips):
            strip.selected = k == self._selected
            strip.repaint()
        strips[self._selected].scroll_visible()

    # --- status ----------------------------------------------------------------------------------
    def update_status(self, status: Status) -> None:
        if not self._ready:
            return
        if status.song != self._song:
            self._build(status.song)
            return
        mix = self.app.mix
        if mix is not None and mix is not self._mix and mix.song == self._song:
            self._follow(mix)
        song = self.app.show.song(status.song)
        peaks = status.stem_peaks
        if song is not None:
            rows = {s.index: s for s in song.stems}
            for strip in self._strips:
                row = rows.get(strip.index)
                if row is not None:
                    cols = peaks[row.column:row.column + row.channels]
                    strip.set_levels([max(cols, default=0.0)])
        outs = status.out_peaks
        for strip in self._bus_strips:
            strip.set_levels([outs[c - 1] if 0 < c <= len(outs) else 0.0
                              for c in strip.outputs])  # type: ignore[attr-defined]

    def _follow(self, mix: m.MixChanged) -> None:
        """Show the mix the engine plays: a pedal's "mute BVs" or another screen's change too."""
        self._mix = mix
        for strip in self._strips:
            if 0 <= strip.index < len(mix.stems):
                gain, _pan, mute, solo = mix.stems[strip.index]
                role: Role = strip.role  # type: ignore[attr-defined]
                strip.gain_db, strip.solo = gain, solo
                strip.mute = mute or role.value in mix.muted_roles
                strip.repaint()
        buses = {name: (gain, mute) for name, gain, mute in mix.buses}
        for strip in self._bus_strips:
            if strip.bus in buses:  # type: ignore[attr-defined]
                strip.gain_db, strip.mute = buses[strip.bus]  # type: ignore[attr-defined]
                strip.repaint()

    # --- editing ---------------------------------------------------------------------------------
    def _current(self) -> Strip | None:
        strips = self._all
        return strips[self._selected] if strips else None

    def action_move(self, step: int) -> None:
        self._select(self._selected + step)

    def action_gain(self, steps: float) -> None:
        strip = self._current()
        if strip is not None and self.app.editing_allowed():
            strip.gain_db = max(MIN_DB, min(MAX_DB, round(strip.gain_db + steps * STEP_DB, 1)))
            self._send(strip, gain=True)

    def action_toggle_strip(self, what: str) -> None:
        strip = self._current()
        if strip is None or not self.app.editing_allowed():
            return
        if what == "mute":
            strip.mute = not strip.mute
        elif strip.kind == "stem":
            strip.solo = not strip.solo
        self._send(strip, gain=False)

    def action_solo_role(self) -> None:
        strip = self._current()
        if strip is None or strip.kind != "stem" or not self.app.editing_allowed():
            return
        role: Role = strip.role  # type: ignore[attr-defined]
        on = not all(s.solo for s in self._strips if s.role is role)  # type: ignore[attr-defined]
        for s in self._strips:
            if s.role is role:  # type: ignore[attr-defined]
                s.solo = on
                s.repaint()
        self.app.send(m.SoloRole(role, on))

    def _send(self, strip: Strip, gain: bool) -> None:
        strip.repaint()
        if strip.kind == "stem":
            self.app.send(m.SetStem(strip.index, gain_db=strip.gain_db if gain else None,
                                    mute=None if gain else strip.mute, solo=None if gain else strip.solo))
        else:
            self.app.send(m.SetBus(strip.bus, gain_db=strip.gain_db if gain else None,  # type: ignore[attr-defined]
                                   mute=None if gain else strip.mute))

    @on(Strip.Pressed)
    def _pressed(self, event: Strip.Pressed) -> None:
        self._select(self._all.index(event.strip))
        if event.what in ("up", "down"):
            self.action_gain(1 if event.what == "up" else -1)
        elif event.what in ("mute", "solo"):
            self.action_toggle_strip(event.what)

    # --- saving ----------------------------------------------------------------------------------
    def _song_row(self) -> SongRow | None:
        return self.app.show.song(self._song)

    def action_save_song(self) -> None:
        song = self._song_row()
        if song is None or song.folder is None or not self.app.editing_allowed():
            return
        levels = {s.index: Level(s.gain_db, s.mute) for s in self._strips}
        changed = {i: lv for i, lv in levels.items() if self._saved.get(i) != lv}
        if not changed:
            self.app.notify("Nothing to save: the levels are as in the song file.", timeout=3)
            return
        folder = song.folder

        def saved(said: str) -> None:
            self._saved.update(changed)
            self.app.reload_show()
            self.app.notify(said, timeout=4)

        self.app.save(lambda: save_stem_levels(folder, changed), saved)

    def action_save_entry(self) -> None:
        song = self._song_row()
        if song is None or not self.app.editing_allowed():
            return
        roles = [r for r in Role if (group := [s for s in self._strips if s.role is r])  # type: ignore[attr-defined]
                 and all(s.mute for s in group)]
        path, index = self.app.show.path, song.index

        def saved(said: str) -> None:
            self.app.reload_show()
            self.app.notify(said, timeout=4)

        self.app.save(lambda: save_entry_muted_roles(path, index, roles), saved)
