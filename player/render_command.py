"""``player render``: songs mixed offline through the show's own deck and mixer, one file per bus."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape


def render(args: argparse.Namespace, console: Console) -> int:
    """`player render`: the songs through the show's mixer, one WAV per bus (or `--mix` files)."""
    from rich.progress import TaskID

    from player.engine.plan import plan_song
    from player.engine.render import render_song, slug
    from player.render_options import loaded_songs, print_onsets, render_entry, render_progress
    from player.setlist.generate import not_generated
    from player.setlist.problems import LoadError
    from player.setlist.rig import load_rig
    from player.setlist.setlist import Entry, load_setlist

    source: Path = args.source
    jobs: list[tuple[int, Path, Entry | None]]
    try:
        setlist = load_setlist(source)  # a file, a song folder or a folder of songs
        rig_path, rig = load_rig(args.rig or setlist.setlist.rig, source)
        jobs = [
            (i + 1, setlist.song_folder(e), e) for i, e in enumerate(setlist.setlist.songs) if not e.skip]
        if setlist.folder and [e.path for e in setlist.setlist.songs] == ["."]:
            jobs = [(0, source, None)]  # one song: its files are named after it alone
    except LoadError as exc:
        for p in exc.problems:
            console.print(f"[bold red]ERROR[/]: {p}")
        return 1
    if args.mix:
        from player.render_options import render_mixes

        return render_mixes(console, jobs, rig, args, source)
    console.print(f"Rig: {rig.name or rig_path}; {rig.audio.sample_rate} Hz; buses "
                  + ", ".join(f"{b}={'+'.join(map(str, c))}" for b, c in rig.buses.items()))
    failed = 0
    with render_progress(console) as progress:
        for index, folder, entry, song in loaded_songs(progress, jobs):
            if song is None:
                failed += 1
                continue
            name = f"{index:02d}-{slug(song.song.title)}" if index else slug(song.song.title)
            task = progress.add_task(song.song.title, total=None)
            entry = render_entry(entry, args)
            for why in not_generated(song, entry):  # --click on / --count-in N on a song without tempo
                progress.console.print(f"[yellow]warning[/]: {escape(song.song.title)}: {escape(why)} "
                                       "Fix: add a [tempo] table with bpm to its song.toml.")
            plan = plan_song(song, rig, entry, rate=rig.audio.sample_rate)

            def report(done: int, total: int, t: TaskID = task) -> None:
                progress.update(t, completed=done, total=total)

            result = render_song(plan, rig, args.out / name, per_channel=args.per_channel, progress=report)
            for error in result.errors:
                progress.console.print(f"[yellow]warning[/]: {error} (rendered silent)")
            for refused in plan.refused:  # the channel rule of `player check`, the same here
                failed += 1
                progress.console.print(f"[bold red]ERROR[/]: {escape(str(folder))}: {escape(refused)} "
                                       "Not rendered; split it into mono or stereo files.")
            if args.onsets:
                print_onsets(progress.console, plan_song(song, rig, entry, rate=rig.audio.sample_rate),
                              result.frames)
            seconds = result.frames / rig.audio.sample_rate
            progress.console.print(f"{song.song.title}: {seconds:.1f} s -> {args.out / name}/ "
                                   f"({', '.join(p.name for p in result.files.values())})")
    return 1 if failed else 0
