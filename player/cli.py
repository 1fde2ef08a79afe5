"""The ``player`` command: check a show, list devices, play a setlist."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from player import __version__

if TYPE_CHECKING:
    from player.setlist.check_rig import Device

DEFAULT_SETLIST = "setlists/demo.toml"


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code (0 ok, 1 the show cannot run, 2 bad usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    return int(args.run(args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="player", description="Backing-track player for live shows.")
    parser.add_argument("--version", action="version", version=f"player {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="read everything a show needs and report problems per song",
                           description="Check a setlist, its rig and every stem before a show. "
                           "Exit 0 when the show can run, 1 when it cannot.")
    check.add_argument("setlist", type=Path, help="setlist file (e.g. setlists/demo.toml), a song "
                       "folder, or a folder of song folders (a show in name order)")
    check.add_argument("--rig", help="rig name (config/rigs/NAME.toml) or path; default: the setlist's")
    check.add_argument("--no-device", action="store_true",
                       help="do not look for the audio device (checking files only)")
    check.add_argument("--quick", action="store_true",
                       help="read only the files' headers (no peaks, no damage found mid-file)")
    check.add_argument("--jobs", type=int, default=None,
                       help="songs checked at once, in worker processes (default: one per core)")
    check.set_defaults(run=_check)

    new = sub.add_parser("new-setlist", help="start a setlist from song folders: player new-setlist NAME "
                         "FOLDER...",
                         description="Write a setlist file from song folders (or folders of song "
                         "folders, taken in name order), ready for `player check` and `player play`.")
    new.add_argument("name", help="setlist name (writes setlists/NAME.toml) or a path ending in .toml")
    new.add_argument("folders", type=Path, nargs="+", metavar="FOLDER",
                     help="song folders, or folders that hold song folders")
    new.add_argument("--title", help="the show's title; default: NAME")
    new.add_argument("--rig", default="default", help="the rig the setlist names (default: default)")
    new.add_argument("--force", action="store_true", help="replace an existing file")
    new.set_defaults(run=_new_setlist)

    devices = sub.add_parser("devices", help="list audio output devices and MIDI ports")
    devices.set_defaults(run=_devices)

    render = sub.add_parser("render", help="mix songs offline into one file per bus",
                            description="Render a song folder or every song of a setlist, through "
                            "the live engine's mixer, into one WAV file per bus of the rig.")
    render.add_argument("source", type=Path, help="a song folder or a setlist file")
    render.add_argument("--out", type=Path, required=True, help="output folder")
    render.add_argument("--rig", help="rig name or path; default: the setlist's, else 'default'")
    render.add_argument("--per-channel", action="store_true",
                        help="also write one mono file per output channel")
    for what in ("click", "guide"):
        render.add_argument(f"--{what}", choices=("auto", "on", "off"),
                            help=f"generated {what}: override the song's and the setlist's choice")
    render.add_argument("--count-in", type=int, choices=(0, 1, 2), help="bars of count-in before bar 1")
    render.add_argument("--onsets", action="store_true",
                        help="list where the generated click and cues start (bar.beat, frame)")
    render.add_argument("--mix", metavar="MIX",
                        help="one stereo file per song instead of one per bus: full, karaoke, "
                             "instrumental or minus:ROLE[,ROLE] (band-minus-one); with an M3U and LRC")
    render.add_argument("--format", choices=("wav", "flac", "mp3", "ogg"), default="wav",
                        help="file format of --mix (default wav)")
    render.add_argument("--loudness", type=float, metavar="LUFS",
                        help="--mix: normalise each song to this integrated loudness, e.g. -16")
    render.add_argument("--with", dest="with_roles", action="append", default=[], metavar="ROLE",
                        help="--mix: also play the click or the guide (left out by default)")
    render.set_defaults(run=_render)

    prepare = sub.add_parser("prepare", help="shift and stretch the stems of songs with a transpose or "
                             "tempo, ahead of the show",
                             description="Prepare every stem of every song that the setlist (or its "
                             "song.toml) plays at another key or tempo, into the cache, one worker "
                             "process per core. A second run finds them ready.")
    prepare.add_argument("setlist", type=Path, help="setlist file, song folder or folder of songs")
    prepare.add_argument("--jobs", type=int, default=None,
                         help="worker processes (default: one per core)")
    prepare.set_defaults(run=_prepare)

    play = sub.add_parser("play", help="run the show from a setlist")
    play.add_argument("setlist", type=Path, nargs="?", default=Path(DEFAULT_SETLIST),
                      help=f"setlist file, song folder or folder of songs (default {DEFAULT_SETLIST})")
    play.add_argument("--rig", help="rig name or path; default: the setlist's")
    play.add_argument("--device", help="audio output device (part of its name); default: the rig's")
    play.add_argument("--midi", metavar="PATTERN",
                      help='MIDI inputs to listen to: a regular expression over port names, "all", '
                           '"off"; default: the rig\'s midi.input')
    _remote_options(play)
    play.set_defaults(run=_play)
    _serve_parser(sub)
    _service_parser(sub)
    selftest = sub.add_parser("selftest", help="before the show: a quiet tone on every bus, the pedal, "
                              "the files; ends with a verdict",
                              description="Open the device and play a short quiet tone on each bus's "
                              "outputs in turn; check the pedal's port and every song's files. Where the "
                              "rig's [selftest] names an input patched back from an output, record it: "
                              "proof that sound left the machine. Exit 0 when READY.")
    selftest.add_argument("setlist", type=Path, nargs="?", default=Path(DEFAULT_SETLIST),
                          help=f"setlist whose files are checked (default {DEFAULT_SETLIST})")
    selftest.add_argument("--rig", help="rig name or path; default: the setlist's")
    selftest.add_argument("--device", help="audio device (part of its name); default: the rig's")
    selftest.set_defaults(run=_selftest)
    return parser


def _selftest(args: argparse.Namespace) -> int:
    from player.selftest import run_selftest

    return run_selftest(args.setlist, args.rig, lambda line: print(line, flush=True), args.device)


def _service_parser(sub: Any) -> None:
    svc = sub.add_parser("service", help="install the systemd unit that runs `player serve` at boot",
                         description="Write (install), remove (uninstall) or show (status) a systemd unit "
                         "that runs `player serve SETLIST` with real-time limits, restarted on failure.")
    svc.add_argument("action", choices=("install", "uninstall", "status"))
    svc.add_argument("setlist", type=Path, nargs="?", help="install: the setlist the service plays")
    svc.add_argument("--rig", help="install: rig name or path; default: the setlist's")
    svc.add_argument("--user", action="store_true",
                     help="the user's systemd (~/.config/systemd/user) instead of the system's")
    svc.add_argument("--print", action="store_true", help="install: print the unit only, write nothing")
    svc.set_defaults(run=_service)


def _service(args: argparse.Namespace) -> int:
    from player.service import service

    return service(args)


def _serve_parser(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the show with no screen (systemd, a pedal, the remotes)",
                           description="The show without a terminal UI: the engine, MIDI, OSC and the "
                           "web remote, with log lines on stdout. SIGTERM fades out and exits; SIGHUP "
                           "reloads the setlist and the rig (the last good version stays if they do "
                           "not load).")
    serve.add_argument("setlist", type=Path, help="setlist file, song folder or folder of songs")
    serve.add_argument("--rig", help="rig name or path; default: the setlist's")
    serve.add_argument("--device", help="audio output device (part of its name); default: the rig's")
    serve.add_argument("--midi", metavar="PATTERN",
                       help='MIDI inputs: a regular expression over port names, "all", "off"; '
                            "default: the rig's midi.input")
    serve.add_argument("--log-json", action="store_true", help="log JSON lines (one object a line)")
    _remote_options(serve)
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    from player.serve import serve

    return serve(args)


def _remote_options(play: argparse.ArgumentParser) -> None:
    from player.remote.launch import REMOTE_MODES, osc_port

    play.add_argument("--osc", metavar="PORT|off", type=osc_port,
                      help="OSC control on UDP 127.0.0.1:PORT, or off; default: the rig's [osc] (9000)")
    play.add_argument("--remote", choices=REMOTE_MODES, default="local",
                      help="web remote: local (this machine only, the default), lan (phones on the "
                           "network, with a token and a QR code) or off")
    play.add_argument("--remote-port", type=int, default=8400, metavar="PORT",
                      help="web remote port (default 8400)")


def _start_remotes(args: argparse.Namespace, engine: object, show: object, console: Console) -> Any:
    """OSC, the web remote and Link in this process (never the engine's); what they say is printed."""
    from player.remote.launch import Options, start_remotes
    from player.setlist.problems import LoadError
    from player.setlist.rig import load_rig

    try:
        rig = load_rig(args.rig or show.rig, args.setlist)[1]  # type: ignore[attr-defined]
    except LoadError:
        rig = None  # the stage screen reports it
    remotes = start_remotes(engine, show, Options(args.osc, args.remote, args.remote_port), rig)  # type: ignore[arg-type]
    for line in remotes.said:
        console.print(line, markup=False)
    if remotes.qr:
        console.print(remotes.qr, markup=False, highlight=False)
        _wait_for_enter(console, 30.0)
    return remotes


def _wait_for_enter(console: Console, seconds: float) -> None:
    """Leave the QR code on screen until Enter (or ``seconds``): the stage screen covers it."""
    import select

    console.print(f"Scan the QR code with a phone, then press Enter for the stage screen (or wait "
                  f"{seconds:.0f} s).", markup=False)
    try:
        ready, _, _ = select.select([sys.stdin], [], [], seconds)
        if ready:
            sys.stdin.readline()
    except (OSError, ValueError):
        pass


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _device_for(rig_pattern: str) -> Device | str | None:
    """The rig's output device as ``player check`` reports it, or why audio is unavailable."""
    from player.engine.devices import AudioUnavailable, find_output_device
    from player.setlist.check_rig import Device

    try:
        found = find_output_device(rig_pattern)
    except AudioUnavailable as exc:
        return str(exc)
    return (Device(found.name, found.outputs, found.host_api, int(found.default_rate))
            if found else None)


def _check(args: argparse.Namespace) -> int:
    from player.setlist.check import check_show
    from player.setlist.problems import LoadError
    from player.setlist.report import render
    from player.setlist.rig import load_rig
    from player.setlist.setlist import load_setlist

    device: object = "skipped (--no-device)."
    if not args.no_device:
        try:
            setlist = load_setlist(args.setlist)
            _, rig = load_rig(args.rig or setlist.setlist.rig, args.setlist)
            device = _device_for(rig.audio.device)
        except LoadError:
            device = "the rig did not load."  # check_show reports why
    from player.engine.bus_peaks import bus_peaks

    console = _console()
    with _check_progress(console, args.setlist) as progress:
        report = check_show(args.setlist, args.rig, device,  # type: ignore[arg-type]
                            mix=None if args.quick else bus_peaks, jobs=args.jobs,
                            progress=progress, quick=args.quick)
    for line in render(report):
        console.print(line)
    return 0 if report.ok else 1


def _new_setlist(args: argparse.Namespace) -> int:
    from player.setlist.atomic import write_atomic
    from player.setlist.new import check_written, setlist_path, setlist_text, songs_of

    console = _console()
    target = setlist_path(args.name)
    songs, problems = songs_of(args.folders)
    if target.exists() and not args.force:
        console.print(f"[bold red]ERROR[/]: {target} already exists. Fix: choose another name, or add "
                      "--force to replace it.", markup=True)
        return 1
    for p in problems:
        console.print(f"[bold red]ERROR[/]: {escape(str(p))}", markup=True)
    if problems or not songs:
        console.print("Nothing written.")
        return 1
    title = args.title or Path(args.name).stem
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, setlist_text(title, target, songs, args.rig))
    except OSError as exc:
        console.print(f"[bold red]ERROR[/]: could not write {escape(str(target))}: {escape(str(exc))}")
        return 1
    for p in check_written(target):
        console.print(f"[bold red]ERROR[/]: {escape(str(p))}")
    console.print(f"Wrote {escape(str(target))}: {len(songs)} song(s), in this order:", markup=True)
    for i, song in enumerate(songs):
        console.print(f"  {i + 1:>2}. {escape(song.name)}", markup=True)
    console.print(f"Next: player check {escape(str(target))}", markup=True)
    return 0


