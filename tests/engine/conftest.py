"""Fixtures of the engine's JACK tests: a running engine, and a one-song show with its own rig."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from player.engine.engine import Engine
from tests.support.jackserver import JackServer


@pytest.fixture
def engine(jack_server: JackServer, tmp_path: Path) -> Iterator[Engine]:
    eng = Engine(log=tmp_path / "engine.log")
    eng.start()
    yield eng
    eng.close()


def one_song_show(tmp_path: Path, song: str, rig: str) -> Path:
    """A setlist of the song folder ``song`` (under ``tmp_path``) on a rig of its own: ``rig`` is the
    rig file after ``[audio] device = "system"`` (more [audio] keys first, then [buses], [roles])."""
    setlist = tmp_path / "set.toml"
    setlist.write_text(f'title = "T"\nrig = "own"\n[[songs]]\npath = "{song}"\n')
    (tmp_path / "config" / "rigs").mkdir(parents=True, exist_ok=True)
    (tmp_path / "config" / "rigs" / "own.toml").write_text('[audio]\ndevice = "system"\n' + rig)
    return setlist
