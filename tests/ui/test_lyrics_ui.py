"""Lyrics on the stage screen and the full-screen view: snapshots from a frozen status, and Pilot tests
through the real engine (jump, vamp, word highlight) on the test JACK server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot

from player.engine import messages as m
from player.engine.engine import Engine
from player.engine.status import State
from player.ui.app import StageApp
from player.ui.link import FrozenLink, LiveLink, idle_status
from player.ui.show import load_show
from tests.ui.conftest import make_setlist
from tests.ui.screen import screen_text
from tests.ui.test_pilot import until

RATE = 48000
SIZES = [(80, 24), (160, 48)]
# Alpha: Verse at bar 1 (0 s), Chorus at bar 3 (4 s), 120 bpm.
ALPHA_LRC = ("[ti:Alpha]\n[00:00.50]verse line one\n[00:02.00]verse line two\n"
             "[00:04.00]chorus comes in now\n"
             "[00:06.00]<00:06.00>one <00:06.60>two <00:07.20>three <00:07.80>four\n"
             "[00:09.00]end of the chorus\n")
BRAVO_LRC = "[00:01.00]bravo opens here\n"


@pytest.fixture
def lyric_setlist(tmp_path: Path) -> Path:
    setlist = make_setlist(tmp_path, seconds=12.0, missing=False)
    (tmp_path / "alpha" / "lyrics.lrc").write_text(ALPHA_LRC)
    (tmp_path / "bravo" / "lyrics.lrc").write_text(BRAVO_LRC)
    return setlist


def frozen(setlist: Path, seconds: float, **fields: object) -> StageApp:
    status = idle_status(state=State.PLAYING, song=0, position=int(seconds * RATE), length=12 * RATE,
                         device="system", **fields)
    events = [m.ModeChanged("karaoke", ("lead",))]
    return StageApp(load_show(setlist), FrozenLink(status, events))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lyrics_view(snap_compare, lyric_setlist: Path, size: tuple[int, int]) -> None:
    """The full-screen view during an Enhanced LRC line: "two" lit, "one" sung, in karaoke."""
    assert snap_compare(frozen(lyric_setlist, 6.8), terminal_size=size, press=["L", "_"])


def test_performance_with_lyrics_and_karaoke(snap_compare, lyric_setlist: Path) -> None:
    assert snap_compare(frozen(lyric_setlist, 6.8), terminal_size=(80, 24), press=["_"])


def test_lyrics_view_count_in(snap_compare, lyric_setlist: Path) -> None:
    app = frozen(lyric_setlist, -1.0, count_in=3)
    app.link.fixed = idle_status(state=State.COUNT_IN, song=0, position=-RATE, length=12 * RATE,  # type: ignore[attr-defined]
                                 device="system", count_in=3)
    assert snap_compare(app, terminal_size=(80, 24), press=["L", "_"])


def test_lyrics_view_toggles_and_works_while_locked(lyric_setlist: Path) -> None:
    async def go() -> None:
        app = frozen(lyric_setlist, 4.5)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("l", "L")
            await pilot.pause()
            assert type(app.screen).__name__ == "LyricsScreen"
            assert app.screen.view.current.bare == "chorus comes in now"  # type: ignore[attr-defined]
            assert "▀█▀" in screen_text(app) and "KARAOKE" in screen_text(app)  # in large letters
            await pilot.press("L")
            await pilot.pause()
            assert type(app.screen).__name__ == "PerformanceScreen"
    asyncio.run(go())


# --- through the real engine ----------------------------------------------------------------------
async def cued(pilot: Pilot, engine: Engine) -> None:
    await until(pilot, lambda: engine.status().song == 0 and bool(engine.status().device), "cued")


def live(engine: Engine, setlist: Path) -> StageApp:
    engine.send(m.LoadSetlist(setlist.resolve()))
    engine.send(m.Cue(0))
    return StageApp(load_show(setlist), LiveLink(engine))


def test_jump_to_the_chorus_shows_its_line_and_a_vamp_repeats_the_lines(
        engine: Engine, lyric_setlist: Path) -> None:
    asyncio.run(_jump_and_vamp(engine, lyric_setlist))


async def _jump_and_vamp(engine: Engine, setlist: Path) -> None:
    app = live(engine, setlist)
    async with app.run_test(size=(80, 24)) as pilot:
        await cued(pilot, engine)
        await pilot.press("space")
        await until(pilot, lambda: "verse line one" in screen_text(app), "the first line while playing")
        await pilot.press("right")  # next section: the chorus, at the next bar (2 s)
        await until(pilot, lambda: engine.status().section == 1, "landed in the chorus")
        # At once: the chorus's first line, never the verse's second (which the jump skipped).
        await until(pilot, lambda: "chorus comes in now" in screen_text(app), "the chorus's line")
        assert engine.status().seconds < 6.0
        await pilot.press("v")
        await until(pilot, lambda: engine.status().vamp, "vamping the chorus")
        await until(pilot, lambda: "end of the chorus" in screen_text(app), "the chorus's last line")
        await until(pilot, lambda: "chorus comes in now" in screen_text(app), "the vamp repeats its lines")
        assert engine.status().song == 0 and engine.status().vamp
        await pilot.press("s")


def test_enhanced_lrc_highlight_moves_word_by_word(engine: Engine, lyric_setlist: Path) -> None:
    asyncio.run(_words(engine, lyric_setlist))


async def _words(engine: Engine, setlist: Path) -> None:
    app = live(engine, setlist)
    async with app.run_test(size=(80, 24)) as pilot:
        await cued(pilot, engine)
        engine.send(m.Seek(seconds=5.5))
        await until(pilot, lambda: engine.status().seconds >= 5.4, "at 5.5 s")
        await pilot.press("L")
        await pilot.press("space")
        seen: list[str] = []
        for _ in range(300):
            word = app.screen.highlighted  # type: ignore[attr-defined]
            if word and (not seen or seen[-1] != word):
                seen.append(word)
            if len(seen) >= 3 or engine.status().seconds > 8.5:
                break
            await pilot.pause(0.03)
        assert seen[:3] == ["one", "two", "three"][:len(seen[:3])] and len(seen) >= 2, seen
        await pilot.press("s")


def test_a_segue_hands_over_to_the_next_songs_first_line(lyric_setlist: Path) -> None:
    async def go() -> None:
        app = frozen(lyric_setlist, 10.5)  # after Alpha's last line
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "next song, Bravo: bravo opens here" in screen_text(app)
    asyncio.run(go())


def test_karaoke_key_shows_the_mode_and_a_one_file_song_says_vocal_reduction(
        engine: Engine, tmp_path: Path) -> None:
    from tests.conftest import write_stem

    setlist = make_setlist(tmp_path, missing=False)
    write_stem(tmp_path / "single" / "Whole Song.wav", 4.0, channels=2)  # no song.toml, no lead
    setlist.write_text(setlist.read_text() + '[[songs]]\npath = "single"\n')
    asyncio.run(_karaoke(engine, setlist))


async def _karaoke(engine: Engine, setlist: Path) -> None:
    app = live(engine, setlist)
    async with app.run_test(size=(80, 24)) as pilot:
        await cued(pilot, engine)
        await pilot.press("k")
        await until(pilot, lambda: "KARAOKE" in screen_text(app) and "lead out" in screen_text(app),
                    "the mode in large letters")
        await pilot.press("4")
        await until(pilot, lambda: engine.status().song == 3, "the one-file song cued")
        await until(pilot, lambda: "vocal reduction" in screen_text(app)
                    and "(best effort)" in screen_text(app), "labelled as reduction")
        await pilot.press("k")
        await until(pilot, lambda: "KARAOKE" not in screen_text(app), "back to the full mix")


def test_count_in_shows_get_ready_then_the_first_line(engine: Engine, lyric_setlist: Path) -> None:
    # The entry's count-in (Play(count_in=1) on a song cued without one fails in the engine today:
    # its cached levels do not have the count-in source; reported, left to core.py's owner).
    text = lyric_setlist.read_text().replace('path = "alpha"\n', 'path = "alpha"\ncount_in = 1\n')
    lyric_setlist.write_text(text)

    async def go() -> None:
        app = live(engine, lyric_setlist)
        async with app.run_test(size=(80, 24)) as pilot:
            await cued(pilot, engine)
            await pilot.press("space")
            await until(pilot, lambda: "GET READY" in screen_text(app), "get ready in the count-in")
            assert "next: verse line one" in screen_text(app)
            await until(pilot, lambda: "verse line one" in screen_text(app)
                        and "GET READY" not in screen_text(app), "the first line after the count-in")
            await pilot.press("s")
    asyncio.run(go())


def test_a_live_segue_hands_the_lyrics_over_to_the_next_song(engine: Engine, tmp_path: Path) -> None:
    setlist = make_setlist(tmp_path, seconds=8.0, missing=False)
    (tmp_path / "alpha" / "lyrics.lrc").write_text("[00:05.00]alpha's last line\n")
    (tmp_path / "bravo" / "lyrics.lrc").write_text("[00:01.00]bravo opens here\n")
    setlist.write_text(setlist.read_text().replace('path = "alpha"\n',
                                                   'path = "alpha"\ntransition = "segue"\n'))

    async def go() -> None:
        app = live(engine, setlist)
        async with app.run_test(size=(80, 24)) as pilot:
            await cued(pilot, engine)
            engine.send(m.Seek(seconds=4.0))
            await until(pilot, lambda: engine.status().seconds >= 3.9, "at 4 s")
            await pilot.press("space")
            await until(pilot, lambda: "alpha's last line" in screen_text(app)
                        and "next song, Bravo: bravo opens here" in screen_text(app),
                        "the last line, and the next song's first line as the next one")
            await until(pilot, lambda: engine.status().song == 1, "the segue into Bravo")
            await until(pilot, lambda: "bravo opens here" in screen_text(app)
                        and "alpha's last line" not in screen_text(app), "Bravo's line after the segue")
            assert engine.status().state is State.PLAYING
            await pilot.press("s")
    asyncio.run(go())


def test_performance_with_lyrics_160x48(snap_compare, lyric_setlist: Path) -> None:
    """A big stage screen draws the current line in large letters under the sections."""
    assert snap_compare(frozen(lyric_setlist, 6.8), terminal_size=(160, 48), press=["_"])
