"""The show process on the test JACK server: the engine follows its parent, one player per device."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from player.engine import messages as m
from player.engine.engine import Engine
from tests.support.jackserver import JackServer, Recorder
from tests.ui.conftest import make_setlist

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 30.0  # a shared, noisy machine: generous waits; the figures are printed, not asserted


def _engine_of(ui: int, log: Path | None = None) -> int | None:
    """The engine process: the UI's child started by multiprocessing's spawn whose output goes to
    the engine log (the UI has other spawned children: the check's worker processes)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        if ppid == ui and b"spawn_main" in cmdline:
            try:
                out = os.readlink(entry / "fd" / "1")
            except OSError:
                continue
            if log is None or out == str(log):
                return int(entry.name)
    return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(ok, what: str, timeout: float = WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = ok()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGHUP], ids=["kill-9", "sighup"])
def test_the_engine_fades_out_and_exits_when_the_ui_is_gone(jack_server: JackServer, tmp_path: Path,
                                                             how: signal.Signals) -> None:
    setlist = make_setlist(tmp_path, seconds=40.0, missing=False)
    ready = tmp_path / "ui-ready"
    env = {**jack_server.env(), "PLAYER_UI_READY_FILE": str(ready), "TERM": "xterm-256color",
           "PLAYER_ENGINE_LOG": str(tmp_path / "engine.log"), "COLUMNS": "100", "LINES": "30"}
    env.pop("CI", None)
    master, slave = pty.openpty()
    ui = subprocess.Popen([sys.executable, "-m", "player", "play", str(setlist), "--midi", "off"],
                          stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
                          start_new_session=True)
    os.close(slave)
    drain = threading.Thread(target=_drain, args=(master,), daemon=True)  # a full pty blocks the UI
    drain.start()
    engine = None
    try:
        _wait(ready.exists, "the stage screen drawn")
        engine = _wait(lambda: _engine_of(ui.pid, tmp_path / "engine.log"), "the engine process started")
        recorder = Recorder(jack_server, 30.0)
        recorder.start()
        os.write(master, b" ")  # Space: play
        _wait(lambda: recorder.pos > 0 and np.abs(recorder.data[:, :recorder.pos]).max() > 0.1,
              "the song audible")
        killed_at = time.monotonic()
        os.kill(ui.pid, how)
        ui.wait(10)
        _wait(lambda: not _alive(engine), "the engine process gone")
        gone_s = time.monotonic() - killed_at
        at = recorder.pos
        time.sleep(0.5)
        # The show's outputs (the rig's buses, 1-6): a monitor port nothing plays to repeats its last
        # buffer, so outputs that an earlier test used can hold a stale tone.
        after = recorder.data[:6, at:recorder.pos]
        recorder.done.set()
        recorder.wait(1)
        print(f"engine gone {gone_s:.2f} s after the UI's {how.name}")
        loud = np.flatnonzero(np.abs(after).max(axis=1) >= 1e-4)
        assert after.shape[1] > 0 and not len(loud), f"the music plays on, on outputs {loud + 1}"
    finally:
        if ui.poll() is None:
            ui.kill()
            ui.wait(10)
        if engine is not None and _alive(engine):
            os.kill(engine, signal.SIGKILL)
        os.close(master)


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


def test_a_second_player_on_the_device_says_who_holds_it(jack_server: JackServer, tmp_path: Path) -> None:
    setlist = make_setlist(tmp_path, missing=False)
    first = Engine(log=tmp_path / "first.log", midi="off")
    second = Engine(log=tmp_path / "second.log", midi="off")
    first.start()
    closed = False
    try:
        first.send(m.LoadSetlist(setlist.resolve()))
        seen: list[m.Event] = []
        assert first.wait_for(m.DeviceBack, WAIT_S, seen), seen
        second.start()
        second.send(m.LoadSetlist(setlist.resolve()))
        refused = second.wait_for(m.DeviceLost, WAIT_S, seen)
        assert refused is not None, seen
        assert refused.detail.startswith("in use by another player"), refused
        assert f"engine {first.pid}" in refused.detail and f"process {os.getpid()}" in refused.detail
        first.close()
        closed = True
        assert second.wait_for(m.DeviceBack, WAIT_S, seen), "the second never took the device over"
    finally:
        if not closed:
            first.close()
        second.close()
