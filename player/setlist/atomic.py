"""Saving files so that a crash or a power cut mid-save never leaves a half-written one.

Write a temporary file beside the target, flush and fsync it, then rename it over the target (rename is
atomic on POSIX), then fsync the folder so the rename itself survives. Readers see the old file or the
new one, never a mix. ``edit_toml`` keeps comments and the order of everything it does not touch.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import tomlkit
from tomlkit import TOMLDocument


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
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
