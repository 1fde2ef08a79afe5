"""The mixer against a real engine: a mute silences its outputs; levels are saved into song.toml."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

from player.engine.engine import Engine
from player.engine.status import State
from player.ui.mixer import MixerScreen
from tests.ui.screen import screen_text
from tests.ui.test_pilot import app_for, until


def test_mute_in_the_mixer_silences_the_stems_outputs_and_save_writes_song_toml(
        engine: Engine, setlist: Path) -> None:
    asyncio.run(_mixer(engine, setlist))


async def _mixer(engine: Engine, setlist: Path) -> None:
    song_toml = setlist.parent / "alpha" / "song.toml"
    song_toml.write_text("# Alpha: kept comment\n" + song_toml.read_text())
    app = app_for(engine, setlist)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: engine.status().song == 0 and bool(engine.status().device), "cued")
        await pilot.press("space")
        await until(pilot, lambda: engine.status().state is State.PLAYING, "playing")
        await until(pilot, lambda: max(engine.status().out_peaks[4:6], default=0) > 0.1,
                    "keys sounding on outputs 5-6")
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MixerScreen), "the mixer")
        await until(pilot, lambda: "Keys" in screen_text(app), "the keys strip")
        strips = app.screen._all
        keys = next(i for i, s in enumerate(strips) if s.label == "Keys")
        for _ in range(keys):
            await pilot.press("down")
        await pilot.press("x")
        await until(pilot, lambda: max(engine.status().out_peaks[4:6]) < 1e-4, "outputs 5-6 silent")
        assert engine.status().out_peaks[0] > 0.01, "the click plays on"
        await pilot.press("left", "left", "left")
        await until(pilot, lambda: "-3.0 dB" in screen_text(app), "the new gain shown")
        await pilot.press("w")
        await until(pilot, lambda: "Saved" in screen_text(app), "the save confirmed")
    text = song_toml.read_text()
    assert text.startswith("# Alpha: kept comment")
    stems = tomllib.loads(text)["stems"]
    keys_stem = next(s for s in stems if s["file"] == "keys.wav")
    assert keys_stem["gain_db"] == -3.0 and keys_stem["mute"] is True
    assert "gain_db" not in next(s for s in stems if s["file"] == "click.wav")


def test_the_mixer_shows_a_mute_made_by_a_pedal(engine: Engine, setlist: Path) -> None:
    asyncio.run(_pedal_mute(engine, setlist))


async def _pedal_mute(engine: Engine, setlist: Path) -> None:
    from player.actions import Action
    from player.engine import messages as m

    app = app_for(engine, setlist)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: engine.status().song == 0 and bool(engine.status().device), "cued")
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MixerScreen) and "BV" in screen_text(app),
                    "the mixer")
        bv = next(s for s in app.screen._all if s.label == "BV")
        assert not bv.mute
        # What a foot switch mapped to mute_role "bvs" sends from inside the engine process.
        engine.send(m.DoAction(Action.MUTE_ROLE, "bvs", source="midi: test pedal"))
        await until(pilot, lambda: bv.mute, "the BV strip shown muted")
        keys = next(s for s in app.screen._all if s.label == "Keys")
        assert not keys.mute
        engine.send(m.DoAction(Action.MUTE_ROLE, "bvs", source="midi: test pedal"))
        await until(pilot, lambda: not bv.mute, "unmuted again")
