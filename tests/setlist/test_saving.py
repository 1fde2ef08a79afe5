"""Saves from the screens: what lands in the files, and a crash between write and rename loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import tomllib
from pathlib import Path

import pytest

from player.actions import Action
from player.engine import messages as m
from player.setlist.saving import Level, add_song, save_order, save_stem_levels
from player.setlist.song import load_song
from player.ui.app import StageApp
from player.ui.link import FrozenLink, idle_status
from player.ui.show import load_show
from tests.conftest import ROOT, write_stem
from tests.ui.conftest import make_setlist
from tests.ui.screen import screen_text
from tests.ui.test_pilot import until

# Runs a save in a child that is killed (SIGKILL, no cleanup) the moment it renames the temporary file
# over the target: the audit hook sees ``os.rename`` (raised by ``os.replace``) before it happens.
KILLED_SAVE = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from player.setlist.saving import save_order

    def hook(event, args):
        if event == "os.rename" and str(args[1]).endswith("set.toml"):
            os.kill(os.getpid(), signal.SIGKILL)

    sys.addaudithook(hook)
    save_order(Path(sys.argv[1]), [2, 1, 0], {})
""")


def test_killed_between_write_and_rename_leaves_the_old_setlist_whole(tmp_path: Path) -> None:
    setlist = make_setlist(tmp_path, seconds=0.5)
    before = setlist.read_bytes()
    run = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(setlist)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert setlist.read_bytes() == before
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".set.toml.")]
    assert left, "the child should have died with its temporary file written"
    assert tomllib.loads(left[0].read_text())["songs"][0]["path"] == "charlie"  # it was all written
    # The next save works and replaces the file in one piece.
    save_order(setlist, [2, 1, 0], {})
    assert [s["path"] for s in tomllib.loads(setlist.read_text())["songs"]] == ["charlie", "bravo", "alpha"]
    # The next start removes the orphan; the temporary file of a live process stays.
    live = tmp_path / "alpha" / f".song.toml.{os.getpid()}.tmp"
    live.write_text("a save under way")
    asyncio.run(_start(setlist, lambda: not left[0].exists()))
    assert live.exists()


async def _start(setlist: Path, ok) -> None:
    app = StageApp(load_show(setlist), FrozenLink())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, ok, "the orphan removed at start")


def test_a_slow_disk_never_holds_up_the_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save whose fsync takes seconds: Space plays meanwhile; the save then lands."""
    setlist = make_setlist(tmp_path, seconds=0.5)
    gate, entered, timed_out = threading.Event(), threading.Event(), []
    real = os.fsync

    def slow_fsync(fd: int) -> None:
        entered.set()
        if not gate.wait(8.0):
            timed_out.append(fd)  # nobody opened the gate: the keys were held up meanwhile
        real(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    asyncio.run(_slow_save(setlist, gate, entered))
    assert not timed_out, "Space was taken only after the save"
    assert "muted_roles" not in setlist.read_text()  # saved (nothing muted): the file is whole


async def _slow_save(setlist: Path, gate: threading.Event, entered: threading.Event) -> None:
    link = FrozenLink(idle_status(song=0))
    app = StageApp(load_show(setlist), link)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("m")
        await until(pilot, lambda: app.screen is app.get_screen("mixer"), "the mixer")
        await pilot.press("W")  # save to the setlist entry
        await until(pilot, entered.is_set, "the save under way")
        await pilot.press("space")
        await until(pilot, lambda: any(isinstance(c, m.DoAction) and c.action is Action.PLAY_PAUSE
                                       for c in link.sent), "Space taken during the save")
        gate.set()
        await until(pilot, lambda: "Saved to the setlist entry 1" in screen_text(app), "the save done")


def test_order_skip_and_add_keep_comments(tmp_path: Path) -> None:
    setlist = make_setlist(tmp_path, seconds=0.5)
    setlist.write_text("# Friday\n" + setlist.read_text().replace(
        'path = "bravo"', 'path = "bravo"  # the ballad'))
    save_order(setlist, [1, 0, 2], {0: True})
    write_stem(tmp_path / "extra" / "Lead Vox.wav", 0.5)
    add_song(setlist, tmp_path / "extra")
    text = setlist.read_text()
    assert text.startswith("# Friday") and "# the ballad" in text
    songs = tomllib.loads(text)["songs"]
    assert [s["path"] for s in songs] == ["bravo", "alpha", "charlie", "extra"]
    assert songs[1]["skip"] is True and "skip" not in songs[0]


def test_levels_of_a_folder_without_song_toml_create_one(tmp_path: Path) -> None:
    write_stem(tmp_path / "song" / "Click.wav", 0.5)
    write_stem(tmp_path / "song" / "BGV.wav", 0.5)
    song = load_song(tmp_path / "song")
    save_stem_levels(song, {0: Level(-4.5, True)})
    again = load_song(tmp_path / "song")
    assert again.toml is not None
    assert [(s.file, s.role.value, s.gain_db, s.mute) for s in again.song.stems] == [
        ("BGV.wav", "bvs", -4.5, True), ("Click.wav", "click", 0.0, False)]
