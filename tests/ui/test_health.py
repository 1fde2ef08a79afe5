"""What the performer sees when something goes wrong: a fault is not a lost device, a clip is seen."""

from __future__ import annotations

import pytest

from player.engine import messages as m
from player.engine.status import State
from player.ui import meter as meter_module
from player.ui.events import describe
from player.ui.link import idle_status
from player.ui.meter import Meter
from player.ui.status_line import StatusLine


def test_an_engine_fault_is_told_apart_from_a_lost_device() -> None:
    fault = describe(m.EngineFault("RuntimeError: boom", "Traceback ..."))
    lost = describe(m.DeviceLost("scarlett", "the audio device went away"))
    assert fault is not None and lost is not None
    assert "fault" in fault[0].lower() and "not the audio device" in fault[0]
    assert "boom" in fault[0] and "the show goes on" in fault[0]
    assert "device lost" in lost[0].lower() and "fault" not in lost[0].lower()


def test_the_status_line_shows_faults_beside_a_working_device() -> None:
    line = StatusLine()
    status = idle_status(state=State.PLAYING, device="system (JACK)", faults=3, wall=0.0)
    text = line._paint(status, False, 5, "", None, "", False).plain
    assert "ENGINE FAULT ×3" in text and "♪ system" in text and "no audio device" not in text
    clean = line._paint(idle_status(state=State.PLAYING, device="system (JACK)"), False, 5, "", None,
                        "", False).plain
    assert "FAULT" not in clean


@pytest.mark.parametrize("hold", [0.5, 1.0])
def test_a_clip_stays_lit_for_at_least_a_second(monkeypatch: pytest.MonkeyPatch, hold: float) -> None:
    now = [100.0]
    monkeypatch.setattr(meter_module.time, "monotonic", lambda: now[0])
    meter = Meter("Out 1")
    shown: list[bool] = []
    monkeypatch.setattr(meter, "show", lambda key, paint: shown.append(key[2]))
    meter.set_level(1.0)  # one clipped read
    now[0] += hold
    meter.set_level(0.05)
    now[0] += 1.0
    meter.set_level(0.05)
    assert shown == [True, True, False], "lit, still lit after the clip, then out"


def test_describe_the_disk_and_rate_warnings() -> None:
    low = describe(m.ReadAhead(0.8, True))
    assert low is not None and "0.8 s" in low[0] and "click" in low[0] and low[1] == "warning"
    rate = describe(m.RateChanged(48000, 44100))
    assert rate is not None and "48000" in rate[0] and "44100" in rate[0]


def test_an_error_at_engine_start_is_in_words_on_the_stage_and_setup_screens(
        snapshot_setlist) -> None:
    import asyncio

    from player.ui.app import StageApp
    from player.ui.link import FrozenLink
    from player.ui.show import load_show
    from tests.ui.screen import screen_text

    why = "could not open Scarlett 18i20: Invalid sample rate [PaErrorCode -9997]"
    link = FrozenLink(idle_status(state=State.NO_DEVICE), [m.DeviceLost("scarlett", why)])

    async def run() -> None:
        app = StageApp(load_show(snapshot_setlist), link)
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await pilot.pause(0.3)
            assert "Invalid sample rate" in screen_text(app), "a notification on the stage screen"
            await pilot.press("f6")
            await pilot.pause(0.2)
            text = screen_text(app)
            assert "Invalid sample rate [PaErrorCode -9997]" in text, "and on the setup screen"
            assert "not responding" not in text.lower()

    asyncio.run(run())
