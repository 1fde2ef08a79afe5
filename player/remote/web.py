"""The web remote: one page for phones and tablets, its status pushed over a websocket.

Starlette serves the page, ``GET /api/status``, ``POST /api/command`` and the websocket ``/ws``;
uvicorn runs it on an asyncio loop in a thread of its own (the UI process's other threads never wait
for it). Every change of the status is pushed to each websocket; the page polls nothing. A slow phone
only ever gets the latest status (intermediate ones are dropped for it), so it cannot back up the
others.

Security: by default it listens on 127.0.0.1 only, accepts only ``Host: 127.0.0.1|localhost`` (a DNS
rebinding page cannot reach it) and refuses cross-origin commands. With ``lan=True`` it listens on every
address and every request and websocket needs a token (in the URL once; the page then carries it in a
cookie that no other site gets): the full token, or the read-only one, which may look but not command.
Requests are rate-limited per client, and only the files of ``static/`` are served.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import socket
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from player.remote.hub import Hub, Snapshot
from player.remote.limits import PerClient, TokenBucket

log = logging.getLogger(__name__)

DEFAULT_PORT = 8400
STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "player_token"
REQUEST_RATE, REQUEST_BURST = 30.0, 120.0  # HTTP requests per client address
COMMAND_RATE, COMMAND_BURST = 10.0, 30.0  # commands per websocket (a drummer tapping fast is ~5/s)
MAX_MESSAGE = 4096  # bytes of one websocket message from a client
MAX_CLIENTS = 64
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # the token is in the page's URL
    "Cache-Control": "no-store",
}


class Access:
    """Who a request is: ``full`` may command, ``read`` may only look, None is refused."""

    FULL = "full"
    READ = "read"


class Guard:
    """ASGI middleware in front of everything: host check, token, rate limit, security headers."""

    def __init__(self, app: ASGIApp, remote: WebRemote) -> None:
        self.app = app
        self.remote = remote

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        remote = self.remote
        client = (scope.get("client") or ("?", 0))[0]
        why, status = remote.check(scope, client)
        if why:
            remote.refused[why] += 1
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 4401 if status == 401 else 4429})
                return
            response = PlainTextResponse(_REASONS[why], status_code=status, headers=HEADERS)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_REASONS = {
    "host": "This remote answers on its own address only.",
    "token": "This remote needs its token: scan the QR code on the stage screen.",
    "rate": "Too many requests: slow down.",
    "origin": "Commands from another site are refused.",
    "clients": "Too many remotes connected.",
}


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def token_of(scope: Scope) -> str:
    """The token a request carries: ``?token=``, ``Authorization: Bearer``, or the page's cookie."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0]
    headers = _headers(scope)
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a mangled cookie is no token
        return ""
    return cookie[COOKIE].value if COOKIE in cookie else ""


