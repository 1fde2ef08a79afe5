"""``player render`` options: the generated click, cues and count-in, the onset report, and the
stereo mixes (``--mix``) with their playlist and lyrics."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, TaskID

from player.engine.generated import ScheduledSource
from player.engine.plan import SongPlan
from player.setlist.rig import MODES, Rig
from player.setlist.roles import Role
from player.setlist.setlist import Entry
from player.setlist.song import SongFolder


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


# --- --mix full|instrumental|karaoke|minus:ROLE[,ROLE] -------------------------------------------
MIX_CHOICES = "full, karaoke, instrumental or minus:ROLE[,ROLE] (e.g. minus:bass)"


def mix_roles(spec: str, rig: Rig, extra: Iterable[str] = ()) -> frozenset[Role]:
    """The roles a ``--mix`` leaves out: the rig's [modes] for karaoke and instrumental, the named
    roles for ``minus:``, and always the click and guide unless ``--with`` brings them in.

    Raises ``ValueError`` with the fix in words for a spec or role that does not exist.
    """
    spec = spec.strip().lower()
    if spec == "full":
        dropped: set[Role] = set()
    elif spec in MODES:
        dropped = set(rig.modes.roles(spec))
    elif spec.startswith("minus:"):
        dropped = {_role(name) for name in spec[len("minus:"):].split(",") if name.strip()}
        if not dropped:
            raise ValueError("minus: needs at least one role, e.g. minus:bass")
    else:
        raise ValueError(f"--mix {spec!r} is not one of {MIX_CHOICES}")
    wanted = {_role(name) for item in extra for name in item.split(",") if name.strip()}
    return frozenset(dropped | ({Role.CLICK, Role.GUIDE} - wanted))


def _role(name: str) -> Role:
    try:
        return Role(name.strip().lower())
    except ValueError:
        raise ValueError(f"no role {name.strip()!r}: roles are "
                         f"{', '.join(r.value for r in Role)}") from None


def mix_suffix(spec: str) -> str:
    """What the file name says about the mix: "" for full, "-karaoke", "-minus-bass"."""
    spec = spec.strip().lower()
    return "" if spec == "full" else "-" + spec.replace(":", "-").replace(",", "-")


def write_m3u(path: Path, items: list[tuple[Path, float, str]]) -> Path:
    """An extended M3U playlist (UTF-8) of (file, seconds, "Artist - Title"), paths relative to it."""
    lines = ["#EXTM3U", "#EXTENC:UTF-8"]
    for file, seconds, name in items:
        lines.append(f"#EXTINF:{round(seconds)},{name}")
        lines.append(file.name if file.parent == path.parent else str(file))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_song_lyrics(song: SongFolder, plan: SongPlan, audio: Path) -> Path | None:
    """The song's lyrics beside its rendered file (``NAME.lrc``), moved by a rendered count-in."""
    from player.lyrics import load_lyrics
    from player.lyrics.write import write_lrc

    lyrics = load_lyrics(song)
    if not lyrics.lines:
        return None
    shift = -plan.tempo.seconds_at(-plan.count_in) if plan.count_in and plan.tempo else 0.0
    return write_lrc(lyrics, audio.with_suffix(".lrc"), shift, song.song.title, song.song.artist)


def _advance(progress: Progress, task: TaskID, done: int, total: int) -> None:
    progress.update(task, completed=done, total=total)


def render_mixes(console: Console, jobs: list[tuple[int, Path, Entry | None]], rig: Rig,
                 args: argparse.Namespace, source: Path) -> int:
    """``player render --mix``: one stereo file per song, its LRC beside it, an M3U for a set."""
    import time

    from player.engine.plan import plan_song
    from player.engine.render import render_mix, slug
    from player.engine.vocal import reduced

    try:
        dropped = mix_roles(args.mix, rig, args.with_roles)
    except ValueError as exc:
        console.print(f"[bold red]ERROR[/]: {exc}")
        return 2
    out: Path = args.out
    console.print(f"Mix {args.mix}: without {', '.join(sorted(r.value for r in dropped)) or 'nothing'}; "
                  f"{args.format}, {rig.audio.sample_rate} Hz"
                  + (f", {args.loudness:g} LUFS" if args.loudness is not None else ""))
    failed, playlist, began = 0, [], time.monotonic()
    with render_progress(console) as progress:
        for index, _folder, entry, song in loaded_songs(progress, jobs):
            if song is None:
                failed += 1
                continue
            name = (f"{index:02d}-" if index else "") + slug(song.song.title) + mix_suffix(args.mix)
            task = progress.add_task(song.song.title, total=None)
            plan = plan_song(song, rig, render_entry(entry, args), rate=rig.audio.sample_rate)
            target = out / f"{name}.{args.format}"
            result = render_mix(plan, rig, target, dropped, args.format, args.loudness,
                                functools.partial(_advance, progress, task))
            for error in result.errors:
                progress.console.print(f"[yellow]warning[/]: {error} (rendered silent)")
            try:
                lrc = write_song_lyrics(song, plan, target)
            except Exception as exc:  # noqa: BLE001 - the mix is written; the lyrics are a bonus
                lrc = None
                progress.console.print(f"[yellow]warning[/]: lyrics not written ({exc})")
            seconds = result.frames / rig.audio.sample_rate
            notes = [f"{seconds:.1f} s"]
            if result.lufs is not None:
                notes.append(f"{result.lufs:.1f} LUFS ({result.gain_db:+.1f} dB"
                             + (", peak-limited" if result.limited else "") + ")")
            if reduced(plan) and Role.LEAD in dropped:
                notes.append("no lead stem: vocal reduction (best effort)")
            if lrc is not None:
                notes.append(f"lyrics {lrc.name}")
            progress.console.print(f"{song.song.title}: {target} ({'; '.join(notes)})")
            playlist.append((target, seconds, " - ".join(x for x in (song.song.artist, song.song.title)
                                                         if x)))
    if source.is_file() and playlist:
        m3u = write_m3u(out / f"{slug(source.stem)}{mix_suffix(args.mix)}.m3u", playlist)
        console.print(f"Playlist: {m3u}")
    console.print(f"Rendered {len(playlist)} songs in {time.monotonic() - began:.1f} s.")
    return 1 if failed else 0


def render_progress(console: Console) -> Progress:
    """The progress display of every render: one row per song."""
    from rich.progress import BarColumn, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(),
                    console=console, transient=not console.is_terminal)


def loaded_songs(progress: Progress, jobs: Sequence[tuple[int, Path, Entry | None]]
                 ) -> Iterator[tuple[int, Path, Entry | None, SongFolder | None]]:
    """Each job's song, loaded; None (its problems printed) when it does not load: the others go on."""
    from player.setlist.problems import LoadError
    from player.setlist.song import load_song

    for index, folder, entry in jobs:
        try:
            song: SongFolder | None = load_song(folder)
        except LoadError as exc:
            song = None
            for p in exc.problems:
                progress.console.print(f"[bold red]ERROR[/]: {p}")
        yield index, folder, entry, song
