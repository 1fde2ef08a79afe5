"""The audio callback and the state it reads: what plays, where, and how loud the fade is.

Real-time rules (design.md) bind in ``callback``: no allocation of audio-sized arrays, no I/O, no
locks, no logging. It reads references that the control thread swaps whole (``current``,
``pending``, ``outgoing``) and plain numbers; it reports back through counters and the status block.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from player.engine.deck import Deck
from player.engine.mixer import Mixer, StemLevel
from player.engine.status import FIELDS, MAX_OUTPUTS, MAX_STEM_CHANNELS, State, StatusBlock

XFADE_SECONDS = 0.003  # a jump's crossfade: short enough to keep the beat, long enough not to click
NOW = -1  # ``pending_at`` for a jump that lands as soon as its target is buffered
# Status fields the control thread computes (bar, beat, section, ...): published whole each block.
MUSIC_FIELDS = FIELDS[FIELDS.index("bar"):FIELDS.index("master_db") + 1]
_MUSIC_FIRST = FIELDS.index("bar")
PEAK_WINDOW_SECONDS = 0.1  # meters show the peak of at least this long: the UI reads at 20 Hz
_serials = itertools.count(1)


@dataclass(frozen=True)
class Fade:
    """One request from the control thread to the callback: where the master level goes.

    Swapped in whole and read once per block, so the callback never sees half of a change (a GIL
    switch between four separate stores once lost a pause).
    """

    target: float  # level to reach (0: silent, then ``then``)
    frames: float  # over this many frames; 0: at once
    then: State = State.PAUSED  # the state once silent
    start: float | None = None  # jump to this level first (a fresh start plays at full level)


@dataclass(eq=False)
class Voice:
    """One song at one position: its deck (stems in a ring) and its mixer. Built off the RT thread."""

    index: int
    title: str
    deck: Deck
    mixer: Mixer
    levels: list[StemLevel]
    block: int
    scratch: np.ndarray = field(init=False, repr=False)
    peaks_in: np.ndarray = field(init=False, repr=False)
    started: bool = False  # has played a block: from then on a late stem is silenced, not waited for
    plan: Any = field(default=None, repr=False)  # the SongPlan it was built from
    spans: list[Any] = field(default_factory=list, repr=False)  # sections in frames
    count_in: int = 0  # bars of count-in this voice starts with
    serial: int = field(default_factory=lambda: next(_serials))  # identity without a reference

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
        # A jump, loop or segue waiting to land: ``pending`` takes over from ``current`` at frame
        # ``pending_at`` of the current voice's timeline (NOW: as soon as it is buffered). Its deck
        # starts as many frames before the target as the landing frame is into its block, so the
        # target frame sits on the very row where the old voice hands over.
        self.pending: Voice | None = None
        self.pending_at = NOW
        self.outgoing: Voice | None = None  # the voice a landing left, still fading for a block
        self._out_row = 0
        self.jumps = self.jump_misses = 0
        # The serial, not the voice: a reference here would be the last one to a dropped voice,
        # and the callback would free its rings (7-22 MiB, 97-312 us) when replacing it.
        self._missed = 0
        self.music = np.zeros(len(MUSIC_FIELDS), dtype=np.float64)  # swapped whole by control
        self.tone: np.ndarray | None = None  # setup's output test, played while stopped
        self._tone_owner: np.ndarray | None = None  # keeps ``tone`` alive after the callback drops it
        self.tone_channel = 0
        self.tone_pos = 0
        self.tone_peak = 0.0
        # Written by the callback only; control asks for changes with ``request``.
        self.active = False  # the callback plays (or fades) the current voice
        self.env = 0.0  # fade gain at the start of the next block
        self.env_target = 0.0
        self.env_step = 0.0  # per frame
        self.after_fade = State.PAUSED
        self.state = State.STOPPED
        self.fade = Fade(0.0, 0.0, State.STOPPED, 0.0)
        self._fade_applied: Fade | None = None
        # Faults: the callback catches everything (sounddevice aborts the stream on an exception,
        # which would end the show as "device lost"), plays silence for that block and counts it.
        self.faults = 0
        self.fault: BaseException | None = None  # the first one, for the log; control reads it
        self.debug_faults = 0  # test hook: raise in this many blocks
        # Meters: the peak since at least PEAK_WINDOW_SECONDS, so a 20 Hz reader misses nothing.
        self._peak_blocks = max(1, math.ceil(PEAK_WINDOW_SECONDS * rate / block))
        self._peak_count = 0
        self._out_hold = np.zeros(MAX_OUTPUTS, dtype=np.float32)
        self._out_prev = np.zeros(MAX_OUTPUTS, dtype=np.float32)
        self._out_block = np.zeros(MAX_OUTPUTS, dtype=np.float32)
        self._stem_hold = np.zeros(MAX_STEM_CHANNELS, dtype=np.float32)
        self._stem_prev = np.zeros(MAX_STEM_CHANNELS, dtype=np.float32)
        self._stem_block = np.zeros(MAX_STEM_CHANNELS, dtype=np.float32)
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
        # Crossfade weights by "rows since the landing" + block: 1 before, raised cosine over the
        # fade, 0 after. A landing at row k of a block reads rows [block - k, 2 block - k), the
        # block after it the next ``block`` rows. cos^2 + sin^2 = 1: a loop onto the same audio
        # keeps its level.
        self.xfade = max(1, min(block, round(XFADE_SECONDS * rate)))
        r = np.arange(3 * block, dtype=np.float64) - block
        ramp = np.clip((r + 1) / self.xfade, 0.0, 1.0)
        w = np.cos(ramp * math.pi / 2) ** 2
        self._w_out = np.repeat(w.astype(np.float32)[:, None], outputs, axis=1)
        self._w_in = np.ascontiguousarray(1.0 - self._w_out)
        # A song change (segue, auto-advance) brings the new song in at full level from its first
        # sample, so its downbeat is exact and intact; only the old song is faded out.
        self._w_step = np.repeat((r >= 0).astype(np.float32)[:, None], outputs, axis=1)
        self.pending_cut = False  # set with ``pending``: land as a song change (step), not a crossfade
        self._spill_in = self._w_in
        self._period = block / rate
        status.begin()
        status.set("rate", rate)
        status.set("block", block)
        status.set("outputs", min(outputs, MAX_OUTPUTS))
        status.end()

    # --- control thread --------------------------------------------------------------------------
    def request(self, target: float, ms: float, then: State = State.PAUSED,
                start: float | None = None) -> None:
        """Ask the callback to ramp the master fade to ``target`` over ``ms`` (0: at once)."""
        frames = 0.0 if ms <= 0 else max(1.0, ms * self.rate / 1000.0)
        self.fade = Fade(target, frames, then, start)

    @property
    def busy(self) -> bool:
        """Control's view: sounding now, or asked to and about to (the request is not yet taken)."""
        fade = self.fade
        if fade is not self._fade_applied:
            return fade.target > 0 or (self.active and fade.frames > 0)
        return self.active

    @property
    def rising(self) -> bool:
        """Playing or about to, as opposed to fading out or stopped."""
        return self.busy and self.fade.target > 0

    def play_tone(self, tone: np.ndarray, channel: int) -> None:
        """Play ``tone`` (mono) on one output while the show is stopped."""
        self.tone = None
        self.tone_channel, self.tone_pos = channel, 0
        self.tone_peak = float(np.abs(tone).max()) if len(tone) else 0.0  # for the meters
        self._tone_owner = tone  # freed here, by the next tone, never by the callback
        self.tone = tone

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
        if width <= MAX_STEM_CHANNELS and voice is self.current:
            np.abs(block, out=voice.peaks_in)
            np.max(voice.peaks_in, axis=0, out=self._stem_block[:width])
            self._stem_block[width:].fill(0)
        ring.advance()

    def _take_fade(self) -> None:
        fade = self.fade  # one read: a request made during this block waits for the next
        if fade is self._fade_applied:
            return
        if fade.start is not None:
            self.env = fade.start
        self.env_target = fade.target
        self.after_fade = fade.then
        if fade.frames <= 0 or fade.target == self.env:
            self.env = fade.target
            self.env_step = 0.0
        else:
            self.env_step = (fade.target - self.env) / fade.frames
        if fade.target > 0:
            self.active = True
            self.state = State.PLAYING
        elif self.env > 0 and self.active:
            self.state = State.STOPPING
        else:
            self.active = False
            self.state = fade.then
        self._fade_applied = fade

    def callback(self, outdata: np.ndarray, frames: int, _time: object, status: object) -> None:
        """PortAudio's callback: never raises (sounddevice would abort the stream)."""
        try:
            if self.debug_faults:
                self.debug_faults -= 1
                raise RuntimeError("test fault in the audio callback (DebugFault)")
            self._callback(outdata, frames, status)
        except Exception as exc:  # noqa: BLE001 - silence for this block; the show goes on
            self.faults += 1
            if self.fault is None:
                self.fault = exc
            try:
                outdata.fill(0)
                self.status.set("faults", self.faults)
            except Exception:  # noqa: BLE001 - nothing more can be done in this block
                pass

    def _callback(self, outdata: np.ndarray, frames: int, status: object) -> None:
        started = time.perf_counter()
        self.callbacks += 1
        self._take_fade()
        if getattr(status, "output_underflow", False):
            self.late += 1
        voice = self.current
        out = self._mix
        if voice is None or not self.active or frames != self.block or (
                not voice.started and not voice.deck.ring.ready_block()):
            # Stopped, or a song whose first block is not decoded yet: wait in silence rather
            # than start with stems missing (the song's first sample is never lost).
            outdata.fill(0)
            self._out_block.fill(0)  # the meters' hold publishes it (``_hold_peaks``)
            tone = self.tone
            if tone is not None:
                chunk = tone[self.tone_pos:self.tone_pos + frames]
                outdata[: len(chunk), self.tone_channel] = chunk
                self._out_block[self.tone_channel] = self.tone_peak
                self.tone_pos += frames
                if self.tone_pos >= len(tone):
                    self.tone = None  # ``_tone_owner`` still holds it: not freed here
            self._stem_block.fill(0)
            self._publish(voice, started)
            return
        voice.started = True
        pending = self.pending
        land = -1  # row of this block where the pending voice takes over
        if pending is not None and self.outgoing is None:
            at = self.pending_at
            pos = voice.deck.position
            if at == NOW or at < pos + frames:
                ready = pending.deck.ring.ready_block()
                if ready:
                    land = 0 if at == NOW else max(0, at - pos)
                if at != NOW and (not ready or at < pos) and self._missed != pending.serial:
                    self._missed = pending.serial  # lands late, at the first block it is ready
                    self.jump_misses += 1
        self._render(voice, out)
        outgoing = self.outgoing
        if outgoing is not None:
            # The block after a landing whose crossfade did not fit in its block.
            self._render(outgoing, self._mix2)
            rows = slice(self._out_row, self._out_row + frames)
            out *= self._spill_in[rows]
            self._mix2 *= self._w_out[rows]
            out += self._mix2
            self.outgoing = None
        elif land >= 0 and pending is not None:
            self._render(pending, self._mix2)
            rows = slice(frames - land, 2 * frames - land)
            w_in = self._w_step if self.pending_cut else self._w_in
            out *= self._w_out[rows]
            self._mix2 *= w_in[rows]
            out += self._mix2
            self._spill_in = w_in
            if land + self.xfade > frames:
                self.outgoing = voice
                self._out_row = 2 * frames - land
            pending.started = True
            self.current = voice = pending
            self.pending = None
            self.jumps += 1
        elif voice.deck.finished and pending is None:
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
        np.max(self._abs, axis=0, out=self._out_block[: self.outputs])
        self._publish(self.current, started)

    def _hold_peaks(self) -> None:
        """Publish max(this period so far, the whole previous period) of each meter."""
        np.maximum(self._out_hold, self._out_block, out=self._out_hold)
        np.maximum(self._stem_hold, self._stem_block, out=self._stem_hold)
        np.maximum(self._out_hold, self._out_prev, out=self.status.out_peaks)
        np.maximum(self._stem_hold, self._stem_prev, out=self.status.stem_peaks)
        self._peak_count += 1
        if self._peak_count >= self._peak_blocks:
            self._peak_count = 0
            self._out_prev[:] = self._out_hold
            self._stem_prev[:] = self._stem_hold
            self._out_hold.fill(0)
            self._stem_hold.fill(0)

    def _publish(self, voice: Voice | None, started: float) -> None:
        st = self.status
        st.begin()
        self._hold_peaks()
        state = self.state
        if state is State.PLAYING and voice is not None and voice.deck.position < 0:
            state = State.COUNT_IN
        st.set("state", state)
        music = self.music
        st.scalars[_MUSIC_FIRST:_MUSIC_FIRST + len(music)] = music
        st.set("jumps", self.jumps)
        st.set("jump_misses", self.jump_misses)
        if voice is not None:
            st.set("song", voice.index)
            st.set("position", voice.deck.position)
            st.set("length", voice.deck.length)
            st.set("stems", min(voice.deck.ring.width, MAX_STEM_CHANNELS))
            st.set("skipped", voice.deck.stats.skipped_frames)
            st.set("buffered", voice.deck.ring.buffered())
        st.set("faults", self.faults)
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
