"""Pedal input through real JACK MIDI ports: unplug and replug, garbage, the status line."""

from __future__ import annotations

import time

from player.actions import Action as A
from player.engine import messages as m
from player.midi import messages as mm
from player.midi.grammar import Parser
from tests.midi.conftest import Host, Pedal, RawPedal, test_rig, wait_connected

MAP = [{"type": "program_change", "program": 0, "action": "play_pause"},
       {"type": "program_change", "program": 1, "action": "next_song"},
       {"type": "program_change", "program": 2, "action": "go_to_song", "arg": 3}]


def test_pulled_cable_is_reported_and_presses_work_after_replugging(backend: str) -> None:
    pedal, host = Pedal(api=backend), Host()
    try:
        _replug(host, pedal)
    finally:
        host.close()
        pedal.unplug()


def _replug(host: Host, pedal: Pedal) -> None:
    host.configure(test_rig(map=MAP))
    wait_connected(host, pedal.port)
    pedal.pc(1)
    assert host.take() == [(A.NEXT_SONG, None)]

    pedal.unplug()
    gone = host.wait_event(mm.MidiPort, lambda e: not e.connected)
    assert gone is not None and gone.detail == "pedal disconnected" and gone.port.startswith(pedal.port)
    pedal.plug()
    back = host.wait_event(mm.MidiPort, lambda e: e.connected and e.detail == "reconnected")
    assert back is not None, host.events
    pedal.pc(2)
    pedal.pc(0)
    assert host.take() == [(A.GO_TO_SONG, 3), (A.PLAY_PAUSE, None)]


def test_garbage_sysex_and_unknown_messages_are_counted_never_raised(host: Host) -> None:
    pedal = RawPedal("rawpedaltest")
    host.configure(test_rig(input="rawpedaltest", map=MAP))
    wait_connected(host, pedal.port)
    # The connection takes effect in JACK's graph a few cycles after "connected" (this pedal's
    # own JACK callback runs in this busy test process): press until a press arrives, so that no
    # junk is sent to nowhere.
    for _ in range(10):
        pedal.pc(0)
        if host.take():
            break
    else:
        raise AssertionError("no press ever arrived from the raw pedal")
    junk = [
        (0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7),  # SysEx (identity request)
        (0x45, 0x12),  # data bytes without a status byte
        (0x90, 60, 100, 62, 100),  # running status: two notes in one event
        (0xC0, 0x85),  # a data byte with the top bit set
        (0xC0,),  # truncated
        (0xF4,),  # undefined system common
        (0xE0, 0x00, 0x40),  # pitch bend: valid, not in the map
        (0xB0, 7, 100),  # volume CC: valid, not in the map
    ]
    for data in junk:
        pedal.send(*data, pause=0.01)
    pedal.pc(1)
    assert host.take() == [(A.NEXT_SONG, None)]
    # Read as a MIDI cable is read: the two running-status notes are two messages, the PC whose
    # data byte is a status byte is one short message and a Note Off short of its bytes another.
    ignored = len(junk) + 2
    seen = host.wait_event(mm.MidiSeen, lambda e: e.ignored == ignored)
    pedal.unplug()
    assert seen is not None and seen.port == pedal.port, (host.midi.ignored, host.midi.received)
    assert host.midi.ignored == ignored


def _raw(host: Host, name: str, entries: list[dict]) -> RawPedal:
    """A raw pedal whose JACK connection is proven by a first press (see the junk test)."""
    pedal = RawPedal(name)
    host.configure(test_rig(input=name, map=[*MAP, *entries]))
    wait_connected(host, pedal.port)
    for _ in range(10):
        pedal.pc(0)
        if host.take():
            return pedal
    raise AssertionError("no press ever arrived from the raw pedal")


def test_a_sysex_cut_short_never_swallows_the_presses_after_it(host: Host) -> None:
    pedal = _raw(host, "rawsysextest", [])
    try:
        pedal.send(0xF0, 0x7E, 0x7F, 0x06)  # the cable pulled mid-SysEx: no F7, ever
        pedal.pc(1)
        pedal.pc(2)
        # rtmidi holds everything after an open SysEx; the flush hands it over within 0.2 s
        assert host.take(0.5) == [(A.NEXT_SONG, None), (A.GO_TO_SONG, 3)]
        # dropped and counted once (cut short; or ended by the flush when it came in the same cycle)
        assert host.midi.ignored == 1
        pedal.pc(0)
        assert host.take() == [(A.PLAY_PAUSE, None)]
    finally:
        pedal.unplug()


