"""Ableton Link (aalink): the player leads a Link session with its songs' tempo maps and start/stop.

A thread of its own (with the asyncio loop aalink wants) reads ``Engine.status()`` at ``HZ``. From each
status it learns when the song's first sample left the engine (``wall - position / rate``; the
least-delayed of the last ``WINDOW`` samples, since a status is written some microseconds after its
block started, and read whenever this process gets to it), and from that the song's position at any
moment. Link's beat is kept on the song's quarter notes (Link counts quarters, as Live does): when the
two differ by more than ``TOLERANCE_MS`` Link's beat is forced to ours; the tempo follows the map,
ramps included. ``latency`` (the device's output latency) moves the comparison to the output.

Link carries no song position: another peer learns our tempo, beat phase within the bar (``quantum``)
and start/stop, never which bar of which song we are in.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from player.engine import messages as m
from player.engine.status import State

if TYPE_CHECKING:
    from player.remote.hub import Hub
    from player.ui.show import Show

log = logging.getLogger(__name__)

HZ = 100.0
WINDOW = 200  # status samples (2 s) over which the least-delayed one gives the song's start time
TOLERANCE_MS = 0.5
PAIR_S = 0.0002  # two clock reads further apart than this: the thread was preempted between them
JUMP_S = 0.005  # a start time that moves more than this: a jump, a seek or a new song


def link_clock() -> float:
    """Link's clock (CLOCK_MONOTONIC_RAW on Linux), in seconds."""
    return time.clock_gettime(time.CLOCK_MONOTONIC_RAW)


class SongClock:
    """When the current song's frame 0 left the engine, in Link's clock, from a stream of statuses.

    Each status gives ``write time - position / rate``; the least-delayed of the last ``window`` is
    the estimate: a block whose callback ran late (a busy machine) says nothing about when the song
    started. A new song or a landed jump (seek, section jump, vamp loop: the engine counts them)
    starts afresh. Past that, a sample earlier than the estimate by ``JUMP_S`` starts afresh too, and
    so do ``LATE_RUN`` samples in a row later than it by that much (a pause and resume between two
    reads): a late block or two never moves the estimate, and so never moves Link's beat.
    """

    LATE_RUN = 100

    def __init__(self, window: int = WINDOW) -> None:
        self._starts: deque[float] = deque(maxlen=window)
        self._late: list[float] = []
        self._key: tuple[int, int] | None = None
        self._seq = -1
        self.restarts = 0  # times the estimate started afresh (jumps, songs, pauses)

    def add(self, song: int, position: int, rate: int, wall: float, seq: int, epoch: int = 0) -> None:
        if seq == self._seq or not rate:
            return
        self._seq = seq
        before = time.time()
        raw = link_clock()
        if time.time() - before > 0.0001:  # preempted between the two clocks: no true pair
            return
        start = raw - (before - wall) - position / rate  # the status's write time on Link's clock
        key = (song, epoch)
        best = min(self._starts) if self._starts else None
        if key != self._key or best is None or start < best - JUMP_S:
            self._restart(key, [start])
        elif start > best + JUMP_S:
            self._late.append(start)
            if len(self._late) >= self.LATE_RUN:
                self._restart(key, self._late)
        else:
            self._late.clear()
            self._starts.append(start)

    def _restart(self, key: tuple[int, int], starts: list[float]) -> None:
        self.restarts += 1
        self._starts.clear()
        self._starts.extend(starts)
        self._late = []
        self._key = key

    @property
    def start(self) -> float | None:
        return min(self._starts) if self._starts else None

    def reset(self) -> None:
        self._starts.clear()
        self._late = []
        self._key = None


