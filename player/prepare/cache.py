"""The prepare cache: shifted and stretched stems, addressed by content, kept under a size limit.

Key: SHA-256 over the stem file's whole bytes, the semitones, the tempo factor and the library's name and
version, so a renamed or copied stem still hits and an edited one (or a new library) never does. Hashing
a 4-minute stem costs ~0.1 s, so the file's digest is remembered under its path, size, mtime and ctime
(``digests.json``): a second run hashes nothing.

Entries are float32 WAV files (no encoding cost, exact) beside a small JSON sidecar with the frames,
channels, rate and byte size. Both are written to ``.tmp`` files and renamed, the sidecar last: an entry
without a sidecar, or whose file's size or frame count differs from it (a truncated or damaged file), is
not an entry; it is deleted and made again, never played. A hit touches the entry's mtime; when the
folder grows past its limit the least recently used entries go first.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from player.setlist.atomic import write_atomic
from player.setlist.cache import cache_dir, file_key

DEFAULT_LIMIT_BYTES = 20 * 1024 ** 3  # 20 GiB: a 40-song show of 12 stereo stems, 4 minutes each, at 48 kHz
HASH_CHUNK = 1 << 20


def prepare_dir() -> Path:
    """``prepared/`` in the user's cache folder (``PLAYER_CACHE_DIR`` moves it)."""
    return cache_dir() / "prepared"


def limit_bytes() -> int:
    """``PLAYER_PREPARE_CACHE_GB`` (a number of GiB), else 20 GiB."""
    try:
        return int(float(os.environ["PLAYER_PREPARE_CACHE_GB"]) * 1024 ** 3)
    except (KeyError, ValueError):
        return DEFAULT_LIMIT_BYTES


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def entry_key(digest: str, semitones: int, tempo: float, library: str) -> str:
    """The cache key of one prepared file."""
    text = json.dumps([digest, int(semitones), round(float(tempo), 9), library])
    return hashlib.sha256(text.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Entry:
    """A verified cache file and what it holds."""

    path: Path
    frames: int
    channels: int
    rate: int


class PrepareCache:
    """One folder of entries and the digest memo; safe to share between worker processes."""

    def __init__(self, root: Path | None = None, limit: int | None = None) -> None:
        self.root = root or prepare_dir()
        self.limit = limit_bytes() if limit is None else limit

    # The digest memo: path -> [size, mtime, ctime, digest]; a lost or damaged memo only costs a hash.
    def _memo_path(self) -> Path:
        return self.root / "digests.json"

    def _memo(self) -> dict[str, list]:
        try:
            data = json.loads(self._memo_path().read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def known_digest(self, path: Path) -> str | None:
        """The remembered digest of ``path`` if the file has not changed since, else None."""
        key = file_key(path)
        found = self._memo().get(str(path.resolve()))
        if key is None or not isinstance(found, list) or found[:3] != key:
            return None
        return str(found[3])

    def digest(self, path: Path) -> str:
        """The file's digest, from the memo when the file is unchanged (hashing it otherwise)."""
        return self.known_digest(path) or file_digest(path)

    def remember(self, digests: dict[Path, str]) -> None:
        """Keep digests for the next run (called by the one parent process, not by the workers)."""
        memo = self._memo()
        for path, digest in digests.items():
            key = file_key(path)
            if key is not None:
                memo[str(path.resolve())] = [*key, digest]
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomic(self._memo_path(), json.dumps(memo))
        except OSError:
            pass  # no memo: the next run hashes again, nothing worse

    def _files(self, key: str) -> tuple[Path, Path]:
        return self.root / f"{key}.wav", self.root / f"{key}.json"

    def get(self, key: str) -> Entry | None:
        """The entry if it is whole; a partial or damaged one is deleted (it will be made again)."""
        wav, meta = self._files(key)
        if not meta.exists() and not wav.exists():
            return None
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            entry = Entry(wav, int(info["frames"]), int(info["channels"]), int(info["rate"]))
            st = wav.stat()
            found = sf.info(str(wav))
            whole = (st.st_size == int(info["bytes"]) and found.frames == entry.frames
                     and found.channels == entry.channels and found.samplerate == entry.rate)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, sf.LibsndfileError):
            whole = False
        if not whole:
            self.discard(key)
            return None
        try:
            os.utime(wav)  # the LRU clock
        except OSError:
            pass
        return entry

    def put(self, key: str, audio: np.ndarray, rate: int) -> Entry:
        """Store ``audio`` (frames, channels) float32; renamed into place whole, sidecar last."""
        self.root.mkdir(parents=True, exist_ok=True)
        wav, meta = self._files(key)
        tag = uuid.uuid4().hex[:8]  # two workers making the same entry never share a .tmp
        tmp_wav, tmp_meta = wav.with_name(f"{wav.name}.{tag}.tmp"), meta.with_name(f"{meta.name}.{tag}.tmp")
        try:
            sf.write(str(tmp_wav), audio, rate, subtype="FLOAT", format="WAV")
            info = {"frames": int(audio.shape[0]), "channels": int(audio.shape[1]), "rate": int(rate),
                    "bytes": tmp_wav.stat().st_size}
            tmp_meta.write_text(json.dumps(info), encoding="utf-8")
            os.replace(tmp_wav, wav)
            os.replace(tmp_meta, meta)
        finally:
            for tmp in (tmp_wav, tmp_meta):
                tmp.unlink(missing_ok=True)
        return Entry(wav, int(audio.shape[0]), int(audio.shape[1]), int(rate))

    def discard(self, key: str) -> None:
        for path in self._files(key):
            path.unlink(missing_ok=True)

    def evict(self, keep: frozenset[str] = frozenset()) -> list[str]:
        """Delete least recently used entries until the folder fits its limit; ``keep`` (this set's) stay.

        Returns the keys deleted.
        """
        try:
            wavs = [(p.stat().st_mtime, p.stat().st_size, p) for p in self.root.glob("*.wav")]
        except OSError:
            return []
        total = sum(size for _, size, _ in wavs)
        gone = []
        for _, size, path in sorted(wavs):
            if total <= self.limit:
                break
            if path.stem in keep:
                continue
            self.discard(path.stem)
            total -= size
            gone.append(path.stem)
        return gone
