"""Integrated loudness (ITU-R BS.1770-4, LUFS) of a rendered mix, for ``player render --loudness``.

Offline only. The K-weighting (a high shelf and a high-pass, the standard's two biquads) is applied
in the frequency domain over the whole file: loudness sums energy, so no sample loop is needed and
numpy suffices (no scipy in this project).
"""

from __future__ import annotations

import math

import numpy as np

BLOCK_S, STEP_S = 0.400, 0.100  # gating blocks of 400 ms, 75 % overlap
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0


def _biquads(rate: int) -> list[tuple[tuple[float, float, float], tuple[float, float, float]]]:
    """The standard's pre-filter (shelf) and RLB high-pass, designed for ``rate`` (pyloudnorm's form)."""
    out = []
    # High shelf: +4 dB above ~1.5 kHz.
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    out.append((((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0),
                (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)))
    # High-pass at ~38 Hz.
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    out.append(((1.0, -2.0, 1.0), (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)))
    return out


def k_weighted(data: np.ndarray, rate: int) -> np.ndarray:
    """``data`` (frames x channels) through the K-weighting filter."""
    n = len(data)
    nfft = 1 << max(1, (n + rate).bit_length())  # a second of room: the IIR tail does not wrap
    w = np.exp(-2j * np.pi * np.fft.rfftfreq(nfft))
    response = np.ones_like(w)
    for b, a in _biquads(rate):
        response *= (b[0] + b[1] * w + b[2] * w * w) / (a[0] + a[1] * w + a[2] * w * w)
    spectrum = np.fft.rfft(data.astype(np.float64), nfft, axis=0) * response[:, None]
    return np.fft.irfft(spectrum, nfft, axis=0)[:n]


def integrated_lufs(data: np.ndarray, rate: int) -> float:
    """Gated integrated loudness; ``-inf`` for silence or a file shorter than one block."""
    if data.ndim == 1:
        data = data[:, None]
    weighted = k_weighted(data, rate)
    block, step = int(BLOCK_S * rate), int(STEP_S * rate)
    if len(weighted) < block:
        return -math.inf
    energy = np.cumsum(np.concatenate([np.zeros((1, data.shape[1])), weighted ** 2]), axis=0)
    starts = np.arange(0, len(weighted) - block + 1, step)
    z = (energy[starts + block] - energy[starts]) / block  # mean square per block and channel
    power = z.sum(axis=1)  # channel weights 1.0 (L, R; no surrounds here)
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10 * np.log10(power)
    kept = power[loud > ABSOLUTE_GATE]
    if not len(kept):
        return -math.inf
    relative = -0.691 + 10 * math.log10(kept.mean()) + RELATIVE_GATE
    kept = power[(loud > ABSOLUTE_GATE) & (loud > relative)]
    return -0.691 + 10 * math.log10(kept.mean())
