"""Saves from the screens: what lands in the files, and a crash between write and rename loses nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

from player.setlist.saving import Level, add_song, save_order, save_stem_levels
from player.setlist.song import load_song
from tests.conftest import ROOT, write_stem
from tests.ui.conftest import make_setlist

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
