"""What ``player check`` learnt about files, kept between runs: a 200-song show re-checks in seconds.

A stem's facts (rate, channels, length, peak) and a song's summed bus peaks are stored under the
files' size, mtime and ctime: any write to a file changes them, and its entry is read again. One JSON
file in the user's cache folder (``PLAYER_CACHE_DIR`` moves it), replaced atomically: a run that dies
mid-save leaves the old one, and a damaged one is simply ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from player.setlist.stemfile import StemInfo

VERSION = 2  # 2: a stem's damage is kept


def cache_dir() -> Path:
    """``$PLAYER_CACHE_DIR``, else ``$XDG_CACHE_HOME/player``, else ``~/.cache/player``."""
    if os.environ.get("PLAYER_CACHE_DIR"):
        return Path(os.environ["PLAYER_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "player"


def file_key(path: Path) -> list[int] | None:
    """What changes whenever the file does; None when it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns]


class CheckCache:
    """Stem facts and bus peaks by file identity; ``updates`` holds what was learnt in this run."""

    def __init__(self, path: Path | None = None, load: bool = True) -> None:
        self.path = path or cache_dir() / "check.json"
        self.stems: dict[str, Any] = {}
        self.mixes: dict[str, Any] = {}
        self.updates: dict[str, dict[str, Any]] = {"stems": {}, "mix": {}}
        if load:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if data.get("version") == VERSION:
                    self.stems, self.mixes = dict(data["stems"]), dict(data["mix"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                pass  # no cache yet, or a damaged one: start afresh

    def stem(self, path: Path) -> StemInfo | None:
        key = file_key(path)
        entry = self.stems.get(str(path.resolve()))
        if key is None or not entry or entry[0] != key:
            return None
        try:
            rate, channels, frames, fmt, peak, damage = entry[1]
            return StemInfo(rate, channels, frames, fmt, peak, tuple(damage))
        except (TypeError, ValueError):
            return None

    def put_stem(self, path: Path, info: StemInfo) -> None:
        key = file_key(path)
        if key is not None:
            value = [key, [info.sample_rate, info.channels, info.frames, info.format, info.peak,
                           list(info.damage)]]
            self.stems[str(path.resolve())] = self.updates["stems"][str(path.resolve())] = value

    def mix(self, key: str) -> dict[str, float] | None:
        found = self.mixes.get(key)
        return dict(found) if isinstance(found, dict) else None

    def put_mix(self, key: str, peaks: dict[str, float]) -> None:
        self.mixes[key] = self.updates["mix"][key] = dict(peaks)

    def merge(self, updates: dict[str, dict[str, Any]]) -> None:
        """Take what a worker process learnt."""
        for name, table in (("stems", self.stems), ("mix", self.mixes)):
            table.update(updates.get(name, {}))
            self.updates[name].update(updates.get(name, {}))

    def save(self) -> None:
        """Write the cache if this run learnt anything; a cache that cannot be written is no error."""
        if not any(self.updates.values()):
            return
        from player.setlist.atomic import write_atomic

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps({"version": VERSION, "stems": self.stems,
                                                "mix": self.mixes}))
        except OSError:
            pass
