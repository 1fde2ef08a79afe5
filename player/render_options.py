"""``player render`` options for the generated click, cues and count-in, and the onset report."""

from __future__ import annotations

import argparse

from rich.console import Console

from player.engine.generated import ScheduledSource
from player.engine.plan import SongPlan
from player.setlist.setlist import Entry


def render_entry(entry: Entry | None, args: argparse.Namespace) -> Entry | None:
    """The setlist entry with the command line's --click/--guide/--count-in on top."""
    changes = {k: getattr(args, k) for k in ("click", "guide", "count_in")
               if getattr(args, k, None) is not None}
    if not changes:
        return entry
    return (entry or Entry(path=".")).model_copy(update=changes)


def print_onsets(console: Console, plan: SongPlan, frames: int) -> None:
    """Where the generated sounds fall: a listener's check that the click follows the tempo map."""
    tempo = plan.tempo
    if tempo is None:
        return
    first = tempo.frame_at(-plan.count_in) if plan.count_in else 0
    for name, source in zip(plan.names, plan.sources, strict=True):
        if not isinstance(source, ScheduledSource):
            continue
        events = source.events(first, first + frames)
        shown = ", ".join(f"{_bar_beat(plan, f)}@{f}" for f, _ in events[:8])
        console.print(f"  {name}: {len(events)} sounds; first: {shown}")
        if events:
            console.print(f"    last: {_bar_beat(plan, events[-1][0])}@{events[-1][0]}")


def _bar_beat(plan: SongPlan, frame: int) -> str:
    assert plan.tempo is not None
    where = plan.tempo.locate(frame)
    return f"{where.bar}.{where.beat}"
