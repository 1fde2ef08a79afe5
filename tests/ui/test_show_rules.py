"""Rules of the show that the stage screen keeps: one quit rule for every quit key, the next song named."""

from __future__ import annotations

import asyncio
from pathlib import Path

from player.engine.engine import Engine
from player.engine.status import State
from player.ui.app import StageApp
from player.ui.link import FrozenLink, idle_status
from player.ui.show import load_show
from tests.ui.screen import screen_text
from tests.ui.test_pilot import app_for, until


def test_ctrl_q_asks_while_playing_and_is_refused_while_locked(setlist: Path) -> None:
    asyncio.run(_ctrl_q(setlist))


async def _ctrl_q(setlist: Path) -> None:
    show = load_show(setlist)
    playing = FrozenLink(idle_status(state=State.PLAYING, song=0, position=48000, length=8 * 48000))
    app = StageApp(show, playing)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+q")
        await until(pilot, lambda: "press q again" in screen_text(app), "the confirmation asked")
        assert app.is_running, "Ctrl+Q quit a playing show at once"
        await pilot.press("l")
        await pilot.press("ctrl+q", "ctrl+q")
        await until(pilot, lambda: "Locked for the show" in screen_text(app), "the lock refusal")
        assert app.is_running, "Ctrl+Q quit while locked"
        await pilot.press("l")
        await pilot.press("ctrl+q")
        await pilot.press("ctrl+q")  # asked, and confirmed
        await until(pilot, lambda: not app.is_running, "quit after the confirmation")


def test_next_names_the_song_queued_by_n_n(engine: Engine, setlist: Path) -> None:
    asyncio.run(_next_after_n_n(engine, setlist))


async def _next_after_n_n(engine: Engine, setlist: Path) -> None:
    app = app_for(engine, setlist)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: engine.status().song == 0 and bool(engine.status().device), "cued")
        await pilot.press("space")
        await until(pilot, lambda: engine.status().state is State.PLAYING, "playing")
        await until(pilot, lambda: "Next: 2. Bravo" in screen_text(app), "song 2 next")
        await pilot.press("n")
        await until(pilot, lambda: "after this song" in app.last_action, "the first n answered")
        await pilot.press("n")
        await until(pilot, lambda: "Next: 3. Charlie" in screen_text(app), "song 3 queued by n n")
        assert engine.status().song == 0, "the song playing was not cut"
