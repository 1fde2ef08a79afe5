"""The disk reader: one thread that keeps every deck's ring topped up, most urgent deck first.

One thread rather than one per stem: other Python threads share the GIL with the audio callback
(design.md), so they are kept few, short, and at a real-time priority below the audio thread.
"""

from __future__ import annotations

import os
import threading
import time

from player.engine.deck import Deck

IDLE_SLEEP = 0.004  # a 128-frame block is 2.7 ms; rings hold seconds, so a few ms idle costs nothing


class Streamer:
    """Fills ``decks`` (a tuple the control thread replaces whole) in order, forever."""

    def __init__(self, priority: int = 10) -> None:
        self.decks: tuple[Deck, ...] = ()
        self.stall_until = 0.0  # test hook: a stuck disk
        self.errors = 0
        self._stop = threading.Event()
        self._priority = priority
        self._thread = threading.Thread(target=self._run, name="player-streamer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        try:
            # Below the audio thread (JACK runs it at 70 in our setup), above everything else.
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(self._priority))
        except (AttributeError, OSError):
            pass  # not permitted here: normal priority still keeps seconds of read-ahead
        while not self._stop.is_set():
            if time.monotonic() < self.stall_until:
                time.sleep(0.01)
                continue
            written = 0
            for deck in self.decks:
                try:
                    written += deck.fill()
                except Exception:  # noqa: BLE001 - a broken file must not stop the other stems
                    self.errors += 1
            if not written:
                time.sleep(IDLE_SLEEP)
