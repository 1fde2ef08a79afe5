"""A small show for the remote tests: two songs of sine stems on two buses, and a running engine."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from player.engine import messages as m
from player.engine.engine import Engine
from player.engine.status import Status
from player.remote.hub import Hub
from player.ui.show import Show, load_show
from tests.conftest import write_stem
from tests.support.jackserver import JackServer

SONG = """title = "{title}"
[generate]
click = "off"
guide = "off"
[tempo]
bpm = 120
[[sections]]
name = "Intro"
bar = 1
[[sections]]
name = "Verse"
bar = 3
[[sections]]
name = "Chorus"
bar = 5
[[stems]]
file = "keys.wav"
name = "Keys"
role = "keys"
[[stems]]
file = "bvs.wav"
name = "BVs"
role = "bvs"
"""


def make_show(folder: Path, seconds: float = 30.0) -> Path:
    """Two songs, Keys on output 1 and BVs on output 2; returns the setlist file."""
    for i, title in enumerate(("Alpha", "Beta")):
        song = folder / title.lower()
        write_stem(song / "keys.wav", seconds, freq=440.0 + 110 * i, amplitude=0.4)
        write_stem(song / "bvs.wav", seconds, freq=660.0 + 110 * i, amplitude=0.4)
        (song / "song.toml").write_text(SONG.format(title=title))
    (folder / "rig.toml").write_text('[audio]\ndevice = "system"\n[buses]\nmain = [1]\nvox = [2]\n'
                                     '[roles]\nbvs = "vox"\nother = "main"\n')
    setlist = folder / "set.toml"
    setlist.write_text('title = "Remote test"\nrig = "rig.toml"\n[[songs]]\npath = "alpha"\n'
                       '[[songs]]\npath = "beta"\n')
    return setlist


def until(what: Callable[[], object], timeout: float = 10.0) -> object:
    """Poll ``what`` until it is truthy; its last value (falsy after ``timeout``)."""
    deadline = time.monotonic() + timeout
    value = what()
    while not value and time.monotonic() < deadline:
        time.sleep(0.01)
        value = what()
    return value


@pytest.fixture
def setlist(tmp_path: Path) -> Path:
    return make_show(tmp_path)


@pytest.fixture
def show(setlist: Path) -> Show:
    return load_show(setlist)


@pytest.fixture
def engine(jack_server: JackServer, tmp_path: Path, setlist: Path) -> Iterator[Engine]:
    eng = Engine(log=tmp_path / "engine.log")
    eng.start()
    eng.send(m.LoadSetlist(setlist.resolve()))
    eng.send(m.Cue(0))
    seen: list[m.Event] = []
    assert eng.wait_for(m.DeviceBack, 10, seen), f"device never opened: {seen}"
    assert eng.wait_for(m.SongLoaded, 10, seen), f"song never loaded: {seen}"
    yield eng
    eng.close()


class Recording:
    """The engine as the remote sees it, keeping every command it was sent."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sent: list[m.Command] = []

    def send(self, command: m.Command) -> None:
        self.sent.append(command)
        self.engine.send(command)

    def status(self) -> Status:
        return self.engine.status()


@pytest.fixture
def recording(engine: Engine) -> Recording:
    return Recording(engine)


@pytest.fixture
def hub(recording: Recording, show: Show) -> Iterator[Hub]:
    hub = Hub(recording, show)
    hub.start()
    yield hub
    hub.close()


def peak(x: np.ndarray) -> float:
    return float(np.abs(x).max()) if len(x) else 0.0
