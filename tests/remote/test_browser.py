"""The web remote in a real browser: Debian's chromium, driven by Playwright, against the real engine.

It opens the page from its LAN URL (with the token), taps Play and sees PLAYING while JACK records the
song; taps the Chorus button and sees the section and the lyric line change. Without the token the
page is refused. Only ``/usr/bin/chromium`` is used (``./run test`` installs it); never a downloaded
browser.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import numpy as np
import pytest

from player.engine.status import State
from player.remote.hub import Hub
from player.remote.web import WebRemote
from tests.remote.conftest import Recording, peak, until
from tests.support.jackserver import JackServer, Recorder

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
CHORUS_S = 8.0  # bar 5 at 120 bpm in 4/4


def lyric(song: int, seconds: float) -> str:
    """A stand-in for a song's synced lyrics: one line per section."""
    return "Sing the chorus now" if seconds >= CHORUS_S else "Verse words go here"


@pytest.fixture
def remote(hub: Hub) -> Iterator[WebRemote]:
    hub.lyric = lyric
    server = WebRemote(hub, port=0, lan=True, host="127.0.0.1")
    server.start()
    yield server
    server.close()


@pytest.fixture
def browser() -> Iterator[object]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail("chromium is not installed: apt-get install chromium (./run test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def dominant_hz(x: np.ndarray, rate: int = 48000) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


def test_tap_play_then_chorus_on_a_phone_sized_page(browser, remote: WebRemote, recording: Recording,
                                                    jack_server: JackServer) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    refused = page.goto(remote.url(host="127.0.0.1").split("?")[0])
    assert refused is not None and refused.status == 401

    page.goto(remote.url(host="127.0.0.1"))
    errors.clear()  # the refused page's 401 is logged as a console error
    page.wait_for_selector("#link.ok", timeout=15000)  # the websocket is up (with the cookie)
    expect(page.locator("#title")).to_contain_text("Alpha", timeout=15000)
    assert page.locator("#songs li").all_inner_texts() == ["Alpha", "Beta"]
    assert page.locator("#sections button").all_inner_texts() == ["Intro", "Verse", "Chorus"]

    recorder = Recorder(jack_server, 3.0)
    recorder.start()
    page.tap("#play")
    expect(page.locator("#state")).to_have_text("PLAYING", timeout=15000)
    assert recording.status().state is State.PLAYING
    assert page.locator("#lyric").inner_text() == "Verse words go here"

    page.select_option("#mode", "now")
    page.locator("#sections button", has_text="Chorus").tap()
    expect(page.locator("#section")).to_have_text("Chorus", timeout=15000)
    expect(page.locator("#lyric")).to_have_text("Sing the chorus now", timeout=15000)
    assert until(lambda: recording.status().section == 2)
    bar = page.locator("#barbeat").inner_text()
    assert int(bar.split(".")[0]) >= 5, bar

    captured = recorder.wait(10)
    keys = captured[0][-24000:]
    assert peak(keys) > 0.2, "the song's keys reached output 1"
    assert abs(dominant_hz(keys) - 440.0) < 5.0, "and it is the song's keys stem (440 Hz)"
    assert errors == [], "the page ran without script errors or CSP violations"
    page.close()
