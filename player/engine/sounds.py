"""The sounds shipped in the package: click samples and the spoken voice pack, at the device rate.

Loaded once per rate and shared by every generated source. A missing or broken file becomes silence
and a message: a cue that cannot be spoken must not stop a song.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

SOUNDS = Path(__file__).resolve().parents[1] / "sounds"
CLICKS = ("accent", "beat", "sub")
NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
           "twelve")
WORDS = ("intro", "verse", "pre-chorus", "chorus", "bridge", "tag", "outro", "instrumental",
         "interlude", "breakdown", "ending", "vamp", "last-time", *NUMBERS)


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


def words_for(name: str) -> list[str]:
    """The voice-pack words that say a section name ("Pre-Chorus 2" -> pre-chorus, two); [] if none.

    The section's kind must be in the pack; a trailing number 1-12 is spoken after it.
    """
    tokens = re.findall(r"[a-z]+|\d+", name.lower())
    if not tokens:
        return []
    out: list[str] = []
    i = 0
    while i < len(tokens):
        pair = "-".join(tokens[i:i + 2])
        if pair in WORDS and not pair.split("-")[-1].isdigit():
            out.append(pair)
            i += 2
            continue
        token = tokens[i]
        if token.isdigit() and 1 <= int(token) <= len(NUMBERS) and out:
            out.append(NUMBERS[int(token) - 1])
        elif token in WORDS and token not in NUMBERS:
            out.append(token)
        elif not out:
            return []  # a kind the pack cannot say: say nothing rather than half a name
        i += 1
    return out
