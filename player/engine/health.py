"""What the readers and the callback noticed, said once each in words: damage, a low read-ahead, a
fault in the callback, and "song loaded" once its first block is decoded (loaded = ready to play)."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable

from player.engine import messages as m
from player.engine.transport import Transport, Voice

LOW_SECONDS = 1.5  # warn on screen when the current song has less than this decoded ahead


class Health:
    def __init__(self, emit: Callable[[m.Event], None]) -> None:
        self.emit = emit
        self._said: set[str] = set()
        self.announce: Voice | None = None  # current voice whose SongLoaded waits for its audio
        self._fault_told = False
        self._low = False  # the read-ahead warning is showing

    def once(self, key: str, event: m.Event) -> None:
        """``event``, unless the same ``key`` was said before."""
        if key not in self._said:
            self._said.add(key)
            self.emit(event)

    def watch(self, t: Transport, voices: Iterable[Voice | None]) -> None:
        for voice in voices:
            if voice is not None:
                for notice in voice.deck.notices():
                    self.once(f"{voice.index}:{notice}", m.FileError(notice))
        announce = self.announce
        if announce is not None and (announce is not t.current or announce.deck.ring.ready_block()):
            self.announce = None
            if announce is t.current:
                self.emit(m.SongLoaded(announce.index, announce.title, announce.deck.length / t.rate))
        self._read_ahead(t)
        if t.fault is not None and not self._fault_told:
            self._fault_told = True
            text = "".join(traceback.format_exception(t.fault))
            print(f"audio callback fault (block played as silence):\n{text}", flush=True)
            self.emit(m.EngineFault(f"{type(t.fault).__name__}: {t.fault}", text))

    def _read_ahead(self, t: Transport) -> None:
        voice = t.current
        low = False
        left = 0.0
        if voice is not None and t.busy and voice.started and not voice.deck.finished:
            left = voice.deck.ring.buffered() / t.rate
            to_end = (voice.deck.length - voice.deck.position) / t.rate
            low = left < min(LOW_SECONDS, to_end - 0.05)
        if low != self._low:
            self._low = low
            self.emit(m.ReadAhead(left, low))
