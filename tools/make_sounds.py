#!/usr/bin/env python3
"""Build the sounds shipped inside the package (``player/sounds/``): click samples and a spoken voice pack.

Why this exists: the generated click and the spoken guide cues need short, license-clean samples that
the player can load at run time without any synthesiser installed. The clicks are synthesised here in
numpy; the words are spoken by espeak-ng at build time, resampled to 48 kHz with soxr and stored as Ogg
Vorbis. The results are committed; this script is how they were made and how to make them again.

Needs espeak-ng (Debian/Ubuntu: ``apt-get install -y espeak-ng``) and the project venv (numpy,
soundfile, soxr). Run from the repository root::

    .venv/bin/python tools/make_sounds.py

It replaces ``player/sounds/click/``, ``player/sounds/voice/`` and ``player/sounds/CREDITS`` and
prints each file with its length and decoded peak. The output is deterministic for a given espeak-ng
version: the clicks are pure arithmetic and the Ogg stream serial number (random in libsndfile) is
fixed, so a rebuild gives byte-identical files.

What the player can rely on (tests/setlist/test_sounds.py checks it):

- ``click/accent.wav`` (downbeat), ``click/beat.wav``, ``click/sub.wav`` (subdivisions): mono 48 kHz
  16-bit WAV, 15-40 ms, the attack starts on the first sample (place sample 0 on the beat), the decay
  ends on an exact zero; peaks about -3, -5 and -12 dBFS.
- ``voice/NAME.ogg`` for every name in ``VOICE_WORDS``: mono 48 kHz Ogg Vorbis, speech starts at the
  first sample (after a 5 ms fade-in), about -3 dBFS peak; count words last at most 0.33 s (one beat
  at 180 bpm), section names at most 0.9 s.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf
import soxr
from oggfix import fix_ogg_serial

Audio = npt.NDArray[np.float64]

ROOT = Path(__file__).resolve().parent.parent
SOUNDS = ROOT / "player" / "sounds"
RATE = 48000

# Voice chosen by trying en-us, en-us+m1/m3/m7, en+m3, en-gb, en-gb-x-rp, en-029, en-us+f1..f4 and
# en-us+klatt..klatt4 against a closed-vocabulary speech recogniser (pocketsphinx, the 25 words below):
# en-us+f2 was recognised best (23/25 words at 175 and at 240 words/min; en-us 13/25, en+m3 10/25).
VOICE = "en-us+f2"
SECTION_SPEED = 175  # words per minute; raised per word until it fits its limit
COUNT_SPEED = 240
SPEED_STEP = 15
MAX_SPEED = 450
SECTION_MAX_S = 0.9
COUNT_MAX_S = 0.33  # one beat at 180 bpm
VOICE_PEAK_DBFS = -3.0
FADE_S = 0.005
# Speech starts where |x| first exceeds 1 % of its peak (-40 dB) and ends where it last does: a tail
# below that is inaudible over a band, and cutting it lets the count words fit one beat at a lower speed.
SILENCE_THRESHOLD = 0.01
# libsndfile maps compression_level 0..1 to Vorbis quality 1..0; 0.6 is about 'oggenc -q 4', clean
# for speech while the 25 words stay well under the size budget.
VORBIS_COMPRESSION = 0.6
OGG_SERIAL = 0x534E4453  # "SNDS": a fixed stream serial number makes the files reproducible.

SECTION_WORDS = {
    "intro": "Intro",
    "verse": "Verse",
    "pre-chorus": "Pre-chorus",
    "chorus": "Chorus",
    "bridge": "Bridge",
    "tag": "Tag",
    "outro": "Outro",
    "instrumental": "Instrumental",
    "interlude": "Interlude",
    "breakdown": "Breakdown",
    "ending": "Ending",
    "vamp": "Vamp",
    "last-time": "Last time",
}
COUNT_WORDS = {
    name: name.capitalize()
    for name in (
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    )
}  # fmt: skip
VOICE_WORDS = {**SECTION_WORDS, **COUNT_WORDS}


@dataclass(frozen=True)
class Click:
    """One click sample: a woodblock-like tick of two damped partials (the upper one dies faster)."""

    name: str
    freq_hz: float
    seconds: float
    peak_dbfs: float
    decay_s: float  # time constant of the main partial
    overtone_ratio: float = 2.71  # inharmonic, as in a struck wooden bar
    overtone_level: float = 0.35
    attack_samples: int = 4


CLICKS = (
    Click("accent", 2000.0, 0.030, -3.0, 0.0060),
    Click("beat", 1400.0, 0.026, -5.0, 0.0055),
    Click("sub", 1400.0, 0.018, -12.0, 0.0035, overtone_level=0.25),
)


def db_to_gain(db: float) -> float:
    """Linear gain of a level in dB."""
    return float(10.0 ** (db / 20.0))


def synth_click(c: Click) -> Audio:
    """The click as floats: nonzero from sample 0, a raised-cosine tail ending on exactly 0."""
    n = round(c.seconds * RATE)
    t = np.arange(n) / RATE
    # Cosine phase: both partials are at their maximum on sample 0, so the attack starts there.
    y = np.exp(-t / c.decay_s) * np.cos(2 * np.pi * c.freq_hz * t)
    overtone = np.cos(2 * np.pi * c.freq_hz * c.overtone_ratio * t)
    y += c.overtone_level * np.exp(-t / (0.4 * c.decay_s)) * overtone
    a = c.attack_samples  # raised-cosine attack over a few samples, first sample already nonzero
    y[:a] *= 0.5 - 0.5 * np.cos(np.pi * (np.arange(a) + 1) / (a + 1))
    tail = n // 3  # the last third fades to zero by half a Hann window
    y[n - tail :] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(1, tail + 1) / tail)
    return np.asarray(y * (db_to_gain(c.peak_dbfs) / np.abs(y).max()))


def espeak(text: str, speed: int, tmp: Path) -> Audio:
    """espeak-ng's rendering of ``text`` at ``RATE``, leading and trailing silence trimmed."""
    wav = tmp / "word.wav"
    cmd = ["espeak-ng", "-v", VOICE, "-s", str(speed), "-w", str(wav), text]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    raw, src_rate = sf.read(wav, dtype="float64", always_2d=True)
    pad = np.zeros(src_rate // 20)  # room for the resampler's filter at both ends
    y = soxr.resample(np.concatenate([pad, raw[:, 0], pad]), src_rate, RATE, quality="VHQ")
    peak = np.abs(y).max()
    start = np.flatnonzero(np.abs(y) > SILENCE_THRESHOLD * peak)[0]
    end = np.flatnonzero(np.abs(y) > SILENCE_THRESHOLD * peak)[-1] + 1
    return np.asarray(y[start:end])


def speak(text: str, speed: int, max_seconds: float, tmp: Path) -> tuple[Audio, int]:
    """A word spoken as fast as needed to fit ``max_seconds``, faded 5 ms at both ends, -3 dBFS peak."""
    y = espeak(text, speed, tmp)
    while len(y) > max_seconds * RATE and speed < MAX_SPEED:
        speed += SPEED_STEP
        y = espeak(text, speed, tmp)
    fade = round(FADE_S * RATE)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
    y[:fade] *= ramp
    y[-fade:] *= ramp[::-1]
    y[-1] = 0.0
    return np.asarray(y * (db_to_gain(VOICE_PEAK_DBFS) / np.abs(y).max())), speed


def report(path: Path, note: str = "") -> None:
    """Print a written file as the player will decode it: length, peak, size."""
    x, rate = sf.read(path, dtype="float64")
    peak_db = 20 * np.log10(np.abs(x).max())
    rel = path.relative_to(SOUNDS)
    size = path.stat().st_size
    print(f"{rel!s:24} {len(x) / rate * 1000:6.1f} ms  peak {peak_db:6.2f} dBFS  {size:6d} B  {note}")


def espeak_version() -> str:
    """The espeak-ng version line, for the log (the CREDITS file names it)."""
    out = subprocess.run(["espeak-ng", "--version"], check=True, capture_output=True, text=True).stdout
    return out.strip()


CREDITS = """\
Sounds shipped with the player (player/sounds/). All are generated by tools/make_sounds.py;
none is a recording of a person or a third-party sample. Rebuild: .venv/bin/python tools/make_sounds.py

click/accent.wav, click/beat.wav, click/sub.wav
    Synthesised in numpy by tools/make_sounds.py (two damped partials, a woodblock-like tick):
    accent {accent}, beat {beat}, sub {sub}.
    Mono, 48 kHz, 16-bit PCM. Part of this project, under its licence (GPL-3.0-or-later).

voice/*.ogg
    Generated speech: spoken by the espeak-ng speech synthesiser at build time
    ({version}), voice "{voice}", {section_speed} words/min for section names and
    {count_speed} words/min or faster for count words (each raised until the word fits: count words
    <= {count_max} s, one beat at 180 bpm; section names <= {section_max} s). Resampled to 48 kHz
    with soxr, leading and trailing silence trimmed, normalised to {peak} dBFS peak, 5 ms fades,
    Ogg Vorbis, mono.
    espeak-ng is GPL-3.0-or-later; its licence covers the program, not the audio it produces, so the
    generated recordings carry no obligation from it. They are part of this project, under its
    licence (GPL-3.0-or-later).
"""


def write_credits(version: str) -> None:
    """Write CREDITS with the espeak-ng version and the settings this build used."""

    def click(c: Click) -> str:
        return f"{c.freq_hz:.0f} Hz {c.seconds * 1000:.0f} ms {c.peak_dbfs:.0f} dBFS"

    by_name = {c.name: click(c) for c in CLICKS}
    text = CREDITS.format(
        **by_name, version=version.split(" Data at")[0].strip(), voice=VOICE,
        section_speed=SECTION_SPEED, count_speed=COUNT_SPEED, count_max=COUNT_MAX_S,
        section_max=SECTION_MAX_S, peak=f"{VOICE_PEAK_DBFS:.0f}",
    )  # fmt: skip
    (SOUNDS / "CREDITS").write_text(text)


def main() -> int:
    """Rebuild every click and voice file; 1 if espeak-ng is missing."""
    if shutil.which("espeak-ng") is None:
        print("espeak-ng not found: install it (apt-get install -y espeak-ng) and run again", file=sys.stderr)
        return 1
    version = espeak_version()
    print(version, f"voice {VOICE}")
    for sub in ("click", "voice"):
        shutil.rmtree(SOUNDS / sub, ignore_errors=True)
        (SOUNDS / sub).mkdir(parents=True)
    for c in CLICKS:
        path = SOUNDS / "click" / f"{c.name}.wav"
        sf.write(path, synth_click(c), RATE, subtype="PCM_16")
        report(path, f"{c.freq_hz:.0f} Hz")
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in VOICE_WORDS.items():
            counting = name in COUNT_WORDS
            y, speed = speak(
                text,
                COUNT_SPEED if counting else SECTION_SPEED,
                COUNT_MAX_S if counting else SECTION_MAX_S,
                Path(tmp),
            )
            path = SOUNDS / "voice" / f"{name}.ogg"
            sf.write(path, y, RATE, format="OGG", subtype="VORBIS", compression_level=VORBIS_COMPRESSION)
            fix_ogg_serial(path, OGG_SERIAL)
            report(path, f"-s {speed}")
    write_credits(version)
    total = sum(p.stat().st_size for p in SOUNDS.rglob("*") if p.is_file())
    print(f"total {total / 1024:.1f} KiB in {SOUNDS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
