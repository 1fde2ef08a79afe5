"""Vocal reduction for a song that is one stereo file: a best-effort karaoke, labelled as such.

Centre-channel cancellation limited to the voice band: the mid signal ``(L + R) / 2`` is band-passed
(about 180 Hz - 6 kHz) and that part is split off as a source of its own, with the role ``lead``. The
file itself becomes the rest, ``x - centre``, so the two sum to the file exactly: in "full" nothing
changes, and karaoke mutes the centre part like any lead stem (same matrices, same ramp). Bass and
kick (below the band) and anything panned away from the centre stay. Whatever else sits in the
centre of the voice band goes too, and reverb on the voice stays: it is not a separation model (no
package on the index ships weights that work with numpy 2, and none can be downloaded at run time).

The filter is a zero-phase windowed-sinc FIR run by FFT in the reader thread (it reads ``HALF``
frames ahead), never in the audio callback.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

from player.engine.deck import Header, StemSource
from player.setlist.roles import Role

if TYPE_CHECKING:
    from player.engine.plan import SongPlan  # plan.py imports this module when it plans a song

HALF = 2048  # taps each side of the centre: 4097 taps, a transition of ~40 Hz at 48 kHz
BAND = (180.0, 6000.0)  # Hz: above the kick and the bass's fundamentals, up to the sibilants
MARK = " (vocal reduction)"
CENTRE = " centre (lead, reduced)"


@cache
def _kernel(rate: int) -> np.ndarray:
    n = np.arange(-HALF, HALF + 1)
    lo, hi = (f / rate for f in BAND)
    h = 2 * hi * np.sinc(2 * hi * n) - 2 * lo * np.sinc(2 * lo * n)
    return (h * np.hanning(2 * HALF + 1)).astype(np.float64)


@cache
def _kernel_fft(rate: int, nfft: int) -> np.ndarray:
    return np.fft.rfft(_kernel(rate), nfft)


class VocalSplitSource(StemSource):
    """One part of a stereo file: ``"centre"`` (the voice band of the mid) or ``"rest"`` (the rest).

    A ``StemSource`` underneath (the streamer's disk thread opens, reads and closes the file, damage
    keeps its place in time), read ``HALF`` frames ahead of what it hands out.
    """

    def __init__(self, path: Path, rate: int, part: str, header: Header | None = None) -> None:
        super().__init__(path, rate, header=header)
        self.part = part
        self.channels = 2
        self._ahead = np.zeros((0, 2), dtype=np.float32)  # decoded input from (position - HALF)
        self._done: np.ndarray | None = None  # split frames that did not fit in the ring
        self._restart = True  # a seek happened: refill the look-ahead (on the filling thread)

    def fresh(self) -> VocalSplitSource:
        """An unread copy for another deck (a plan's sources are built once, cloned per voice)."""
        return VocalSplitSource(self.path, self.rate, self.part, self._header)

    def seek(self, frame: int) -> None:
        self._done = None
        self._restart = True
        super().seek(frame - HALF)  # before 0 the file gives silence: the filter's look-behind

    def unread(self, data: np.ndarray) -> None:
        if len(data):
            self._done = data

    def read(self, frames: int) -> np.ndarray:
        if self._restart:
            self._restart = False
            self._done = None
            self._ahead = np.zeros((0, 2), dtype=np.float32)
        if self._done is not None:
            data, self._done = self._done, None
            return data
        need = frames + 2 * HALF
        parts = [self._ahead]
        have = len(self._ahead)
        while have < need:
            chunk = super().read(need - have)
            if chunk.shape[1] == 1:
                chunk = np.repeat(chunk, 2, axis=1)
            parts.append(np.array(chunk, dtype=np.float32))  # a copy: the reader reuses its buffers
            have += len(chunk)
        buf = np.concatenate(parts)
        x = buf[HALF:HALF + frames]
        centre = self._centre(buf[:need].mean(axis=1), frames)
        self._ahead = buf[frames:]
        out = np.repeat(centre[:, None], 2, axis=1) if self.part == "centre" else x - centre[:, None]
        return np.ascontiguousarray(out, dtype=np.float32)

    def _centre(self, mid: np.ndarray, frames: int) -> np.ndarray:
        nfft = 1 << int(len(mid) + 2 * HALF - 1).bit_length()
        full = np.fft.irfft(np.fft.rfft(mid, nfft) * _kernel_fft(self.rate, nfft), nfft)
        return full[2 * HALF:2 * HALF + frames].astype(np.float32)


def split_for_reduction(plan: SongPlan, rate: int) -> SongPlan:
    """A song whose only music is one stereo file and that has no lead stem gets its centre voice
    split off as a ``lead`` source (appended after the others); any other song is returned as is."""
    from player.engine.plan import FILE

    files = [i for i, k in enumerate(plan.kinds) if k == FILE
             and plan.levels[i].role not in (Role.CLICK, Role.GUIDE)]
    if len(files) != 1 or any(lv.role is Role.LEAD for lv in plan.levels):
        return plan
    i = files[0]
    path = plan.sources[i]
    try:
        if not isinstance(path, Path) or sf.info(str(path)).channels != 2:
            return plan
    except (OSError, RuntimeError):
        return plan
    sources, levels, names = list(plan.sources), list(plan.levels), list(plan.names)
    kinds = list(plan.kinds)
    sources[i] = VocalSplitSource(path, rate, "rest")
    levels[i] = dataclasses.replace(levels[i], channels=2)
    names[i] += MARK
    sources.append(VocalSplitSource(path, rate, "centre"))
    levels.append(dataclasses.replace(levels[i], channels=2, role=Role.LEAD))
    names.append(plan.names[i] + CENTRE)
    kinds.append(FILE)
    return dataclasses.replace(plan, sources=sources, levels=levels, names=names, kinds=kinds)


def reduced(plan: object) -> bool:
    """Does this plan play a song through vocal reduction?"""
    return any(n.endswith(CENTRE) for n in getattr(plan, "names", ()))
