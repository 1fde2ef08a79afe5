"""Setup: the audio device and the rig, and an outputs test (a tone or noise burst on one channel).

The device list comes from the engine (``ListDevices``): PortAudio stays in the engine process.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, OptionList, Static
from textual.widgets.option_list import Option

from player.engine import messages as m
from player.setlist.problems import LoadError
from player.setlist.rig import config_dirs, rig_path
from player.setlist.saving import set_rig_device

if TYPE_CHECKING:
    from player.ui.app import EngineEvent, StageApp

MAX_CHANNELS = 64


def rig_names(near: Path) -> list[str]:
    """``default`` and every ``config/rigs/NAME.toml`` beside the setlist, the cwd or the checkout."""
    names = ["default"]
    for folder in config_dirs(near):
        for path in sorted((folder / "rigs").glob("*.toml")):
            if path.stem not in names:
                names.append(path.stem)
    return names


class SetupScreen(Screen):
    """←/→ choose the test channel, t tone, n noise; Enter on a device or rig chooses it."""

    app: StageApp
    BINDINGS = [
        Binding("left", "channel(-1)", "Channel -"),
        Binding("right", "channel(1)", "Channel +"),
        Binding("t", "test('tone')", "Tone"),
        Binding("n", "test('noise')", "Noise"),
        Binding("escape,f2", "app.screen('performance')", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.channel = 1
        self.devices: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        yield Static("Setup · audio device, rig, outputs test", id="setup-title")
        yield Static("", id="setup-health")
        with Horizontal(id="setup-body"):
            with Vertical():
                yield Static("Audio devices (from the engine)", classes="midi-head")
                yield OptionList(id="devices")
            with Vertical():
                yield Static("Rigs", classes="midi-head")
                yield OptionList(id="rigs")
        with Horizontal(id="setup-test"):
            yield Static("", id="channel")
            yield Button("◀", id="ch-down", compact=True)
            yield Button("▶", id="ch-up", compact=True)
            yield Button("Tone", id="tone", compact=True)
            yield Button("Noise", id="noise", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        rigs = self.query_one("#rigs", OptionList)
        current = self.app.rig or self.app.show.rig
        rigs.add_options([Option(f"{'● ' if n == current else '  '}{n}", id=n)
                          for n in rig_names(self.app.show.path)])
        self._show_channel()

    def on_screen_resume(self) -> None:
        self.app.send(m.ListDevices())
        self._show_health()

    def _outputs(self) -> int:
        chosen = next((n for name, n in self.devices if name == self.app.status.device), 0)
        return chosen or len(self.app.status.out_peaks) or MAX_CHANNELS

    def _show_channel(self) -> None:
        buses = [b for b, chans in self.app.show.buses.items() if self.channel in chans]
        on = f" ({', '.join(buses)})" if buses else ""
        self.query_one("#channel", Static).update(f"Test output: channel {self.channel}{on}  ")

    def action_channel(self, step: int) -> None:
        self.channel = max(1, min(self._outputs(), self.channel + step))
        self._show_channel()

    def action_test(self, kind: str) -> None:
        if self.app.editing_allowed():
            self.app.send(m.TestTone(self.channel, kind, 1.0))
            self.app.notify(f"{kind.title()} on output {self.channel} for 1 s.", timeout=2)

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        {"ch-down": lambda: self.action_channel(-1), "ch-up": lambda: self.action_channel(1),
         "tone": lambda: self.action_test("tone"), "noise": lambda: self.action_test("noise")}[
            event.button.id or "tone"]()

    def _show_health(self) -> None:
        note = getattr(self.app, "engine_note", "")
        self.query_one("#setup-health", Static).update(Text(note or "Audio engine: all well."))

    def on_engine_event(self, message: EngineEvent) -> None:
        event = message.event
        self._show_health()
        if isinstance(event, m.DeviceList):
            self.devices = list(event.devices)
            box = self.query_one("#devices", OptionList)
            box.clear_options()
            box.add_options([Option(f"{'● ' if name == event.current else '  '}{name} ({n} outputs)",
                                    id=str(i)) for i, (name, n) in enumerate(event.devices)])

    @on(OptionList.OptionSelected, "#devices")
    def _device(self, event: OptionList.OptionSelected) -> None:
        if not self.app.editing_allowed():
            return
        name = self.devices[int(event.option.id or 0)][0]
        try:
            path = rig_path(self.app.rig or self.app.show.rig, self.app.show.path)
        except LoadError as exc:
            self.app.notify(str(exc), severity="error", timeout=10)
            return

        def saved(said: str) -> None:
            self.app.notify(said, timeout=4)
            self.app.apply_setlist()

        self.app.save(lambda: set_rig_device(path, name.split(" (")[0]), saved)

    @on(OptionList.OptionSelected, "#rigs")
    def _rig(self, event: OptionList.OptionSelected) -> None:
        if not self.app.editing_allowed():
            return
        self.app.rig = str(event.option.id)
        self.app.reload_show()
        self.app.apply_setlist()
        self.app.notify(f"Rig: {self.app.rig}", timeout=3)
