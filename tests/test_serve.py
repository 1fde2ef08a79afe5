"""``player serve`` in a subprocess with no terminal, on the test JACK server, driven over OSC."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from pythonosc.udp_client import SimpleUDPClient

from tests.engine.test_show_process import _engine_of
from tests.support.jackserver import JackServer, Recorder
from tests.ui.conftest import make_setlist

ROOT = Path(__file__).resolve().parents[1]
WAIT_S = 40.0  # a shared, noisy machine: generous waits, never asserted as timings


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """The subprocess and its JSON log lines, read as they come."""

    def __init__(self, setlist: Path, port: int, env: dict[str, str], *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "player", "serve", str(setlist), "--midi", "off", "--osc", str(port),
             "--remote", "off", *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT,
            start_new_session=True)
        self.records: list[dict] = []
        self.other: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").strip()
            try:
                self.records.append(json.loads(line))
            except json.JSONDecodeError:
                self.other.append(line)

    def close(self, recorder: Recorder | None = None) -> None:
        """Stop recording and make sure the server is gone, whatever the test did."""
        if recorder is not None:
            recorder.done.set()
            recorder.wait(1)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def wait_for(self, event: str, after: int = 0, text: str = "") -> dict:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            for r in self.records[after:]:
                if r["event"] == event and text in r["message"]:
                    return r
            time.sleep(0.02)
        raise AssertionError(f"never logged {event!r} {text!r}; log: {self.records} {self.other}")


def _audible(recorder: Recorder, since: int) -> bool:
    return recorder.pos > since and float(np.abs(recorder.data[:6, since:recorder.pos]).max()) > 0.1


def _wait(ok, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if ok():
            return
        time.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


def _start(server: JackServer, folder: Path, seconds: float, *extra: str,
           device: str = "system") -> tuple[Path, int, Served]:
    """A generated three-song show served on a free OSC port: (setlist, port, server process)."""
    setlist = make_setlist(folder, seconds=seconds, missing=False)
    rig = folder / "config" / "rig.toml"
    rig.write_text(rig.read_text().replace('device = "system"', f'device = "{device}"'))
    port = _free_udp_port()
    env = {**server.env(), "PLAYER_ENGINE_LOG": str(folder / "engine.log")}
    return setlist, port, Served(setlist, port, env, *extra)


def test_serve_plays_on_osc_reloads_on_sighup_keeps_the_good_setlist_and_exits_on_sigterm(
        jack_server: JackServer, tmp_path: Path) -> None:
    setlist, port, served = _start(jack_server, tmp_path, 60.0, "--log-json")
    recorder = None
    try:
        assert served.wait_for("waiting", text="waiting for 'system'")
        served.wait_for("ready")
        # Stopped: SIGHUP takes the edited setlist at once.
        setlist.write_text(setlist.read_text().replace('title = "Test set"', 'title = "Edited set"'))
        mark = len(served.records)
        served.proc.send_signal(signal.SIGHUP)
        served.wait_for("reloaded", mark, "Edited set")
        served.wait_for("SetlistLoaded", mark, "Edited set")

        recorder = Recorder(jack_server, 50.0)
        recorder.start()
        SimpleUDPClient("127.0.0.1", port).send_message("/player/play", [])
        _wait(lambda: _audible(recorder, 0), "the song audible after /player/play")

        # An edit that does not load: logged with its reason, and the show plays on.
        setlist.write_text('title = "Broken\n[[songs]]\npath = ')
        mark = len(served.records)
        served.proc.send_signal(signal.SIGHUP)
        refused = served.wait_for("reload_refused", mark)
        problems = [r for r in served.records[mark:] if r["event"] == "load_problem"]
        assert problems and "set.toml" in problems[0]["message"], served.records[mark:]
        assert "keeping the last good version" in refused["message"]
        at = recorder.pos
        _wait(lambda: recorder.pos > at + 24000, "half a second more recorded")
        assert _audible(recorder, at), "the show stopped after an invalid setlist was refused"
        assert served.proc.poll() is None

        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(WAIT_S) == 0, served.records[-5:]
        assert served.records[-1]["event"] == "exit"
        assert any(r["event"] == "shutdown" for r in served.records)
        at = recorder.pos
        _wait(lambda: recorder.pos > at + 24000, "half a second after the exit recorded")
        after = recorder.data[:6, at:recorder.pos]
        assert float(np.abs(after).max()) < 1e-4, "the music went on after SIGTERM"
    finally:
        served.close(recorder)


def test_serve_survives_its_engine_killed_and_reloads_when_the_song_stops(
        jack_server: JackServer, tmp_path: Path) -> None:
    setlist, port, served = _start(jack_server, tmp_path, 60.0, "--log-json")
    recorder = None
    try:
        served.wait_for("ready")
        engine = _engine_of(served.proc.pid)
        assert engine is not None
        mark = len(served.records)
        os.kill(engine, signal.SIGKILL)
        died = served.wait_for("EngineDied", mark)
        assert "Space" not in died["message"] and died["exitcode"] == -signal.SIGKILL, died
        served.wait_for("EngineStarted", mark, "restarted")
        served.wait_for("ready", mark)
        recorder = Recorder(jack_server, 20.0)
        recorder.start()
        SimpleUDPClient("127.0.0.1", port).send_message("/player/play", [])
        _wait(lambda: _audible(recorder, 0), "the song audible from the restarted engine")
        # A good edit while playing waits for the song to stop, then replaces the show.
        setlist.write_text(setlist.read_text().replace('title = "Test set"', 'title = "Second set"'))
        mark = len(served.records)
        served.proc.send_signal(signal.SIGHUP)
        served.wait_for("reload_pending", mark)
        assert not any(r["event"] == "reloaded" for r in served.records[mark:])
        SimpleUDPClient("127.0.0.1", port).send_message("/player/stop", [])
        served.wait_for("reloaded", mark, "Second set")
        served.wait_for("SetlistLoaded", mark, "Second set")
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(WAIT_S) == 0
    finally:
        served.close(recorder)


def test_serve_waits_for_a_device_that_is_not_there_in_plain_lines(
        jack_server: JackServer, tmp_path: Path) -> None:
    _, _, served = _start(jack_server, tmp_path, 8.0, device="no such card")
    try:
        _wait(lambda: any("waiting for 'no such card'" in line for line in served.other), "waiting")
        _wait(lambda: any("Audio device lost (no such card): not connected" in line
                          for line in served.other), "the engine's word on the device")
        assert all(line[:4].isdigit() and line[19:20] == " " for line in served.other), served.other
        assert served.proc.poll() is None
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(WAIT_S) == 0
        assert "Stopped." in served.other[-1]
    finally:
        served.close()


def test_every_event_has_a_short_line_and_json_keeps_its_fields() -> None:
    import io
    from argparse import Namespace

    from player.engine import messages as m
    from player.serve import Log, event_line

    mix = m.MixChanged(0, ((0.0, 0.0, False, False),), (("in_ears", 0.0, False),), 0.0, (), True, True)
    assert event_line(mix) == ("MixChanged", "debug")
    assert event_line(m.SetlistLoaded("Gig", ("A", "B"))) == ("Setlist loaded: Gig (2 songs)", "info")
    assert event_line(m.DeviceBack("system"))[1] == "info"
    out = io.StringIO()
    Log(out, as_json=True).say("hello", "warning", "MixChanged", song=0, args=Namespace())
    record = json.loads(out.getvalue())
    assert record["level"] == "warning" and record["event"] == "MixChanged" and record["song"] == 0