@contextlib.contextmanager
def _check_progress(console: Any, setlist: Path) -> Iterator[Callable[[Any], None] | None]:
    """A progress bar over the songs while every frame is decoded (on a terminal only)."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from player.setlist.problems import LoadError
    from player.setlist.setlist import load_setlist

    try:
        total = len(load_setlist(setlist).setlist.songs)
    except LoadError:
        total = None
    with Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=console, transient=True) as bar:
        task = bar.add_task("", total=total)
        yield lambda song: bar.update(task, advance=1, description=str(song.folder.name))


def _devices(args: argparse.Namespace) -> int:
    from player.engine.devices import AudioUnavailable, output_devices
    from player.midi.ports import list_ports

    console = _console()
    console.print("[bold]Audio outputs[/] (put part of a name in the rig's audio.device):")
    try:
        devices = output_devices()
        for d in devices:
            console.print(f"  {d.index:>2}  {d.name}  [{d.host_api}]  {d.outputs} outputs, "
                          f"{d.default_rate:g} Hz")
        if not devices:
            console.print("  none found (no sound card, no JACK server running).")
    except AudioUnavailable as exc:
        console.print(f"  unavailable: {exc}")
    console.print("[bold]MIDI ports[/] (put part of a name in the rig's midi.input):")
    for ports in list_ports():
        if ports.error:
            console.print(f"  {ports.api}: {ports.error}")
            continue
        console.print(f"  {ports.api} inputs:  {', '.join(ports.inputs) or 'none'}")
        console.print(f"  {ports.api} outputs: {', '.join(ports.outputs) or 'none'}")
    return 0


def _play(args: argparse.Namespace) -> int:
    """The show: the stage UI in a terminal; without one, the setlist and how to run it."""
    from player.setlist.problems import LoadError
    from player.setlist.rig import load_rig
    from player.setlist.setlist import load_setlist
    from player.ui.plain import setlist_lines
    from player.ui.show import load_show

    console = _console()
    try:
        setlist = load_setlist(args.setlist)
    except LoadError as exc:
        for p in exc.problems:
            console.print(f"[bold red]ERROR[/]: {p}", markup=True)
        console.print("Fix the setlist and start again; `player check` lists every problem.")
        return 1
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and os.environ.get("CI") != "true"
    show = load_show(args.setlist, args.rig)
    if not interactive:
        try:
            rig_path, rig = load_rig(args.rig or setlist.setlist.rig, args.setlist)
            device = _device_for(rig.audio.device)
            where = (f"{device.name} ({device.host_api}, {device.outputs} outputs)"
                     if not isinstance(device, str) and device else "no matching device connected")
            console.print(f"Rig: {rig.name or rig_path}; audio: {where}")
        except LoadError as exc:
            for p in exc.problems:
                console.print(f"[bold red]ERROR[/]: {p}")
        first = show.next_playable(-1) or 0
        for line in setlist_lines(show, first):
            console.print(line, markup=False)
        console.print("No terminal here: run `./run play` (or `player play`) in a terminal for the "
                      "stage screen; keys are listed in docs/ui.md and with ? on screen.", markup=False)
        return 0
    from player.engine.engine import Engine
    from player.ui.app import run_show

    log = Path(os.environ.get("PLAYER_ENGINE_LOG", "/tmp/player-engine.log"))
    midi = None if args.midi in (None, "rig") else args.midi
    engine = Engine(log=log, device=args.device, midi=midi)
    engine.start()  # before Textual runs (design.md: starting it inside the app fails)
    remotes = _start_remotes(args, engine, show, console)
    try:
        return run_show(show, engine, args.rig, remotes=remotes)
    finally:
        remotes.close()
        engine.close()


def _render(args: argparse.Namespace) -> int:
    from player.render_command import render

    return render(args, _console())


def _prepare(args: argparse.Namespace) -> int:
    from player.prepare.command import prepare_command

    return prepare_command(_console(), args.setlist, args.jobs)
