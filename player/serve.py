"""``player serve``: the show with no screen, for a rack computer started by systemd and driven by a pedal.

This process owns ``Engine`` and the remotes (OSC, the web remote, Link), as the stage UI does for
``player play``, and says everything in log lines (plain, or JSON lines with ``--log-json``) on stdout.
It waits for the audio device and cues the setlist's first song when it appears; the engine restarts
itself when the device or its own process goes. Signals: SIGTERM (and SIGINT) fade out and exit 0;
SIGHUP reloads the setlist and the rig, and keeps the last good version when the new one does not load.
No Textual here: ``player.ui.events`` and ``player.ui.show`` are plain Python.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from dataclasses import asdict, is_dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from player.engine import messages as m
from player.engine.status import State
from player.midi import messages as mm

if TYPE_CHECKING:
    from player.engine.engine import Engine
    from player.remote.launch import Remotes
    from player.setlist.rig import Rig
    from player.ui.show import Show

TICK_S = 0.05  # how often events are logged and signals acted on
FADE_MS = 1000.0  # SIGTERM's fade-out
FADE_WAIT_S = 3.0  # the longest SIGTERM waits for the fade before closing the engine


class Log:
    """One line per thing said: ``TIME LEVEL text`` or a JSON object with the event's fields."""

    def __init__(self, out: TextIO, as_json: bool) -> None:
        self.out = out
        self.as_json = as_json

    def say(self, text: str, level: str = "info", event: str = "serve", **fields: Any) -> None:
        now = time.time()
        if self.as_json:
            record = {"time": round(now, 3), "level": level, "event": event, "message": text, **fields}
            line = json.dumps(record, default=str, ensure_ascii=False)
        else:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
            line = f"{stamp} {level.upper():<7} {text}"
        try:
            self.out.write(line + "\n")
            self.out.flush()
        except (OSError, ValueError):
            pass  # a closed journal pipe is no reason to stop the music


_LEVEL = {"information": "info", "warning": "warning", "error": "error"}


def event_line(event: m.Event) -> tuple[str, str]:
    """The words and level for an engine event: the stage UI's, else the event's own fields."""
    from player.ui.events import describe

    if isinstance(event, m.EngineDied):  # the stage's words say "press Space": there is no key here
        return (f"The audio engine stopped (exit code {event.exitcode}); restarting it on the same "
                "song, stopped. Play on with the pedal or a remote.", "error")
    said = describe(event)
    if said is not None:
        return said[0], _LEVEL.get(said[1], "info")
    if isinstance(event, m.SetlistLoaded):
        return f"Setlist loaded: {event.title} ({len(event.songs)} songs)", "info"
    if isinstance(event, m.SongEnded):
        return f"Song {event.index + 1} ended", "info"
    if isinstance(event, m.ActionDone):
        return f"{event.action.value} ({event.source}): {event.detail}", "info"
    if isinstance(event, m.EngineStarted):
        return f"Audio engine started (process {event.pid})", "info"
    if isinstance(event, m.ModeChanged):
        return f"Mode: {event.mode}", "info"
    if isinstance(event, mm.MidiSeen):
        return f"MIDI {event.port}: {event.text} -> {event.matched or 'no action'}", "debug"
    if isinstance(event, m.TempoTapped):
        return f"Tapped {event.bpm:g} bpm", "info"
    return type(event).__name__, "debug"  # the fields are in the JSON line