class WebRemote:
    """The web remote server. ``lan``: listen on ``host`` (default every address) with tokens."""

    def __init__(self, hub: Hub, port: int = DEFAULT_PORT, lan: bool = False, host: str | None = None,
                 request_rate: float = REQUEST_RATE, request_burst: float = REQUEST_BURST,
                 command_rate: float = COMMAND_RATE, command_burst: float = COMMAND_BURST) -> None:
        self.hub = hub
        self.lan = lan
        self.host = host or ("0.0.0.0" if lan else "127.0.0.1")
        self.token = secrets.token_urlsafe(18) if lan else ""
        self.read_token = secrets.token_urlsafe(18) if lan else ""
        self.refused: dict[str, int] = {k: 0 for k in (*_REASONS, "read_only", "bad")}
        self.clients: set[_Client] = set()
        self.command_rate, self.command_burst = command_rate, command_burst
        self._limits = PerClient(request_rate, request_burst)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, port))  # here, so a port in use is the caller's clear error
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._show_json = self._now_json = ""
        self.app = Starlette(routes=[
            Route("/", self._index),
            Route("/api/status", self._status),
            Route("/api/command", self._command, methods=["POST"]),
            WebSocketRoute("/ws", self._ws),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ])
        self.app.add_middleware(Guard, remote=self)

    # --- addresses ---------------------------------------------------------------------------------
    def url(self, read_only: bool = False, host: str | None = None) -> str:
        """The page's address, with its token in LAN mode (what the QR code carries)."""
        where = host or (lan_address() if self.lan else "127.0.0.1")
        token = self.read_token if read_only else self.token
        return f"http://{where}:{self.port}/" + (f"?token={token}" if token else "")

    def _allowed_hosts(self) -> set[str]:
        names = {"127.0.0.1", "localhost"}
        return {f"{n}:{self.port}" for n in names} | names

    # --- the guard's checks ------------------------------------------------------------------------
    def access(self, scope: Scope) -> str | None:
        if not self.lan:
            return Access.FULL
        given = token_of(scope)
        if given and secrets.compare_digest(given, self.token):
            return Access.FULL
        if given and secrets.compare_digest(given, self.read_token):
            return Access.READ
        return None

    def check(self, scope: Scope, client: str) -> tuple[str, int]:
        """("", 0) when the request may go on, else (reason, HTTP status)."""
        if not self._limits.take(client):
            return "rate", 429
        headers = _headers(scope)
        if not self.lan and headers.get("host", "") not in self._allowed_hosts():
            return "host", 421
        access = self.access(scope)
        if access is None:
            return "token", 401
        unsafe = scope["type"] == "websocket" or scope.get("method", "GET") not in ("GET", "HEAD")
        origin = headers.get("origin")
        if unsafe and origin is not None and origin.split("//", 1)[-1] != headers.get("host"):
            return "origin", 403
        if scope["type"] == "websocket" and len(self.clients) >= MAX_CLIENTS:
            return "clients", 429
        scope.setdefault("state", {})["access"] = access
        return "", 0

    # --- routes ------------------------------------------------------------------------------------
    async def _index(self, request: Request) -> Response:
        response = FileResponse(STATIC / "index.html", media_type="text/html")
        token = token_of(request.scope)
        if self.lan and token:  # later requests (scripts, websocket) carry it without the URL
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    async def _status(self, request: Request) -> Response:
        snap = self.hub.latest()
        return JSONResponse({**snap["now"], "setlist": snap["show"]})

    async def _command(self, request: Request) -> Response:
        try:
            body = json.loads((await request.body())[:MAX_MESSAGE])
        except ValueError:
            body = None
        reply = self._perform(body, request.scope["state"]["access"], request.client)
        code = 200 if reply["type"] == "done" else {"read_only": 403, "locked": 423}.get(reply["reason"], 400)
        return JSONResponse(reply, status_code=code)

    def _perform(self, body: Any, access: str, client: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("cmd"), str) \
                or not isinstance(body.get("args", []), list):
            self.refused["bad"] += 1
            return {"type": "refused", "reason": "types", "message": 'send {"cmd": NAME, "args": [...]}'}
        name = body["cmd"]
        where = client[0] if client else "?"
        why = self.hub.perform(name, body.get("args", []), f"web {where}", read_only=access != Access.FULL)
        if why is None:
            return {"type": "done", "cmd": name[:64]}
        if why.reason == "read_only":
            self.refused["read_only"] += 1
        return {"type": "refused", "cmd": name[:64], "reason": why.reason, "message": why.message}

    async def _ws(self, websocket: WebSocket) -> None:
        access = websocket.scope["state"]["access"]
        await websocket.accept()
        client = _Client(websocket, TokenBucket(self.command_rate, self.command_burst))
        self.clients.add(client)
        try:
            await websocket.send_text(json.dumps({"type": "hello", "access": access}))
            if not self._show_json:
                self._encode(self.hub.latest())
            client.offer(self._show_json, self._now_json)
            sender = asyncio.create_task(client.pump())
            try:
                while True:
                    text = await websocket.receive_text()
                    reply = self._message(text, access, client, websocket.client)
                    client.reply(json.dumps(reply))
            finally:
                sender.cancel()
        except (WebSocketDisconnect, RuntimeError, KeyError):
            pass
        finally:
            self.clients.discard(client)

    def _message(self, text: str, access: str, client: _Client, peer: Any) -> dict[str, Any]:
        if len(text) > MAX_MESSAGE:
            self.refused["bad"] += 1
            return {"type": "refused", "reason": "types", "message": "message too long"}
        if not client.bucket.take():
            self.refused["rate"] += 1
            return {"type": "refused", "reason": "rate", "message": _REASONS["rate"]}
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        return self._perform(body, access, peer)

    # --- pushing -------------------------------------------------------------------------------------
    def _encode(self, snap: Snapshot) -> None:
        self._show_json = json.dumps({"type": "show", "show": snap["show"]})
        self._now_json = json.dumps({"type": "now", "now": snap["now"]})

    def _changed(self, snap: Snapshot) -> None:
        """On the server's loop: encode once, offer to every client."""
        show = self._show_json
        self._encode(snap)
        show_changed = self._show_json != show
        for client in self.clients:
            client.offer(self._show_json if show_changed else "", self._now_json)

    def _on_hub(self, snap: Snapshot) -> None:
        """From the hub's thread: hand over to the server's loop, never wait for it."""
        loop = self._loop
        if loop is not None and self._started.is_set() and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._changed, snap)
            except RuntimeError:  # the loop closed between the check and the call
                pass

    # --- life cycle --------------------------------------------------------------------------------
    def start(self) -> None:
        config = uvicorn.Config(self.app, log_level="warning", log_config=None, access_log=False,
                                lifespan="off", ws="websockets-sansio", ws_max_size=MAX_MESSAGE * 4,
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="remote-web", daemon=True)
        self._thread.start()
        self._started.wait(10)
        self.hub.listen(self._on_hub)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        assert self._server is not None
        loop.call_soon(self._started.set)
        try:
            loop.run_until_complete(self._server.serve(sockets=[self._sock]))
        except Exception:
            log.exception("web remote stopped")
        finally:
            self._started.set()
            loop.close()

    def close(self) -> None:
        self.hub.unlisten(self._on_hub)
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5.0)
        self._sock.close()


class _Client:
    """One websocket: the newest status waiting to go out (older ones are replaced, never queued)."""

    def __init__(self, websocket: WebSocket, bucket: TokenBucket) -> None:
        self.websocket = websocket
        self.bucket = bucket
        self._show = ""
        self._now = ""
        self._replies: list[str] = []
        self._ready = asyncio.Event()

    def offer(self, show: str, now: str) -> None:
        if show:
            self._show = show
        self._now = now
        self._ready.set()

    def reply(self, text: str) -> None:
        if len(self._replies) < 32:
            self._replies.append(text)
        self._ready.set()

    async def pump(self) -> None:
        try:
            await self._pump()
        except Exception:  # noqa: BLE001 - the phone went away mid-send: its receive loop ends too
            return

    async def _pump(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            out, self._replies = self._replies, []
            if self._show:
                out.append(self._show)
                self._show = ""
            if self._now:
                out.append(self._now)
                self._now = ""
            for text in out:
                await self.websocket.send_text(text)


def lan_address() -> str:
    """This machine's address on the LAN (the one a phone reaches), found without sending anything."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))  # UDP connect sends nothing; it only picks a route
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def qr_text(url: str) -> str:
    """The URL as a QR code drawn with block characters, for the terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True)
    return out.getvalue()
