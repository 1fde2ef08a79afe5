"""The stage UI: a Textual app that polls the engine's status at 20 Hz and sends it performer actions.

Keys send ``DoAction`` (the engine interprets actions in one place, as it does for a foot switch).
The app never blocks on the engine and never exits on its errors: they become notifications.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive

from player.actions import Action
from player.engine import messages as m
from player.engine.status import State, Status
from player.midi import messages as mm
from player.setlist.atomic import remove_orphans
from player.ui.events import describe, health_note
from player.ui.help_screen import HelpScreen
from player.ui.keys import ALL
from player.ui.link import FrozenLink, Link, LiveLink
from player.ui.saver import Saver
from player.ui.show import Show
from player.ui.theme import STAGE

POLL_HZ = 20.0
_QUEUED = re.compile(r"next: (\d+)\b.*\(after this song\)")


class ActionRequested(Message):
    """A performer action from a key (what a test's ``message_hook`` sees)."""

    def __init__(self, action: Action, arg: int | str | None) -> None:
        super().__init__()
        self.action = action
        self.arg = arg


class CommandSent(Message):
    """A command that went to the engine."""

    def __init__(self, command: m.Command) -> None:
        super().__init__()
        self.command = command


class EngineEvent(Message):
    """An event from the engine, handed to the screen on top (setup, MIDI learn listen for theirs)."""

    def __init__(self, event: m.Event) -> None:
        super().__init__()
        self.event = event


def _bindings() -> list[BindingType]:
    out: list[BindingType] = []
    for key in ALL:
        if key.action is not None:
            arg = "" if key.arg is None else f", {key.arg!r}"
            action = f"app.perform('{key.action.value}'{arg})"
        else:
            action = f"app.{key.app_action}"
        out.append(Binding(key.keys, action, key.footer or key.what, show=bool(key.footer)))
    return out


class StageApp(App[int]):
    """``show``: the setlist as loaded in this process; ``link``: the engine (or a frozen status)."""

    CSS_PATH = "stage.tcss"
    TITLE = "Stage player"
    BINDINGS = _bindings()
    ENABLE_COMMAND_PALETTE = False
    locked: reactive[bool] = reactive(False)

    def __init__(self, show: Show, link: Link | None = None, poll_hz: float = POLL_HZ,
                 ready_file: Path | None = None, rig: str | None = None) -> None:
        super().__init__()
        self.show = show
        self.rig = rig
        self.link: Link = link or FrozenLink()
        self.live = isinstance(self.link, LiveLink)
        self.poll_hz = poll_hz
        self.ready_file = ready_file
        self.status: Status = self.link.status()
        self.last_action = ""
        self.midi_port = ""
        self.midi_ok: bool | None = None
        self.midi_last = ""
        self.engine_note = ""  # why the audio is not as it should be, in words (setup screen)
        self.mix: m.MixChanged | None = None  # the mix as the engine last reported it
        self.mode: m.ModeChanged | None = None  # karaoke / instrumental, as the engine last said
        from player.ui.lyrics_feed import LyricsFeed

        self.lyrics = LyricsFeed()
        self._quit_asked = 0.0
        self._poll_errors = 0
        self._reload_pending = False
        self.queued: int | None = None  # a song queued while another plays (what "Next:" names)
        self._on_disk = _stamp(show.path)  # the setlist file as last read here
        self._disk_told: tuple[int, int] | None = None
        self._polls = 0
        self._next_show: Show | None = None  # reloaded with R during a song: taken when it stops
        self._keep: Path | None = None  # the song folder to cue again after that reload
        self._queued_during = -1  # the song that was playing when it was queued

    # --- lifecycle -------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.saver = Saver(asyncio.get_running_loop().call_soon_threadsafe)
        self.save(self._remove_orphans)  # a save killed last time left its temporary file
        self.register_theme(STAGE)
        self.theme = STAGE.name
        from player.ui.screens import SCREENS

        for name, factory in SCREENS.items():
            self.install_screen(factory(), name)
        self.push_screen("performance")
        self.poll()
        self.set_interval(1.0 / self.poll_hz, self.poll)
        if self.ready_file is not None:
            self.call_after_refresh(self._mark_ready)

    def on_unmount(self) -> None:
        self.saver.close()

    def save(self, job: Callable[[], str], then: Callable[[str], None] | None = None) -> None:
        """Run ``job`` (a save; it returns what to tell) off the UI thread: an fsync may take
        seconds. ``then(said)`` runs on the UI thread once it is done; a failure is a notice."""
        self.saver.save(job, then, lambda said: self.notify(said, severity="error", timeout=10))

    def _remove_orphans(self) -> str:
        show = self.show
        folders = [show.path.parent] + ([show.rig_path.parent] if show.rig_path else [])
        if show.file is not None:
            folders += [show.file.song_folder(row.entry) for row in show.songs if row.entry is not None]
        return f"{len(remove_orphans(folders))} temporary file(s) of killed saves removed"

    def _mark_ready(self) -> None:
        """Benchmarks: the time the first frame of the performance screen was drawn."""
        assert self.ready_file is not None
        self.ready_file.write_text(f"{time.time():.6f}\n")

    def poll(self) -> None:
        """Read the status (a copy from shared memory) and new events; update the screen on top."""
        try:
            self.status = self.link.status()
            for event in self.link.events():
                self.on_engine(event)
            if self.queued is not None and self.status.song != self._queued_during:
                self.queued = None  # it came (or another song did): "Next:" follows the order again
            if self._reload_pending and self.status.state is State.STOPPED:
                if self._next_show is not None:
                    self.show, self._next_show = self._next_show, None
                self._reload_engine(self._keep)
            self._polls += 1
            if self._polls % int(self.poll_hz) == 0:
                self._watch_disk()
            self._update_screen()
        except Exception as exc:  # noqa: BLE001 - the screen must outlive any display bug on stage
            self._poll_errors += 1
            if self._poll_errors == 1 and self.is_running:
                self.notify(f"Display problem ({type(exc).__name__}: {exc}); the show goes on. "
                            "Please report it.", severity="warning", timeout=8)

    def _update_screen(self) -> None:
        """The screen on top, or the one under a dialog (help, a prompt) so the clock keeps going."""
        for screen in reversed(self.screen_stack):
            update = getattr(screen, "update_status", None)
            if update is not None:
                update(self.status)
                return

    # --- sending -------------------------------------------------------------------------------
    def send(self, command: m.Command) -> None:
        self.link.send(command)
        self.post_message(CommandSent(command))

    def action_perform(self, name: str, arg: int | str | None = None) -> None:
        """A performer action: the same thing a foot switch mapped to ``name`` does."""
        action = Action(name)
        self.post_message(ActionRequested(action, arg))
        self.send(m.DoAction(action, arg, "key"))

    # --- events --------------------------------------------------------------------------------
    def on_engine(self, event: m.Event) -> None:
        if isinstance(event, m.ActionDone):
            self.last_action = f"{event.source}: {event.detail or event.action.value}"
            self._follow_queue(event)
        elif isinstance(event, mm.MidiPort) and event.direction == "input":
            self.midi_port, self.midi_ok = event.port, event.connected
        elif isinstance(event, mm.MidiSeen):
            self.midi_last = f"{event.text}{' → ' + event.matched if event.matched else ''}"
        elif isinstance(event, m.TempoTapped):
            self.last_action = f"tapped {event.bpm:.1f} bpm"
        elif isinstance(event, m.MixChanged):
            self.mix = event
        elif isinstance(event, m.ModeChanged):
            self.mode = event
        self.engine_note = health_note(event, self.engine_note)
        said = describe(event)
        if said is not None:
            text, severity, timeout = said
            self.notify(text, severity=severity, timeout=timeout)  # type: ignore[arg-type]
        self.screen.post_message(EngineEvent(event))

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications are plain text: file names, fixes and TOML such as ``[name]`` or ``[[songs]]``
        are shown as written, never read as Rich markup (which swallowed them)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _follow_queue(self, done: m.ActionDone) -> None:
        """``n n`` during a song queues song 3, not 2: the engine says which in its answer,
        "next: 3 Title (after this song)" (``player.engine.perform``); "cued ..." means at once."""
        if done.action not in (Action.NEXT_SONG, Action.PREVIOUS_SONG, Action.GO_TO_SONG):
            return
        queued = _QUEUED.match(done.detail)
        if queued is not None:
            self.queued, self._queued_during = int(queued.group(1)) - 1, self.status.song
        elif done.detail.startswith("cued"):
            self.queued = None

    # --- app actions -----------------------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def reload_show(self) -> None:
        """Read the setlist and songs again after a save, so every screen shows what is on disk."""
        from player.ui.show import load_show

        self.show = load_show(self.show.path, self.rig)
        self._on_disk = _stamp(self.show.path)

    def _watch_disk(self) -> None:
        """Once a second: the setlist file changed by someone else? Say so, once; never reload
        by itself (the show plays the version it has until the performer presses R)."""
        stamp = _stamp(self.show.path)
        if self.saver.pending or stamp == self._on_disk or stamp == self._disk_told:
            return
        self._disk_told = stamp
        self.notify("The setlist changed on disk: press R to reload it (the show keeps the version "
                    "it has until then).", severity="warning", timeout=15)

    def action_reload_setlist(self) -> None:
        """R: read the setlist file again; the cued song stays cued (found by its folder)."""
        from player.ui.show import load_show

        new = load_show(self.show.path, self.rig)
        if new.file is None or not new.songs:
            said = "; ".join(str(p) for p in new.problems) or "no songs in it"
            self.notify(f"The setlist on disk cannot be loaded: {said}. The show keeps the version it "
                        "has.", severity="error", timeout=15)
            return
        self._on_disk = self._disk_told = _stamp(new.path)
        self._keep = song_folder(self.show, self.status.song)
        if self.status.state in (State.STOPPED, State.NO_DEVICE):
            self.show = new
            self._reload_engine(self._keep)
            self.notify(f"Reloaded {new.title} ({len(new.songs)} songs).", timeout=4)
        else:
            self._next_show, self._reload_pending = new, True
            self.notify("Reloaded; the show takes the new setlist when this song stops.", timeout=6)

    def apply_setlist(self) -> None:
        """Give the engine the setlist as saved: now when stopped, else when the song stops."""
        if self.status.state in (State.STOPPED, State.NO_DEVICE):
            self._reload_engine()
        else:
            self._reload_pending = True
            self.notify("Saved; the engine takes the new setlist when this song stops.", timeout=4)

    def _reload_engine(self, keep: Path | None = None) -> None:
        """Load the show's setlist into the engine; cue ``keep`` (a song folder) where it now is,
        else the first song."""
        self._reload_pending, self._keep = False, None
        self.send(m.LoadSetlist(self.show.path.resolve(), self.rig))
        same = next((row.index for row in self.show.songs
                     if keep is not None and song_folder(self.show, row.index) == keep), None)
        first = same if same is not None else self.show.next_playable(-1)
        if first is not None:
            self.send(m.Cue(first))

    def open_setlist(self, path: Path) -> bool:
        """Switch to another setlist file (only when stopped); False, with a notification, if not."""
        from player.ui.show import load_show

        if self.status.state not in (State.STOPPED, State.NO_DEVICE):
            self.notify("Stop the show first (s), then open another setlist.", severity="warning",
                        timeout=4)
            return False
        show = load_show(path, self.rig)
        if not show.songs:
            said = "; ".join(str(p) for p in show.problems) or "no songs in it"
            self.notify(f"Could not open {path}: {said}", severity="error", timeout=10)
            return False
        self.show = show
        self._on_disk = _stamp(show.path)
        self._reload_engine()
        self.notify(f"Opened {show.title} ({len(show.songs)} songs).", timeout=3)
        return True

    def action_lock(self) -> None:
        self.locked = not self.locked
        if self.locked and self.screen is not self.get_screen("performance"):
            if isinstance(self.screen, HelpScreen):
                self.pop_screen()
            self.switch_screen("performance")
        self.notify("Locked: editing is off; transport keys and the pedal still work. l unlocks."
                    if self.locked else "Unlocked: editing is on.", timeout=3)
        self._update_screen()

    def editing_allowed(self) -> bool:
        """False (and says why) while locked."""
        if self.locked:
            self.notify("Locked for the show: press l to unlock editing.", severity="warning", timeout=3)
        return not self.locked

    def action_screen(self, name: str) -> None:
        if name != "performance" and not self.editing_allowed():
            return
        if not self.is_screen_installed(name):
            self.notify(f"The {name} screen is not in this version.", severity="warning", timeout=3)
            return
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        if self.screen is not self.get_screen(name):
            self.switch_screen(name)
            self._update_screen()

    def action_lyrics(self) -> None:
        """The full-screen lyrics view, or back to the performance screen; allowed while locked."""
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        name = "performance" if self.screen is self.get_screen("lyrics") else "lyrics"
        self.switch_screen(name)
        self._update_screen()

    async def action_quit(self) -> None:
        """Ctrl+Q (Textual's own quit key) follows the rule of ``q``."""
        self.action_quit_show()

    def action_quit_show(self) -> None:
        if self.locked:
            self.notify("Locked for the show: press l to unlock, then q to quit.", severity="warning",
                        timeout=3)
            return
        playing = self.status.state in (State.PLAYING, State.COUNT_IN, State.PAUSED)
        now = time.monotonic()
        if playing and now - self._quit_asked > 3.0:
            self._quit_asked = now
            self.notify("The show is running: press q again to quit.", severity="warning", timeout=3)
            return
        self.exit(0)


def _stamp(path: Path) -> tuple[int, int]:
    """What tells a changed file: its modification time and size (0, 0 when it cannot be read)."""
    try:
        st = path.stat()
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def song_folder(show: Show, index: int) -> Path | None:
    """The folder of song ``index``: the song's identity, whatever its place in the order."""
    row = show.song(index)
    if row is None or row.entry is None or show.file is None:
        return None
    return show.file.song_folder(row.entry)


def run_show(show: Show, engine: object, rig: str | None = None, remotes: object | None = None) -> int:
    """Load the setlist into the engine (started before Textual runs), run the UI until quit."""
    engine.send(m.LoadSetlist(show.path.resolve(), rig))  # type: ignore[attr-defined]
    first = show.next_playable(-1)
    if first is not None:
        engine.send(m.Cue(first))  # type: ignore[attr-defined]
    ready = os.environ.get("PLAYER_UI_READY_FILE")
    app = StageApp(show, LiveLink(engine), ready_file=Path(ready) if ready else None, rig=rig)
    if remotes is not None:  # player.remote.launch.Remotes: the web remote reads the lock and pedal
        remotes.attach(lambda: app.locked, lambda: (app.midi_port, app.midi_ok))  # type: ignore[attr-defined]
    result = app.run()
    return int(result or 0)
