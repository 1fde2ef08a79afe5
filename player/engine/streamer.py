"""The readers: keep every deck's ring topped up, most urgent deck first, and own every open file.

Two threads rather than one per stem: other Python threads share the GIL with the audio callback
(design.md), so they are kept few, short, and at a real-time priority below the audio thread.
- The disk thread decodes the stem files. It is the only thread that opens, reads, seeks or closes
  them: closing a SoundFile while another thread reads it corrupts libsndfile's heap (it killed the
  engine under bursts of commands). Decks the control thread lets go of are handed here to be
  closed, between two passes, when no read of theirs can be in flight.
- The memory thread fills what needs no disk (the generated click, cues and count-in), so a disk
  that stalls for seconds never silences the click.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from typing import Any

from player.engine.deck import Deck

IDLE_SLEEP = 0.004  # a 128-frame block is 2.7 ms; rings hold seconds, so a few ms idle costs nothing
MEMORY_PERIOD = 0.01  # the memory thread's top-up period; its sources cost microseconds a read


class Streamer:
    """Fills ``decks`` (a tuple the control thread replaces whole) in order, forever."""

    def __init__(self, priority: int = 10) -> None:
        self.decks: tuple[Deck, ...] = ()
        self.stall_until = 0.0  # test hook: a stuck disk (the disk thread only)
        self.errors = 0
        self.passes = 0  # completed disk passes: a deck retired before one began is not being read
        self._retired: deque[Any] = deque()  # (deck, owner) pairs to close on the disk thread
        self._stop = threading.Event()
        self.wake = threading.Event()  # set by ``kick``: a new deck wants its first read
        self._wake_memory = threading.Event()
        self._priority = priority
        self._threads = [
            threading.Thread(target=self._run_disk, name="player-streamer", daemon=True),
            threading.Thread(target=self._run_memory, name="player-generated", daemon=True)]

    def kick(self) -> None:
        """A deck was added: read now rather than after the idle sleep."""
        self.wake.set()
        self._wake_memory.set()

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.kick()
        for thread in self._threads:
            thread.join(2)
        self.decks = ()
        self.close_retired()

    def retire(self, deck: Deck, owner: object = None) -> None:
        """Close ``deck`` on the disk thread once it is out of ``decks``; ``owner`` (its voice) is
        released there too, so its memory is never freed by the audio callback."""
        self._retired.append((deck, owner))
        self.wake.set()

    @property
    def retired(self) -> int:
        return len(self._retired)

    def close_retired(self) -> None:
        """Close the retired decks out of ``decks`` (the disk thread, or an offline driver)."""
        live = self.decks
        for _ in range(len(self._retired)):
            deck, owner = self._retired.popleft()
            if deck in live:
                self._retired.append((deck, owner))  # put back in use: not ours to close yet
                continue
            try:
                deck.close()
            except Exception:  # noqa: BLE001 - a file that fails to close must not stop the readers
                self.errors += 1
            del deck, owner

    @staticmethod
    def _realtime(priority: int) -> None:
        try:
            # Below the audio thread (JACK runs it at 70 in our setup), above everything else.
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
        except (AttributeError, OSError):
            pass  # not permitted here: normal priority still keeps seconds of read-ahead

    def _run_disk(self) -> None:
        self._realtime(self._priority)
        while not self._stop.is_set():
            if self._retired:
                self.close_retired()  # between passes: no read of a retired deck in flight
            decks = self.decks
            if time.monotonic() < self.stall_until:
                time.sleep(0.01)
                continue
            written = 0
            for deck in decks:
                try:
                    written += deck.fill(stems=deck.disk_stems)
                except Exception:  # noqa: BLE001 - a broken file must not stop the other stems
                    self.errors += 1
            self.passes += 1
            if not written:
                self.wake.wait(IDLE_SLEEP)
                self.wake.clear()

    def _run_memory(self) -> None:
        self._realtime(max(1, self._priority - 1))
        while not self._stop.is_set():
            for deck in self.decks:
                if deck.memory_stems:
                    try:
                        deck.fill(stems=deck.memory_stems)
                    except Exception:  # noqa: BLE001 - like the disk thread
                        self.errors += 1
            self._wake_memory.wait(MEMORY_PERIOD)
            self._wake_memory.clear()
