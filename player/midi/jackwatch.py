"""JACK's own word on the pedal's port: notifications, the real connection, and a SysEx flush.

A scan of port names every half second misses a pedal that is unplugged and plugged back in
between two scans: the name is there both times, but JACK dropped our connection with the old
port, and every later press went nowhere (issue #11). So, on JACK:

- a JACK-Client client (no process callback: it takes no part in the audio graph) is told of every
  port registration and connection change, and wakes the inputs' scan at once;
- the scan asks JACK whether the pedal's port really feeds our input port, not only whether a
  port of that name exists;
- a flush port sends a lone F7 to our inputs every ``FLUSH_S``: rtmidi keeps appending every later
  event to a SysEx that never ended, and an F7 is what makes it hand them over (the parser then
  drops the cut SysEx and takes the presses inside it).

Without JACK-Client (or on ALSA) the inputs fall back to the periodic scan.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from typing import Any

from player.quiet import captured_stderr

FLUSH_S = 0.2  # a SysEx left open longer than this is ended (and its bytes dropped)
_serial = itertools.count(1)


class JackWatch:
    """Port notifications -> ``wake()``; connection checks; the flush port."""

    def __init__(self, prefix: str, wake: Callable[[], None]) -> None:
        import jack
        import rtmidi

        self.prefix = prefix
        self._wake = wake
        with captured_stderr():
            self.client = jack.Client(f"{prefix}-watch", no_start_server=True)
        self.client.set_port_registration_callback(self._changed, only_available=False)
        self.client.set_port_connect_callback(self._connect_changed, only_available=False)
        self.client.activate()
        self._lock = threading.Lock()  # JACK-Client calls are not made from two threads at once
        # The flush port: an rtmidi virtual output with a name no other client has.
        self._flush_name = f"flush {os.getpid()}.{next(_serial)}"
        with captured_stderr():
            self._flush: Any = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name=f"{prefix}-flush")
            self._flush.open_virtual_port(self._flush_name)
        self._flush_port = ""

    # JACK's notification thread: nothing here may call into JACK.
    def _changed(self, _port: object, _register: bool) -> None:
        self._wake()

    def _connect_changed(self, _a: object, _b: object, _connect: bool) -> None:
        self._wake()

    def feeding(self, source: str, short: str) -> str | None:
        """Our input port (full name) that ``source`` is connected to now, or None."""
        with self._lock:
            try:
                for port in self.client.get_all_connections(source):
                    if port.name.startswith(self.prefix) and port.name.endswith(":" + short):
                        return str(port.name)
            except Exception:  # noqa: BLE001 - the port went away meanwhile: not connected
                return None
        return None

    def attach(self, our_port: str) -> None:
        """Connect the flush port to one of our inputs (once per reconnection)."""
        with self._lock:
            try:
                if not self._flush_port:
                    found = self.client.get_ports(f".*:{self._flush_name}$", is_midi=True,
                                                  is_output=True)
                    self._flush_port = found[0].name if found else ""
                if self._flush_port and our_port not in [
                        p.name for p in self.client.get_all_connections(self._flush_port)]:
                    self.client.connect(self._flush_port, our_port)
            except Exception:  # noqa: BLE001 - without the flush, a cut SysEx waits for an F7
                pass

    def flush(self) -> None:
        """End any SysEx rtmidi is still collecting on our inputs."""
        try:
            self._flush.send_message([0xF7])
        except Exception:  # noqa: BLE001
            pass

    def close(self) -> None:
        for close in (self.client.deactivate, self.client.close, self._flush.close_port,
                      self._flush.delete):
            try:
                close()
            except Exception:  # noqa: BLE001
                pass


def start(prefix: str, wake: Callable[[], None]) -> JackWatch | None:
    """A watch on this JACK server, or None where JACK-Client is missing or refuses."""
    try:
        return JackWatch(prefix, wake)
    except Exception:  # noqa: BLE001 - no JACK-Client, no server: the periodic scan stays
        return None
