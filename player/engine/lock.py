"""One player per audio device: a lock file per device, held by the engine process that plays it.

Two ``player play`` on one device both opened it and played on top of each other (issue #11). The
engine takes an exclusive ``flock`` on a file named after the device before it opens the stream;
the kernel lets go of it when the process ends, however it ends (``kill -9`` included), so a
stale lock cannot keep the device. The file says who holds it, for the second player to tell.

A JACK device is one per JACK server: the server's name is part of the key (two private test
servers are two devices).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import time
from pathlib import Path

_held: dict[str, int] = {}  # key -> open descriptor (this process)
_told: set[str] = set()  # holders already reported (the engine retries every half second)


def folder() -> Path:
    """Where the lock files live: the user's runtime folder, else the temporary folder."""
    override = os.environ.get("STAGEPLAYER_LOCK_DIR")
    if override:
        return Path(override)
    return Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())


def device_key(name: str, host_api: str) -> str:
    key = f"{host_api}:{name}"
    if "JACK" in host_api:
        key += "@" + (os.environ.get("JACK_DEFAULT_SERVER") or "default")
    return key


def lock_path(key: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.@-]+", "_", key)[:150]
    return folder() / f"stageplayer-device-{safe}.lock"


def take(key: str) -> str | None:
    """Hold the device ``key``: None when this process holds it now. Else who holds it, said once
    per holder ("" on later calls: the engine retries every half second and has said it)."""
    if key in _held:
        return None
    path = lock_path(key)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None  # no lock folder to write: play, as before (never refuse a show for this)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = _holder(fd)
        os.close(fd)
        if holder in _told:
            return ""
        _told.add(holder)
        return f"in use by another player: {holder}; this one takes it when that one quits"
    for other in [k for k in _held if k != key]:  # one device per engine: let go of the old one
        os.close(_held.pop(other))
    _held[key] = fd
    _told.clear()
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(_me()).encode())
    return None


def _me() -> dict[str, object]:
    parent = os.getppid()
    return {"pid": os.getpid(), "parent": parent, "command": _command(parent),
            "since": time.strftime("%H:%M:%S")}


def _command(pid: int) -> str:
    with contextlib.suppress(OSError):
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        words = [w for w in raw.decode(errors="replace").split("\0") if w]
        # "python -m player play set.toml" or ".../bin/player play set.toml": from "player" on
        for i, word in enumerate(words):
            if word == "player" or word.endswith("/player"):
                return " ".join(["player", *words[i + 1:]])
        return " ".join(words)
    return ""


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or not info.get("pid"):
        return "a process that is starting"
    what = info.get("command") or "player"
    return f"`{what}` (process {info.get('parent')}, engine {info['pid']}, since {info.get('since')})"
