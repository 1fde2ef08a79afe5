"""From files to what the engine plays: a song's sources and their levels in one rig.

Besides the stem files, a plan may hold generated sources (click, spoken cues, count-in) made from
the tempo map; they are stateful, so a plan feeds one deck.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from player.engine.deck import Header, Source, read_header
from player.engine.generated import ClickSource, CountInSource, CueSource
from player.engine.mixer import StemLevel
from player.engine.pair import PairSource
from player.engine.sounds import load_sounds
from player.setlist.generate import generation
from player.setlist.rig import NO_BUS, Rig
from player.setlist.roles import Role
from player.setlist.setlist import Entry
from player.setlist.song import SUBDIVISIONS, SongFolder
from player.setlist.stemfile import channel_problem, header_channels
from player.setlist.tempo import TempoMap, sections

FILE, CLICK, GUIDE, COUNT_IN = "file", "click", "guide", "count_in"
DEFAULT_RATE = 48000  # a split-mono pair decodes at this rate when the plan is made without one


@dataclass(frozen=True)
class SongPlan:
    """A song as the engine sees it: a title, its sources and the level of each."""

    title: str
    sources: list[Path | Source]
    levels: list[StemLevel]
    names: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # FILE, CLICK, GUIDE or COUNT_IN, per source
    tempo: TempoMap | None = None
    count_in: int = 0  # bars
    refused: list[str] = field(default_factory=list)  # stems that break a rule and play nowhere


def plan_song(song: SongFolder, rig: Rig, entry: Entry | None = None,
              channels: list[int] | None = None, rate: int | None = None,
              count_in: int | None = None, length: int | None = None) -> SongPlan:
    """Stems routed by the rig, with the song's and this setlist entry's gains and mutes.

    With ``rate`` the generated click, cues and count-in are added as the song and entry ask
    (``count_in`` overrides the bars). ``channels`` gives each stem's channel count as decoded
    (1 or 2); it defaults to mono until the files are opened. ``length`` (frames) lays out the last
    section; without it the last section runs to the end of the file.
    """
    gain = entry.gain_db if entry else 0.0
    muted = set(entry.muted_roles) if entry else set()
    levels, names, kinds = [], [], []
    sources: list[Path | Source] = []
    refused: list[str] = []
    for i, stem in enumerate(song.song.stems):
        right = song.right_path(stem)
        # The channel rule of `player check`: a file of more than two channels plays nowhere,
        # rather than its first two channels somewhere (they may be a click and a guide).
        wrong = None if right else channel_problem(stem.file, header_channels(song.stem_path(stem)))
        if wrong:
            refused.append(wrong)
        levels.append(StemLevel(
            channels=2 if right else channels[i] if channels else 1,
            bus=NO_BUS if wrong else rig.bus_for(stem.role, stem.bus),
            role=stem.role,
            gain_db=stem.gain_db + gain,
            pan=stem.pan,
            mute=stem.mute or stem.role in muted,
        ))
        sources.append(PairSource(song.stem_path(stem), right, rate or DEFAULT_RATE) if right
                       else song.stem_path(stem))
        names.append(stem.display_name)
        kinds.append(FILE)
    tempo = TempoMap.of(song.song, rate) if rate else None
    bars = 0
    if rate:
        gen = song.song.generate
        want_click, want_guide, bars = generation(song, entry)
        if count_in is not None and tempo is not None:
            bars = count_in
        sounds = load_sounds(rate)
        in_ears = rig.bus_for(Role.CLICK)
        # A generated click or guide replaces the song's own (two clicks would flam): those stems
        # are muted, and the engineer can bring them back in the mixer.
        for i, lv in enumerate(levels):
            if (lv.role is Role.CLICK and want_click and tempo is not None) or (
                    lv.role is Role.GUIDE and want_guide):
                levels[i] = dataclasses.replace(lv, mute=True)
        if want_click and tempo is not None:
            sources.append(ClickSource(tempo, sounds, SUBDIVISIONS[gen.subdivision]))
            levels.append(StemLevel(1, in_ears, Role.CLICK, gen.click_gain_db + gain,
                                    mute=Role.CLICK in muted))
            names.append("Click (generated)")
            kinds.append(CLICK)
        if want_guide:
            spans = sections(song.song, rate, length or 0)
            skip = frozenset(i for i, s in enumerate(song.song.sections) if not s.cue)
            sources.append(CueSource(tempo, sounds, spans, gen.cue_bars, rate, skip))
            levels.append(StemLevel(1, rig.bus_for(Role.GUIDE), Role.GUIDE,
                                    gen.guide_gain_db + gain, mute=Role.GUIDE in muted))
            names.append("Guide (generated)")
            kinds.append(GUIDE)
        if bars and tempo is not None:
            sources.append(CountInSource(tempo, sounds, bars))
            levels.append(StemLevel(1, in_ears, Role.CLICK, gen.click_gain_db))
            names.append("Count-in")
            kinds.append(COUNT_IN)
    plan = SongPlan(song.song.title, sources, levels, names, kinds, tempo, bars, refused)
    if rate:  # one stereo file and no lead stem: karaoke by vocal reduction (player.engine.vocal)
        from player.engine.vocal import split_for_reduction

        plan = split_for_reduction(plan, rate)
    return plan


class PlanCache:
    """Each song's plan and its files' headers, made once per song, count-in and rate: a burst of
    jumps builds voices from them without reading a file or validating anything again."""

    def __init__(self) -> None:
        self._plans: dict[tuple[int, int | None, int], tuple[SongPlan, dict[Path, Header | None]]] = {}

    def clear(self) -> None:
        self._plans.clear()

    def get(self, index: int, song: SongFolder, rig: Rig, entry: Entry | None, rate: int,
            count_in: int | None) -> tuple[SongPlan, dict[Path, Header | None]]:
        key = (index, count_in, rate)
        cached = self._plans.get(key)
        if cached is None:
            plan = plan_song(song, rig, entry, rate=rate, count_in=count_in)
            headers: dict[Path, Header | None] = {}
            for src in plan.sources:
                if isinstance(src, Path):
                    try:
                        headers[src] = read_header(src)
                    except (OSError, RuntimeError):
                        headers[src] = None  # the source says why, in words, when it is built
            cached = self._plans[key] = (plan, headers)
        return cached
