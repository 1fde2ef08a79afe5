"""The click and voice samples shipped in the package decode, sit on the beat and stay small.

The player places a sample's first frame exactly on the beat, so every sound must start at frame 0;
a click that does not end on zero would click again at its end. Built by tools/make_sounds.py.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SOUNDS = Path(str(files("player") / "sounds"))
RATE = 48000

# name: (min ms, max ms, peak dBFS)
CLICKS = {"accent": (15, 40, -3.0), "beat": (15, 40, -5.0), "sub": (15, 40, -12.0)}
SECTIONS = [
    "intro", "verse", "pre-chorus", "chorus", "bridge", "tag", "outro", "instrumental", "interlude",
    "breakdown", "ending", "vamp", "last-time",
]  # fmt: skip
COUNTS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
MAX_TOTAL_BYTES = 250 * 1024


def decode(path: Path) -> np.ndarray:
    """Mono float samples of a shipped sound, after checking it exists and is mono 48 kHz."""
    assert path.is_file(), f"{path} is missing: run .venv/bin/python tools/make_sounds.py"
    info = sf.info(path)
    assert (info.channels, info.samplerate) == (1, RATE), f"{path}: {info.channels} ch, {info.samplerate} Hz"
    x, _ = sf.read(path, dtype="float64")
    return np.asarray(x)


def peak_db(x: np.ndarray) -> float:
    """Peak level in dBFS."""
    return float(20 * np.log10(np.abs(x).max()))


@pytest.mark.parametrize("name", CLICKS)
def test_click_starts_on_the_beat_and_ends_on_zero(name: str) -> None:
    path = SOUNDS / "click" / f"{name}.wav"
    x = decode(path)
    lo, hi, level = CLICKS[name]
    assert sf.info(path).subtype == "PCM_16"
    assert lo <= len(x) / RATE * 1000 <= hi
    assert abs(peak_db(x) - level) < 0.5
    assert x[0] != 0.0, "the attack must begin on the first sample"
    assert np.abs(x[:48]).max() > 0.5 * np.abs(x).max(), "most of the attack within 1 ms"
    assert x[-1] == 0.0
    assert np.abs(x[-24:]).max() < 0.01 * np.abs(x).max(), "the decay fades out smoothly"


def test_accent_is_louder_and_brighter_than_beat_and_sub() -> None:
    accent, beat, sub = (decode(SOUNDS / "click" / f"{n}.wav") for n in ("accent", "beat", "sub"))

    def centroid(x: np.ndarray) -> float:
        mag = np.abs(np.fft.rfft(x, 4096))
        return float((np.fft.rfftfreq(4096, 1 / RATE) * mag).sum() / mag.sum())

    assert peak_db(accent) > peak_db(beat) > peak_db(sub)
    assert centroid(accent) > centroid(beat)
    assert len(sub) < len(beat)


@pytest.mark.parametrize(
    ("name", "max_s"), [(n, 0.9) for n in SECTIONS] + [(n, 0.33) for n in COUNTS]
)  # fmt: skip
def test_voice_word_starts_at_once_and_fits(name: str, max_s: float) -> None:
    path = SOUNDS / "voice" / f"{name}.ogg"
    x = decode(path)
    assert (sf.info(path).format, sf.info(path).subtype) == ("OGG", "VORBIS")
    assert 0.1 <= len(x) / RATE <= max_s, f"{name}: {len(x) / RATE:.3f} s"
    assert -4.0 < peak_db(x) < -2.0
    loud = np.flatnonzero(np.abs(x) > 0.01 * np.abs(x).max())
    assert loud[0] <= 0.005 * RATE, f"{name}: speech starts {loud[0] / RATE * 1000:.1f} ms in"
    assert np.abs(x[-24:]).max() < 0.05, "faded out at the end"
    assert np.sqrt(np.mean(x**2)) > 0.02, "not silent"


def test_the_sound_folder_is_small_and_credited() -> None:
    sizes = [p.stat().st_size for p in SOUNDS.rglob("*") if p.is_file()]
    assert sum(sizes) < MAX_TOTAL_BYTES
    assert "espeak-ng" in (SOUNDS / "CREDITS").read_text()
    names = {p.stem for p in (SOUNDS / "voice").glob("*.ogg")}
    assert names == set(SECTIONS) | set(COUNTS)
