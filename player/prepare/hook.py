"""What the engine's plan needs to play a prepared song: the prepared file of a stem, and the scaled map.

Not wired in yet (issue 14): ``plan_song`` would call ``prepared_path`` for each stem's file and use the
result instead of ``song.stem_path(stem)`` when it is not None (None: play the original, with the
stage screen's "not prepared" message), and would build its tempo map with ``tempo_map`` so that the
generated click, the cues, jumps and sections follow the new tempo.
"""

from __future__ import annotations

from pathlib import Path

from player.prepare.cache import PrepareCache
from player.prepare.prepare import prepared_file, song_change, stem_change
from player.setlist.setlist import Entry
from player.setlist.song import SongFolder, Stem, Tempo
from player.setlist.tempo import TempoMap


def prepared_path(song: SongFolder, stem: Stem, entry: Entry | None, right: bool = False,
                  cache: PrepareCache | None = None) -> Path | None:
    """The ready cache file that replaces this stem's file (``right``: a split-mono pair's right side).

    None when the stem plays as recorded, or when it is not prepared (or its file is damaged): never
    hashes a stem (only the digest memo of ``player prepare`` is read) and never waits.
    """
    change = stem_change(song, stem, entry)
    name = stem.right if right else stem.file
    if change is None or name is None:
        return None
    return prepared_file(cache or PrepareCache(), song.path / name, *change)


def scaled_tempo(tempo: Tempo, factor: float) -> Tempo:
    """The tempo map played ``factor`` times faster: every bpm scaled, bars and meters unchanged."""
    changes = [c.model_copy(update={"bpm": c.bpm * factor}) if c.bpm is not None else c
               for c in tempo.changes]
    return tempo.model_copy(update={"bpm": tempo.bpm * factor, "changes": changes})


def tempo_map(song: SongFolder, entry: Entry | None, rate: int) -> TempoMap | None:
    """The song's tempo map at the tempo this show plays it (None: the song has no tempo)."""
    if song.song.tempo is None:
        return None
    return TempoMap(scaled_tempo(song.song.tempo, song_change(song, entry)[1]), rate)
