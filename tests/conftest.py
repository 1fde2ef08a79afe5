"""Shared fixtures: a private JACK server for the session, generated media, the demo's paths."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.support import jackserver

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "setlists" / "demo.toml"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the session's JACK server is a ``jack`` test, so ``-m "not jack"`` (the
    fast loop) never starts one. Tests that start a server of their own carry the marker by hand."""
    for item in items:
        if "jack_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.jack)


@pytest.fixture(scope="session")
def jack_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[jackserver.JackServer]:
    """A named JACK dummy server (16 outputs, 48 kHz, 128 frames) that this test session owns."""
    name = f"player-test-{os.getpid()}"
    log = tmp_path_factory.mktemp("jack") / "jackd.log"
    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    os.environ["JACK_DEFAULT_SERVER"] = name
    os.environ["JACK_NO_START_SERVER"] = "1"
    proc = jackserver.start(name, log, attempts=6)  # other sessions' servers can fill libjack's table
    jackserver.reinit_portaudio()
    try:
        yield jackserver.JackServer(name, proc.pid)
    finally:
        jackserver.stop(proc)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def write_stem(path: Path, seconds: float, rate: int = 48000, channels: int = 1,
               freq: float = 440.0, amplitude: float = 0.5, subtype: str = "PCM_16") -> Path:
    """A sine stem: known content, so a test can tell it apart from every other stem."""
    t = np.arange(int(seconds * rate)) / rate
    mono = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    data = np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), data, rate, subtype=subtype)
    return path


@pytest.fixture
def make_stem():
    return write_stem
