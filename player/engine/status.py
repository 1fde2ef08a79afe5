"""Engine status in shared memory: rewritten by the audio callback each block, read by the UI at will.

A sequence number (a seqlock) brackets each write: odd while writing, even when done. A reader that
sees it odd or changed across its copy reads again, so a half-written frame is never shown. Nothing
here blocks the writer.
"""

from __future__ import annotations

import mmap
import os
import tempfile
import time
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import numpy as np

MAX_OUTPUTS = 64
MAX_STEM_CHANNELS = 256
NAME_BYTES = 128


class State(IntEnum):
    STOPPED = 0
    PLAYING = 1
    PAUSED = 2
    STOPPING = 3  # fading out towards stopped or paused
    NO_DEVICE = 4
    COUNT_IN = 5  # playing the count-in bars before the song's first sample
    ENGINE_DOWN = 6  # the engine process is gone (written by the parent until a new one runs)


# Scalar slots (float64) in order; a float64 holds every frame count of a show exactly.
FIELDS = ("seq", "state", "song", "position", "length", "rate", "block", "outputs", "stems",
          "late", "dropped", "callbacks", "load", "load_max", "skipped", "wall", "buffered",
          # musical time (bar 0 / section -1 / pending -1 when unknown or none)
          "bar", "beat", "tick", "beats_in_bar", "bpm", "section", "next_section", "pending",
          "pending_section", "jump_mode", "vamp", "vamp_start", "vamp_end", "count_in", "click",
          "guide", "master_db", "jumps", "jump_misses", "faults")
_IDX = {name: i for i, name in enumerate(FIELDS)}
_SCALAR_BYTES = len(FIELDS) * 8
SIZE = _SCALAR_BYTES + 4 * (MAX_OUTPUTS + MAX_STEM_CHANNELS) + NAME_BYTES


@dataclass(frozen=True)
class Status:
    """One consistent snapshot of the engine."""

    state: State
    song: int  # -1: none
    position: int  # frames
    length: int
    rate: int
    block: int
    late: int  # callbacks PortAudio flagged as late (undercounts: count dropouts from the audio)
    dropped: int  # blocks in which some stem's ring was empty (that stem played silence)
    callbacks: int
    load: float  # callback time / block period, last block
    load_max: float
    skipped: int  # frames readers skipped to catch up after a stall
    out_peaks: tuple[float, ...]
    stem_peaks: tuple[float, ...]
    device: str
    seq: int
    wall: float  # time.time() of the write: a stale status means a stuck engine
    buffered: int  # frames of the current song decoded ahead of the play position
    bar: int = 0  # 1-based; 0: the song has no tempo; negative: count-in bars (-2, -1)
    beat: int = 0  # 1-based beat (click pulse) within the bar
    tick: int = 0  # 0-959: how far into the beat (960 ticks a beat, as in MIDI sequencers)
    beats_in_bar: int = 0
    bpm: float = 0.0  # at the play position (pulses per minute, as in song.toml)
    section: int = -1  # index into the song's sections
    next_section: int = -1
    pending: int = -1  # frame (song timeline) where a pending jump lands; -1: none
    pending_section: int = -1  # the section it lands in
    jump_mode: int = 2  # messages.JumpMode
    vamp: bool = False
    vamp_start: int = 0  # frames of the loop while vamping
    vamp_end: int = 0
    count_in: int = 0  # beats of count-in left
    click: bool = False  # generated click on
    guide: bool = False  # generated guide on
    master_db: float = 0.0
    jumps: int = 0  # jumps landed
    jump_misses: int = 0  # jumps that could not land on their sample (target not buffered)
    faults: int = 0  # blocks the callback played as silence because of an error in it

    @property
    def seconds(self) -> float:
        return self.position / self.rate if self.rate else 0.0


_FLOAT_FIELDS = ("load", "load_max", "wall", "bpm", "master_db")
_BOOL_FIELDS = ("vamp", "click", "guide")
_INT_FIELDS = tuple(f for f in FIELDS if f not in {"seq", "state", "outputs", "stems",
                                                   *_FLOAT_FIELDS, *_BOOL_FIELDS})