class LinkSync:
    """``quantum``: beats per Link bar; ``follow``: a remote's Play waits for the next Link bar, and
    Link's beat is not forced (another peer leads). ``latency``: seconds from the engine's status to
    the output (the device's output latency), added so the beats agree where they are heard."""

    def __init__(self, hub: Hub, show: Show | None, quantum: int = 4, follow: bool = False,
                 latency: float = 0.0, hz: float = HZ) -> None:
        self.hub = hub
        self.show = show
        self.quantum = quantum
        self.follow = follow
        self.latency = latency
        self.hz = hz
        self.clock = SongClock()
        self.forced = 0  # times Link's beat was set to ours
        self.force_times: deque[float] = deque(maxlen=1000)  # when (Link clock), for measurements
        self.link: object | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None

    # --- life cycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="remote-link", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise RuntimeError(f"Link did not start: {self._error}")
        if self.follow:
            self.hub.before_play = self.play_on_next_bar

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(3.0)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:
            self._error = exc
            self._ready.set()
            log.exception("Link stopped")

    async def _main(self) -> None:
        import aalink

        self._loop = asyncio.get_running_loop()
        link = aalink.Link(120.0)
        link.quantum = float(self.quantum)
        link.start_stop_sync_enabled = True
        link.enabled = True
        self.link = link
        self._ready.set()
        try:
            while not self._stop.is_set():
                self.tick()
                await asyncio.sleep(1.0 / self.hz)
        finally:
            link.enabled = False

    # --- the beat --------------------------------------------------------------------------------
    def _tempo_map(self, song: int) -> object | None:
        row = self.show.song(song) if self.show is not None else None
        return row.tempo_map if row is not None else None

    def song_beat(self, at: float, song: int) -> tuple[float, float] | None:
        """(quarter notes, quarter bpm) of song ``song`` heard at Link time ``at``; None if unknown."""
        start, tempo = self.clock.start, self._tempo_map(song)
        if start is None or tempo is None:
            return None
        frame = (at - start - self.latency) * tempo.rate  # type: ignore[attr-defined]
        seg, x = tempo.pulses_at(frame)  # type: ignore[attr-defined]
        return seg.q0 + x * seg.pulse_q, seg.bpm(x) * seg.pulse_q

    def tick(self) -> None:
        """Publish tempo, start/stop and (leading) the beat; called ``hz`` times a second."""
        link = self.link
        if link is None:
            return
        try:
            st = self.hub.status()
        except TimeoutError:
            return
        playing = st.state in (State.PLAYING,)
        if not playing:
            self.clock.reset()
            if link.playing:  # type: ignore[attr-defined]
                link.playing = False  # type: ignore[attr-defined]
            return
        self.clock.add(st.song, st.position, st.rate, st.wall, st.seq, st.jumps)
        now = link_clock()
        ours = self.song_beat(now, st.song)
        if ours is None:
            return
        _, bpm = ours
        if abs(link.tempo - bpm) > 1e-3:  # type: ignore[attr-defined]
            link.tempo = bpm  # type: ignore[attr-defined]
        if not link.playing:  # type: ignore[attr-defined]
            link.playing = True  # type: ignore[attr-defined]
        if not self.follow:
            self._lead(link, st.song, bpm)

    def _lead(self, link: object, song: int, bpm: float) -> None:
        """Set Link's beat to ours when they differ by more than ``TOLERANCE_MS``.

        Each reading of Link's beat and each force is bracketed by two clock reads: if this thread was
        preempted in between (a busy machine), the pair is not trusted and it tries again.
        """
        for _ in range(3):
            t0 = link_clock()
            beat = link.beat  # type: ignore[attr-defined]
            t1 = link_clock()
            ours = self.song_beat((t0 + t1) / 2, song)
            if t1 - t0 > PAIR_S or ours is None:
                continue
            if abs(beat - ours[0]) * 60000.0 / bpm <= TOLERANCE_MS:
                return
            t0 = link_clock()
            target = self.song_beat(t0, song)
            if target is None:
                return
            link.force_beat(target[0])  # type: ignore[attr-defined]
            self.forced += 1
            self.force_times.append(t0)
            if link_clock() - t0 <= PAIR_S:
                return

    def next_bar_in(self) -> float:
        """Seconds until Link's next bar line (phase 0 of the quantum)."""
        link = self.link
        if link is None:
            return 0.0
        phase, tempo = link.phase, link.tempo  # type: ignore[attr-defined]
        return max(self.quantum - phase, 0.0) % self.quantum * 60.0 / tempo

    def play_on_next_bar(self, command: m.Command, send: Callable[[m.Command], object]) -> bool:
        """Follow mode: hold a remote's Play until the next Link bar. True when it was taken."""
        if self._loop is None or not isinstance(command, m.Play | m.DoAction):
            return False
        if isinstance(command, m.DoAction) and command.action.value not in ("play", "play_pause"):
            return False
        delay = self.next_bar_in()
        loop = self._loop
        loop.call_soon_threadsafe(lambda: loop.call_later(delay, send, command))
        return True


def beats_between(samples: list[tuple[float, float]], at: float) -> float:
    """The beat at time ``at``, linearly between recorded (time, beat) samples (for measurements)."""
    times = [t for t, _ in samples]
    i = min(max(bisect.bisect_left(times, at), 1), len(samples) - 1)
    (t0, b0), (t1, b1) = samples[i - 1], samples[i]
    return b0 + (b1 - b0) * (at - t0) / (t1 - t0)
