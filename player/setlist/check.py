"""``player check``: everything a show needs, read before the show, with each problem placed and fixable."""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from player.setlist.cache import CheckCache, file_key
from player.setlist.check_pool import in_processes
from player.setlist.check_rig import Device, check_device, check_midi_input, check_preset
from player.setlist.generate import generation, not_generated, words_for
from player.setlist.problems import LoadError, Problem, Severity
from player.setlist.rig import NO_BUS, Rig, load_rig
from player.setlist.roles import looks_like
from player.setlist.setlist import Entry, SetlistFile, load_setlist
from player.setlist.song import SongFolder, Stem, load_song
from player.setlist.stemfile import FULL_SCALE, StemInfo, channel_problem, mp3_gapless, probe
from player.setlist.tomlfile import field_name, locate

LENGTH_TOLERANCE_S = 0.050  # stems longer or shorter than the song by more than this were misexported


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


MixPeaks = Callable[[SongFolder, Entry | None, Rig], dict[str, float]]
PARALLEL_FROM = 4  # songs to read before worker processes pay for their start (about a second)


def check_show(setlist_path: Path, rig_name: str | None = None,
               device: Device | None | str = None, mix: MixPeaks | None = None,
               cache: CheckCache | None = None, jobs: int | None = None,
               progress: Callable[[SongReport], None] | None = None,
               quick: bool = False) -> ShowReport:
    """Check a setlist, its rig and every song; never raises for bad input, it reports it.

    ``device`` is the matched output device, ``None`` when none matched, or a string saying why the
    device was not looked for. ``mix`` sums each song's buses (the engine's offline mixer, given by
    the caller: this package does not import the engine) to find buses that clip. Songs are checked
    in ``jobs`` worker processes (default: one per core) when there are several to read; what was
    read is kept in ``cache`` (default: the user's cache file) by file size and time. ``progress``
    hears of each song as it is done, in any order. ``quick`` reads only the files' headers: no
    peaks, no damage found mid-file.
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
        report.problems += check_device(report.rig, report.rig_path, device)
        report.problems += check_preset(report.rig, report.rig_path)
        report.problems += check_midi_input(report.rig, report.rig_path)
        if isinstance(device, Device):
            report.device = device
    setlist_text = "" if report.setlist.folder else setlist_path.read_text(encoding="utf-8")
    cache = cache if cache is not None else CheckCache()
    tasks = []
    for i, entry in enumerate(report.setlist.setlist.songs):
        folder = report.setlist.song_folder(entry)
        song = SongReport(i + 1, entry, folder)
        report.songs.append(song)
        if not entry.skip:
            tasks.append(_Task(i, entry, folder, report.rig, setlist_path, setlist_text, mix, quick))
    jobs = jobs or min(os.cpu_count() or 1, 8)
    if jobs > 1 and sum(not _cached(t, cache) for t in tasks) >= PARALLEL_FROM:
        done = in_processes(tasks, jobs, cache.path)
    else:
        done = (_check_task(t, cache) for t in tasks)
    for song, updates in done:
        cache.merge(updates)
        report.songs[song.index - 1] = song
        if progress is not None:
            progress(song)
    cache.save()
    return report


@dataclass(frozen=True)
class _Task:
    """One song to check, as sent to a worker process."""

    index: int
    entry: Entry
    folder: Path
    rig: Rig | None
    setlist_path: Path
    setlist_text: str
    mix: MixPeaks | None
    quick: bool = False


def _check_task(task: _Task, cache: CheckCache) -> tuple[SongReport, dict[str, dict[str, object]]]:
    """Load and check one song; returns its report and what the cache learnt."""
    before = {k: dict(v) for k, v in cache.updates.items()}
    song = SongReport(task.index + 1, task.entry, task.folder)
    try:
        song.song = load_song(task.folder)
    except LoadError as exc:
        line = locate(task.setlist_text, ("songs", task.index, "path")) if task.setlist_text else None
        for p in exc.problems:
            if p.file == task.folder:  # the folder itself is wrong: point at the setlist's line
                p = Problem(p.severity, f"{p.message} (looked in {task.folder})", task.setlist_path,
                            line, f"songs[{task.index + 1}].path", p.fix)
            song.problems.append(p)
    else:
        _check_song(song, task.rig, cache, task.mix, task.quick)
    learnt = {k: {key: v for key, v in table.items() if key not in before[k]}
              for k, table in cache.updates.items()}
    return song, learnt


def _cached(task: _Task, cache: CheckCache) -> bool:
    """Is every audio file of the song already in the cache (so a worker would only wait)?"""
    try:
        song = load_song(task.folder)
    except LoadError:
        return True
    return all(cache.stem(song.path / f) is not None for s in song.song.stems for f in s.files
               if (song.path / f).is_file())


def _check_song(report: SongReport, rig: Rig | None, cache: CheckCache | None = None,
                mix: MixPeaks | None = None, quick: bool = False) -> None:
    loaded = report.song
    assert loaded is not None
    cache = cache if cache is not None else CheckCache(load=False)
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
        sides: list[StemInfo] = []
        for side, file in zip(("file", "right"), stem.files, strict=False):
            loc: tuple[int | str, ...] = ("stems", i, side)

            def broken(message: str, loc: tuple[int | str, ...] = loc) -> None:
                add(Severity.ERROR, message, loc, "re-export it as WAV, FLAC or OGG.")

            def missing(f: str = file, loc: tuple[int | str, ...] = loc) -> None:
                add(Severity.ERROR, f"stem file {f!r} not found in {loaded.path}.", loc,
                    "restore the file, fix the name, or remove this [[stems]] table.")
            info = _probe(loaded.path / file, cache, broken, missing, quick)
            if info is not None:
                sides.append(info)
                if file.lower().endswith(".mp3") and not mp3_gapless(loaded.path / file):
                    add(Severity.WARNING, f"{file} is an MP3 without an encoder-delay (LAME/Info) tag: "
                        "it plays about 23 ms late against the other stems.", ("stems", i, side),
                        "export it as WAV or FLAC (or as MP3 with LAME, which writes the tag).")
            if info is not None and stem.right is not None and info.channels != 1:
                add(Severity.ERROR, f"{file} has {info.channels} channels; each side of a split-mono "
                    "pair is one mono file.", ("stems", i, side),
                    "remove `right` and play it as one stem, or export mono sides.")
        info = _joined(sides) if len(sides) == len(stem.files) else None
        report.stems.append(StemReport(stem, path, bus, info))
        if rig is not None and bus != NO_BUS and bus not in rig.buses:
            add(Severity.ERROR, f"stem {stem.file!r} goes to bus {bus!r}, which the rig does not "
                f"have.", ("stems", i, "bus"),
                f"use one of: {', '.join(rig.buses)} (or remove `bus` to follow its role).")
        elif bus == NO_BUS:
            add(Severity.INFO, f"{stem.file}: role {stem.role.value!r} is not played in this rig.")
        _check_look_alike(stem, i, bus, rig, add)
        if info is None:
            continue
        wrong = channel_problem(stem.file, info.channels) if stem.right is None else None
        if wrong:
            add(Severity.ERROR, wrong, ("stems", i, "file"), "split it into mono or stereo files.")
        if info.frames == 0:
            add(Severity.WARNING, f"{stem.file} is empty (no audio).", ("stems", i, "file"))
        if info.clips:
            add(Severity.WARNING, f"{stem.file} clips (peak {info.peak_dbfs:+.1f} dBFS).",
                ("stems", i, "file"), "re-export it with its peak below 0 dBFS, then raise gain_db.")
        for damage in info.damage:
            add(Severity.ERROR, f"{stem.file} is damaged: {damage}.", ("stems", i, "file"),
                "re-export or copy the file again from its source.")
    _check_repeats(loaded, report.stems, add)

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
    if mix is not None and rig is not None and report.ok and longest > 0:
        _check_buses(report, rig, cache, mix, add)
    order = [Severity.ERROR, Severity.WARNING, Severity.INFO]
    report.problems.sort(key=lambda p: order.index(p.severity))


def _probe(path: Path, cache: CheckCache, broken: Callable[[str], None],
           missing: Callable[[], None], quick: bool = False) -> StemInfo | None:
    """A file's facts from the cache, or read (and cached); None when missing or unreadable."""
    if not path.is_file():
        missing()
        return None
    if quick:
        try:
            return probe(path, quick=True)
        except (OSError, RuntimeError) as exc:
            broken(f"stem file {path.name!r} cannot be read ({exc}).")
            return None
    info = cache.stem(path)
    if info is None:
        try:
            info = probe(path)
        except (OSError, RuntimeError) as exc:
            broken(f"stem file {path.name!r} cannot be decoded ({exc}).")
            return None
        cache.put_stem(path, info)
    return info


