"""The stage UI driven by real key presses against a real engine on the test JACK server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from textual.message import Message
from textual.pilot import Pilot

from player.actions import Action
from player.engine import messages as m
from player.engine.engine import Engine
from player.engine.status import State
from player.ui.app import ActionRequested, CommandSent, StageApp
from player.ui.link import LiveLink
from player.ui.show import load_show
from tests.ui.screen import screen_text

WAIT_S = 15.0  # generous: a shared, noisy VM; no assertion is about how long it took


async def until(pilot: Pilot, ok: Callable[[], bool], what: str) -> None:
    """Let the app run until ``ok()``; fail naming ``what`` (and the screen) if it never happens."""
    for _ in range(int(WAIT_S / 0.05)):
        if ok():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {what}\n{screen_text(pilot.app)}")


def app_for(engine: Engine, setlist: Path) -> StageApp:
    show = load_show(setlist)
    engine.send(m.LoadSetlist(setlist.resolve()))
    engine.send(m.Cue(0))
    return StageApp(show, LiveLink(engine))


def test_keys_drive_the_engine_and_the_screen_follows(engine: Engine, setlist: Path) -> None:
    asyncio.run(_keys_drive(engine, setlist))


async def _keys_drive(engine: Engine, setlist: Path) -> None:
    posted: list[Message] = []
    app = app_for(engine, setlist)
    async with app.run_test(size=(80, 24), message_hook=posted.append, notifications=True) as pilot:
        await until(pilot, lambda: engine.status().song == 0 and bool(engine.status().device),
                    "song 1 cued on the device")
        await until(pilot, lambda: "1/3  Alpha" in screen_text(app), "the title of song 1")
        # The missing stem is a notification that says what to do, and the UI stays up.
        await until(pilot, lambda: "gone.wav" in screen_text(app), "the missing stem notified")
        assert "player check" in screen_text(app)

        await pilot.press("space")
        await until(pilot, lambda: engine.status().state is State.PLAYING, "playing after space")
        await until(pilot, lambda: "PLAYING" in screen_text(app), "PLAYING on screen")
        assert any(isinstance(p, ActionRequested) and p.action is Action.PLAY_PAUSE for p in posted)
        assert any(isinstance(p, CommandSent) and isinstance(p.command, m.DoAction)
                   and p.command.action is Action.PLAY_PAUSE and p.command.source == "key"
                   for p in posted)

        await pilot.press("space")
        await until(pilot, lambda: engine.status().state is State.PAUSED, "paused after space")
        await until(pilot, lambda: "PAUSED" in screen_text(app), "PAUSED on screen")

        await pilot.press("s")
        await until(pilot, lambda: engine.status().state is State.STOPPED, "stopped after s")
        await pilot.press("3")
        await until(pilot, lambda: engine.status().song == 2, "song 3 cued after 3")
        await until(pilot, lambda: "3/3  Charlie" in screen_text(app), "song 3 on screen")
        await pilot.press("p")
        await until(pilot, lambda: engine.status().song == 1, "song 2 cued after p")
        await until(pilot, lambda: "2/3  Bravo" in screen_text(app), "song 2 on screen")
        assert app.is_running


def test_lock_keeps_the_transport_and_refuses_editing(engine: Engine, setlist: Path) -> None:
    asyncio.run(_lock(engine, setlist))


async def _lock(engine: Engine, setlist: Path) -> None:
    app = app_for(engine, setlist)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: bool(engine.status().device), "device open")
        await pilot.press("l")
        await until(pilot, lambda: "LOCKED" in screen_text(app), "LOCKED in the status line")
        await pilot.press("m")
        await until(pilot, lambda: "Locked for the show" in screen_text(app), "the lock refusal")
        assert app.screen is app.get_screen("performance")
        await pilot.press("q")  # no quitting by accident during a show
        assert app.is_running
        await pilot.press("space")
        await until(pilot, lambda: engine.status().state is State.PLAYING, "space plays while locked")
        await pilot.press("l")
        await pilot.press("m")
        await until(pilot, lambda: app.screen is app.get_screen("mixer"), "mixer after unlocking")


def test_setlist_screen_reorders_saves_and_the_engine_plays_the_new_first_song(
        engine: Engine, setlist: Path) -> None:
    asyncio.run(_reorder(engine, setlist))


async def _reorder(engine: Engine, setlist: Path) -> None:
    app = app_for(engine, setlist)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: engine.status().song == 0 and bool(engine.status().device), "cued")
        await pilot.press("e")
        await until(pilot, lambda: "Setlist · Test set" in screen_text(app), "the setlist screen")
        await until(pilot, lambda: "error(s)" in screen_text(app), "check results (song 1 lacks a stem)")
        assert "gone.wav" in screen_text(app)  # the selected song's problem, listed
        await pilot.press("down", "down", "left_square_bracket", "left_square_bracket")  # Charlie first
        await pilot.press("down", "down", "x")  # skip Bravo (now third)
        await until(pilot, lambda: "unsaved changes" in screen_text(app), "unsaved mark")
        await pilot.press("w")
        await until(pilot, lambda: "Saved the running order" in screen_text(app), "saved")
        await pilot.press("e")
        await until(pilot, lambda: "1/3  Charlie" in screen_text(app), "Charlie is song 1")
        await pilot.press("space")
        await until(pilot, lambda: engine.status().state is State.PLAYING and engine.status().song == 0,
                    "the new song 1 playing")
        await until(pilot, lambda: "Next: 2. Alpha" in screen_text(app), "next skips Bravo")
    import tomllib

    songs = tomllib.loads(setlist.read_text())["songs"]
    assert [s["path"] for s in songs] == ["charlie", "alpha", "bravo"] and songs[2]["skip"] is True


def test_setup_lists_the_engines_devices_and_midi_learn_arms(engine: Engine, setlist: Path) -> None:
    asyncio.run(_setup(engine, setlist))


async def _setup(engine: Engine, setlist: Path) -> None:
    app = app_for(engine, setlist)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: bool(engine.status().device), "device open")
        await pilot.press("f6")
        await until(pilot, lambda: "system (" in screen_text(app) and "outputs)" in screen_text(app),
                    "the engine's device list")
        await pilot.press("right", "right")
        await until(pilot, lambda: "channel 3 (foh_bvs)" in screen_text(app), "test channel 3")
        await pilot.press("f5")
        await until(pilot, lambda: "morningstar-mc6" in screen_text(app), "the presets")
        await pilot.press("enter")  # the first action: play_pause
        await until(pilot, lambda: "Press the pedal" in screen_text(app) or "rig file" in screen_text(app),
                    "learning armed (or the engine saying why not)")
        await pilot.press("escape")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.get_screen("performance"), "back to the show")


def test_engine_crash_is_a_notice_and_the_screen_stays(engine: Engine, setlist: Path) -> None:
    asyncio.run(_crash(engine, setlist))


async def _crash(engine: Engine, setlist: Path) -> None:
    import os
    import signal

    app = app_for(engine, setlist)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: engine.status().song == 0 and bool(engine.status().device), "cued")
        first = engine.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        await until(pilot, lambda: "audio engine stopped" in screen_text(app), "the crash notice")
        await until(pilot, lambda: engine.pid != first and engine.alive, "a new engine process")
        await until(pilot, lambda: "Audio engine restarted" in screen_text(app), "the restart notice")
        await until(pilot, lambda: engine.status().song == 0 and bool(engine.status().device),
                    "the same song cued again")
        await pilot.press("space")
        await until(pilot, lambda: engine.status().state is State.PLAYING, "playing on")
        assert app.is_running


def test_the_ui_process_never_loads_portaudio_or_mido() -> None:
    """PortAudio stays in the engine process, MIDI in the engine process (design.md)."""
    import subprocess
    import sys

    code = ("import sys, player.ui.app, player.ui.screens, player.engine.engine; "
            "print(sorted(m for m in ('sounddevice', 'mido', 'rtmidi') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
