"""MIDI out: song messages (on load, on start, at sections) on the rig's output port.

The port is found by the rig's ``output`` pattern among the ports that accept MIDI, connected when
it appears and reported when it goes, like the inputs. Sends are serialised by a lock: the engine's
control thread and the clock thread both send, and RtMidi's JACK output queue has one writer.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from player.midi.grammar import STATUS
from player.midi.listener import CLIENT, _delete, api_id, ours
from player.quiet import captured_stderr


def song_bytes(message: Any) -> list[int]:
    """A song file's ``MidiMessage`` (channels 1-16) as bytes; missing values default sensibly."""
    status = STATUS[message.type] | (message.channel - 1)
    if message.type == "program_change":
        return [status, message.program or 0]
    if message.type == "control_change":
        return [status, message.control or 0, 0 if message.value is None else message.value]
    velocity = message.velocity if message.velocity is not None else (64 if message.type == "note_on"
                                                                       else 0)
    return [status, message.note or 0, velocity]


class Output:
    """The one output port, reconnected when it comes back."""

    def __init__(self, api: str, report: Callable[[str, bool, str], None]) -> None:
        self.api = api
        self.report = report
        self.pattern: re.Pattern[str] | None = None
        self.port = ""  # the destination we are connected to, "" when none
        self.sent = 0
        self._rt: Any = None
        self._lock = threading.Lock()
        self._missing_reported = False

    def configure(self, pattern: str) -> None:
        with self._lock:
            new = re.compile(pattern, re.IGNORECASE) if pattern else None
            if (new.pattern if new else "") != (self.pattern.pattern if self.pattern else ""):
                self._disconnect("no longer used (rig changed)" if self.port else "")
            self.pattern = new
            self._missing_reported = False

    def scan(self) -> None:
        """Connect to the destination when it appears; report when it goes."""
        if self.pattern is None:
            return
        import rtmidi

        with self._lock:
            if self._rt is None:
                with captured_stderr():
                    self._rt = rtmidi.MidiOut(rtapi=api_id(self.api), name=f"{CLIENT}-out")
            ports = self._rt.get_ports()
            if self.port and self.port not in ports:
                self._disconnect("output disconnected")
            if self.port:
                return
            match = next((i for i, p in enumerate(ports) if not ours(p) and self.pattern.search(p)), None)
            if match is None:
                if not self._missing_reported:
                    self._missing_reported = True
                    self.report(f"/{self.pattern.pattern}/", False,
                                "no MIDI output port matches the rig's `output` pattern yet")
                return
            try:
                with captured_stderr():
                    self._rt.open_port(match, "out")
            except Exception as exc:  # noqa: BLE001 - rtmidi raises bare errors
                self.report(ports[match], False, f"cannot open: {exc}")
                return
            self.port = ports[match]
            self._missing_reported = False
            self.report(self.port, True, "connected")

    def _disconnect(self, detail: str) -> None:
        if self.port and self._rt is not None:
            try:
                self._rt.close_port()
            except Exception:  # noqa: BLE001
                pass
            if detail:
                self.report(self.port, False, detail)
        self.port = ""

    def send(self, data: list[int]) -> bool:
        """Queue one message; False when no port is connected (nothing raises)."""
        with self._lock:
            if not self.port:
                return False
            try:
                self._rt.send_message(data)
            except Exception:  # noqa: BLE001
                return False
            self.sent += 1
            return True

    def send_all(self, messages: Iterable[Any]) -> int:
        return sum(self.send(song_bytes(msg)) for msg in messages)

    def close(self) -> None:
        with self._lock:
            if self._rt is not None:
                _delete(self._rt)
                self._rt = None
            self.port = ""