class Serve:
    """The headless show: the engine, the remotes, the log and the signals."""

    def __init__(self, args: argparse.Namespace, log: Log) -> None:
        self.args = args
        self.log = log
        self.path: Path = args.setlist.resolve()
        self.engine: Engine | None = None
        self.remotes: Remotes | None = None
        self.show: Show | None = None
        self.pending_reload: tuple[Any, Show] | None = None  # a good new version, for when stopped
        self.pedal: tuple[str, bool | None] = ("", None)
        self._signals: list[int] = []

    # --- loading -----------------------------------------------------------------------------
    def read(self) -> tuple[Any, Show] | None:
        """The setlist and its rig as the files hold them now, or None (each problem logged)."""
        from player.setlist.problems import LoadError
        from player.setlist.rig import load_rig
        from player.setlist.setlist import load_setlist
        from player.ui.show import load_show

        try:
            setlist = load_setlist(self.path)
            load_rig(self.args.rig or setlist.setlist.rig, self.path)
        except LoadError as exc:
            for p in exc.problems:
                self.log.say(str(p), "error", "load_problem")
            return None
        except OSError as exc:
            self.log.say(f"{self.path}: {exc}", "error", "load_problem")
            return None
        return setlist, load_show(self.path, self.args.rig)

    def apply(self, setlist: Any, show: Show) -> None:
        """Give the engine this version of the setlist and cue its first playable song."""
        assert self.engine is not None
        self.show = show
        if self.remotes is not None:
            self.remotes.hub.show = show
        self.engine.send(m.LoadSetlist(self.path, self.args.rig, setlist=setlist))
        first = show.next_playable(-1)
        if first is not None:
            self.engine.send(m.Cue(first))

    def reload(self) -> None:
        """SIGHUP: a new version that loads replaces the show (when stopped); one that does not is
        reported and the last good version plays on."""
        self.log.say(f"SIGHUP: reloading {self.path}", "info", "reload")
        read = self.read()
        if read is None:
            self.log.say("Not reloaded: the new setlist or rig does not load (problems above); "
                         "keeping the last good version.", "error", "reload_refused")
            return
        if self._stopped():
            self.apply(*read)
            self.log.say(f"Reloaded: {read[1].title}", "info", "reloaded")
        else:
            self.pending_reload = read
            self.log.say("Reloaded; the new setlist takes over when this song stops.", "info",
                         "reload_pending")

    def _stopped(self) -> bool:
        assert self.engine is not None
        return self.engine.status().state in (State.STOPPED, State.NO_DEVICE)

    # --- running -----------------------------------------------------------------------------
    def run(self) -> int:
        from player.engine.engine import Engine

        read = self.read()
        if read is None:
            self.log.say("The setlist does not load: nothing to play. Fix it and start again "
                         "(`player check` lists every problem).", "error", "exit")
            return 1
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        log = Path(os.environ.get("PLAYER_ENGINE_LOG", "/tmp/player-engine.log"))
        midi = None if self.args.midi in (None, "rig") else self.args.midi
        self.engine = Engine(log=log, device=self.args.device, midi=midi)
        self.engine.start()
        self.show = read[1]
        self.remotes = self._start_remotes(read[1])
        try:
            self.log.say(f"Serving {read[1].title} ({len(read[1].songs)} songs) from {self.path}",
                         "info", "start")
            device = self._rig_device()
            self.log.say(f"waiting for '{device}'", "info", "waiting", device=device)
            pedal = self._rig_pedal()
            if pedal:
                self.log.say(f"waiting for pedal '{pedal}'", "info", "waiting_pedal", pattern=pedal)
            self.apply(*read)
            return self._loop()
        finally:
            if self.remotes is not None:
                self.remotes.close()
            self.engine.close()
            self.log.say("Stopped.", "info", "exit")

    def _rig(self) -> Rig | None:
        """The rig as its file holds it now (None when it does not load: the engine says why)."""
        from player.setlist.problems import LoadError
        from player.setlist.rig import load_rig

        name = self.args.rig or (self.show.rig if self.show is not None else None) or "default"
        try:
            return load_rig(name, self.path)[1]
        except LoadError:
            return None

    def _rig_device(self) -> str:
        if self.args.device:
            return str(self.args.device)
        rig = self._rig()
        return (rig.audio.device if rig is not None else "") or "default output"

    def _rig_pedal(self) -> str:
        """The MIDI input pattern listened to ("" for none): the engine says when a port connects."""
        if self.args.midi == "off":
            return ""
        if self.args.midi not in (None, "rig"):
            return str(self.args.midi)
        rig = self._rig()
        return rig.midi.input if rig is not None else ""

    def _start_remotes(self, show: Show) -> Remotes:
        from player.remote.launch import Options, start_remotes

        assert self.engine is not None
        remotes = start_remotes(self.engine, show, Options(self.args.osc, self.args.remote,
                                                           self.args.remote_port), self._rig())
        remotes.attach(lambda: False, lambda: self.pedal)
        for line in remotes.said:
            self.log.say(line, "info", "remote")
        return remotes

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._signals.append(signum)  # acted on in the loop, never inside the handler

    def _loop(self) -> int:
        assert self.engine is not None
        while True:
            while self._signals:
                sig = self._signals.pop(0)
                if sig == signal.SIGHUP:
                    self.reload()
                else:
                    return self._fade_out(signal.Signals(sig).name)
            for event in self.engine.events():
                self._log_event(event)
            if self.pending_reload is not None and self._stopped():
                read, self.pending_reload = self.pending_reload, None
                self.apply(*read)
                self.log.say(f"Reloaded: {read[1].title}", "info", "reloaded")
            time.sleep(TICK_S)

    def _log_event(self, event: m.Event) -> None:
        text, level = event_line(event)
        fields: dict[str, Any] = asdict(event) if is_dataclass(event) else {}
        fields.pop("traceback", None)
        if isinstance(event, mm.MidiPort) and event.direction == "input":
            self.pedal = (event.port, event.connected)
        if isinstance(event, m.DeviceLost):
            self.log.say(f"waiting for '{event.device}'", "warning", "waiting", device=event.device)
        self.log.say(text, level, type(event).__name__, **fields)
        if isinstance(event, m.DeviceBack) and self.show is not None:
            st = self.engine.status() if self.engine is not None else None
            song = st.song if st is not None and st.song >= 0 else self.show.next_playable(-1)
            row = self.show.song(song) if song is not None else None
            self.log.say(f"Ready: song {song + 1 if song is not None else '-'} "
                         f"{row.title if row else ''} cued on {event.device}", "info", "ready")

    def _fade_out(self, why: str) -> int:
        """Fade the music out, then let ``run`` close the engine: exit 0."""
        assert self.engine is not None
        self.log.say(f"{why}: fading out", "info", "shutdown")
        if not self._stopped():
            self.engine.send(m.Panic(fade_ms=FADE_MS))
            deadline = time.monotonic() + FADE_WAIT_S
            while time.monotonic() < deadline and not self._stopped():
                time.sleep(TICK_S)
        return 0


def serve(args: argparse.Namespace) -> int:
    """Entry point of ``player serve``."""
    return Serve(args, Log(sys.stdout, args.log_json)).run()
