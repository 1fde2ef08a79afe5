"""MIDI input ports: one python-rtmidi input per matching port, taken by callback, with hot-plug.

python-rtmidi is used directly here (mido parses and describes messages elsewhere) for two reasons:
mido's rtmidi backend silently drops invalid bytes before a callback sees them (the issue asks for
them to be counted), and each of its port listings opens and closes a JACK client, which a check
every half second should not do. One lister client lists ports; each input keeps its client while
the player runs, and a port that goes away is closed and reopened on the same client when it returns.

With JACK the callback runs on the JACK client's thread: it looks the message up and queues what
it matched; nothing in it waits for long (design.md: a callback waiting on a GIL stalls the graph).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from player.midi import jackwatch
from player.midi.grammar import Parser
from player.quiet import captured_stderr

CLIENT = "stageplayer-midi"  # our JACK client names start with this; our own ports are never inputs
APIS = ("UNIX_JACK", "LINUX_ALSA", "MACOSX_CORE", "WINDOWS_MM")

Received = Callable[["Input", list[int], float], None]


def api_id(name: str) -> int:
    import rtmidi

    return int(getattr(rtmidi, f"API_{name}"))


def choose_api(preferred: str | None = None) -> str | None:
    """The MIDI API to use: ``preferred`` (e.g. from MIDO_BACKEND), else JACK when a server
    answers, else ALSA; None when neither works here."""
    import rtmidi

    compiled = {api for api in rtmidi.get_compiled_api()}
    order = [preferred] if preferred else []
    order += [a for a in APIS if a not in order]
    for name in order:
        if name is None or api_id(name) not in compiled:
            continue
        try:
            with captured_stderr():
                probe = rtmidi.MidiIn(rtapi=api_id(name), name=f"{CLIENT}-probe")
                probe.get_ports()
                probe.delete()
            return name
        except Exception:  # noqa: BLE001 - rtmidi raises bare SystemError/RuntimeError per API
            continue
    return None


def ours(port: str) -> bool:
    return port.startswith(CLIENT)


@dataclass
class Input:
    """One input port we listen to (the rtmidi client stays while the player runs)."""

    name: str  # the source port's full name
    rt: Any
    received: Received
    connected: bool = False
    ever: bool = False
    failed: bool = False
    count: int = 0
    parser: Parser = field(default_factory=Parser)  # running status and SysEx state of this port

    def callback(self, event: tuple[list[int], float], _data: object = None) -> None:
        try:
            self.count += 1
            self.received(self, event[0], time.monotonic())
        except Exception:  # noqa: BLE001 - never let a bad message raise into rtmidi's thread
            pass


@dataclass
class Inputs:
    """The inputs matching a pattern (or all of them), kept connected across unplug and replug."""

    api: str
    received: Received
    report: Callable[[str, bool, str], None]  # (port, connected, detail)
    pattern: re.Pattern[str] | None = None  # None: every input ("--midi all")
    enabled: bool = True
    inputs: dict[str, Input] = field(default_factory=dict)
    _lister: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _watch: jackwatch.JackWatch | None = None  # JACK: port notifications and connection checks
    _woken: threading.Event = field(default_factory=threading.Event)
    _closed: bool = False

    def wanted(self, port: str) -> bool:
        if ours(port) or not self.enabled:
            return False
        return self.pattern is None or bool(self.pattern.search(port))

    def ports(self) -> list[str]:
        """Every source port the system shows now (ours excluded)."""
        import rtmidi

        if self._lister is None:
            with captured_stderr():
                self._lister = rtmidi.MidiIn(rtapi=api_id(self.api), name=f"{CLIENT}-list")
        return [p for p in self._lister.get_ports() if not ours(p)]

    def scan(self) -> None:
        """Open ports that appeared, report ports that went (called every half second)."""
        with self._lock:
            if not self.enabled and not self.inputs:
                return  # listening to nothing: no JACK client for the listing either
            present = self.ports()
            if (self.api == "UNIX_JACK" and self._watch is None and not self._closed
                    and os.environ.get("STAGEPLAYER_MIDI_WATCH") != "off"):  # off: bench comparisons
                self._start_watch()
            for inp in self.inputs.values():
                if inp.connected and inp.name not in present:
                    inp.connected = False
                    _close_port(inp.rt)
                    self.report(inp.name, False, "pedal disconnected")
                elif inp.connected and self._watch is not None and (
                        self._watch.feeding(inp.name, _short(inp.name)) is None):
                    # Unplugged and plugged back between two looks: the name is there, our
                    # connection went with the old port. Connect again.
                    inp.connected = False
                    _close_port(inp.rt)
                    self._reopen(inp, present)
            for port in present:
                if not self.wanted(port):
                    continue
                known = self.inputs.get(port)
                if known is None:
                    self._open(port, present)
                elif not known.connected:
                    self._reopen(known, present)

    def _open(self, port: str, present: list[str]) -> None:
        import rtmidi

        try:
            with captured_stderr():
                rt = rtmidi.MidiIn(rtapi=api_id(self.api), name=f"{CLIENT}-in")
                rt.ignore_types(sysex=False, timing=True, active_sense=True)
        except Exception as exc:  # noqa: BLE001
            self.report(port, False, f"cannot listen: {exc}")
            return
        inp = Input(port, rt, self.received)
        self.inputs[port] = inp
        self._reopen(inp, present)

    def _reopen(self, inp: Input, present: list[str]) -> bool:
        try:
            index = self._lister.get_ports().index(inp.name)
            with captured_stderr():
                inp.rt.open_port(index, _short(inp.name))
            inp.rt.set_callback(inp.callback)  # python-rtmidi's close_port cancels the callback
        except Exception as exc:  # noqa: BLE001 - gone again, or refused
            if not inp.failed:
                self.report(inp.name, False, f"cannot open: {exc}")
            inp.failed = True
            return False
        inp.failed = False
        inp.connected = True
        inp.parser.running = 0  # a new cable: no running status carries over
        if self._watch is not None:
            ours = self._watch.feeding(inp.name, _short(inp.name))
            if ours is not None:
                self._watch.attach(ours)
        self.report(inp.name, True, "reconnected" if inp.ever else "connected")
        inp.ever = True
        return True

    def reconfigure(self, pattern: re.Pattern[str] | None, enabled: bool) -> None:
        """New rig: close ports no longer wanted (they are reported as such)."""
        with self._lock:
            self.pattern, self.enabled = pattern, enabled
            for name in list(self.inputs):
                if not self.wanted(name):
                    inp = self.inputs.pop(name)
                    _delete(inp.rt)
                    if inp.connected:
                        self.report(name, False, "no longer listened to (rig changed)")

    def _start_watch(self) -> None:
        """JACK tells us when ports come and go: scan then, not only every half second."""
        self._watch = jackwatch.start(CLIENT, self._woken.set)
        if self._watch is not None:
            threading.Thread(target=self._watching, name="midi-hotplug", daemon=True).start()

    def _watching(self) -> None:
        while True:
            self._woken.wait()
            self._woken.clear()
            if self._closed:
                return
            try:
                self.scan()
            except Exception:  # noqa: BLE001 - the periodic scan tries again
                pass

    def flush(self) -> None:
        """End a SysEx that never ended (JACK: see ``jackwatch``); called every ``FLUSH_S``."""
        if self._watch is not None and self.inputs:
            self._watch.flush()

    def close(self) -> None:
        self._closed = True
        self._woken.set()
        with self._lock:  # no scan is using the watch once it is taken away under the lock
            watch, self._watch = self._watch, None
        if watch is not None:
            watch.close()
        with self._lock:
            for inp in self.inputs.values():
                _delete(inp.rt)
            self.inputs.clear()
            if self._lister is not None:
                _delete(self._lister)
                self._lister = None


def _short(port: str) -> str:
    """Our port's name: ``in: <source>`` within JACK's name limit."""
    return ("in: " + port.replace(":", " "))[:60]


def _close_port(rt: Any) -> None:
    try:
        rt.close_port()
    except Exception:  # noqa: BLE001
        pass


def _delete(rt: Any) -> None:
    try:
        rt.cancel_callback()
    except Exception:  # noqa: BLE001
        pass
    _close_port(rt)
    try:
        rt.delete()
    except Exception:  # noqa: BLE001
        pass
