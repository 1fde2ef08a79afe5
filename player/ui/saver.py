"""Saves off the UI thread: one worker runs them in order; the screen hears back when each is done.

A save fsyncs the file and its folder; on a slow or failing disk that took 5 s, and while it ran on
the UI thread the keyboard was dead (Space took effect 3.8 s late). Saves run one at a time, in the
order asked, so two saves of one file never interleave their read-modify-write. The thread is not
a daemon: a save under way when the performer quits is finished, not cut in half.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from player.setlist.saving import SaveError

Job = tuple[Callable[[], str], Callable[[str], None] | None, Callable[[str], None]]


class Saver:
    """``save(job, then, failed)``: ``job()`` runs on the worker and returns a sentence; ``then``
    (success) or ``failed`` (a ``SaveError``'s words) run on the UI thread through ``call``."""

    def __init__(self, call: Callable[..., object]) -> None:
        self._call = call  # the UI loop's call_soon_threadsafe: never waits (the loop may be gone)
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.pending = 0

    def save(self, job: Callable[[], str], then: Callable[[str], None] | None,
             failed: Callable[[str], None]) -> None:
        self.pending += 1
        self._jobs.put((job, then, failed))
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="saver")
            self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            job, then, failed = item
            try:
                said = job()
            except SaveError as exc:
                self._tell(failed, str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - a save bug must not end the worker
                self._tell(failed, f"the save failed ({type(exc).__name__}: {exc}); nothing else "
                           "changed. Please report it.")
                continue
            if then is not None:
                self._tell(then, said)
            else:
                self.pending -= 1

    def _tell(self, callback: Callable[[str], None], said: str) -> None:
        def on_ui() -> None:
            self.pending -= 1
            callback(said)

        try:
            self._call(on_ui)
        except Exception:  # noqa: BLE001 - the app has gone: the file is saved all the same
            self.pending -= 1

    def close(self) -> None:
        """Stop once what was asked is done (the app is exiting: nobody waits for it to be)."""
        if self._thread is not None:
            self._jobs.put(None)
