"""The pitch shifter and time stretcher: Bungee (bungee-python, MPL-2.0), chosen by bench.prepare.

Measured on the 2-core VM (bench/RESULTS.md): 1.2-1.5 CPU s per stereo track-minute for +2 semitones
and 1.1-1.4 s for tempo x1.04; a steady sine comes out within 0.03 cents of its target, where Signalsmith
Stretch (python-stretch 0.3.1, a little cheaper) was 2 to 17 cents sharp below 440 Hz, and Rubber Band
(pedalboard) cost 6 to 8 s. LibreTracks uses Bungee too. It runs offline only, in worker processes:
never in the audio callback.
"""

from __future__ import annotations

import bungee_python
import numpy as np
from bungee_python import bungee

LIBRARY = f"bungee-python {bungee_python.__version__}"  # part of every cache key: a new release remakes


def shift_and_stretch(audio: np.ndarray, rate: int, semitones: int, tempo: float) -> np.ndarray:
    """``audio`` (frames, channels) float32 played ``semitones`` higher and ``tempo`` times faster.

    The result has ``round(frames / tempo)`` frames, aligned with the input (the library compensates
    its latency): bar lines of the tempo map scaled by ``1 / tempo`` land on the same music.
    """
    stretcher = bungee.Bungee(int(rate), int(audio.shape[1]), speed=float(tempo),
                              pitch=float(2.0 ** (semitones / 12.0)))
    return np.asarray(stretcher.process(np.ascontiguousarray(audio, dtype=np.float32)))
