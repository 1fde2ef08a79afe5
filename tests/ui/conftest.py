"""Fixtures for the stage UI: a small setlist with tempo and sections, a real engine on the JACK fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from player.engine import messages as m
from player.engine.engine import Engine
from tests.conftest import write_stem
from tests.support.jackserver import JackServer

RIG = ('[audio]\ndevice = "system"\n[buses]\nin_ears = [1, 2]\nfoh_bvs = [3, 4]\nfoh_tracks = [5, 6]\n'
       '[roles]\nclick = "in_ears"\nguide = "in_ears"\nbvs = "foh_bvs"\nother = "foh_tracks"\n')


def make_setlist(folder: Path, seconds: float = 8.0, missing: bool = True) -> Path:
    """Three short songs at 120 bpm with two sections each; song 1 names a stem that is not there."""
    for i, name in enumerate(("Alpha", "Bravo", "Charlie")):
        d = folder / name.lower()
        write_stem(d / "click.wav", seconds, freq=1000)
        write_stem(d / "keys.wav", seconds, freq=300 + 100 * i, channels=2)
        write_stem(d / "bv.wav", seconds, freq=700 + 50 * i)
        text = (f'title = "{name}"\nkey = "{"CDE"[i]}"\n[tempo]\nbpm = 120.0\n'
                '[[sections]]\nname = "Verse"\nbar = 1\n[[sections]]\nname = "Chorus"\nbar = 3\n'
                '[[stems]]\nfile = "click.wav"\nrole = "click"\n'
                '[[stems]]\nfile = "keys.wav"\nname = "Keys"\nrole = "keys"\n'
                '[[stems]]\nfile = "bv.wav"\nname = "BV"\nrole = "bvs"\n')
        if i == 0 and missing:
            text += '[[stems]]\nfile = "gone.wav"\nrole = "guitars"\n'
        (d / "song.toml").write_text(text)
    (folder / "config").mkdir(exist_ok=True)
    (folder / "config" / "rig.toml").write_text(RIG)
    setlist = folder / "set.toml"
    setlist.write_text('title = "Test set"\n[[songs]]\npath = "alpha"\n[[songs]]\npath = "bravo"\n'
                       '[[songs]]\npath = "charlie"\n')
    return setlist


@pytest.fixture
def setlist(tmp_path: Path) -> Path:
    return make_setlist(tmp_path)


@pytest.fixture
def engine(jack_server: JackServer, tmp_path: Path) -> Iterator[Engine]:
    """A started engine (before any Textual app runs, as ``player play`` does)."""
    eng = Engine(log=tmp_path / "engine.log", midi="off")
    eng.start()
    yield eng
    eng.send(m.Stop())
    eng.close()


SNAP_SONGS = (  # title, key, bpm, meter, seconds, sections (name, bar)
    ("Highway Song", "G", 120.0, "4/4", 212, (("Intro", 1), ("Verse 1", 5), ("Chorus", 21),
                                              ("Verse 2", 37), ("Bridge", 69), ("Outro", 93))),
    ("Slow Burn", "Bb", 72.0, "6/8", 185, (("Intro", 1), ("Verse", 3), ("Chorus", 11))),
    ("Encore Medley", "E", 140.0, "4/4", 240, ()),
    ("Waltz for Ann", "D", 90.0, "3/4", 198, (("A", 1), ("B", 17), ("A'", 33))),
    ("Goodnight", "C", 100.0, "4/4", 176, (("Intro", 1), ("Tag", 60))),
)


@pytest.fixture(scope="session")
def snapshot_setlist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five songs with fixed names and lengths (1 kHz stems: small files, real headers) for snapshots."""
    folder = tmp_path_factory.mktemp("snapshot-set")
    roles = (("click", "click"), ("guide", "guide"), ("drums", "drums"), ("bass", "bass"),
             ("keys", "keys"), ("bv", "bvs"))
    for i, (title, key, bpm, meter, seconds, sections) in enumerate(SNAP_SONGS):
        d = folder / f"{i + 1:02d}"
        text = f'title = "{title}"\nkey = "{key}"\n[tempo]\nbpm = {bpm}\ntime_signature = "{meter}"\n'
        text += "".join(f'[[sections]]\nname = "{n}"\nbar = {b}\n' for n, b in sections)
        for k, (name, role) in enumerate(roles if i == 0 else roles[4:5]):
            write_stem(d / f"{name}.wav", seconds if k == 0 else 1.0, rate=1000, freq=100,
                       channels=2 if role == "keys" else 1)
            text += f'[[stems]]\nfile = "{name}.wav"\nname = "{name.title()}"\nrole = "{role}"\n'
        (d / "song.toml").write_text(text)
    (folder / "config").mkdir()
    (folder / "config" / "rig.toml").write_text(RIG)
    setlist = folder / "set.toml"
    setlist.write_text('title = "Friday at the Anchor"\n' + "".join(
        f'[[songs]]\npath = "{i + 1:02d}"\n{"skip = true" if i == 3 else ""}\n'
        for i in range(len(SNAP_SONGS))))
    return setlist
