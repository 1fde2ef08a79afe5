"""Sample-accurate MIDI clock on JACK: a small process whose JACK client writes each pulse at its frame.

RtMidi's JACK output puts every message at the start of the next cycle, so pulses sent from a thread
land on period boundaries (2.67 ms steps at 128 frames) and their spacing wanders by that much. Here
a JACK client computes, inside its process callback, which pulses of the tempo map fall in the block
the engine has just rendered and writes each at its exact offset: spacing is exact to a frame.

The client reads the song position from the engine's status block. It connects an audio input to
the engine's output (the PortAudio client playing to the device), so JACK runs it after the engine
in every cycle and the position it reads is that cycle's. It runs in a process of its own (its Python
callback must not share the engine's GIL), started by the MIDI host with commands on its stdin,
length-prefixed pickled tuples ("cue", tempo, rate), ("transport", playing, frame), ("jump", frame),
("connect", port). It exits when its stdin closes (the engine went away).

    python -m player.midi.jackclock STATUS_PATH ENGINE_PID
"""

from __future__ import annotations

import math
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from typing import Any

from player.midi.clock import CLOCK, CONTINUE, PPQN, SPP, START, STOP

CLIENT = "stageplayer-midi-clock"
_PLAYING = (1, 5)  # State.PLAYING, State.COUNT_IN


def available() -> bool:
    """True when the JACK-Client package is installed (it is optional at run time)."""
    try:
        import jack  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


class JackClock:
    """The engine side: the same calls as ``Clock``, forwarded to the clock process."""

    def __init__(self, status_path: str, destination: str) -> None:
        self.destination = destination
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "player.midi.jackclock", status_path, str(os.getpid())],
            stdin=subprocess.PIPE, close_fds=True,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        self._lock = threading.Lock()
        self.connect(destination)

    def _send(self, *command: Any) -> None:
        with self._lock:
            if self._proc.poll() is not None or self._proc.stdin is None:
                return
            data = pickle.dumps(command)
            try:  # length-prefixed: a pickle stream read from a pipe can wait for bytes to follow
                self._proc.stdin.write(struct.pack("<I", len(data)) + data)
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass

    def alive(self) -> bool:
        return self._proc.poll() is None

    def connect(self, destination: str) -> None:
        self.destination = destination
        self._send("connect", destination)

    def cue(self, tempo: Any, rate: int) -> None:
        self._send("cue", tempo, rate)

    def transport(self, playing: bool, frame: int) -> None:
        self._send("transport", playing, frame)

    def jumped(self, frame: int) -> None:
        self._send("jump", frame)

    def close(self) -> None:
        with self._lock:
            if self._proc.stdin is not None:
                try:
                    self._proc.stdin.close()
                except OSError:
                    pass
        try:
            self._proc.wait(3)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(3)


