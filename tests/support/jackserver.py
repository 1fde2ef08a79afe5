"""A private JACK server with the dummy backend, and a second client that records what was played.

There is no sound card on CI machines: the dummy backend gives PortAudio a real 16-output device that
runs in real time. ``-m`` adds ``system:monitor_N`` ports carrying what each output played.
The benches (``bench.jack.Server``) start and stop their servers through ``start`` and ``stop`` too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 48000
BLOCK = 128
OUTPUTS = 16


@dataclass
class JackServer:
    name: str
    pid: int
    rate: int = RATE
    block: int = BLOCK
    outputs: int = OUTPUTS

    def env(self) -> dict[str, str]:
        """The environment a child process needs to find this server (and no other)."""
        return {**os.environ, "JACK_DEFAULT_SERVER": self.name, "JACK_NO_START_SERVER": "1"}


def realtime() -> bool:
    """jackd runs with ``--realtime`` when we are root (design.md: without it the dummy drops cycles)."""
    return os.geteuid() == 0


def start(name: str, log: Path, block: int = BLOCK, attempts: int = 1) -> subprocess.Popen[bytes]:
    """Start jackd and wait until it accepts clients; raises with its log when it does not.

    ``attempts``: libjack registers at most 8 servers at once, machine-wide, so other people's
    servers can fill the table for a while; a bench waits 5 s and tries again.
    """
    jackd = shutil.which("jackd")
    if jackd is None:
        raise RuntimeError("jackd is not installed: apt-get install jackd2 (./run test does it)")
    rt = ["--realtime", "-P", "70"] if realtime() else ["--no-realtime"]
    cmd = [jackd, "-n", name, *rt, "-d", "dummy", "-r", str(RATE), "-p", str(block),
           "-P", str(OUTPUTS), "-C", "2", "-m"]
    env = {**os.environ, "JACK_DEFAULT_SERVER": name, "JACK_NO_START_SERVER": "1"}
    for attempt in range(1, attempts + 1):
        # jackd inherits open descriptors: give it its own, or a harness waiting on ours hangs.
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True, close_fds=True)
        waited = subprocess.run(["jack_wait", "-w", "-t", "10"], env=env, capture_output=True,
                                stdin=subprocess.DEVNULL)
        if waited.returncode == 0 and proc.poll() is None:
            return proc
        stop(proc)
        text = log.read_text(errors="replace")
        if "Too many servers" not in text or attempt == attempts:
            raise RuntimeError(f"jackd did not start: {' '.join(cmd)}\n{text}")
        print("  (jackd: too many servers active on this machine; retrying in 5 s)", flush=True)
        time.sleep(5)
    raise AssertionError("unreachable")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server by PID, after every client of this process has let go of it."""
    if "sounddevice" in sys.modules:
        # PortAudio aborts at exit in pa_jack.c if its server vanished under it.
        sys.modules["sounddevice"]._terminate()
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def xrun_lines(log: Path) -> int:
    """Lines in jackd's log that report an xrun or a late driver cycle."""
    try:
        text = log.read_text(errors="replace").lower()
    except OSError:
        return 0
    return sum(1 for line in text.splitlines() if "xrun" in line or "delay of" in line)


def reinit_portaudio() -> None:
    """PortAudio lists host APIs once, at initialisation: re-scan if it was loaded before jackd."""
    if "sounddevice" in sys.modules:
        sd = sys.modules["sounddevice"]
        sd._terminate()
        sd._initialize()


class Recorder:
    """Records ``system:monitor_1..N`` (what each output played) into preallocated arrays."""

    def __init__(self, server: JackServer, seconds: float, name: str = "recorder") -> None:
        import jack

        self.frames = int(seconds * server.rate)
        self.data = np.zeros((server.outputs, self.frames), dtype=np.float32)
        self.pos = 0
        self.done = threading.Event()
        self._armed = False
        self._cycles = 0
        self._client = jack.Client(name, no_start_server=True, servername=server.name)
        self._ports = [self._client.inports.register(f"in_{i + 1}") for i in range(server.outputs)]
        self._client.set_process_callback(self._process)
        self._client.activate()
        for i, port in enumerate(self._ports):
            self._client.connect(f"system:monitor_{i + 1}", port)

    def _process(self, frames: int) -> None:
        self._cycles += 1
        if not self._armed or self.pos >= self.frames:
            return
        n = min(frames, self.frames - self.pos)
        for i, port in enumerate(self._ports):
            self.data[i, self.pos:self.pos + n] = port.get_array()[:n]
        self.pos += n
        if self.pos >= self.frames:
            self.done.set()

    def start(self) -> None:
        """Begin recording a few cycles after connecting.

        A monitor port nobody read keeps the buffer it had when last read (by an earlier test's
        recorder): the first cycles after connecting can replay that stale audio.
        """
        seen = self._cycles
        deadline = time.monotonic() + 2.0
        while self._cycles < seen + 4 and time.monotonic() < deadline:
            time.sleep(0.002)
        self._armed = True

    def wait(self, timeout: float) -> np.ndarray:
        """The recording so far, once full or after ``timeout`` seconds; the client is closed."""
        self.done.wait(timeout)
        time.sleep(0.01)
        self._client.deactivate()
        self._client.close()
        return self.data[:, :self.pos]
