"""``Engine``: the one public face of the audio engine, used by the UI and the CLI.

It starts and owns the engine process. ``send`` and ``status`` are the whole API, plus ``events``.
The parent owns the status block, so the last status survives the child; if the child dies
(crash, ``kill -9``) the parent notices at once, reports it, and starts a new one that reloads the
setlist, cues the same song at the same position and re-applies the mix, without playing.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
import time
from collections import deque
from pathlib import Path

from player.actions import Action
from player.engine import messages as m
from player.engine.process import EXIT_DEVICE_LOST, child
from player.engine.status import State, Status, StatusBlock

MAX_RESTARTS_PER_MINUTE = 5
SHOW_PROCESS = "player.show_process:main"  # the engine + the MIDI host + the MIDI clock

# Commands whose effect is the show's state: replayed into a new engine process after a restart.
_REPLAYED = (m.SetStem, m.SoloRole, m.SetBus, m.SetMaster, m.SetClick, m.SetGuide, m.MuteRole,
             m.SetJumpMode, m.SetMode)
_REPLAYED_ACTIONS = frozenset({Action.CLICK_TOGGLE, Action.GUIDE_TOGGLE, Action.MUTE_ROLE,
                               Action.MASTER_UP, Action.MASTER_DOWN, Action.JUMP_MODE_CYCLE,
                               Action.KARAOKE_TOGGLE, Action.INSTRUMENTAL_TOGGLE})


class Engine:
    """Start with ``start()``; never blocks the caller for longer than a queue put."""

    def __init__(self, log: Path | None = None, device: str | None = None,
                 auto_restart: bool = True, midi: str | None = None,
                 entry: str = SHOW_PROCESS) -> None:
        """``midi``: None listens to the rig's input ports, "all" to every port, "off" to none.
        ``entry`` names the child's composition root ("module:function"); the engine imports it only
        in the child, by name, so this package stays free of what runs beside it (MIDI)."""
        self.entry = entry
        self.log = log
        self.device = device
        self.midi = midi
        self.auto_restart = auto_restart
        self.status_block = StatusBlock()
        self._ctx = mp.get_context("spawn")  # a clean child: no UI threads or fds inherited
        self._proc: mp.process.BaseProcess | None = None
        self._commands: mp.Queue | None = None
        self._events: mp.Queue | None = None
        self._local: deque[m.Event] = deque()
        self._lock = threading.Lock()
        self._setlist: m.LoadSetlist | None = None
        self._mix: list[m.Command] = []
        self._closing = False
        self._deaths: list[float] = []
        self._device_lost = False
        self.restarts = 0

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the engine process (and, on a restart, restore the show into it)."""
        # A process started from inside a running Textual app fails with "bad value(s) in
        # fds_to_keep" unless the resource tracker already runs (design.md).
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
        # The engine's matrix products are small: BLAS worker threads would only spin and take
        # CPU from the reader. The child reads this when it imports numpy.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        old = self._events
        while old is not None:  # keep what the previous process said before it went
            try:
                self._push(old.get_nowait())
            except (queue.Empty, OSError, ValueError):
                break
        self._commands = self._ctx.Queue()
        self._events = self._ctx.Queue()
        self._proc = self._ctx.Process(
            target=child, name="player-engine", daemon=True,
            args=(self.entry, self._commands, self._events, self.status_block.name,
                  str(self.log) if self.log else None, self.device, self.midi))
        self._proc.start()
        threading.Thread(target=self._watch, args=(self._proc,), name="engine-watch",
                         daemon=True).start()

    def _watch(self, proc: mp.process.BaseProcess) -> None:
        proc.join()
        if self._closing or proc is not self._proc:
            return
        last = self.status_block.read()
        if proc.exitcode != EXIT_DEVICE_LOST:
            # The child was the only writer and is gone: the screen must not go on saying PLAYING.
            self.status_block.begin()
            self.status_block.set("state", State.ENGINE_DOWN)
            self.status_block.end()
        if proc.exitcode == EXIT_DEVICE_LOST:
            self._push(m.DeviceLost(last.device or "audio device",
                                    "the audio device went away; waiting for it to come back"))
        else:
            self._push(m.EngineDied(proc.exitcode))
        now = time.monotonic()
        self._deaths = [t for t in self._deaths if now - t < 60] + [now]
        if proc.exitcode != EXIT_DEVICE_LOST and len(self._deaths) > MAX_RESTARTS_PER_MINUTE:
            self._push(m.Problem("the audio engine keeps failing; not restarting it again. "
                                 f"Its log: {self.log or 'none'}"))
            return
        if self.auto_restart or proc.exitcode == EXIT_DEVICE_LOST:
            self.restart(last)

    def restart(self, last: Status | None = None) -> None:
        """A new engine process with the same setlist, song, position and mix; not playing."""
        last = last or self.status_block.read()
        self.restarts += 1
        self.start()
        if self._setlist is not None:
            self._put(self._setlist)
            # The same parsed setlist as before: song ``last.song`` is the same song folder (a
            # setlist edited on disk meanwhile waits for the performer's reload).
            if last.song >= 0:
                self._put(m.Cue(last.song))
                if last.position > 0 and last.rate:
                    self._put(m.Seek(seconds=last.position / last.rate))
            for cmd in self._mix:
                self._put(cmd)
        pid = self._proc.pid if self._proc is not None else None
        self._push(m.EngineStarted(pid if pid is not None else -1, restarted=True))

    def close(self, timeout: float = 5.0) -> None:
        """Stop the engine process and free the status block."""
        self._closing = True
        proc = self._proc
        if proc is not None and proc.is_alive():
            self._put(m.Shutdown())
            proc.join(timeout)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout)
        self.status_block.close()

    def __enter__(self) -> Engine:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- the API ---------------------------------------------------------------------------------
    def send(self, command: m.Command) -> None:
        """Queue a command for the engine; applied at the next block boundary."""
        if isinstance(command, m.LoadSetlist):
            command = self._read(command)
            if command.setlist is not None or self._setlist is None:
                self._setlist = command  # the last good version: what a restart plays
            self._mix.clear()
        elif isinstance(command, m.Cue):
            self._mix = [c for c in self._mix if not isinstance(c, (m.SetStem, m.SoloRole))]
        elif isinstance(command, _REPLAYED) or (isinstance(command, m.DoAction)
                                                 and command.action in _REPLAYED_ACTIONS):
            self._mix.append(command)
        self._put(command)

    def status(self) -> Status:
        """The latest consistent status (never blocks on the engine)."""
        return self.status_block.read()

    def events(self) -> list[m.Event]:
        """Events since the last call, oldest first."""
        out: list[m.Event] = []
        with self._lock:
            while self._local:
                out.append(self._local.popleft())
        q = self._events
        while q is not None:
            try:
                out.append(q.get_nowait())
            except (queue.Empty, OSError, ValueError):
                break
        return [e for e in out if self._news(e)]

    def _news(self, event: m.Event) -> bool:
        """Drop a second "device lost" (the parent and the waiting child both say it)."""
        if isinstance(event, m.DeviceLost):
            if self._device_lost:
                return False
            self._device_lost = True
        elif isinstance(event, m.DeviceBack):
            self._device_lost = False
        return True

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def wait_for(self, kind: type[m.Event], timeout: float = 5.0,
                 seen: list[m.Event] | None = None) -> m.Event | None:
        """The next event of ``kind`` within ``timeout`` s (others are appended to ``seen``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batch = self.events()
            for i, event in enumerate(batch):
                if seen is not None:
                    seen.append(event)
                if isinstance(event, kind):
                    with self._lock:  # what came after it stays for the next reader
                        self._local.extendleft(reversed(batch[i + 1:]))
                    return event
            time.sleep(0.005)
        return None

    def wait_state(self, state: State, timeout: float = 5.0) -> Status | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.status()
            if st.state is state:
                return st
            time.sleep(0.005)
        return None

    # --- internals -------------------------------------------------------------------------------
    @staticmethod
    def _read(command: m.LoadSetlist) -> m.LoadSetlist:
        """The command with the setlist as the file holds it now (a file that does not load is
        sent as it is: the engine reports its problems and keeps the show it has)."""
        if command.setlist is not None:
            return command
        from dataclasses import replace

        from player.setlist.problems import LoadError
        from player.setlist.setlist import load_setlist

        try:
            return replace(command, setlist=load_setlist(Path(command.path)))
        except (LoadError, OSError):
            return command

    def _put(self, command: m.Command) -> None:
        if self._commands is not None:
            self._commands.put(command)

    def _push(self, event: m.Event) -> None:
        with self._lock:
            self._local.append(event)
