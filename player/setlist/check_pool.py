"""``player check``'s worker processes: songs decoded on every core, and the way to start them safely
beside a Textual app (no stderr file descriptor) or from a plain command line."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING

from player.setlist.cache import CheckCache

if TYPE_CHECKING:
    from player.setlist.check import SongReport, _Task


_worker_cache: CheckCache | None = None


def _worker(task: _Task, cache_path: Path) -> tuple[SongReport, dict[str, dict[str, object]]]:
    from player.setlist.check import _check_task

    global _worker_cache
    if _worker_cache is None or _worker_cache.path != cache_path:
        _worker_cache = CheckCache(cache_path)
    return _check_task(task, _worker_cache)


def in_processes(tasks: list[_Task], jobs: int,
                 cache_path: Path) -> Iterator[tuple[SongReport, dict[str, dict[str, object]]]]:
    """Songs checked in worker processes, yielded as each finishes.

    Processes, not threads: decoding for peaks holds the GIL often enough that a thread pool in the
    stage screen's process made its keyboard lag. If worker processes cannot start, the songs left
    are checked here: slower, never lost.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed

    pending = {t.index: t for t in tasks}
    try:
        context = _start_context()
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_quiet) as pool:
            futures = [pool.submit(_worker, t, cache_path) for t in tasks]
            for future in as_completed(futures):
                song, learnt = future.result()
                pending.pop(song.index - 1, None)
                yield song, learnt
    except (OSError, ValueError, RuntimeError, BrokenProcessPool):
        from player.setlist.check import _check_task

        cache = CheckCache(cache_path)
        for task in list(pending.values()):
            yield _check_task(task, cache)


def _start_context() -> BaseContext:
    """Fork from a single-threaded command line (ten times quicker to start); spawn beside threads.

    A fork beside other threads (the stage screen's) could inherit a lock held mid-operation. Spawning
    needs multiprocessing's resource tracker, which passes on this process's stderr: inside a Textual
    app that has no file descriptor (fileno() is -1) and starting fails, so it starts with /dev/null.
    """
    import multiprocessing
    from multiprocessing import resource_tracker

    if threading.active_count() == 1 and os.name == "posix":
        return multiprocessing.get_context("fork")
    saved = sys.stderr
    try:
        if _fileno(saved) < 0:
            sys.stderr = open(os.devnull, "w")
        resource_tracker.ensure_running()
    finally:
        if sys.stderr is not saved:
            sys.stderr.close()
            sys.stderr = saved
    return multiprocessing.get_context("spawn")


def _fileno(stream: object) -> int:
    try:
        return int(stream.fileno())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return -1


def _quiet() -> None:
    """A worker's own output (a decoder's warning) must never land on the stage screen."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