class StatusBlock:
    """The shared block: a small file in /dev/shm mapped by both processes.

    The parent creates it and outlives any engine process, so the last status survives an engine
    crash and no cleanup depends on the child. (A plain mapped file, not
    ``multiprocessing.shared_memory``, whose resource tracker unlinks blocks when a child exits.)
    """

    def __init__(self, path: str | None = None) -> None:
        self.owner = path is None
        if path is None:
            folder = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
            fd, path = tempfile.mkstemp(prefix="player-status-", dir=folder)
            os.ftruncate(fd, SIZE)
        else:
            fd = os.open(path, os.O_RDWR)
        self.path = path
        try:
            self._map = mmap.mmap(fd, SIZE)
        finally:
            os.close(fd)
        buf = self._map
        self.scalars = np.ndarray((len(FIELDS),), dtype=np.float64, buffer=buf)
        self.out_peaks = np.ndarray((MAX_OUTPUTS,), dtype=np.float32, buffer=buf,
                                    offset=_SCALAR_BYTES)
        self.stem_peaks = np.ndarray((MAX_STEM_CHANNELS,), dtype=np.float32, buffer=buf,
                                     offset=_SCALAR_BYTES + 4 * MAX_OUTPUTS)
        self.name_bytes = np.ndarray((NAME_BYTES,), dtype=np.uint8, buffer=buf,
                                     offset=_SCALAR_BYTES + 4 * (MAX_OUTPUTS + MAX_STEM_CHANNELS))
        if self.owner:
            self.scalars[:] = 0
            for name in ("song", "section", "next_section", "pending", "pending_section"):
                self.scalars[_IDX[name]] = -1
            self.scalars[_IDX["jump_mode"]] = 2
            self.out_peaks[:] = 0
            self.stem_peaks[:] = 0
            self.name_bytes[:] = 0

    @property
    def name(self) -> str:
        return self.path

    # --- writer (engine process) -----------------------------------------------------------------
    def begin(self) -> None:
        self.scalars[0] += 1  # odd: writing

    def end(self) -> None:
        self.scalars[_IDX["wall"]] = time.time()
        self.scalars[0] += 1  # even: consistent

    def set(self, field: str, value: float) -> None:
        self.scalars[_IDX[field]] = value

    def set_device(self, name: str) -> None:
        data = name.encode()[: NAME_BYTES - 1]
        self.begin()
        self.name_bytes[:] = 0
        self.name_bytes[: len(data)] = np.frombuffer(data, dtype=np.uint8)
        self.end()

    # --- reader (any process) --------------------------------------------------------------------
    def read(self, attempts: int = 100) -> Status:
        for _ in range(attempts):
            seq = self.scalars[0]
            if int(seq) % 2:
                time.sleep(0)
                continue
            s = self.scalars.copy()
            outs = int(s[_IDX["outputs"]])
            stems = int(s[_IDX["stems"]])
            peaks = tuple(float(x) for x in self.out_peaks[:outs])
            stem_peaks = tuple(float(x) for x in self.stem_peaks[:stems])
            raw = bytes(self.name_bytes).split(b"\0", 1)[0]
            if self.scalars[0] == seq:
                values: dict[str, int | float | bool] = {
                    name: int(s[_IDX[name]]) for name in _INT_FIELDS}
                values.update({name: float(s[_IDX[name]]) for name in _FLOAT_FIELDS})
                values.update({name: bool(s[_IDX[name]]) for name in _BOOL_FIELDS})
                return Status(state=State(int(s[_IDX["state"]])), out_peaks=peaks,
                              stem_peaks=stem_peaks, device=raw.decode(errors="replace"),
                              seq=int(seq), **values)  # type: ignore[arg-type]
        raise TimeoutError("engine status kept changing while being read")

    def close(self) -> None:
        # Views into the buffer must go before the mapping can close.
        del self.scalars, self.out_peaks, self.stem_peaks, self.name_bytes
        self._map.close()
        if self.owner:
            Path(self.path).unlink(missing_ok=True)
