"""OSC over real UDP on loopback, into the real engine and out of JACK; and 500 fuzzed messages."""

from __future__ import annotations

import random
import socket
import struct
import time
from collections.abc import Iterator

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket
from pythonosc.udp_client import SimpleUDPClient

from player.engine.status import State
from player.remote.hub import Hub
from player.remote.osc import OscServer
from tests.remote.conftest import Recording, peak, until
from tests.support.jackserver import JackServer, Recorder


@pytest.fixture
def osc(hub: Hub) -> Iterator[OscServer]:
    server = OscServer(hub, port=0)
    server.start()
    yield server
    server.close()


def listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5.0)
    return sock


def ask_status(osc: OscServer) -> list[object]:
    """``/player/status`` from a socket of our own: the answer comes back to it."""
    sock = listener()
    try:
        sock.sendto(OscMessageBuilder("/player/status").build().dgram, ("127.0.0.1", osc.port))
        data, _ = sock.recvfrom(65536)
    finally:
        sock.close()
    msg = OscMessage(data)
    assert msg.address == "/player/status"
    return list(msg.params)


def test_play_jump_and_gain_over_udp_reach_the_engine_and_the_outputs(
        osc: OscServer, recording: Recording, jack_server: JackServer) -> None:
    client = SimpleUDPClient("127.0.0.1", osc.port)
    recorder = Recorder(jack_server, 4.0)
    recorder.start()
    client.send_message("/player/play", [])
    assert until(lambda: recording.status().state is State.PLAYING)

    client.send_message("/player/jump_to_section", ["Chorus", "now"])
    assert until(lambda: recording.status().section == 2), "the jump landed in the Chorus"
    st = recording.status()
    assert st.bar >= 5

    client.send_message("/player/stem/gain", ["BVs", -96.0])
    assert until(lambda: any(getattr(c, "gain_db", None) == -96.0 for c in recording.sent))
    captured = recorder.wait(10)
    keys, bvs = captured[0], captured[1]
    assert peak(keys) > 0.2, "the song played on output 1"
    # BVs played, then went silent once the gain landed; the keys went on.
    assert peak(bvs[: len(bvs) // 4]) > 0.2
    assert peak(bvs[-12000:]) < 1e-3 and peak(keys[-12000:]) > 0.2

    state, song, title, seconds, bar, beat, section, *_ = ask_status(osc)
    assert (state, song, title, section) == ("playing", 1, "Alpha", "Chorus")
    assert seconds > 8.0 and bar >= 5 and 1 <= beat <= 4
    assert osc.ignored_total == 0


def test_subscribers_get_each_change_and_unsubscribe_stops_them(osc: OscServer, recording: Recording) -> None:
    sock = listener()
    port = sock.getsockname()[1]
    client = SimpleUDPClient("127.0.0.1", osc.port)
    client.send_message("/player/subscribe", ["127.0.0.1", port])
    first = OscPacket(sock.recvfrom(65536)[0])
    addresses = [t.message.address for t in first.messages]
    assert {"/player/status", "/player/state", "/player/section", "/player/lyric"} <= set(addresses)

    client.send_message("/player/go_to_song", [2])
    titles = []
    for _ in range(200):
        packet = OscPacket(sock.recvfrom(65536)[0])
        song = next(t.message for t in packet.messages if t.message.address == "/player/song")
        titles.append(song.params[1])
        if song.params[1] == "Beta":
            break
    assert titles[-1] == "Beta", titles
    client.send_message("/player/unsubscribe", [port])
    assert until(lambda: not osc.subscribers)
    sock.close()


def _fuzz(rng: random.Random) -> bytes:
    """One bad datagram: garbage, an unknown address, wrong types or values out of range."""
    kind = rng.randrange(6)
    if kind == 0:
        return rng.randbytes(rng.randrange(0, 64))
    if kind == 1:  # an address that is not ours, or a command that does not exist
        address = rng.choice(["/foo", "/player/explode", "/player/", "/player/play/now", "player/play"])
        return OscMessageBuilder(address).build().dgram if address.startswith("/") else address.encode()
    if kind == 2:  # wrong types
        address, arg = rng.choice([("/player/go_to_song", "three"), ("/player/stem/gain", 3.0),
                                   ("/player/jump_to_section", b"\x00\x01"), ("/player/master", "loud"),
                                   ("/player/mute_role", 7)])
        builder = OscMessageBuilder(address)
        builder.add_arg(arg)
        return builder.build().dgram
    if kind == 3:  # out of range
        address, args = rng.choice([("/player/go_to_song", [99]), ("/player/master", [40.0]),
                                    ("/player/stem/gain", ["Keys", 500.0]), ("/player/stem/pan", [1, 3.0]),
                                    ("/player/jump_to_section", ["Bridge"]), ("/player/seek", [-5.0]),
                                    ("/player/jump_mode", ["sometimes"]), ("/player/stem/gain", [9, 0.0]),
                                    ("/player/master", [float("nan")]), ("/player/subscribe", [0])])
        builder = OscMessageBuilder(address)
        for a in args:
            builder.add_arg(a)
        return builder.build().dgram
    if kind == 4:  # a valid message, truncated
        good = OscMessageBuilder("/player/stem/gain")
        good.add_arg("Keys")
        good.add_arg(-3.0)
        data = good.build().dgram
        return data[: rng.randrange(1, len(data) - 4)]
    # a message whose type tags promise more than it carries
    return b"/player/master\x00\x00,fff\x00\x00\x00\x00" + struct.pack(">f", 1.0)


def test_500_fuzzed_messages_are_ignored_counted_and_harmless(hub: Hub, recording: Recording) -> None:
    rng = random.Random(15)
    before = recording.status()
    osc = OscServer(hub, port=0, rate=1e6, burst=1e6)  # no flood limit: this test is about content
    osc.start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for sent in range(1, 501):
        sock.sendto(_fuzz(rng), ("127.0.0.1", osc.port))
        if sent % 50 == 0:  # never more than the socket's buffer holds
            assert until(lambda n=sent: osc.received == n)
    sock.close()
    assert osc.ignored_total == 500, dict(osc.ignored)
    assert set(osc.ignored) <= {"malformed", "unknown", "types", "range"}, dict(osc.ignored)
    assert recording.sent == [], "no bad message reached the engine"
    # The server still answers, and the engine still plays what it played.
    try:
        assert ask_status(osc)[0] == before.state.name.lower()
    finally:
        osc.close()


def test_a_flood_is_cut_off_and_counted(hub: Hub, recording: Recording) -> None:
    server = OscServer(hub, port=0, rate=10.0, burst=20.0)
    server.start()
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        data = OscMessageBuilder("/player/click_toggle").build().dgram
        start = time.monotonic()
        for _ in range(150):
            sock.sendto(data, ("127.0.0.1", server.port))
        assert until(lambda: server.received == 150)
        elapsed = time.monotonic() - start
        sock.close()
    finally:
        server.close()
    toggles = sum(1 for c in recording.sent if getattr(c, "action", None) is not None)
    assert toggles + server.ignored["flood"] == 150, dict(server.ignored)
    assert 20 <= toggles <= 20 + 10 * elapsed + 1, (toggles, elapsed)
