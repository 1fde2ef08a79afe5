"""The setlist file edited on disk during the show: the show keeps its version until R, and a
restarted engine plays the song the screen shows (the song's folder, not its old place)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from textual.message import Message

from player.engine import messages as m
from player.engine.engine import Engine
from player.engine.status import State
from player.ui.app import EngineEvent
from tests.ui.screen import screen_text
from tests.ui.test_pilot import app_for, until

ORDER = '[[songs]]\npath = "charlie"\n[[songs]]\npath = "alpha"\n[[songs]]\npath = "bravo"\n'


def test_an_edited_setlist_waits_for_r_and_restarts_keep_the_song(engine: Engine, setlist: Path) -> None:
    asyncio.run(_edited(engine, setlist))


async def _edited(engine: Engine, setlist: Path) -> None:
    posted: list[Message] = []
    app = app_for(engine, setlist)

    def said(kind: type) -> list[m.Event]:
        return [p.event for p in posted if isinstance(p, EngineEvent) and isinstance(p.event, kind)]

    async def restart() -> None:
        first = engine.pid
        assert first is not None
        posted.clear()
        os.kill(first, signal.SIGKILL)
        await until(pilot, lambda: engine.pid != first and bool(said(m.SongLoaded)),
                    "the restarted engine cued a song")

    async with app.run_test(size=(100, 30), message_hook=posted.append, notifications=True) as pilot:
        await until(pilot, lambda: engine.status().song == 0 and bool(engine.status().device), "cued")
        await pilot.press("2")
        await until(pilot, lambda: "2/3  Bravo" in screen_text(app), "Bravo cued")
        setlist.write_text('title = "Test set"\n' + ORDER)  # edited during the show
        await until(pilot, lambda: "press R to reload" in screen_text(app), "the notice")
        await restart()
        assert [(e.index, e.title) for e in said(m.SongLoaded)][-1] == (1, "Bravo")
        assert said(m.SetlistLoaded)[-1].songs == ("Alpha", "Bravo", "Charlie"), "the file was re-read"
        assert "2/3  Bravo" in screen_text(app)

        setlist.write_text('title = "Test set"\n[[songs]\npath = "alpha"\n')  # a syntax error
        await restart()
        assert [(e.index, e.title) for e in said(m.SongLoaded)][-1] == (1, "Bravo")
        await pilot.press("R")
        await until(pilot, lambda: "cannot be loaded" in screen_text(app), "R refuses the broken file")
        assert "2/3  Bravo" in screen_text(app)

        setlist.write_text('title = "Test set"\n' + ORDER)
        posted.clear()
        await pilot.press("R")
        await until(pilot, lambda: "3/3  Bravo" in screen_text(app), "Bravo, now third, still cued")
        await until(pilot, lambda: engine.status().song == 2 and engine.status().state is State.STOPPED,
                    "the engine cued Bravo where it now is")
        assert said(m.SetlistLoaded)[-1].songs == ("Charlie", "Alpha", "Bravo")
