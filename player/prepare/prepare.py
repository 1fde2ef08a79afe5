"""What a show's key and tempo changes need prepared, and preparing it in one worker process per core.

Rules (issue 14): musical stems are pitch-shifted and/or time-stretched; a recorded click, guide,
count-in or talkback stem is time-stretched only (a click a tone up is still a click, but a guide's
"chorus" sung a tone up is not what the band rehearsed); a stem with ``transpose = false`` is only
time-stretched; timecode is never prepared (stretched LTC is no longer timecode). The generated click
and spoken cues are not stems: the engine makes them from the scaled tempo map.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from player.prepare.cache import PrepareCache, entry_key
from player.prepare.stretch import LIBRARY, shift_and_stretch
from player.setlist.roles import Role
from player.setlist.setlist import Entry, SetlistFile
from player.setlist.song import SongFolder, Stem

STRETCH_ONLY = frozenset({Role.CLICK, Role.GUIDE, Role.COUNT_IN, Role.TALKBACK})
NEVER = frozenset({Role.TIMECODE})


def song_change(song: SongFolder, entry: Entry | None) -> tuple[int, float]:
    """(semitones, tempo factor) this show plays the song at: the entry's values, else the song's."""
    semitones = entry.transpose if entry is not None and entry.transpose is not None else song.song.transpose
    tempo = entry.tempo if entry is not None and entry.tempo is not None else song.song.tempo_factor
    return semitones, tempo


def stem_change(song: SongFolder, stem: Stem, entry: Entry | None) -> tuple[int, float] | None:
    """(semitones, tempo) for this stem, or None when it plays as recorded."""
    if stem.role in NEVER:
        return None
    semitones, tempo = song_change(song, entry)
    if stem.role in STRETCH_ONLY or not stem.transpose:
        semitones = 0
    if semitones == 0 and tempo == 1.0:
        return None
    return semitones, tempo


@dataclass(frozen=True)
class Job:
    """One file to prepare (each side of a split-mono pair is its own file)."""

    song: str  # the song's title, for progress and messages
    source: Path
    semitones: int
    tempo: float


def jobs(show: SetlistFile, load: Callable[[Path], SongFolder | None]) -> Iterator[Job]:
    """Every file of every entry that this show plays shifted or stretched (skipped entries left out).

    ``load`` returns None for a song that does not load (it has reported why).
    """
    for entry in show.setlist.songs:
        if entry.skip:
            continue
        song = load(show.song_folder(entry))
        if song is None:
            continue
        for stem in song.song.stems:
            change = stem_change(song, stem, entry)
            if change is not None:
                for name in stem.files:
                    yield Job(song.song.title, song.path / name, *change)


def prepared_file(cache: PrepareCache, source: Path, semitones: int, tempo: float) -> Path | None:
    """The whole cache file of ``source`` at this change, if it is ready (no hashing when memoised)."""
    digest = cache.known_digest(source)
    if digest is None:
        return None
    entry = cache.get(entry_key(digest, semitones, tempo, LIBRARY))
    return entry.path if entry is not None else None


@dataclass(frozen=True)
class Done:
    """What a worker did with one job."""

    job: Job
    digest: str
    key: str
    hit: bool
    cpu_seconds: float
    error: str = ""


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def prepare_one(job: Job, root: Path, limit: int) -> Done:
    """Make one cache entry (in a worker process); a file that cannot be read is an error, not a crash."""
    start = _cpu()
    cache = PrepareCache(root, limit)
    try:
        digest = cache.digest(job.source)
        key = entry_key(digest, job.semitones, job.tempo, LIBRARY)
        if cache.get(key) is not None:
            return Done(job, digest, key, True, _cpu() - start)
        audio, rate = sf.read(str(job.source), dtype="float32", always_2d=True)
        out = shift_and_stretch(audio, rate, job.semitones, job.tempo)
        cache.put(key, np.clip(out, -4.0, 4.0, out=out), rate)
    except (OSError, RuntimeError, ValueError, sf.LibsndfileError) as exc:
        return Done(job, "", "", False, _cpu() - start, f"{job.source.name}: {exc}")
    return Done(job, digest, key, False, _cpu() - start)


def prepare_all(todo: list[Job], cache: PrepareCache, workers: int | None = None,
                progress: Callable[[Done], None] | None = None) -> list[Done]:
    """Prepare ``todo`` in one process per core (``workers``); cache hits are found here, without workers.

    The parent alone writes the digest memo and evicts, so workers never race on them.
    """
    done: list[Done] = []
    rest: list[Job] = []
    for job in todo:
        digest = cache.known_digest(job.source)
        key = entry_key(digest, job.semitones, job.tempo, LIBRARY) if digest else ""
        if digest and cache.get(key) is not None:
            done.append(Done(job, digest, key, True, 0.0))
            if progress:
                progress(done[-1])
        else:
            rest.append(job)
    if rest:
        count = max(1, min(workers or os.cpu_count() or 1, len(rest)))
        with ProcessPoolExecutor(count) as pool:
            futures = [pool.submit(prepare_one, job, cache.root, cache.limit) for job in rest]
            for future in as_completed(futures):
                done.append(future.result())
                if progress:
                    progress(done[-1])
    cache.remember({d.job.source: d.digest for d in done if d.digest})
    cache.evict(keep=frozenset(d.key for d in done if d.key))
    return done
