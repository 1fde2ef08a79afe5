"""Saving files so that a crash or a power cut mid-save never leaves a half-written one.

Write a temporary file beside the target, flush and fsync it, then rename it over the target (rename is
atomic on POSIX), then fsync the folder so the rename itself survives. Readers see the old file or the
new one, never a mix. ``edit_toml`` keeps comments and the order of everything it does not touch.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import tomlkit
from tomlkit import TOMLDocument


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # ``remove_orphans`` knows this name
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def edit_toml(path: Path, change: Callable[[TOMLDocument], None]) -> None:
    """Load ``path`` with tomlkit, let ``change`` edit the document in place, save it atomically."""
    path = Path(path)
    doc = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    change(doc)
    write_atomic(path, tomlkit.dumps(doc))


_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp$")


def remove_orphans(folders: Iterable[Path]) -> list[Path]:
    """Delete the temporary files of saves whose process died (``.song.toml.PID.tmp``, PID gone):
    a save killed before its rename leaves one, and nothing else ever would. Returns them."""
    removed = []
    for folder in {Path(f) for f in folders}:
        try:
            candidates = list(folder.glob(".*.tmp"))
        except OSError:
            continue
        for tmp in candidates:
            found = _TMP.match(tmp.name)
            if found is None or _alive(int(found["pid"])):
                continue
            try:
                tmp.unlink()
            except OSError:
                continue
            removed.append(tmp)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # a save of ours, under way
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: not ours to judge
    return True
