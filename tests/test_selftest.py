"""``player selftest`` on the test JACK server, with a loopback "cable": a JACK client that copies one
output's monitor port into the self-test's input, or copies silence (the output muted in the capture)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from player.selftest import tone_level
from tests.support.jackserver import JackServer
from tests.ui.conftest import RIG, make_setlist

ROOT = Path(__file__).resolve().parents[1]
LOOP_OUT = 5  # foh_tracks' first output: the last bus, so the cable has seconds to find its input


class Cable:
    """system:monitor_OUT -> (gain) -> whatever input port system:capture_1 feeds: the self-test's."""

    def __init__(self, server: JackServer, output: int, gain: float) -> None:
        import jack

        self.gain = np.float32(gain)
        self.client = jack.Client("cable", no_start_server=True, servername=server.name)
        self.inport = self.client.inports.register("in")
        self.outport = self.client.outports.register("out")
        self.client.set_process_callback(self._process)
        self.client.activate()
        self.client.connect(f"system:monitor_{output}", self.inport)
        self.patched: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._patch, daemon=True)
        self._thread.start()

    def _process(self, frames: int) -> None:
        self.outport.get_array()[:] = self.inport.get_array() * self.gain

    def _patch(self) -> None:
        """Plug into the self-test's input as soon as it appears (PortAudio connects it to capture_1)."""
        while not self._stop.is_set():
            for port in self.client.get_all_connections("system:capture_1"):
                if port.name not in self.patched and not port.name.startswith("cable:"):
                    self.client.connect(self.outport, port)
                    self.patched.append(port.name)
            time.sleep(0.005)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.client.deactivate()
        self.client.close()


CABLED = f"loopback_input = 1\nloopback_output = {LOOP_OUT}\n"


def _selftest(folder: Path, server: JackServer, extra: str = CABLED) -> subprocess.CompletedProcess[str]:
    setlist = make_setlist(folder, seconds=8.0, missing=False)
    (folder / "config" / "rig.toml").write_text(RIG + "[selftest]\nlevel_db = -20\nseconds = 0.3\n" + extra)
    return subprocess.run([sys.executable, "-m", "player", "selftest", str(setlist)], capture_output=True,
                          text=True, cwd=ROOT, env=server.env(), stdin=subprocess.DEVNULL, timeout=120)


@pytest.mark.parametrize("gain", [1.0, 0.0], ids=["patched", "muted"])
def test_the_verdict_names_the_bus_whose_output_is_muted_in_the_capture(
        jack_server: JackServer, tmp_path: Path, gain: float) -> None:
    cable = Cable(jack_server, LOOP_OUT, gain)
    try:
        done = _selftest(tmp_path, jack_server)
    finally:
        cable.close()
    lines = done.stdout.splitlines()
    assert cable.patched, f"the cable never found the self-test's input; {done.stdout}{done.stderr}"
    assert lines and lines[-1].startswith("VERDICT:"), done.stdout + done.stderr
    for ch in range(1, 7):  # every output of every bus was sent a tone
        assert any(f"output {ch}:" in line for line in lines), done.stdout
    if gain:
        assert done.returncode == 0, done.stdout
        assert lines[-1] == "VERDICT: READY - every check passed."
        assert any(f"output {LOOP_OUT}: heard back on input 1" in line for line in lines), done.stdout
    else:
        assert done.returncode == 1, done.stdout
        assert "NOT READY" in lines[-1] and "foh_tracks" in lines[-1], lines[-1]
        assert "in_ears" not in lines[-1] and "foh_bvs" not in lines[-1], lines[-1]
        assert any(f"FAIL  bus foh_tracks, output {LOOP_OUT}: played, but nothing came back" in line
                   for line in lines), done.stdout


def test_a_cable_on_another_output_than_the_rig_says_fails_that_bus(
        jack_server: JackServer, tmp_path: Path) -> None:
    cable = Cable(jack_server, 3, 1.0)  # on foh_bvs' output, the rig says foh_tracks'
    try:
        done = _selftest(tmp_path, jack_server)
    finally:
        cable.close()
    last = done.stdout.splitlines()[-1]
    assert done.returncode == 1 and "foh_bvs" in last and "foh_tracks" in last, done.stdout
    assert "output 3: its tone came back on input 1" in done.stdout


def test_tone_level_reads_the_amplitude_of_the_test_tone() -> None:
    rate = 48000
    t = np.arange(rate // 2) / rate
    assert tone_level(0.1 * np.sin(2 * np.pi * 1000 * t), rate) == pytest.approx(0.1, rel=0.01)
    assert tone_level(0.1 * np.sin(2 * np.pi * 300 * t), rate) < 0.002  # another stem's tone


def test_the_rig_can_keep_the_tone_to_the_in_ears(jack_server: JackServer, tmp_path: Path) -> None:
    done = _selftest(tmp_path, jack_server, 'buses = ["in_ears"]\n')
    assert done.returncode == 0, done.stdout
    assert "output 1: tone sent" in done.stdout and "output 2: tone sent" in done.stdout
    assert not any(f"output {ch}:" in done.stdout for ch in range(3, 7)), done.stdout
    assert "no loopback" in done.stdout


@pytest.mark.parametrize(("table", "words"), [
    ('buses = ["monitors"]', "names 'monitors', which is not in [buses]"),
    ("loopback_input = 1", "give both loopback_input and loopback_output"),
    ("loopback_input = 1\nloopback_output = 9", "loopback_output = 9 is not an output of any bus"),
])
def test_a_selftest_table_that_cannot_work_is_refused_with_why(tmp_path: Path, table: str,
                                                               words: str) -> None:
    from player.setlist.problems import LoadError
    from player.setlist.rig import load_rig

    path = tmp_path / "rig.toml"
    path.write_text(RIG + "[selftest]\n" + table + "\n")
    with pytest.raises(LoadError) as caught:
        load_rig(str(path))
    assert words in str(caught.value.problems[0]), caught.value.problems