class _Clock:
    """The clock process: commands in from stdin, pulses out from the JACK callback."""

    def __init__(self, status_path: str, engine_pid: int) -> None:
        import jack

        import player.setlist.tempo  # noqa: F401 - unpickling a tempo map must not import in the callback
        from player.engine.status import FIELDS, StatusBlock

        self.status = StatusBlock(status_path)
        self._seq, self._state = 0, FIELDS.index("state")
        self._position = FIELDS.index("position")
        print(f"midi clock for engine pid {engine_pid}: started", file=sys.stderr, flush=True)
        self.commands: deque[tuple[Any, ...]] = deque()
        self.tempo: Any = None
        self.rate = 48000
        self.playing = False
        self.next = 0
        self.ready = False  # commands wait until the output is connected (a Start must not be lost)
        self.requests: deque[str] = deque()  # destinations to connect to (main thread)
        self.eof = False
        self._buffer = b""
        os.set_blocking(0, False)
        self.client = jack.Client(CLIENT, no_start_server=True)
        self.out = self.client.midi_outports.register("clock")
        self.order = self.client.inports.register("after_engine")
        self.client.set_process_callback(self._process)
        self.client.activate()

    # --- the JACK thread ---------------------------------------------------------------------------
    def _process(self, frames: int) -> None:
        out = self.out
        out.clear_buffer()
        self._read_commands()
        while self.ready and self.commands:
            self._command(self.commands.popleft(), out)
        tempo = self.tempo
        if not self.playing or tempo is None:
            return
        sc = self.status.scalars
        seq = sc[self._seq]
        state, end = int(sc[self._state]), sc[self._position]
        if int(seq) % 2 or sc[self._seq] != seq or state not in _PLAYING:
            return
        start = end - frames  # the block the engine rendered in this cycle
        late = 0
        while late < 8:
            due = tempo.frame_at_quarters(self.next / PPQN)
            if due >= end:
                break
            if due < start - self.rate:  # a second behind: an unannounced seek, not a late start
                self.next = max(self.next + 1, math.ceil(tempo.quarters_at(start) * PPQN - 1e-6))
                continue
            if due < start:
                # Late (the Start reached this process after the song began): a slave counts
                # pulses, so none may go missing; catch up a few per block, one frame apart.
                offset = late
                late += 1
            else:
                offset = max(late, round(due - start))
            out.write_midi_event(min(frames - 1, offset), bytes([CLOCK]))
            self.next += 1

    def _read_commands(self) -> None:
        """Take what the engine wrote on stdin (non-blocking, in this callback: a reader thread of
        normal priority was measured here waiting 50-150 ms for the CPU beside JACK's threads)."""
        try:
            chunk = os.read(0, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.eof = True
            return
        buf = self._buffer + chunk
        while len(buf) >= 4:
            size = struct.unpack_from("<I", buf)[0]
            if len(buf) < 4 + size:
                break
            try:
                cmd = pickle.loads(buf[4:4 + size])
            except Exception:  # noqa: BLE001 - a bad message is dropped, never raised
                cmd = ("",)
            buf = buf[4 + size:]
            if cmd[0] == "connect":
                self.requests.append(cmd[1])  # connections are made on the main thread
            elif cmd[0]:
                self.commands.append(cmd)
        self._buffer = buf

    def _command(self, cmd: tuple[Any, ...], out: Any) -> None:
        kind = cmd[0]
        if kind == "cue":
            self.tempo, self.rate, self.next = cmd[1], cmd[2], 0
        elif kind == "transport":
            playing, frame = cmd[1], cmd[2]
            if not playing:
                if self.playing:
                    out.write_midi_event(0, bytes([STOP]))
                self.playing = False
            elif self.tempo is not None:
                if frame <= 0:
                    out.write_midi_event(0, bytes([START]))
                    self.next = 0
                else:
                    self._pointer(frame, out)
                    out.write_midi_event(0, bytes([CONTINUE]))
                self.playing = True
        elif kind == "jump" and self.tempo is not None:
            if self.playing:
                out.write_midi_event(0, bytes([STOP]))
            self._pointer(cmd[1], out)
            if self.playing:
                out.write_midi_event(0, bytes([CONTINUE]))

    def _pointer(self, frame: int, out: Any) -> None:
        sixteenths = min(16383, max(0, math.ceil(self.tempo.quarters_at(frame) * 4 - 1e-3)))
        out.write_midi_event(0, bytes([SPP, sixteenths & 0x7F, sixteenths >> 7]))
        self.next = sixteenths * (PPQN // 4)

    # --- the main thread ---------------------------------------------------------------------------
    def connect(self, destination: str) -> None:
        try:
            if destination and not any(p.name == destination
                                       for p in self.client.get_all_connections(self.out)):
                for p in self.client.get_all_connections(self.out):
                    self.client.disconnect(self.out, p)
                self.client.connect(self.out, destination)
        except Exception as exc:  # noqa: BLE001 - the port may be gone again
            print(f"midi clock: cannot connect to {destination}: {exc}", file=sys.stderr, flush=True)

    def follow_engine(self) -> None:
        """Run after the engine: take an audio input from the engine's output. The engine's
        PortAudio client cannot be named by the engine, so: the clients playing to the device
        (``system:playback_*``), PortAudio's first if there are several."""
        import jack

        if self.client.get_all_connections(self.order):
            return
        players: dict[str, jack.Port] = {}
        try:
            for port in self.client.get_ports(is_audio=True, is_output=True):
                name = port.name.split(":", 1)[0]
                if name == CLIENT or port.is_physical or name in players:
                    continue
                if any(p.name.startswith("system:playback") for p in self.client.get_all_connections(port)):
                    players[name] = port
            chosen = [p for n, p in players.items() if n.startswith("PortAudio")] or list(players.values())
            for port in chosen:
                self.client.connect(port, self.order)
        except jack.JackError as exc:
            print(f"midi clock: cannot follow the engine: {exc}", file=sys.stderr, flush=True)

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()


def main(argv: list[str]) -> int:
    # The callback needs the GIL every cycle: this thread must hand it over quickly (measured:
    # at the default 5 ms the callback missed its cycle, JACK logged it "not finished").
    sys.setswitchinterval(0.0002)
    clock = _Clock(argv[0], int(argv[1]))
    destination = ""
    next_look = 0.0
    while not clock.eof:
        while clock.requests:
            destination = clock.requests.popleft()
            clock.ready = False
            clock.follow_engine()
            clock.connect(destination)
            time.sleep(0.03)  # a new connection takes effect a few cycles later
            clock.ready = True
        if time.monotonic() >= next_look:
            next_look = time.monotonic() + 0.5
            clock.follow_engine()
            clock.connect(destination)
        time.sleep(0.02)
    clock.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
