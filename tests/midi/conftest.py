"""MIDI test fixtures: real JACK MIDI ports on the session's JACK server.

A ``Pedal`` is a test client with an rtmidi output port (what a USB foot switch looks like to the
player); the ``host`` fixture is the player's ``MidiHost`` as the engine process runs it, with its
``poll`` called every 10 ms by a thread (the engine's tick) and what it submits and emits collected.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from player.actions import Action
from player.engine import messages as m
from player.engine.status import StatusBlock
from player.midi import messages as mm
from player.midi.host import MidiHost
from player.setlist.rig import Rig
from tests.support.jackserver import JackServer

ROOT = Path(__file__).resolve().parents[2]
PEDAL = "pedaltest"  # the test pedal's JACK client name; the test rigs listen to /pedaltest/


@pytest.fixture(scope="session")
def midi_jack(jack_server: JackServer) -> Iterator[JackServer]:
    """The session's JACK server, with mido pointed at JACK MIDI."""
    saved = os.environ.get("MIDO_BACKEND")
    os.environ["MIDO_BACKEND"] = "mido.backends.rtmidi/UNIX_JACK"
    yield jack_server
    if saved is None:
        os.environ.pop("MIDO_BACKEND", None)
    else:
        os.environ["MIDO_BACKEND"] = saved


class Pedal:
    """A foot switch: a MIDI output port (JACK, or ALSA) that can be unplugged and plugged back."""

    def __init__(self, name: str = PEDAL, api: str = "UNIX_JACK") -> None:
        self.name = name
        self.api = api
        self.rt = None
        self.plug()

    def plug(self) -> None:
        import rtmidi

        self.rt = rtmidi.MidiOut(rtapi=getattr(rtmidi, f"API_{self.api}"), name=self.name)
        self.rt.open_virtual_port("out")

    def unplug(self) -> None:
        if self.rt is not None:
            self.rt.close_port()
            self.rt.delete()
            self.rt = None

    @property
    def port(self) -> str:
        return f"{self.name}:out"

    def send(self, *data: int, pause: float = 0.03) -> None:
        """Raw bytes, as the pedal's firmware sends them (garbage included)."""
        assert self.rt is not None
        self.rt.send_message(list(data))
        time.sleep(pause)

    def pc(self, program: int, channel: int = 1) -> None:
        self.send(0xC0 | (channel - 1), program)

    def cc(self, control: int, value: int, channel: int = 1, pause: float = 0.03) -> None:
        self.send(0xB0 | (channel - 1), control, value, pause=pause)

    def tap(self, control: int, hold: float = 0.05, channel: int = 1) -> None:
        """A momentary CC pedal: 127 on press, 0 on release."""
        self.cc(control, 127, channel, pause=hold)
        self.cc(control, 0, channel)


class RawPedal(Pedal):
    """A pedal sending any bytes at all (rtmidi refuses to send malformed messages).

    It is a JACK-Client client in a process of its own: its process callback is Python, and JACK
    cancels a client's process thread on deactivation; cancelled while it waited for this test
    process's GIL, it left the GIL's mutex held by a dead thread (a hang seen here). Unplugging
    kills the process, as pulling a cable kills a device.
    """

    def plug(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _RAW_PEDAL, self.name], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        ready = self.proc.stdout.readline()
        assert ready.strip() == "ready", f"the raw pedal did not start: {ready!r}"
        self.rt = True

    def unplug(self) -> None:
        if self.rt is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.rt = None

    def send(self, *data: int, pause: float = 0.03) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(bytes(data).hex() + "\n")
        self.proc.stdin.flush()
        time.sleep(pause)


_RAW_PEDAL = """
import queue, sys
import jack
pending = queue.SimpleQueue()
client = jack.Client(sys.argv[1], no_start_server=True)
out = client.midi_outports.register("out")

@client.set_process_callback
def process(frames):
    out.clear_buffer()
    offset = 0
    while not pending.empty() and offset < frames:
        out.write_midi_event(offset, pending.get_nowait())
        offset += 1

client.activate()
print("ready", flush=True)
for line in sys.stdin:
    pending.put(bytes.fromhex(line.strip()))
"""


class Host:
    """A ``MidiHost`` driven as the engine drives it, with its commands and events recorded."""

    def __init__(self, ports: str | None = None) -> None:
        self.commands: list[m.Command] = []
        self.events: list[m.Event] = []
        self.status = StatusBlock()
        self.midi = MidiHost(self.commands.append, self.events.append, ports, self.status)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self.midi.poll(time.monotonic())
            time.sleep(0.01)

    def run(self, call: Callable[[], object]) -> None:
        """Call into the host from the tick's thread of control (the engine has one such thread)."""
        with self._lock:
            call()

    def configure(self, rig: Rig, path: Path | None = None) -> None:
        self.run(lambda: self.midi.configure(rig, path))

    def actions(self) -> list[tuple[Action, int | str | None]]:
        return [(c.action, c.arg) for c in self.commands if isinstance(c, m.DoAction)]

    def take(self, settle: float = 0.25) -> list[tuple[Action, int | str | None]]:
        """The actions fired so far, once the pedal's gestures have had time to resolve."""
        time.sleep(settle)
        out = self.actions()
        self.commands.clear()
        return out

    def wait_event(self, kind: type, test: Callable[[m.Event], bool] = lambda e: True,
                   timeout: float = 5.0) -> m.Event | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in list(self.events):
                if isinstance(e, kind) and test(e):
                    return e
            time.sleep(0.01)
        return None

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.midi.close()
        self.status.close()


def test_rig(**midi: object) -> Rig:
    """A minimal rig whose [midi] table is ``midi`` (listening to the test pedal by default)."""
    data = {"buses": {"main": [1, 2]}, "roles": {"other": "main"},
            "midi": {"input": PEDAL, **midi}}
    return Rig.model_validate(data)


test_rig.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture
def host(midi_jack: JackServer) -> Iterator[Host]:
    h = Host()
    yield h
    h.close()


@pytest.fixture
def pedal(midi_jack: JackServer) -> Iterator[Pedal]:
    p = Pedal()
    yield p
    p.unplug()


@pytest.fixture(params=["UNIX_JACK", "LINUX_ALSA"])
def backend(request: pytest.FixtureRequest, midi_jack: JackServer) -> Iterator[str]:
    """The MIDI API under test: JACK always; ALSA virtual ports where /dev/snd/seq exists."""
    if request.param == "LINUX_ALSA" and not os.path.exists("/dev/snd/seq"):
        pytest.skip("no ALSA sequencer here (/dev/snd/seq)")
    os.environ["MIDO_BACKEND"] = f"mido.backends.rtmidi/{request.param}"
    yield request.param
    os.environ["MIDO_BACKEND"] = "mido.backends.rtmidi/UNIX_JACK"


def wait_connected(host: Host, port: str, timeout: float = 5.0) -> None:
    # ALSA names ports "client:port 128:0"; JACK "client:port"
    e = host.wait_event(mm.MidiPort, lambda e: e.port.startswith(port) and e.connected, timeout)
    assert e is not None, f"the player never connected to {port}: {host.events}"
    # In the full suite a press sent the instant the player reports "connected" was lost about
    # once in 30 runs (JACK's graph still settling after the previous test's clients left). No
    # foot lands within 0.1 s of plugging a pedal in; the tests press after the same pause.
    time.sleep(0.1)
