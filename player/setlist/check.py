"""``player check``: everything a show needs, read before the show, with each problem placed and fixable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from player.setlist.generate import generation, words_for
from player.setlist.problems import LoadError, Problem, Severity
from player.setlist.rig import NO_BUS, Rig, config_dirs, load_rig
from player.setlist.setlist import Entry, SetlistFile, load_setlist
from player.setlist.song import SongFolder, Stem, load_song
from player.setlist.stemfile import StemInfo, probe
from player.setlist.tomlfile import field_name, locate

LENGTH_TOLERANCE_S = 0.050  # stems longer or shorter than the song by more than this were misexported


@dataclass(frozen=True)
class Device:
    """The output device the rig's name matched, as the engine sees it."""

    name: str
    outputs: int
    host_api: str = ""
    rate: int = 0  # the rate it runs at now (0: unknown)


@dataclass
class StemReport:
    stem: Stem
    path: Path
    bus: str
    info: StemInfo | None  # None: missing or unreadable


@dataclass
class SongReport:
    index: int  # 1-based position in the setlist
    entry: Entry
    folder: Path
    song: SongFolder | None = None
    stems: list[StemReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.song.song.title if self.song else self.entry.path

    @property
    def seconds(self) -> float:
        return max((s.info.seconds for s in self.stems if s.info), default=0.0)

    @property
    def ok(self) -> bool:
        return not any(p.severity is Severity.ERROR for p in self.problems)


@dataclass
class ShowReport:
    setlist_path: Path
    setlist: SetlistFile | None = None
    rig_path: Path | None = None
    rig: Rig | None = None
    device: Device | None = None
    songs: list[SongReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # setlist- and rig-wide

    def all_problems(self) -> list[Problem]:
        return self.problems + [p for s in self.songs for p in s.problems]

    @property
    def ok(self) -> bool:
        """Can the show run as written? Warnings do not stop it; errors do."""
        return not any(p.severity is Severity.ERROR for p in self.all_problems())


def check_show(setlist_path: Path, rig_name: str | None = None,
               device: Device | None | str = None, quick: bool = False) -> ShowReport:
    """Check a setlist, its rig and every song; never raises for bad input, it reports it.

    ``device`` is the matched output device, ``None`` when none matched, or a string saying why the
    device was not looked for. ``quick`` reads only the files' headers: no peaks, no damage.
    """
    report = ShowReport(setlist_path)
    try:
        report.setlist = load_setlist(setlist_path)
    except LoadError as exc:
        report.problems += exc.problems
        return report
    try:
        report.rig_path, report.rig = load_rig(rig_name or report.setlist.setlist.rig, setlist_path)
    except LoadError as exc:
        report.problems += exc.problems
    if report.rig is not None:
        report.problems += _check_device(report.rig, report.rig_path, device)
        report.problems += _check_preset(report.rig, report.rig_path)
        if isinstance(device, Device):
            report.device = device
    setlist_text = setlist_path.read_text(encoding="utf-8")
    for i, entry in enumerate(report.setlist.setlist.songs):
        folder = report.setlist.song_folder(entry)
        song = SongReport(i + 1, entry, folder)
        report.songs.append(song)
        if entry.skip:
            continue
        try:
            song.song = load_song(folder)
        except LoadError as exc:
            line = locate(setlist_text, ("songs", i, "path"))
            for p in exc.problems:
                if p.file == folder:  # the folder itself is wrong: point at the setlist's line
                    p = Problem(p.severity, f"{p.message} (looked in {folder})", setlist_path, line,
                                f"songs[{i + 1}].path", p.fix)
                song.problems.append(p)
            continue
        _check_song(song, report.rig, quick)
    return report


def _check_device(rig: Rig, rig_path: Path | None, device: Device | None | str) -> list[Problem]:
    wanted = rig.audio.device or "the system default output"
    if isinstance(device, str):
        return [Problem(Severity.INFO, f"audio device not checked: {device}", rig_path,
                        field="audio.device")]
    if device is None:
        return [Problem(Severity.WARNING, f"no output device matches {wanted!r} right now, so the "
                        "output channels were not checked.", rig_path, field="audio.device",
                        fix="connect the interface, or run `player devices` and put part of its "
                            "name in audio.device.")]
    problems = []
    text = rig_path.read_text(encoding="utf-8") if rig_path else ""
    if device.rate and device.rate != rig.audio.sample_rate:
        problems.append(Problem(
            Severity.WARNING, f"{device.name!r} runs at {device.rate} Hz, the rig asks "
            f"{rig.audio.sample_rate} Hz: the show will play at {device.rate} Hz, every stem "
            "resampled (unless the device can be switched when the show opens it).", rig_path,
            locate(text, ("audio", "sample_rate")), "audio.sample_rate",
            fix=f"set the interface to {rig.audio.sample_rate} Hz, or audio.sample_rate = "
                f"{device.rate} in the rig."))
    for bus, channels in rig.buses.items():
        beyond = [c for c in channels if c > device.outputs]
        if beyond:
            problems.append(Problem(
                Severity.ERROR,
                f"bus {bus!r} uses output {beyond[0]}, but {device.name!r} has only "
                f"{device.outputs} outputs.", rig_path, locate(text, ("buses", bus)),
                f"buses.{bus}", fix=f"use outputs 1-{device.outputs}, or choose a rig for this "
                "interface with --rig."))
    return problems


def _check_song(report: SongReport, rig: Rig | None, quick: bool = False) -> None:
    loaded = report.song
    assert loaded is not None
    toml = loaded.toml
    text = toml.read_text(encoding="utf-8") if toml else ""
    where = toml or loaded.path

    def add(severity: Severity, message: str, loc: tuple[int | str, ...] | None = None,
            fix: str | None = None) -> None:
        # A guessed song has no file to point into: the message names the stem instead.
        line = locate(text, loc) if (toml and loc) else None
        fld = field_name(loc) if (toml and loc) else None
        report.problems.append(Problem(severity, message, where, line, fld, fix))

    for i, stem in enumerate(loaded.song.stems):
        path = loaded.stem_path(stem)
        bus = rig.bus_for(stem.role, stem.bus) if rig else (stem.bus or "")
        info: StemInfo | None = None
        if not path.is_file():
            add(Severity.ERROR, f"stem file {stem.file!r} not found in {loaded.path}.",
                ("stems", i, "file"), "restore the file, fix the name, or remove this [[stems]] table.")
        else:
            try:
                info = probe(path, quick=quick)
            except (OSError, RuntimeError) as exc:
                add(Severity.ERROR, f"stem file {stem.file!r} cannot be decoded ({exc}).",
                    ("stems", i, "file"), "re-export it as WAV, FLAC or OGG.")
        report.stems.append(StemReport(stem, path, bus, info))
        if rig is not None and bus != NO_BUS and bus not in rig.buses:
            add(Severity.ERROR, f"stem {stem.file!r} goes to bus {bus!r}, which the rig does not "
                f"have.", ("stems", i, "bus"),
                f"use one of: {', '.join(rig.buses)} (or remove `bus` to follow its role).")
        elif bus == NO_BUS:
            add(Severity.INFO, f"{stem.file}: role {stem.role.value!r} is not played in this rig.")
        if info is None:
            continue
        if info.channels > 2:
            add(Severity.ERROR, f"{stem.file} has {info.channels} channels; stems are mono or "
                "stereo.", ("stems", i, "file"), "split it into mono or stereo files.")
        if info.frames == 0:
            add(Severity.WARNING, f"{stem.file} is empty (no audio).", ("stems", i, "file"))
        if info.clips:
            add(Severity.WARNING, f"{stem.file} clips (peak {info.peak_dbfs:+.1f} dBFS).",
                ("stems", i, "file"), "re-export it with its peak below 0 dBFS, then raise gain_db.")
        for damage in info.damage:
            add(Severity.ERROR, f"{stem.file} is damaged: {damage}.", ("stems", i, "file"),
                "re-export or copy the file again from its source.")

    if rig is not None:
        rates: dict[int, list[str]] = {}
        for s in report.stems:
            if s.info and s.info.sample_rate != rig.audio.sample_rate:
                rates.setdefault(s.info.sample_rate, []).append(s.stem.file)
        for rate, files in rates.items():
            which = (f"all {len(files)} stems" if len(files) == len(report.stems) > 1
                     else ", ".join(files))
            add(Severity.INFO, f"{which}: {rate} Hz, will be resampled to {rig.audio.sample_rate} Hz.",
                fix="export at the rig's rate to save CPU.")

    longest = report.seconds
    for i, s in enumerate(report.stems):
        if s.info and s.info.frames and longest - s.info.seconds > LENGTH_TOLERANCE_S:
            add(Severity.WARNING, f"{s.stem.file} is {s.info.seconds:.3f} s long, the song "
                f"{longest:.3f} s: it will fall silent {longest - s.info.seconds:.2f} s early.",
                ("stems", i, "file"), "check that every stem was exported from the same start to "
                "the same end.")
    if longest > 0:
        for i, section in enumerate(loaded.song.sections):
            start = loaded.song.section_seconds(section)
            if start is None:
                add(Severity.ERROR, f"section {section.name!r} is given in bars but the song has no "
                    "[tempo].", ("sections", i, "bar"), "add a [tempo] table with bpm, or give "
                    "`seconds` instead.")
            elif start >= longest:
                add(Severity.ERROR, f"section {section.name!r} starts at {start:.2f} s, after the "
                    f"song ends ({longest:.2f} s).", ("sections", i, "bar" if section.bar else
                    "seconds"), "fix the bar or time, or check the tempo.")
    _check_generated(loaded, report.entry, add)
    from player.lyrics.check import lyric_problems  # lyrics sit above the setlist package

    report.problems += lyric_problems(loaded, longest)
    order = [Severity.ERROR, Severity.WARNING, Severity.INFO]
    report.problems.sort(key=lambda p: order.index(p.severity))


def _check_generated(loaded: SongFolder, entry: Entry | None, add: Callable[..., None]) -> None:
    """What the generated click and spoken cues will do, and section names they cannot say."""
    click, guide, count_in = generation(loaded, entry)
    if loaded.song.tempo is None and (loaded.song.generate.click == "on" or count_in):
        add(Severity.WARNING, "a generated click or count-in needs a [tempo]; none will play.",
            ("generate",), "add a [tempo] table with bpm.")
    if guide:
        silent = [s.name for s in loaded.song.sections if s.cue and not words_for(s.name)]
        if silent:
            add(Severity.INFO, f"spoken cues: no voice for {', '.join(repr(n) for n in silent)}; "
                "those sections are not announced.", ("sections",),
                "name them Intro, Verse, Pre-Chorus, Chorus, Bridge, Tag, Outro, Instrumental, "
                "Interlude, Breakdown or Ending (a number 1-12 may follow), or set `cue = false`.")


def _check_preset(rig: Rig, rig_path: Path | None) -> list[Problem]:
    """A foot-switch preset the rig names must exist, or the pedal would do nothing on stage."""
    name = rig.midi.preset
    if not name:
        return []
    folders = [d / "midi-presets" for d in config_dirs(rig_path)]
    if any((d / f"{name}.toml").is_file() for d in folders):
        return []
    known = sorted({f.stem for d in folders if d.is_dir() for f in d.glob("*.toml")})
    text = rig_path.read_text(encoding="utf-8") if rig_path else ""
    return [Problem(Severity.ERROR, f"MIDI preset {name!r} not found.", rig_path,
                    locate(text, ("midi", "preset")) if text else None, "midi.preset",
                    fix=f"use one of: {', '.join(known) or '(none installed)'}; or remove the line.")]
