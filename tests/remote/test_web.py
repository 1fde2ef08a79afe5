"""The web remote over real HTTP and websockets on loopback, into the real engine: status, tokens,
the read-only token, lock, rate limit and the files it will serve."""

from __future__ import annotations

import asyncio
import http.client
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from player.engine import messages as m
from player.engine.status import State
from player.remote.hub import Hub
from player.remote.web import WebRemote
from tests.remote.conftest import Recording, until


def request(remote: WebRemote, path: str, method: str = "GET", body: Any = None,
            headers: dict[str, str] | None = None) -> tuple[int, str, http.client.HTTPResponse]:
    """One raw request (the path is sent exactly as given: no client-side normalising)."""
    conn = http.client.HTTPConnection("127.0.0.1", remote.port, timeout=10)
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers=headers or {})
    response = conn.getresponse()
    text = response.read().decode(errors="replace")
    conn.close()
    return response.status, text, response


@pytest.fixture
def local(hub: Hub) -> Iterator[WebRemote]:
    remote = WebRemote(hub, port=0)
    remote.start()
    yield remote
    remote.close()


@pytest.fixture
def lan(hub: Hub) -> Iterator[WebRemote]:
    remote = WebRemote(hub, port=0, lan=True, host="127.0.0.1")
    remote.start()
    yield remote
    remote.close()


def state_is(state: str) -> Callable[[list[dict]], bool]:
    return lambda frames: frames[-1]["type"] == "now" and frames[-1]["now"]["state"] == state


def refusals(n: int) -> Callable[[list[dict]], bool]:
    return lambda frames: sum(f["type"] == "refused" for f in frames) >= n


async def _frames(url: str, commands: list[dict[str, Any]], done: Callable[[list[dict]], bool],
                  limit: int = 400) -> list[dict]:
    """Connect, send ``commands``, collect what the server pushes until ``done(frames)``."""
    frames: list[dict] = []
    async with websockets.connect(url, open_timeout=10) as ws:
        frames.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
        for c in commands:
            await ws.send(json.dumps(c))
        for _ in range(limit):
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            if done(frames):
                break
    return frames


def test_status_json_and_every_change_pushed_over_the_websocket(local: WebRemote,
                                                                recording: Recording) -> None:
    code, text, response = request(local, "/api/status")
    assert code == 200 and response.getheader("Content-Type") == "application/json"
    status = json.loads(text)
    assert (status["state"], status["title"], status["next_title"]) == ("stopped", "Alpha", "Beta")
    assert [s["name"] for s in status["setlist"]["sections"]] == ["Intro", "Verse", "Chorus"]

    frames = asyncio.run(_frames(f"ws://127.0.0.1:{local.port}/ws", [{"cmd": "play"}], state_is("playing")))
    kinds = [f["type"] for f in frames]
    assert kinds[0] == "hello" and frames[0]["access"] == "full"
    assert "show" in kinds and "done" in kinds
    assert frames[-1]["now"]["state"] == "playing"
    assert any(isinstance(c, m.DoAction) and c.source.startswith("web") for c in recording.sent)


def test_lan_mode_needs_its_token_on_every_request_and_the_websocket(lan: WebRemote) -> None:
    for path in ("/", "/api/status", "/static/app.js", "/static/style.css"):
        assert request(lan, path)[0] == 401, path
        assert request(lan, path + "?token=wrong")[0] == 401, path
    with pytest.raises(InvalidStatus):
        asyncio.run(_frames(f"ws://127.0.0.1:{lan.port}/ws", [], refusals(0), limit=0))
    with pytest.raises(InvalidStatus):
        asyncio.run(_frames(f"ws://127.0.0.1:{lan.port}/ws?token={lan.token[:-1]}", [], refusals(0), limit=0))

    code, page, response = request(lan, f"/?token={lan.token}")
    assert code == 200 and "/static/app.js" in page
    cookie = response.getheader("Set-Cookie")
    assert cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    # The page's script and status come with the cookie the page got, not the URL.
    jar = {"Cookie": cookie.split(";", 1)[0]}
    assert request(lan, "/static/app.js", headers=jar)[0] == 200
    assert request(lan, "/api/status", headers={"Authorization": f"Bearer {lan.token}"})[0] == 200
    frames = asyncio.run(_frames(f"ws://127.0.0.1:{lan.port}/ws?token={lan.token}", [], state_is("stopped")))
    assert frames[0] == {"type": "hello", "access": "full"}
    assert lan.refused["token"] >= 10


