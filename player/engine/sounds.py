"""The sounds shipped in the package: click samples and the spoken voice pack, at the device rate.

Loaded once per rate and shared by every generated source. A missing or broken file becomes silence
and a message: a cue that cannot be spoken must not stop a song.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from player.setlist.generate import WORDS

SOUNDS = Path(__file__).resolve().parents[1] / "sounds"
CLICKS = ("accent", "beat", "sub")


@dataclass
class Sounds:
    click: dict[str, np.ndarray]  # mono float32 at the device rate
    words: dict[str, np.ndarray]
    errors: list[str] = field(default_factory=list)


def _load(path: Path, rate: int, errors: list[str]) -> np.ndarray:
    try:
        data, file_rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (OSError, RuntimeError) as exc:
        errors.append(f"{path.name}: {exc}")
        return np.zeros(1, dtype=np.float32)
    mono = np.ascontiguousarray(data.mean(axis=1), dtype=np.float32)
    if file_rate != rate:
        mono = soxr.resample(mono, file_rate, rate, quality="HQ").astype(np.float32)
    return mono


@functools.lru_cache(maxsize=4)
def load_sounds(rate: int) -> Sounds:
    errors: list[str] = []
    click = {name: _load(SOUNDS / "click" / f"{name}.wav", rate, errors) for name in CLICKS}
    words = {name: _load(SOUNDS / "voice" / f"{name}.ogg", rate, errors) for name in WORDS}
    return Sounds(click, words, errors)
