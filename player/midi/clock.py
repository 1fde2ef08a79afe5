"""MIDI clock (24 pulses per quarter note) that follows the song's tempo map, ramps included.

A thread in the engine process sends each pulse when the song reaches it: pulse ``n`` is due at
frame ``tempo.frame_at_quarters(n / 24)``; the play position comes from the engine's status block
(written every audio block, with the wall time of the write), extrapolated between blocks. The
status' wall times arrive late by a varying amount (the callback's own timing), so the estimate of
"when frame 0 played" is the earliest over the last half second, reset by a jump or a pause. The
thread sleeps between pulses (design.md: no spinning beside the audio callback).

Start / Stop / Continue and Song Position Pointer (in sixteenths) follow the transport; after a
Continue or a jump the next pulse is the one on the sixteenth the pointer names.

Limit measured here: RtMidi's JACK output writes every message at the start of the next JACK cycle,
so pulse spacing is quantised to the period (2.67 ms at 128 frames); see docs/midi.md.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

PPQN = 24
CLOCK, START, CONTINUE, STOP, SPP = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2
_PLAYING_STATES = (1, 5)  # status.State.PLAYING, COUNT_IN (ints: no engine import needed here)
_WINDOW = 100  # status reads kept for the frame-0 estimate (~0.5 s at the loop's pace)
_RESET_S = 0.015  # a frame-0 estimate this far off means a jump, a pause or a stall: start over


class Clock:
    """Sends clock while the transport plays a song that has a tempo."""

    def __init__(self, send: Callable[[list[int]], bool], status: Any) -> None:
        self.send = send
        self.status = status
        self.tempo: Any = None
        self.rate = 48000
        self.playing = False
        self.pulses = 0  # sent since the last Start/Continue (for the tests and the bench)
        self._next = 0  # index of the next pulse (0 = the song's first sample)
        self._zeros: deque[float] = deque(maxlen=_WINDOW)
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._quit = False
        self._thread: threading.Thread | None = None

    # --- transport (engine control thread) -------------------------------------------------------
    def cue(self, tempo: Any, rate: int) -> None:
        with self._lock:
            self.tempo, self.rate = tempo, rate or 48000
            self._next = 0
            self._zeros.clear()

    def transport(self, playing: bool, frame: int) -> None:
        with self._lock:
            if not playing:
                if self.playing:
                    self.send([STOP])
                self.playing = False
                return
            if self.tempo is None:
                return  # a song without tempo has no clock
            if frame <= 0:
                self.send([START])
                self._next = 0
            else:
                self._pointer(frame)
                self.send([CONTINUE])
            self._zeros.clear()
            self.pulses = 0
            self.playing = True
        self._ensure_thread()
        self._wake.set()

    def jumped(self, frame: int) -> None:
        with self._lock:
            if self.tempo is None:
                return
            if self.playing:
                self.send([STOP])
            self._pointer(frame)
            if self.playing:
                self.send([CONTINUE])
            self._zeros.clear()
        self._wake.set()

    def _pointer(self, frame: int) -> None:
        """Song Position Pointer at the sixteenth at or after ``frame``; that pulse comes next."""
        # (less a thousandth: a frame rounded onto a sixteenth counts as that sixteenth)
        sixteenths = min(16383, max(0, math.ceil(self.tempo.quarters_at(frame) * 4 - 1e-3)))
        self.send([SPP, sixteenths & 0x7F, sixteenths >> 7])
        self._next = sixteenths * (PPQN // 4)

    # --- the thread --------------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._quit = False
            self._thread = threading.Thread(target=self._run, name="midi-clock", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._quit:
            if not self.playing:
                self._wake.wait(0.2)
                self._wake.clear()
                continue
            delay = self._step()
            if delay > 0:
                self._wake.wait(delay)
                self._wake.clear()

    def _step(self) -> float:
        """Send the pulse if it is due; return how long to sleep before looking again."""
        st = self.status.read()
        if int(st.state) not in _PLAYING_STATES or not st.rate:
            return 0.002
        with self._lock:
            if not self.playing or self.tempo is None:
                return 0.0
            zero = st.wall - st.position / st.rate
            if self._zeros and abs(zero - min(self._zeros)) > _RESET_S:
                self._zeros.clear()
            self._zeros.append(zero)
            zero = min(self._zeros)
            due = zero + self.tempo.frame_at_quarters(self._next / PPQN) / self.rate
            now = time.time()
            if due - now > 0.004:
                return min(due - now - 0.002, 0.02)
            if now - due > 0.1:
                # Far behind (a stall or an unannounced jump): resume at the song's pulse, no burst.
                q = self.tempo.quarters_at((now - zero) * self.rate)
                self._next = max(0, math.ceil(q * PPQN))
                return 0.0
        if due > now:
            time.sleep(due - now)
        with self._lock:
            if self.playing:
                self.send([CLOCK])
                self._next += 1
                self.pulses += 1
        return 0.0

    def close(self) -> None:
        self._quit = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(1.0)
            self._thread = None