def test_a_read_only_token_sees_the_show_but_cannot_stop_it(lan: WebRemote, recording: Recording) -> None:
    recording.send(m.Play())
    assert until(lambda: recording.status().state is State.PLAYING)
    recording.sent.clear()
    url = f"ws://127.0.0.1:{lan.port}/ws?token={lan.read_token}"
    frames = asyncio.run(_frames(url, [{"cmd": "stop"}, {"cmd": "panic"}], refusals(2)))
    assert frames[0]["access"] == "read"
    assert [f["reason"] for f in frames if f["type"] == "refused"] == ["read_only", "read_only"]
    assert any(f["type"] == "now" and f["now"]["state"] == "playing" for f in frames)
    code, text, _ = request(lan, "/api/command", "POST", {"cmd": "stop"},
                            {"Authorization": f"Bearer {lan.read_token}", "Content-Type": "application/json"})
    assert code == 403 and json.loads(text)["reason"] == "read_only"
    assert not any(isinstance(c, m.DoAction) for c in recording.sent), recording.sent
    assert recording.status().state is State.PLAYING
    assert lan.refused["read_only"] >= 1
    code, text, _ = request(lan, f"/api/status?token={lan.read_token}")
    assert code == 200 and json.loads(text)["state"] == "playing"


def test_lock_refuses_the_mix_but_not_the_transport(local: WebRemote, hub: Hub, recording: Recording) -> None:
    hub.locked = lambda: True
    json_ = {"Content-Type": "application/json"}
    code, text, _ = request(local, "/api/command", "POST", {"cmd": "stem/gain", "args": ["Keys", -6]}, json_)
    assert code == 423 and json.loads(text)["reason"] == "locked"
    assert request(local, "/api/command", "POST", {"cmd": "play"}, json_)[0] == 200
    assert [type(c) for c in recording.sent] == [m.DoAction]
    hub.locked = lambda: False
    assert request(local, "/api/command", "POST", {"cmd": "stem/gain", "args": ["Keys", -6]}, json_)[0] == 200
    assert recording.sent[-1] == m.SetStem(0, gain_db=-6.0)


@pytest.mark.parametrize("path", [
    "/static/../web.py", "/static/%2e%2e/web.py", "/static/..%2fweb.py", "/static/%2e%2e%2fweb.py",
    "/static/../../../pyproject.toml", "/../pyproject.toml", "/etc/passwd", "/static//etc/passwd",
    "/static/%2fetc%2fpasswd", "/web.py", "/static/", "/static/.", "/static/..\\web.py",
])
def test_nothing_is_served_outside_the_apps_own_files(local: WebRemote, path: str) -> None:
    code, text, _ = request(local, path)
    assert code in (400, 404), (path, code)
    assert "import" not in text and "root:" not in text and "[project]" not in text


def test_another_host_name_or_origin_is_refused(local: WebRemote, recording: Recording) -> None:
    assert request(local, "/api/status", headers={"Host": "evil.example:8400"})[0] == 421  # DNS rebinding
    code, _, _ = request(local, "/api/command", "POST", {"cmd": "play"},
                         {"Origin": "http://evil.example", "Content-Type": "application/json"})
    assert code == 403 and recording.sent == []


def test_requests_are_rate_limited(hub: Hub) -> None:
    remote = WebRemote(hub, port=0, request_rate=1.0, request_burst=5.0)
    remote.start()
    try:
        codes = [request(remote, "/api/status")[0] for _ in range(20)]
    finally:
        remote.close()
    assert codes[:5] == [200] * 5 and codes.count(429) >= 10, codes
