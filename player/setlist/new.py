"""``player new-setlist``: a setlist file written from song folders, so nobody has to write TOML first."""

from __future__ import annotations

import json
import os
from pathlib import Path

from player.setlist.problems import LoadError, Problem, Severity
from player.setlist.setlist import is_song_folder, load_setlist, song_folders


def setlist_path(name: str, cwd: Path | None = None) -> Path:
    """``friday`` -> ``setlists/friday.toml``; a name with a folder or ``.toml`` is used as a path."""
    if name.endswith(".toml") or os.sep in name or "/" in name:
        return Path(name)
    return (cwd or Path.cwd()) / "setlists" / f"{name}.toml"


def songs_of(folders: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Each folder is a song, or holds songs (taken in name order); what is neither is a problem."""
    songs: list[Path] = []
    problems: list[Problem] = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(Problem(Severity.ERROR, "not a folder.", folder,
                                    fix="give the folder that holds a song's stems (or song folders)."))
        elif is_song_folder(folder):
            songs.append(folder)
        elif inner := song_folders(folder):
            songs += inner
        else:
            problems.append(Problem(Severity.ERROR, "no song here: no song.toml, no audio files and no "
                                    "song folders.", folder, fix="give a folder with the song's stems."))
    return songs, problems


def setlist_text(title: str, target: Path, songs: list[Path], rig: str = "default") -> str:
    """The TOML of a new setlist; song paths are relative to the file, as the format wants."""
    base = target.resolve().parent
    lines = [f"title = {_quoted(title)}", f"rig = {_quoted(rig)}", ""]
    for song in songs:
        rel = Path(os.path.relpath(song.resolve(), base)).as_posix()
        if rel.startswith("../../"):  # far away: an absolute path says more than a row of ../
            rel = song.resolve().as_posix()
        lines += ["[[songs]]", f"path = {_quoted(rel)}", ""]
    return "\n".join(lines)


def _quoted(text: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes), quotes and backslashes included.
    return json.dumps(text, ensure_ascii=False)


def check_written(target: Path) -> list[Problem]:
    """Read the new file back as the player will: what was written must load."""
    try:
        load_setlist(target)
    except LoadError as exc:
        return exc.problems
    return []