def test_running_status_note_on_velocity_zero_releases_the_switch(host: Host) -> None:
    pedal = _raw(host, "rawrunningtest", [{"type": "note_on", "note": 60, "action": "next_section"}])
    try:
        pedal.send(0x90, 60, 100, pause=0.05)
        pedal.send(60, 0, pause=0.2)  # running status: Note On 60, velocity 0 = released
        pedal.send(0x90, 60, 100, pause=0.2)  # the next press must not be taken for a bounce
        pedal.send(60, 0, 60, 100, pause=0.2)  # release and press again in one delivery
        assert host.take() == [(A.NEXT_SECTION, None)] * 3
        assert host.midi.ignored == 0
    finally:
        pedal.unplug()


def test_a_quick_replug_is_noticed_and_the_first_press_after_it_acts(host: Host, pedal: Pedal) -> None:
    host.configure(test_rig(map=MAP))
    wait_connected(host, pedal.port)
    pedal.pc(1)
    assert host.take() == [(A.NEXT_SONG, None)]
    for attempt in range(5):  # every replug, however quick, must be caught
        host.events.clear()
        pedal.unplug()
        pedal.plug()  # back within a millisecond or two: between two scans of the names
        back = host.wait_event(mm.MidiPort, lambda e: e.connected and e.detail == "reconnected")
        assert back is not None, f"replug {attempt + 1} went unnoticed: {host.events}"
        time.sleep(0.1)  # the same pause as wait_connected (see there)
        pedal.pc(0)
        assert host.take() == [(A.PLAY_PAUSE, None)], f"replug {attempt + 1}"


def test_status_line_names_the_message_and_what_it_did(host: Host, pedal: Pedal) -> None:
    host.configure(test_rig(map=MAP))
    wait_connected(host, pedal.port)
    pedal.pc(1, channel=3)
    seen = host.wait_event(mm.MidiSeen, lambda e: e.matched == "next_song")
    assert seen is not None and seen.text == "program_change channel=3 program=1"
    done = [c for c in host.commands if isinstance(c, m.DoAction)]
    assert done and done[0].source == f"midi: {pedal.port}"


def test_midi_all_listens_to_every_port_but_its_own(midi_jack: object) -> None:
    other = Pedal("anotherpedal")
    h = Host(ports="all")
    try:
        h.configure(test_rig(input="nothing-matches-this", map=MAP))
        wait_connected(h, other.port)
        other.pc(0)
        assert h.take() == [(A.PLAY_PAUSE, None)]
        assert not any(isinstance(e, mm.MidiPort) and e.port.startswith("stageplayer")
                       for e in h.events)
    finally:
        h.close()
        other.unplug()


def test_a_burst_of_presses_loses_none_and_doubles_none(host: Host, pedal: Pedal) -> None:
    host.configure(test_rig(debounce_ms=0, map=[
        {"type": "control_change", "control": 20 + i, "value": "any", "action": "master_up"}
        for i in range(8)]))
    wait_connected(host, pedal.port)
    for i in range(200):
        pedal.cc(20 + i % 8, 127, pause=0.002)
    time.sleep(0.3)
    assert len(host.actions()) == 200


def test_midi_option_pattern_overrides_the_rigs(midi_jack: object) -> None:
    other = Pedal("stagepedal")
    h = Host(ports="STAGEPEDAL")  # `player play --midi STAGEPEDAL`: any case
    try:
        h.configure(test_rig(input="nothing-matches-this", map=MAP))
        wait_connected(h, other.port)
        other.pc(1)
        assert h.take() == [(A.NEXT_SONG, None)]
    finally:
        h.close()
        other.unplug()


def test_parser_ends_a_sysex_at_any_status_byte_but_real_time_ones() -> None:
    parser = Parser()
    # what rtmidi hands over after a cut SysEx: everything up to some F7, in one piece
    assert parser.split([0xF0, 1, 2, 0xF8, 3, 0xC0, 1, 0xB0, 64, 127, 0xF7]) == [
        [0xF8], [0xC0, 1], [0xB0, 64, 127]]
    assert parser.truncated == 1
    assert parser.split([0xF0, 0x7E, 0xF7]) == [[0xF0, 0x7E, 0xF7]]  # a whole one passes as one
    assert parser.split([0xF0, 0x7E]) == [] and parser.truncated == 2  # still open when it ended
    assert parser.split([0x90, 60, 100]) == [[0x90, 60, 100]]
    assert parser.split([60, 0, 62, 100]) == [[0x90, 60, 0], [0x90, 62, 100]]  # running status
    assert parser.split([0xF0, 0xF7, 60, 0]) == [[0xF0, 0xF7], [60, 0]]  # SysEx cancels it
