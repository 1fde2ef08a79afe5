"""Notices about broken songs: what they say is true, and bracketed text reaches the screen as written."""

from __future__ import annotations

import asyncio
from pathlib import Path

from player.engine import messages as m
from player.engine.engine import Engine
from player.ui.app import StageApp
from player.ui.link import FrozenLink
from player.ui.show import load_show
from tests.conftest import write_stem
from tests.ui.screen import screen_text
from tests.ui.test_pilot import app_for, until


def test_a_song_that_does_not_load_says_it_cannot_be_cued(engine: Engine, setlist: Path) -> None:
    asyncio.run(_broken(engine, setlist))


async def _broken(engine: Engine, setlist: Path) -> None:
    toml = setlist.parent / "bravo" / "song.toml"
    toml.write_text(toml.read_text().replace("[tempo]", "[tempo", 1))  # a syntax error
    app = app_for(engine, setlist)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until(pilot, lambda: "cannot be cued" in screen_text(app), "the broken song's notice")
        text = screen_text(app)
        assert "(bravo) cannot be cued" in text
        assert "plays without it" not in text.split("cannot be cued")[1][:400]
        # The fix names TOML tables as "[name]": Rich markup used to swallow it.
        assert "[name]," in text


def test_notifications_show_brackets_as_written(setlist: Path) -> None:
    asyncio.run(_brackets(setlist))


async def _brackets(setlist: Path) -> None:
    event = m.FileError("keys.wav: [Errno 2] missing; add [[stems]] or [name]")
    app = StageApp(load_show(setlist), FrozenLink(events=[event]))
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        # Toasts wrap at spaces: look for each bracketed word (none has a space inside).
        await until(pilot, lambda: "[[stems]]" in screen_text(app), "the brackets shown")
        assert "[name]." in screen_text(app) and "[Errno" in screen_text(app)


def test_a_stem_of_six_channels_is_announced_and_plays_nowhere(engine: Engine, setlist: Path) -> None:
    asyncio.run(_six(engine, setlist))


async def _six(engine: Engine, setlist: Path) -> None:
    folder = setlist.parent / "alpha"
    write_stem(folder / "surround.wav", 2.0, channels=6)
    toml = folder / "song.toml"
    toml.write_text(toml.read_text() + '[[stems]]\nfile = "surround.wav"\nrole = "keys"\n')
    app = app_for(engine, setlist)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until(pilot, lambda: "surround.wav" in screen_text(app) and "channels;" in screen_text(app),
                    "the 6-channel stem announced")
