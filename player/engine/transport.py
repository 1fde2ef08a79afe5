"""The audio callback and the state it reads: what plays, where, and how loud the fade is.

Real-time rules (design.md) bind in ``callback``: no allocation of audio-sized arrays, no I/O, no
locks, no logging. It reads references that the control thread swaps whole (``current``,
``incoming``, ``follow``) and plain numbers; it reports back through counters and the status block.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from player.engine.deck import Deck
from player.engine.mixer import Mixer, StemLevel
from player.engine.status import MAX_OUTPUTS, MAX_STEM_CHANNELS, State, StatusBlock


@dataclass(eq=False)
class Voice:
    """One song at one position: its deck (stems in a ring) and its mixer. Built off the RT thread."""

    index: int
    title: str
    deck: Deck
    mixer: Mixer
    levels: list[StemLevel]
    block: int
    scratch: np.ndarray = field(init=False)
    peaks_in: np.ndarray = field(init=False)
    started: bool = False  # has played a block: from then on a late stem is silenced, not waited for

    def __post_init__(self) -> None:
        self.scratch = np.empty((self.block, self.deck.ring.width), dtype=np.float32)
        self.peaks_in = np.empty((self.block, self.deck.ring.width), dtype=np.float32)
        self.deck.ring.prepare_row_mask(self.mixer.outputs)


class Transport:
    """Owns the callback. The control thread changes it only by swapping references and numbers."""

    def __init__(self, outputs: int, block: int, rate: int, status: StatusBlock) -> None:
        self.outputs, self.block, self.rate = outputs, block, rate
        self.status = status
        self.current: Voice | None = None
        self.incoming: Voice | None = None  # a seek target, crossfaded in once it is buffered
        self.follow: Voice | None = None  # a segue: starts as soon as the current song ends
        self.active = False  # the callback plays (or fades) the current voice
        self.env = 0.0  # fade gain at the start of the next block
        self.env_target = 0.0
        self.env_step = 0.0  # per frame
        self.after_fade = State.PAUSED
        self.state = State.STOPPED
        self.ended: Voice | None = None  # set by the callback when a song ran out; control reacts
        self.crossfades = 0
        self.late = self.dropped = self.callbacks = 0
        self.load = self.load_max = 0.0
        self._mix = np.zeros((block, outputs), dtype=np.float32)
        self._mix2 = np.zeros((block, outputs), dtype=np.float32)
        self._abs = np.zeros((block, outputs), dtype=np.float32)
        # Ramps at the full (block x outputs) shape: broadcasting ufuncs allocate, the callback
        # must not.
        self._env_ramp = np.zeros((block, outputs), dtype=np.float32)
        self._frames = np.repeat(np.arange(1, block + 1, dtype=np.float32)[:, None], outputs, axis=1)
        self._fade_in = self._frames / block
        self._fade_out = 1.0 - self._fade_in
        self._period = block / rate
        status.begin()
        status.set("rate", rate)
        status.set("block", block)
        status.set("outputs", min(outputs, MAX_OUTPUTS))
        status.end()

    # --- control thread --------------------------------------------------------------------------
    def fade_to(self, target: float, ms: float, then: State = State.PAUSED) -> None:
        """Ramp the master fade to ``target`` over ``ms``; ``then`` is the state once silent."""
        frames = max(1.0, ms * self.rate / 1000.0)
        self.after_fade = then
        self.env_step = (target - self.env) / frames if target != self.env else 0.0
        self.env_target = target
        if target > 0:
            self.state = State.PLAYING
        elif self.active:
            self.state = State.STOPPING

    # --- real-time thread ------------------------------------------------------------------------
    def _render(self, voice: Voice, out: np.ndarray) -> None:
        ring = voice.deck.ring
        block = ring.peek()
        if ring.ready_block():
            voice.mixer.mix(block, out)
        else:
            # A stem whose reader is late plays silence for this block; the others play on.
            self.dropped += 1
            voice.mixer.mix_masked(block, ring.row_mask(), out)
        width = ring.width
        if width <= MAX_STEM_CHANNELS:
            np.abs(block, out=voice.peaks_in)
            np.max(voice.peaks_in, axis=0, out=self.status.stem_peaks[:width])
        ring.advance()

    def callback(self, outdata: np.ndarray, frames: int, _time: object, status: object) -> None:
        started = time.perf_counter()
        self.callbacks += 1
        if getattr(status, "output_underflow", False):
            self.late += 1
        voice = self.current
        out = self._mix
        if voice is None or not self.active or frames != self.block or (
                not voice.started and not voice.deck.ring.ready_block()):
            # Stopped, or a song whose first block is not decoded yet: wait in silence rather
            # than start with stems missing (the song's first sample is never lost).
            outdata.fill(0)
            self.status.out_peaks[: self.outputs].fill(0)
            self.status.stem_peaks.fill(0)
            self._publish(voice, started)
            return
        voice.started = True
        self._render(voice, out)
        incoming = self.incoming
        if incoming is not None and incoming.deck.ring.ready_block():
            # Gapless seek: the old position played until the target was buffered; now a
            # one-block crossfade (2.7 ms at 128 frames / 48 kHz) hands over without a click.
            self._render(incoming, self._mix2)
            out *= self._fade_out
            self._mix2 *= self._fade_in
            out += self._mix2
            self.current = voice = incoming
            self.incoming = None
            self.crossfades += 1
        elif voice.deck.finished:
            follow = self.follow
            if follow is not None:
                self.current = follow
                self.follow = None
            else:
                self.active = False
                self.env = self.env_target = 0.0
                self.state = State.STOPPED
                self.ended = voice
        if self.env_step != 0.0:
            ramp = self._env_ramp
            np.multiply(self._frames, self.env_step, out=ramp)
            ramp += self.env
            np.clip(ramp, 0.0, 1.0, out=ramp)
            out *= ramp
            self.env = float(ramp[-1, 0]) if self.outputs else self.env_target
            if (self.env_step > 0 and self.env >= self.env_target) or (
                    self.env_step < 0 and self.env <= self.env_target):
                self.env = self.env_target
                self.env_step = 0.0
                if self.env == 0.0:
                    self.active = False
                    self.state = self.after_fade
        outdata[:] = out
        np.abs(out, out=self._abs)
        np.max(self._abs, axis=0, out=self.status.out_peaks[: self.outputs])
        self._publish(self.current, started)

    def _publish(self, voice: Voice | None, started: float) -> None:
        st = self.status
        st.begin()
        st.set("state", self.state)
        if voice is not None:
            st.set("song", voice.index)
            st.set("position", voice.deck.position)
            st.set("length", voice.deck.length)
            st.set("stems", min(voice.deck.ring.width, MAX_STEM_CHANNELS))
            st.set("skipped", voice.deck.stats.skipped_frames)
            st.set("buffered", voice.deck.ring.buffered())
        st.set("late", self.late)
        st.set("dropped", self.dropped)
        st.set("callbacks", self.callbacks)
        load = (time.perf_counter() - started) / self._period
        self.load = load
        if load > self.load_max:
            self.load_max = load
        st.set("load", load)
        st.set("load_max", self.load_max)
        st.end()
