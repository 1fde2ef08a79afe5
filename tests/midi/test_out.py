"""MIDI out on real JACK ports: song messages on load and start, and a 24 ppqn clock that follows a
tempo ramp, with Start / Stop / Song Position Pointer.

The play position comes from the engine's status block; here a JACK client writes it each cycle
(position advancing by the period, as the engine's audio callback does), so the clock is checked
against JACK's own frame count. A second client receives the MIDI with the frame of each event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from player.engine import messages as m
from player.midi.clock import CLOCK, CONTINUE, SPP, START, STOP
from player.setlist.song import MidiMessage, Song, SongMidi, Stem, Tempo, TempoChange
from player.setlist.tempo import TempoMap
from tests.midi.conftest import Host, test_rig
from tests.support.jackserver import JackServer

RATE = 48000


class Receiver:
    """A JACK client with a MIDI input (a keyboard rig or lighting desk): every event and its frame."""

    def __init__(self, name: str = "clockrx") -> None:
        import jack

        self.events: list[tuple[int, bytes]] = []
        self.client = jack.Client(name, no_start_server=True)
        self.port = self.client.midi_inports.register("in")
        self.block = self.client.blocksize

        @self.client.set_process_callback
        def _process(frames: int) -> None:
            t = self.client.last_frame_time
            for offset, data in self.port.incoming_midi_events():
                self.events.append((t + offset, bytes(data)))

        self.client.activate()

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()


class Playhead:
    """Writes the status block every JACK cycle, as the engine's callback does (stopped, then playing)."""

    def __init__(self, status: object) -> None:
        import jack

        self.status = status
        self.position = 0
        self.started_at: int | None = None  # JACK frame time of the cycle that played frame 0
        self.playing = threading.Event()
        self.client = jack.Client("playhead", no_start_server=True)

        @self.client.set_process_callback
        def _process(frames: int) -> None:
            playing = self.playing.is_set()
            if playing and self.started_at is None:
                self.started_at = self.client.last_frame_time
            st = self.status
            st.begin()
            st.set("state", 1 if playing else 0)
            st.set("rate", RATE)
            st.set("position", self.position)
            st.end()
            if playing:
                self.position += frames

        self.client.activate()
        time.sleep(0.3)  # the engine's callback runs long before a song starts

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()


@pytest.fixture
def receiver(midi_jack: JackServer) -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def ramp_song() -> Song:
    """One bar at 240, a two-bar ramp to 360, then steady: short, and the spacing changes a lot."""
    return Song(title="Ramp", stems=[Stem(file="x.wav")],
                tempo=Tempo(bpm=240, changes=[TempoChange(bar=2, bpm=360, ramp_bars=2)]),
                midi=SongMidi(on_load=[MidiMessage(type="program_change", channel=3, program=5)],
                              on_start=[MidiMessage(type="note_on", channel=10, note=36, velocity=100)]))


def test_song_messages_and_clock_follow_the_tempo_ramp(host: Host, receiver: Receiver) -> None:
    host.configure(test_rig(input="", output="clockrx", clock=True))
    assert host.wait_event(m.MidiPort, lambda e: e.direction == "output" and e.connected) is not None
    song = ramp_song()
    tm = TempoMap.of(song, RATE)
    assert tm is not None
    playhead = Playhead(host.status)
    try:
        host.run(lambda: host.midi.song_cued(0, song, tm, RATE))
        time.sleep(0.1)
        host.run(lambda: host.midi.transport(True, 0))
        playhead.playing.set()
        seconds = 3.0
        time.sleep(seconds)
        stopped_at = playhead.position
        host.run(lambda: host.midi.transport(False, stopped_at))
        time.sleep(0.1)
    finally:
        playhead.close()

    kinds = [data for _, data in receiver.events]
    assert kinds[0] == bytes([0xC2, 5]), "Program Change on load, on the song's channel 3"
    assert bytes([0x99, 36, 100]) in kinds and bytes([START]) in kinds
    assert kinds.index(bytes([START])) < kinds.index(bytes([CLOCK])), "Start comes before the first pulse"
    assert kinds[-1] == bytes([STOP])

    got = np.array([t for t, data in receiver.events if data == bytes([CLOCK])], dtype=np.int64)
    expected = np.array([tm.frame_at_quarters(k / 24) for k in range(len(got))])
    due = int(np.searchsorted([tm.frame_at_quarters(k / 24) for k in range(2000)], stopped_at))
    # Every pulse up to the stop (the stop itself races the last few milliseconds of pulses); that
    # none is missing or doubled in between is checked by each pulse's place below.
    assert due - 4 <= len(got) <= due + 1, f"{len(got)} pulses, the song had {due} up to the stop"
    assert playhead.started_at is not None
    error = got - playhead.started_at - expected
    error -= int(np.median(error))  # a constant latency is fine; what matters is each pulse's place
    block = receiver.block
    # RtMidi's JACK output delivers at the start of the next cycle (a pulse lands up to a period
    # late), and the position is extrapolated from the status' wall times: allow two periods. The
    # measured spread is in docs/midi.md (bench/midi_latency.py --clock).
    tolerance = 2 * block + RATE * 0.0005
    assert np.abs(error).max() <= tolerance, f"pulse placement error up to {np.abs(error).max()} frames"
    spacing = np.diff(got) - np.diff(expected)
    assert np.abs(spacing).max() <= tolerance
    assert np.diff(expected)[:24].mean() > 1.4 * np.diff(expected)[-24:].mean(), "the test covers the ramp"


def test_jump_sends_song_position_pointer(host: Host, receiver: Receiver) -> None:
    host.configure(test_rig(input="", output="clockrx", clock=True))
    assert host.wait_event(m.MidiPort, lambda e: e.direction == "output" and e.connected) is not None
    song = ramp_song()
    tm = TempoMap.of(song, RATE)
    host.run(lambda: host.midi.song_cued(0, song, tm, RATE))
    host.run(lambda: host.midi.jumped(tm.frame_at(3)))  # stopped: pointer only
    host.run(lambda: host.midi.transport(True, tm.frame_at(5)))  # resume mid-song: pointer + Continue
    host.run(lambda: host.midi.transport(False, tm.frame_at(5)))
    time.sleep(0.1)
    kinds = [data for _, data in receiver.events if data[0] != CLOCK]
    assert kinds[1:] == [bytes([SPP, 32, 0]), bytes([SPP, 64, 0]), bytes([CONTINUE]), bytes([STOP])]
