"""The screens' view of the setlist is built on player.setlist: its spans, its stems, its tempo."""

from __future__ import annotations

from pathlib import Path

from player.engine.status import State
from player.setlist.tempo import Span
from player.ui.link import idle_status
from player.ui.musical import where
from player.ui.show import PALETTE, TEMPO_RATE, load_show
from tests.ui.conftest import make_setlist


def test_rows_carry_the_setlists_spans_stems_and_tempo(tmp_path: Path) -> None:
    show = load_show(make_setlist(tmp_path, missing=False))
    row = show.songs[1]
    assert (row.title, row.key, row.bpm, row.meter) == ("Bravo", "D", 120.0, "4/4")
    # Bar 3 at 120 bpm in 4/4 starts at 4 s; the song (8 s of audio) ends the last section.
    assert row.sections == [Span(0, "Verse", 0, 4 * TEMPO_RATE, PALETTE[0]),
                            Span(1, "Chorus", 4 * TEMPO_RATE, 8 * TEMPO_RATE, PALETTE[1])]
    assert [(s.stem.display_name, s.stem.role.value, s.channels, s.column) for s in row.stems] == [
        ("Click", "click", 1, 0), ("Keys", "keys", 2, 1), ("BV", "bvs", 1, 3)]
    assert row.folder is not None and row.stems[1].stem is row.folder.song.stems[1]


def test_where_finds_the_section_from_the_position_when_the_engine_names_none(tmp_path: Path) -> None:
    row = load_show(make_setlist(tmp_path, missing=False)).songs[0]
    for seconds, section, bar in ((1.0, 0, 1), (4.5, 1, 3)):
        status = idle_status(state=State.PAUSED, song=0, position=int(seconds * 48000), rate=48000)
        here = where(status, row)
        assert (here.section, here.bar) == (section, bar), seconds
        assert here.next_section == (1 if section == 0 else -1)
