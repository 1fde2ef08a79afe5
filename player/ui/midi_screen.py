"""MIDI learn: pick an action, press the pedal, see the binding (the engine saves it to the rig file);
presets for common controllers. The MIDI itself stays in the engine process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from player.actions import NEEDS_ARGUMENT, Action
from player.engine import messages as m
from player.midi import messages as mm
from player.setlist.problems import LoadError
from player.setlist.rig import load_rig

if TYPE_CHECKING:
    from player.ui.app import EngineEvent, StageApp

# Actions with an argument are offered with the arguments a band uses most.
CHOICES: list[tuple[Action, int | str | None]] = []
for _action in Action:
    if _action is Action.GO_TO_SONG:
        CHOICES += [(_action, n) for n in range(1, 6)]
    elif _action is Action.JUMP_TO_SECTION:
        CHOICES += [(_action, n) for n in range(1, 5)]
    elif _action is Action.MUTE_ROLE:
        CHOICES += [(_action, "bvs"), (_action, "click"), (_action, "guide")]
    elif _action not in NEEDS_ARGUMENT:
        CHOICES.append((_action, None))


def said(action: Action, arg: int | str | None) -> str:
    return f"{action.value} {arg}" if arg is not None else action.value


class MidiScreen(Screen):
    """Enter on an action arms learning; Enter on a preset uses it; Esc cancels or goes back."""

    app: StageApp
    BINDINGS = [Binding("escape,f2", "back", "Back / cancel")]

    def __init__(self) -> None:
        super().__init__()
        self.learning: tuple[Action, int | str | None] | None = None

    def compose(self) -> ComposeResult:
        yield Static("MIDI learn · choose an action and press Enter, then press the pedal", id="midi-title")
        with Horizontal(id="midi-body"):
            with Vertical(id="midi-actions-box"):
                yield Static("Actions", classes="midi-head")
                yield OptionList(*[Option(said(a, g), id=f"{i}") for i, (a, g) in enumerate(CHOICES)],
                                 id="midi-actions")
            with Vertical(id="midi-right"):
                yield Static("Bindings in the rig file", classes="midi-head")
                yield Static("", id="midi-map")
                yield Static("Presets (Enter uses one for this show)", classes="midi-head")
                yield OptionList(id="midi-presets")
        yield Static("", id="midi-state")
        yield Footer()

    def on_mount(self) -> None:
        try:
            from player.midi.presets import available

            names = available(self.app.show.path)
        except Exception:  # noqa: BLE001 - no presets shipped: the list stays empty
            names = []
        self.query_one("#midi-presets", OptionList).add_options([Option(n, id=n) for n in names])
        self.show_map()

    def show_map(self) -> None:
        try:
            path, rig = load_rig(self.app.rig or self.app.show.rig, self.app.show.path)
        except LoadError as exc:
            self.query_one("#midi-map", Static).update("; ".join(str(p) for p in exc.problems))
            return
        lines = [f"{path.name}: input {rig.midi.input or '(none)'}"]
        for fs in rig.midi.map:
            what = {"program_change": f"PC {fs.program}", "control_change": f"CC {fs.control}",
                    "note_on": f"note {fs.note}", "note_off": f"note off {fs.note}"}[fs.type]
            channel = f" ch {fs.channel}" if fs.channel else ""
            gesture = f" ({fs.gesture})" if fs.gesture != "press" else ""
            lines.append(f"{what}{channel}{gesture} → {said(fs.action, fs.arg)}")
        self.query_one("#midi-map", Static).update("\n".join(lines))

    def _state(self, text: str) -> None:
        self.query_one("#midi-state", Static).update(text)

    @on(OptionList.OptionSelected, "#midi-actions")
    def _learn(self, event: OptionList.OptionSelected) -> None:
        if not self.app.editing_allowed():
            return
        action, arg = CHOICES[int(event.option.id or 0)]
        self.learning = (action, arg)
        self.app.send(mm.MidiLearn(action, arg))
        self._state(f"Press the pedal for “{said(action, arg)}” now…  (Esc cancels)")

    @on(OptionList.OptionSelected, "#midi-presets")
    def _preset(self, event: OptionList.OptionSelected) -> None:
        if self.app.editing_allowed():
            self.app.send(mm.MidiUsePreset(str(event.option.id)))
            self._state(f"Using preset {event.option.id} for this show.")

    def on_engine_event(self, message: EngineEvent) -> None:
        event = message.event
        if isinstance(event, mm.MidiLearned):
            self.learning = None
            where = f" (saved to {event.path})" if event.path else " (not saved)"
            self._state(f"Learned: {event.binding} → {said(event.action, event.arg)}{where}")
            self.show_map()
        elif isinstance(event, m.Problem) and self.learning is not None:
            self._state(event.message)

    def action_back(self) -> None:
        if self.learning is not None:
            self.app.send(mm.MidiLearnCancel())
            self.learning = None
            self._state("Learning cancelled.")
            return
        self.app.action_screen("performance")
