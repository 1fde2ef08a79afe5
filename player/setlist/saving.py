"""Saving what the screens edit: stem levels into ``song.toml``, muted roles into the setlist entry, the
running order. Every save goes through ``edit_toml`` (temp file, fsync, rename): a crash mid-save
leaves the old file whole. Comments and untouched fields are kept (tomlkit).

No Textual here; every function returns a sentence for the performer, or raises ``SaveError`` with one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit import TOMLDocument
from tomlkit.items import AoT

from player.setlist.atomic import edit_toml
from player.setlist.roles import Role
from player.setlist.song import SONG_FILE, SongFolder


class SaveError(Exception):
    """A save that did not happen, in words: what went wrong and what to do."""


@dataclass(frozen=True)
class Level:
    """A stem's mix as the mixer holds it."""

    gain_db: float
    mute: bool


def _edit(path: Path, change: Callable[[TOMLDocument], None]) -> None:
    if path.is_dir():  # a show opened from a folder of songs has no file to save into
        raise SaveError(f"this show was opened from the folder {path}, not a setlist file: make one "
                        f"with `player new-setlist NAME {path}` and open that to edit the order.")
    try:
        edit_toml(path, change)
    except OSError as exc:
        raise SaveError(f"could not write {path}: {exc.strerror or exc}. Check the disk and its "
                        "permissions; nothing was changed.") from exc
    except (tomlkit.exceptions.ParseError, KeyError, IndexError, TypeError) as exc:
        raise SaveError(f"{path} is not as expected ({exc}); fix it by hand or with player check; "
                        "nothing was changed.") from exc


def save_stem_levels(song: SongFolder, levels: dict[int, Level]) -> str:
    """Write gain and mute of the stems in ``levels`` (by index) into the song's ``song.toml``.

    A folder of stems with no ``song.toml`` gets one, listing its stems as they were guessed.
    """
    path = song.toml or song.path / SONG_FILE

    def change(doc: TOMLDocument) -> None:
        if "stems" not in doc:
            doc["title"] = song.song.title
            table = tomlkit.aot()
            for stem in song.song.stems:
                table.append(tomlkit.table().add("file", stem.file).add("role", stem.role.value))
            doc["stems"] = table
        stems = doc["stems"]
        for index, level in levels.items():
            stem = stems[index]
            stem["gain_db"] = round(level.gain_db, 1)
            if level.mute or "mute" in stem:
                stem["mute"] = level.mute

    _edit(path, change)
    return f"Saved {len(levels)} stem level(s) to {path.name} of {song.song.title}."


def save_entry_muted_roles(setlist: Path, index: int, roles: list[Role]) -> str:
    """Write the roles muted for this show into the setlist entry ``index`` (0-based)."""

    def change(doc: TOMLDocument) -> None:
        entry = doc["songs"][index]
        if roles:
            entry["muted_roles"] = [r.value for r in roles]
        elif "muted_roles" in entry:
            del entry["muted_roles"]

    _edit(setlist, change)
    said = ", ".join(r.value for r in roles) or "none"
    return f"Saved to the setlist entry {index + 1}: muted roles {said}."


def save_order(setlist: Path, order: list[int], skips: dict[int, bool]) -> str:
    """Rewrite the running order: ``order`` has the old indexes in their new places; ``skips``, by old
    index, overrides ``skip``."""

    def change(doc: TOMLDocument) -> None:
        old = list(doc["songs"])
        if sorted(order) != list(range(len(old))):
            raise KeyError("the setlist changed on disk while it was being edited")
        fresh = AoT([])
        for i in order:
            table = old[i]
            skip = skips.get(i, bool(table.get("skip", False)))
            if skip:
                table["skip"] = True
            elif "skip" in table:
                del table["skip"]
            fresh.append(table)
        doc["songs"] = fresh

    _edit(setlist, change)
    return f"Saved the running order of {setlist.name}."


def add_song(setlist: Path, folder: Path) -> str:
    """Append a song folder (with or without ``song.toml``) to the setlist, as a path relative to it."""
    folder = folder.expanduser().resolve()
    if not folder.is_dir():
        raise SaveError(f"{folder} is not a folder: give the folder that holds the song's stems.")
    rel = os.path.relpath(folder, setlist.resolve().parent)

    def change(doc: TOMLDocument) -> None:
        songs = doc.get("songs")
        table = tomlkit.table().add("path", rel)
        if songs is None:
            doc["songs"] = AoT([table])
        else:
            songs.append(table)

    _edit(setlist, change)
    return f"Added {rel} to {setlist.name}."


def set_rig_device(rig_path: Path, device: str) -> str:
    """Choose the rig's audio device (part of its name, as the device list shows it)."""

    def change(doc: TOMLDocument) -> None:
        if "audio" not in doc:
            doc["audio"] = tomlkit.table()
        doc["audio"]["device"] = device

    _edit(rig_path, change)
    return f"Audio device set to {device!r} in {rig_path.name}."
