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

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    @property
    def peak_dbfs(self) -> float:
        return 20 * math.log10(self.peak) if self.peak > 0 else -math.inf

    @property
    def clips(self) -> bool:
        return self.peak >= FULL_SCALE


def probe(path: Path, block_frames: int = 1 << 16) -> StemInfo:
    """Read the whole file once for its peak; raises ``OSError`` (``soundfile`` errors included)."""
    info = sf.info(str(path))
    peak = 0.0
    frames = 0
    with sf.SoundFile(str(path)) as f:
        buf = np.empty((block_frames, f.channels), dtype=np.float32)
        while True:
            n = f.read(out=buf, dtype="float32").shape[0]  # read(out=...) returns the filled view
            if n == 0:
                break
            frames += n
            peak = max(peak, float(np.abs(buf[:n]).max()))
            if n < block_frames:
                break
    # Some compressed formats report an estimated length; the decoded count is the truth.
    return StemInfo(info.samplerate, info.channels, frames or info.frames, info.format, peak)
