"""OSC control over UDP: ``/player/<command> args...`` for every remote command, status to subscribers.

python-osc parses and builds the packets; the socket loop is our own, in a thread of its own, so that
nothing a sender does can make us wait: python-osc's dispatcher sleeps until a bundle's time tag
(a remote could hold the server for hours with one packet), and it drops malformed packets without
telling. Here every datagram that is not carried out is counted in ``ignored`` by reason, and nothing
raises. ``/player/status`` answers the sender with one ``/player/status`` message;
``/player/subscribe [HOST] PORT`` sends a bundle of status messages there on every change.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections import Counter

from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket

from player.remote.commands import COMMANDS, Refused, whole
from player.remote.hub import Hub, Snapshot
from player.remote.limits import TokenBucket

log = logging.getLogger(__name__)

DEFAULT_PORT = 9000
PREFIX = "/player/"
MAX_SUBSCRIBERS = 16
MAX_MESSAGES_PER_PACKET = 32
RATE = 200.0  # datagrams a second, on average (a fader sends ~60)
BURST = 400.0


def _ipv4(host: str) -> str:
    """An IPv4 address (or "localhost"): never a name to look up, which could block the publisher."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        raise Refused("range", f"subscribe needs an IPv4 address, not {host[:64]!r}") from None


def status_args(snap: Snapshot) -> list[object]:
    """The one ``/player/status`` message: state, song number (1-based, 0: none), title, seconds,
    bar, beat, section, pending section ("" none), jump mode, vamp (0/1), lyric line."""
    now = snap["now"]
    return [now["state"], now["song"] + 1, now["title"], float(now["position"]), now["bar"], now["beat"],
            now["section_name"], now["pending_name"], now["jump_mode"], int(now["vamp"]), now["lyric"]]


def _message(address: str, *args: object) -> OscMessage:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)  # type: ignore[arg-type]
    return builder.build()


def status_bundle(snap: Snapshot) -> bytes:
    """What a subscriber gets on each change: ``/player/status`` and one message per field, so a
    TouchOSC or Open Stage Control label can show one thing."""
    now = snap["now"]
    bundle = OscBundleBuilder(IMMEDIATELY)
    for msg in (
        _message("/player/status", *status_args(snap)),
        _message("/player/state", now["state"]),
        _message("/player/song", now["song"] + 1, now["title"]),
        _message("/player/title", now["title"]),
        _message("/player/next", now["next"] + 1, now["next_title"]),
        _message("/player/next_title", now["next_title"]),
        _message("/player/clock", now["clock"]),
        _message("/player/position", float(now["position"])),
        _message("/player/barbeat", f"{now['bar']}.{now['beat']}"),
        _message("/player/section", now["section_name"]),
        _message("/player/pending", now["pending_name"]),
        _message("/player/jump_mode", now["jump_mode"]),
        _message("/player/vamp", int(now["vamp"])),
        _message("/player/lyric", now["lyric"]),
    ):
        bundle.add_content(msg)
    return bundle.build().dgram


class OscServer:
    """Listens on ``host:port`` (port 0: any free port, see ``port``). ``ignored``: reason -> count."""

    def __init__(self, hub: Hub, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 rate: float = RATE, burst: float = BURST) -> None:
        self.hub = hub
        self.ignored: Counter[str] = Counter()
        self.received = 0
        self.subscribers: list[tuple[str, int]] = []
        self._bucket = TokenBucket(rate, burst)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, port))
        self._sock.settimeout(0.25)
        self.host, self.port = self._sock.getsockname()[:2]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def ignored_total(self) -> int:
        return sum(self.ignored.values())

    def start(self) -> None:
        self.hub.listen(self._publish)
        self._thread = threading.Thread(target=self._run, name="remote-osc", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.hub.unlisten(self._publish)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
        self._sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self._sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            try:
                self.handle(data, addr)
            except Exception:
                log.exception("OSC datagram from %s", addr)
                self.ignored["error"] += 1

    def handle(self, data: bytes, addr: tuple[str, int]) -> None:
        """One datagram: parse it, carry out each message, count what is ignored."""
        self.received += 1
        if not self._bucket.take():
            self.ignored["flood"] += 1
            return
        try:
            messages = [timed.message for timed in OscPacket(data).messages]
        except Exception:  # noqa: BLE001 - ParseError, and whatever a hostile packet provokes
            self.ignored["malformed"] += 1
            return
        if not messages:
            self.ignored["malformed"] += 1
        for i, msg in enumerate(messages):
            if i >= MAX_MESSAGES_PER_PACKET:
                self.ignored["flood"] += len(messages) - i
                break
            why = self._one(msg, addr)
            if why is not None:
                self.ignored[why.reason] += 1
                log.debug("OSC %s from %s ignored: %s", msg.address, addr, why.message)

    def _one(self, msg: OscMessage, addr: tuple[str, int]) -> Refused | None:
        address = msg.address
        if not isinstance(address, str) or not address.startswith(PREFIX):
            return Refused("unknown", f"not a /player/ address: {str(address)[:64]!r}")
        name = address[len(PREFIX):]
        args = list(msg.params)
        if name == "status":
            self._send(status_bundle_single(self.hub.latest()), addr)
            return None
        if name in ("subscribe", "unsubscribe"):
            return self._subscribe(name == "subscribe", args, addr)
        if name not in COMMANDS:
            return Refused("unknown", f"unknown command {name[:64]!r}")
        return self.hub.perform(name, args, f"osc {addr[0]}")

    def _subscribe(self, on: bool, args: list[object], addr: tuple[str, int]) -> Refused | None:
        try:
            if len(args) == 1:
                target = (addr[0], whole(args[0], 1, 65535, "port"))
            elif len(args) == 2 and isinstance(args[0], str):
                target = (_ipv4(args[0]), whole(args[1], 1, 65535, "port"))
            else:
                return Refused("types", "subscribe takes [HOST] PORT")
        except Refused as exc:
            return exc
        if not on:
            if target in self.subscribers:
                self.subscribers.remove(target)
            return None
        if target not in self.subscribers:
            if len(self.subscribers) >= MAX_SUBSCRIBERS:
                return Refused("range", f"already {MAX_SUBSCRIBERS} subscribers")
            self.subscribers.append(target)
        self._send(status_bundle(self.hub.latest()), target)
        return None

    def _publish(self, snap: Snapshot) -> None:
        if not self.subscribers:
            return
        data = status_bundle(snap)
        for target in list(self.subscribers):
            self._send(data, target)

    def _send(self, data: bytes, target: tuple[str, int]) -> None:
        try:
            self._sock.sendto(data, target)
        except OSError as exc:  # gone, unreachable or a bad name: the show goes on
            log.debug("OSC send to %s failed: %s", target, exc)


def status_bundle_single(snap: Snapshot) -> bytes:
    """The answer to ``/player/status``: the one message."""
    return _message("/player/status", *status_args(snap)).dgram