def _joined(sides: list[StemInfo]) -> StemInfo:
    """A split-mono pair as the stereo stem it plays as."""
    if len(sides) == 1:
        return sides[0]
    left, right = sides
    return StemInfo(left.sample_rate, 2, max(left.frames, right.frames), left.format,
                    max(left.peak, right.peak), left.damage + right.damage)


def _check_look_alike(stem: Stem, i: int, bus: str, rig: Rig | None,
                      add: Callable[..., None]) -> None:
    """A stem named like a click (guide, count, timecode) with another role plays where it should not."""
    looks = looks_like(stem.name or "") or looks_like(stem.file)
    if looks is None or looks is stem.role:
        return
    meant = rig.bus_for(looks) if rig else None
    if rig is not None and meant == bus:
        return  # routed where that role would go anyway
    goes = "is not played" if bus == NO_BUS else f"plays on {bus!r}"
    add(Severity.WARNING, f"{stem.file} looks like {looks.value} material but has role "
        f"{stem.role.value!r}: it {goes}" + (f", not on {meant!r}." if meant else "."),
        ("stems", i, "role"), f'set `role = "{looks.value}"` if it is one, or rename the file.')


def _check_repeats(loaded: SongFolder, stems: list[StemReport], add: Callable[..., None]) -> None:
    """The same file twice on one bus doubles it (+6 dB): a copy-paste slip, never a mix decision."""
    seen: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(stems):
        seen.setdefault((s.stem.file, s.bus), []).append(i)
    for (file, bus), where in seen.items():
        if len(where) > 1:
            numbers = ", ".join(str(i + 1) for i in where[:5]) + (", ..." if len(where) > 5 else "")
            add(Severity.ERROR, f"{file} is listed {len(where)} times for bus {bus!r} (stems "
                f"{numbers}): every copy adds its level.",
                ("stems", where[1], "file"), "remove the extra [[stems]] tables.")


