"""The text of ``player check``: one block per song, problems under the song they belong to."""

from __future__ import annotations

import math

from player.setlist.check import ShowReport, SongReport
from player.setlist.problems import Problem, Severity

_MARK = {Severity.ERROR: "ERROR", Severity.WARNING: "warning", Severity.INFO: "note"}
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "dim"}


def clock(seconds: float) -> str:
    """``194.2`` -> ``3:14``: how durations read on a setlist."""
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _problem_line(p: Problem) -> str:
    return f"[{_STYLE[p.severity]}]{_MARK[p.severity]}[/]: {_escape(str(p))}"


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


def render(report: ShowReport) -> list[str]:
    """Lines of rich markup; the caller prints them (plain when not a terminal)."""
    out: list[str] = []
    title = report.setlist.setlist.title if report.setlist else "?"
    out.append(f"[bold]Setlist:[/] {_escape(title)}  ({report.setlist_path})")
    if report.rig is not None:
        rig = report.rig
        dev = (f"{report.device.name} ({report.device.host_api}), {report.device.outputs} outputs"
               if report.device else "not connected")
        buses = ", ".join(f"{b}={'+'.join(map(str, ch))}" for b, ch in rig.buses.items())
        out.append(f"[bold]Rig:[/] {_escape(rig.name or str(report.rig_path))}  "
                   f"({report.rig_path}); device {_escape(dev)}; {rig.audio.sample_rate} Hz, "
                   f"{rig.audio.block_size} frames; buses {buses}")
    for p in report.problems:
        out.append("  " + _problem_line(p))
    for song in report.songs:
        out += _song(song)
    total = sum(s.seconds for s in report.songs if not s.entry.skip)
    n_err = sum(p.severity is Severity.ERROR for p in report.all_problems())
    n_warn = sum(p.severity is Severity.WARNING for p in report.all_problems())
    played = sum(not s.entry.skip for s in report.songs)
    summary = f"{played} songs, {clock(total)} in all; {n_err} errors, {n_warn} warnings."
    if report.ok:
        out.append(f"[bold green]The show can run.[/] {summary}")
    else:
        out.append(f"[bold red]The show cannot run as written.[/] {summary} Fix the errors above.")
    return out


def _song(song: SongReport) -> list[str]:
    status = ("[dim]skipped[/]" if song.entry.skip else
              "[green]ok[/]" if song.ok else "[bold red]ERRORS[/]")
    head = f"{song.index:>2}. {_escape(song.title)}"
    if song.song and song.song.song.artist:
        head += f" - {_escape(song.song.song.artist)}"
    out = [""]
    if song.song is None:
        out.append(f"{head}  {status}")
    else:
        meta = song.song.song
        tempo = f", {meta.tempo.bpm:g} bpm {meta.tempo.time_signature}" if meta.tempo else ""
        source = "" if song.song.toml else " (no song.toml: roles guessed from file names)"
        out.append(f"[bold]{head}[/]  {clock(song.seconds)}, {len(song.stems)} stems{tempo}"
                   f"{source}  {status}")
        for s in song.stems:
            if s.info is None:
                facts = "[red]missing or unreadable[/]"
            else:
                ch = {1: "mono", 2: "stereo"}.get(s.info.channels, f"{s.info.channels} ch")
                peak = (f"{s.info.peak_dbfs:+.1f} dBFS" if math.isfinite(s.info.peak_dbfs)
                        else "silent")
                facts = (f"{s.info.sample_rate} Hz {ch:<6} {s.info.seconds:7.2f} s  peak {peak}")
            shown = f"{s.stem.file} + {s.stem.right}" if s.stem.right else s.stem.file  # a split pair
            out.append(f"      {_escape(shown):<22} {s.stem.role.value:<8} -> "
                       f"{_escape(s.bus):<12} {facts}")
    for p in song.problems:
        out.append("    " + _problem_line(p))
    return out
