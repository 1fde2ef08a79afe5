"""``player prepare SETLIST``: the stems a show plays at another key or tempo, made ready, with a bar."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from player.prepare.cache import PrepareCache
from player.prepare.prepare import Done, Job, jobs, prepare_all
from player.setlist.problems import LoadError
from player.setlist.setlist import load_setlist
from player.setlist.song import SongFolder, load_song


def prepare_command(console: Console, source: Path, workers: int | None = None) -> int:
    """Prepare the set; exit 0 when every file is ready, 1 when a song or file could not be prepared."""
    failed = 0

    def load(folder: Path) -> SongFolder | None:
        nonlocal failed
        try:
            return load_song(folder)
        except LoadError as exc:
            failed += 1
            for p in exc.problems:
                console.print(f"[bold red]ERROR[/]: {escape(str(p))}")
            return None

    try:
        show = load_setlist(source)
    except LoadError as exc:
        for p in exc.problems:
            console.print(f"[bold red]ERROR[/]: {escape(str(p))}")
        return 1
    todo: list[Job] = list(jobs(show, load))
    if not todo:
        console.print("Nothing to prepare: no song of this set has a transpose or a tempo.")
        return 1 if failed else 0
    cache = PrepareCache()
    start = time.monotonic()
    with Progress(TextColumn("preparing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  TextColumn("{task.description}"), console=console,
                  transient=not console.is_terminal) as bar:
        task = bar.add_task("", total=len(todo))

        def advance(done: Done) -> None:
            bar.update(task, advance=1, description=escape(f"{done.job.song}: {done.job.source.name}"))
            if done.error:
                bar.console.print(f"[bold red]ERROR[/]: {escape(done.job.song)}: {escape(done.error)} "
                                  "It will play as recorded.")

        results = prepare_all(todo, cache, workers, advance)
    wall = time.monotonic() - start
    hits = sum(d.hit for d in results)
    errors = sum(bool(d.error) for d in results)
    cpu = sum(d.cpu_seconds for d in results)
    console.print(f"Prepared {len(results) - hits - errors} file(s), {hits} already in the cache, "
                  f"{errors} failed; {wall:.1f} s wall, {cpu:.1f} s CPU in the workers. Cache: {cache.root}")
    return 1 if failed or errors else 0
