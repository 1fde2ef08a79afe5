"""From files to what the engine plays: stem paths and their levels for one song in one rig."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from player.engine.mixer import StemLevel
from player.setlist.rig import Rig
from player.setlist.setlist import Entry
from player.setlist.song import SongFolder


@dataclass(frozen=True)
class SongPlan:
    """A song as the engine sees it: a title, stem files and the level of each."""

    title: str
    paths: list[Path]
    levels: list[StemLevel]


def plan_song(song: SongFolder, rig: Rig, entry: Entry | None = None,
              channels: list[int] | None = None) -> SongPlan:
    """Stems routed by the rig, with the song's and this setlist entry's gains and mutes.

    ``channels`` gives each stem's channel count as decoded (1 or 2); it defaults to mono until the
    files are opened.
    """
    gain = entry.gain_db if entry else 0.0
    muted = set(entry.muted_roles) if entry else set()
    levels = []
    for i, stem in enumerate(song.song.stems):
        levels.append(StemLevel(
            channels=channels[i] if channels else 1,
            bus=rig.bus_for(stem.role, stem.bus),
            role=stem.role,
            gain_db=stem.gain_db + gain,
            pan=stem.pan,
            mute=stem.mute or stem.role in muted,
        ))
    return SongPlan(song.song.title, [song.stem_path(s) for s in song.song.stems], levels)