def _check_buses(report: SongReport, rig: Rig, cache: CheckCache, mix: MixPeaks,
                 add: Callable[..., None]) -> None:
    """Sum the buses as the show will (gains, pans, generated click) and warn where the sum clips."""
    loaded = report.song
    assert loaded is not None
    key = _mix_key(loaded, report.entry, rig)
    peaks = cache.mix(key) if key else None
    if peaks is None:
        try:
            peaks = mix(loaded, report.entry, rig)
        except Exception as exc:  # noqa: BLE001 - a failed mix is a note, never a crashed check
            add(Severity.INFO, f"the buses could not be summed ({type(exc).__name__}: {exc}).")
            return
        if key:
            cache.put_mix(key, peaks)
    for bus, peak in peaks.items():
        if peak >= FULL_SCALE:
            db = 20 * math.log10(peak)
            add(Severity.WARNING, f"bus {bus!r} clips: its stems sum to {db:+.1f} dBFS.",
                fix=f"lower the gain_db of its stems by {math.ceil(db * 10) / 10 + 0.5:.1f} dB or more "
                "(or the entry's gain_db in the setlist).")


def _mix_key(loaded: SongFolder, entry: Entry | None, rig: Rig) -> str | None:
    """What the summed bus peaks depend on: every file's identity, the song, the entry and the rig."""
    keys = []
    for stem in loaded.song.stems:
        for f in stem.files:
            key = file_key(loaded.path / f)
            if key is None:
                return None
            keys.append([f, key])
    blob = json.dumps([keys, loaded.song.model_dump(mode="json"),
                       entry.model_dump(mode="json") if entry else None, rig.model_dump(mode="json")],
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _check_generated(loaded: SongFolder, entry: Entry | None, add: Callable[..., None]) -> None:
    """What the generated click and spoken cues will do, and section names they cannot say."""
    click, guide, count_in = generation(loaded, entry)
    for why in not_generated(loaded, entry):
        add(Severity.WARNING, why, ("generate",), "add a [tempo] table with bpm (and [[sections]] "
            "for cues), or turn it off.")
    if guide:
        silent = [s.name for s in loaded.song.sections if s.cue and not words_for(s.name)]
        if silent:
            add(Severity.INFO, f"spoken cues: no voice for {', '.join(repr(n) for n in silent)}; "
                "those sections are not announced.", ("sections",),
                "name them Intro, Verse, Pre-Chorus, Chorus, Bridge, Tag, Outro, Instrumental, "
                "Interlude, Breakdown or Ending (a number 1-12 may follow), or set `cue = false`.")
