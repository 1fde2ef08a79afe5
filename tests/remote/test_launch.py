"""Starting the remotes for ``player play``: options, the rig's [osc] and [link], and a port in use."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from player.cli import _parser
from player.remote.launch import Options, start_remotes
from player.setlist.problems import LoadError
from player.setlist.rig import load_rig
from tests.remote.conftest import Recording


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_play_options_parse() -> None:
    args = _parser().parse_args(["play", "--osc", "off", "--remote", "lan", "--remote-port", "8500"])
    assert (args.osc, args.remote, args.remote_port) == ("off", "lan", 8500)
    assert _parser().parse_args(["play"]).osc is None
    assert _parser().parse_args(["play", "--osc", "9100"]).osc == "9100"
    for bad in (["--osc", "loud"], ["--osc", "70000"], ["--remote", "everywhere"]):
        with pytest.raises(SystemExit):
            _parser().parse_args(["play", *bad])


def test_the_rig_sets_osc_and_link(recording: Recording, show, setlist: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    rig_file = setlist.parent / "rig.toml"
    rig_file.write_text(rig_file.read_text() + f"[osc]\nport = {port}\n[link]\nenabled = true\nquantum = 3\n")
    rig = load_rig("rig.toml", setlist)[1]
    remotes = start_remotes(recording, show, Options(remote="off"), rig)
    try:
        assert remotes.osc is not None and remotes.osc.port == port
        assert remotes.web is None
        assert remotes.link is not None and remotes.link.link.quantum == 3  # type: ignore[attr-defined]
        assert any("Ableton Link: on" in line for line in remotes.said)
    finally:
        remotes.close()


def test_a_bad_osc_table_is_a_located_error(setlist: Path) -> None:
    rig_file = setlist.parent / "rig.toml"
    rig_file.write_text(rig_file.read_text() + "[osc]\nport = 99999\n")
    with pytest.raises(LoadError) as exc:
        load_rig("rig.toml", setlist)
    assert "osc.port" in str(exc.value.problems[0])


def test_ports_in_use_are_reported_and_the_show_goes_on(recording: Recording, show) -> None:
    web_port = free_port(socket.SOCK_STREAM)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy_tcp, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy_udp:
        busy_tcp.bind(("127.0.0.1", web_port))
        busy_tcp.listen()
        busy_udp.bind(("127.0.0.1", 0))
        udp_port = busy_udp.getsockname()[1]
        remotes = start_remotes(recording, show, Options(osc=str(udp_port), remote_port=web_port), None)
        try:
            assert remotes.osc is None and remotes.web is None
            assert any(line.startswith("OSC not started") for line in remotes.said), remotes.said
            assert any(line.startswith("Web remote not started") for line in remotes.said), remotes.said
        finally:
            remotes.close()


def test_lan_mode_says_both_urls_and_draws_the_qr_code(recording: Recording, show) -> None:
    remotes = start_remotes(recording, show, Options(osc="off", remote="lan",
                                                     remote_port=free_port(socket.SOCK_STREAM)), None)
    try:
        web = remotes.web
        assert web is not None and web.lan and web.host == "0.0.0.0"
        assert any(web.token in line for line in remotes.said)
        assert any(web.read_token in line and "Read-only" in line for line in remotes.said)
        assert "█" in remotes.qr or "▀" in remotes.qr
    finally:
        remotes.close()


def test_the_stage_ui_lends_its_lock_and_pedal_to_the_remotes(recording: Recording, show) -> None:
    remotes = start_remotes(recording, show, Options(osc="off", remote="off"), None)
    try:
        remotes.attach(lambda: True, lambda: ("MC6 Pro", False))
        now = remotes.hub.snapshot()["now"]
        assert now["locked"] is True
        assert (now["health"]["pedal"], now["health"]["pedal_connected"]) == ("MC6 Pro", False)
        assert remotes.hub.perform("master", [-3.0], "test").reason == "locked"  # type: ignore[union-attr]
    finally:
        remotes.close()
