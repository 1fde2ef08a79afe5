"""Where the song is, musically: from the engine's status, or from the song's tempo while the engine
does not report bar and beat (a constant tempo from ``song.toml``)."""

from __future__ import annotations

from dataclasses import dataclass

from player.engine.status import Status
from player.setlist.tempo import section_at
from player.ui.show import TEMPO_RATE, SongRow, span_position


@dataclass(frozen=True)
class Where:
    bar: int  # 0: no tempo
    beat: int
    beats_in_bar: int
    bpm: float
    section: int
    next_section: int


def where(status: Status, song: SongRow | None) -> Where:
    seconds = status.seconds
    spans = song.sections if song else []
    if status.bar or status.state.name == "COUNT_IN":
        bar, beat, bpb, bpm = status.bar, status.beat, status.beats_in_bar, status.bpm
    elif song and song.tempo_map is not None:
        here = song.tempo_map.locate(seconds * TEMPO_RATE)
        bar, beat, bpb, bpm = here.bar, here.beat, here.beats_in_bar, here.bpm
    else:
        bar = beat = bpb = 0
        bpm = 0.0
    section = (span_position(spans, status.section) if status.section >= 0
               else section_at(spans, seconds * TEMPO_RATE))
    if status.next_section >= 0:
        nxt = span_position(spans, status.next_section)
    else:
        nxt = section + 1 if 0 <= section + 1 < len(spans) else -1
    return Where(bar, beat, bpb, bpm, section, nxt)
