"""What is inside a stem file: rate, channels, length and peak, read the way ``player check`` needs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

FULL_SCALE = 32767 / 32768  # the largest 16-bit sample: a peak at or above it is 0 dBFS, i.e. clipped


@dataclass(frozen=True)
class StemInfo:
    """The facts about one audio file that decide whether and how it plays."""

    sample_rate: int
    channels: int
    frames: int
    format: str
    peak: float  # absolute, 1.0 = full scale
    damage: tuple[str, ...] = ()  # where decoding breaks or loses frames, in words

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    @property
    def peak_dbfs(self) -> float:
        return 20 * math.log10(self.peak) if self.peak > 0 else -math.inf

    @property
    def clips(self) -> bool:
        return self.peak >= FULL_SCALE


NOISE_WINDOW_S = 0.05  # how finely a burst of full-scale noise is located
NOISE_RMS = 0.3  # a window this loud (-10 dBFS RMS) with a full-scale peak, whose sign flips on
NOISE_CROSSINGS = 0.4  # this share of its samples (white noise: 0.5), after peaks below
NOISE_BEFORE = 0.5  # this: random bytes, not music
NOISE_PEAK = 0.95  # "full scale" for noise: the top 16-bit codes are rare in a short window


def probe(path: Path, block_frames: int = 1 << 16, quick: bool = False) -> StemInfo:
    """Decode the whole file once for its peak and any damage (``quick``: the header only).

    Raises ``OSError`` (``soundfile`` errors included) when the file cannot be opened at all. A
    file that breaks later is not an error here: ``damage`` says where, in words, because the
    player keeps such a stem in time (silence over the damage) and the show can go on.
    """
    info = sf.info(str(path))
    if quick:
        return StemInfo(info.samplerate, info.channels, info.frames, info.format, 0.0)
    peak = 0.0
    frames = 0
    damage: list[str] = []
    rate = info.samplerate or 1
    window = max(1, int(NOISE_WINDOW_S * rate))
    loudest = previous = 0.0
    noise_at: float | None = None
    with sf.SoundFile(str(path)) as f:
        buf = np.empty((block_frames, f.channels), dtype=np.float32)
        while True:
            try:
                n = f.read(out=buf, dtype="float32").shape[0]  # read(out=...): the filled view
                told = f.tell()
            except (OSError, RuntimeError) as exc:
                left = max(0, info.frames - frames) / rate
                damage.append(f"decoding fails at {_clock(frames / rate)} ({exc}); "
                              f"{left:.1f} s after it will play as silence")
                break
            if told - n > frames:  # the decoder skipped frames: damaged pages
                lost = told - n - frames
                damage.append(f"{lost / rate:.2f} s of audio is lost at {_clock(frames / rate)} "
                              "(damaged data); the player fills it with silence")
                frames = told - n
            if n == 0:
                break
            block = buf[:n]
            peak = max(peak, float(np.abs(block).max()))
            if noise_at is None:
                for w in range(0, n - window + 1, window):
                    part = block[w:w + window, 0]
                    top = float(np.abs(part).max())
                    if top >= NOISE_PEAK and loudest < NOISE_BEFORE:
                        rms = float(np.sqrt(np.mean(part * part)))
                        flips = float(np.mean(np.signbit(part[1:]) != np.signbit(part[:-1])))
                        if rms >= NOISE_RMS and flips >= NOISE_CROSSINGS:
                            noise_at = (frames + w) / rate
                            break
                    loudest, previous = max(loudest, previous), top  # a window late: the
                    # window where the noise begins is part music, part noise
            frames += n
            if n < block_frames:
                break
    if frames < info.frames and not damage:
        damage.append(f"the file ends at {_clock(frames / rate)}, before the "
                      f"{_clock(info.frames / rate)} its header says (cut short)")
    if noise_at is not None:
        damage.append(f"full-scale noise starts at {_clock(noise_at)} after quieter audio: "
                      "random bytes, not music, or a very loud effect")
    # Some compressed formats report an estimated length; the decoded count is the truth.
    return StemInfo(info.samplerate, info.channels, max(frames, info.frames) if damage
                    else (frames or info.frames), info.format, peak, tuple(damage))


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def header_channels(path: Path) -> int:
    """The channel count from the header alone; 0 when the file cannot be read (it plays silent)."""
    try:
        return int(sf.info(str(path)).channels)
    except (OSError, RuntimeError):
        return 0


MAX_CHANNELS = 2


def channel_problem(file: str, channels: int) -> str | None:
    """The one rule for a stem's channel count, the same in ``check``, ``render`` and the show.

    Mono or stereo only: playing the first two channels of a 6-channel file would send whatever the
    other four hold (often a click and a guide) nowhere, or the wrong two to the audience.
    """
    if channels > MAX_CHANNELS:
        return f"{file} has {channels} channels; stems are mono or stereo."
    return None


# MPEG audio: versions (the header's 2-bit id) and layer III bitrates in kbit/s.
_MPEG1, _MPEG2, _MPEG25 = 3, 2, 0


def mp3_gapless(path: Path) -> bool:
    """Does the MP3 carry an encoder-delay tag (LAME/Xing "Info" with the delay)?

    Without one, the decoder cannot remove the encoder's and its own priming samples: the stem
    starts about 1,105 samples (23 ms at 48 kHz) late against the WAV and FLAC stems beside it.
    """
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 16)
            if data[:3] == b"ID3" and len(data) >= 10:  # an ID3v2 tag first: skip it
                size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
                f.seek(10 + size + (10 if data[5] & 0x10 else 0))
                data = f.read(1 << 16)
    except OSError:
        return False
    for i in range(min(len(data) - 4, 4096)):
        if data[i] != 0xFF or data[i + 1] & 0xE0 != 0xE0:
            continue
        version, layer = (data[i + 1] >> 3) & 3, (data[i + 1] >> 1) & 3
        bitrate, rate = data[i + 2] >> 4, (data[i + 2] >> 2) & 3
        if version == 1 or layer != 1 or bitrate in (0, 15) or rate == 3:
            continue  # not a layer III frame header
        mono = data[i + 3] >> 6 == 3
        side = (17 if mono else 32) if version == _MPEG1 else (9 if mono else 17)
        xing = i + 4 + side
        if data[xing:xing + 4] not in (b"Xing", b"Info"):
            return False  # the first frame is music: no tag at all
        flags = int.from_bytes(data[xing + 4:xing + 8], "big")
        # Frames, bytes, table of contents and quality are there when their flag bit is set.
        lame = xing + 8 + sum(size for bit, size in enumerate((4, 4, 100, 4)) if flags >> bit & 1)
        encoder = data[lame:lame + 4]
        return len(encoder) == 4 and encoder.isalnum() and len(data) >= lame + 24
    return False
