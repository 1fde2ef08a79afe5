"""MIDI out on real JACK ports: song messages on load and start, and a 24 ppqn clock that follows a
tempo ramp, with Start / Stop / Song Position Pointer.

The play position comes from the engine's status block; here a JACK client writes it each cycle
(position advancing by the period, as the engine's audio callback does), so the clock is checked
against JACK's own frame count. A second client receives the MIDI with the frame of each event.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from player.midi import messages as mm
from player.midi.clock import CLOCK, CONTINUE, SPP, START, STOP
from player.setlist.song import MidiMessage, Song, SongMidi, Stem, Tempo, TempoChange
from player.setlist.tempo import TempoMap
from tests.midi.conftest import Host, test_rig
from tests.support.jackserver import JackServer

RATE = 48000


def _receiver_main(name: str, conn) -> None:
    """The receiver's own process: its JACK callback never waits for this test's GIL."""
    import sys

    import jack

    sys.setswitchinterval(0.0002)  # the JACK callback must not wait for this process's main thread
    events: list[tuple[int, bytes]] = []
    xruns: list[int] = []
    client = jack.Client(name, no_start_server=True)
    port = client.midi_inports.register("in")

    @client.set_xrun_callback
    def _xrun(_delay: float) -> None:
        xruns.append(client.last_frame_time)

    @client.set_process_callback
    def _process(frames: int) -> None:
        t = client.last_frame_time
        for offset, data in port.incoming_midi_events():
            events.append((t + offset, bytes(data)))

    client.activate()
    conn.send(client.blocksize)
    while True:
        try:
            request = conn.recv()
        except EOFError:
            break
        if request == "events":
            conn.send(list(events))
        elif request == "xruns":
            conn.send(list(xruns))
        elif request == "clock connected":
            conn.send(any(p.name.startswith("stageplayer-midi-clock")
                          for p in client.get_all_connections(port)))
        else:
            break
    client.deactivate()
    client.close()


class Receiver:
    """A JACK client with a MIDI input (a keyboard rig or lighting desk), in a process of its own:
    every event and its frame."""

    def __init__(self, name: str = "clockrx") -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_receiver_main, args=(name, child), daemon=True)
        self._proc.start()
        assert self._conn.poll(20), "the receiver did not start"
        self.block = self._conn.recv()

    @property
    def events(self) -> list[tuple[int, bytes]]:
        self._conn.send("events")
        return self._conn.recv()

    @property
    def xruns(self) -> list[int]:
        self._conn.send("xruns")
        return self._conn.recv()

    def clock_connected(self) -> bool:
        self._conn.send("clock connected")
        return self._conn.recv()

    def close(self) -> None:
        self._conn.send("stop")
        self._proc.join(5)


class Playhead:
    """Writes the status block every JACK cycle, as the engine's callback does (stopped, then playing)."""

    def __init__(self, status: object) -> None:
        import jack

        self.status = status
        self.position = 0
        self.started_at: int | None = None  # JACK frame time of the cycle that played frame 0
        self.playing = threading.Event()
        self.client = jack.Client("playhead", no_start_server=True)
        out = self.client.outports.register("out")  # the engine's audio output, which the clock follows

        @self.client.set_process_callback
        def _process(frames: int) -> None:
            playing = self.playing.is_set()
            if playing:
                if self.started_at is None:
                    self.started_at = self.client.last_frame_time
                self.position += frames  # the engine publishes the position after its block
            st = self.status
            st.begin()
            st.set("state", 1 if playing else 0)
            st.set("rate", RATE)
            st.set("position", self.position)
            st.end()

        self.client.activate()
        self.client.connect(out, "system:playback_16")
        deadline = time.monotonic() + 5  # the clock process orders itself after the engine
        while not self.client.get_all_connections(out)[1:] and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # the engine's callback runs long before a song starts

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()


@pytest.fixture
def receiver(midi_jack: JackServer) -> Iterator[Receiver]:
    # The receiver's and the playhead's JACK callbacks run in this process, beside the host's
    # threads: hand the GIL over often, as the engine process does, or a callback misses its cycle.
    saved = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    r = Receiver()
    yield r
    r.close()
    sys.setswitchinterval(saved)


def clock_ready(host: Host, receiver: Receiver) -> None:
    """Configured with a clock; its process started and connected to the receiver."""
    host.configure(test_rig(input="", output="clockrx", clock=True))
    assert host.wait_event(mm.MidiPort, lambda e: e.direction == "output" and e.connected) is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if receiver.clock_connected():
            time.sleep(0.1)
            return
        time.sleep(0.02)
    raise AssertionError("the MIDI clock never connected to the receiver")


def ramp_song() -> Song:
    """One bar at 240, a two-bar ramp to 360, then steady: short, and the spacing changes a lot."""
    return Song(title="Ramp", stems=[Stem(file="x.wav")],
                tempo=Tempo(bpm=240, changes=[TempoChange(bar=2, bpm=360, ramp_bars=2)]),
                midi=SongMidi(on_load=[MidiMessage(type="program_change", channel=3, program=5)],
                              on_start=[MidiMessage(type="note_on", channel=10, note=36, velocity=100)]))


def test_song_messages_and_clock_follow_the_tempo_ramp(host: Host, receiver: Receiver) -> None:
    clock_ready(host, receiver)
    song = ramp_song()
    tm = TempoMap.of(song, RATE)
    assert tm is not None
    playhead = Playhead(host.status)
    try:
        host.run(lambda: host.midi.song_cued(0, song, tm, RATE))
        time.sleep(0.1)
        host.run(lambda: host.midi.transport(True, 0))
        playhead.playing.set()
        time.sleep(3.0)
        stopped_at = playhead.position
        host.run(lambda: host.midi.transport(False, stopped_at))
        time.sleep(0.2)
    finally:
        playhead.close()
    assert playhead.started_at is not None
    events, xruns = receiver.events, np.array(receiver.xruns, dtype=np.int64)
    block = receiver.block

    def near_xrun(frame: float) -> bool:
        """A cycle the server missed loses or repeats its MIDI: judged apart (a loaded machine)."""
        return bool(xruns.size) and bool(np.any(np.abs(xruns - frame) < 4 * block))

    kinds = [data for t, data in events]
    if not xruns.size:
        assert kinds[0] == bytes([0xC2, 5]), "Program Change on load, on the song's channel 3"
        assert bytes([0x99, 36, 100]) in kinds and bytes([START]) in kinds
        assert kinds.index(bytes([START])) < kinds.index(bytes([CLOCK])), "Start before the first pulse"
        assert kinds[-1] == bytes([STOP])

    grid = np.array([tm.frame_at_quarters(k / 24) for k in range(2000)])
    got = np.array([t for t, data in events if data == bytes([CLOCK])], dtype=np.int64)
    rel = got - playhead.started_at  # each pulse is matched to the nearest pulse of the map
    after = np.clip(np.searchsorted(grid, rel), 1, len(grid) - 1)
    index = np.where(np.abs(grid[after - 1] - rel) <= np.abs(grid[after] - rel), after - 1, after)
    error = rel - grid[index]
    latency = float(np.median(error))  # 0 when the clock runs after the engine, as it arranges
    clean = np.array([not near_xrun(t) for t in got])
    tolerance = RATE * 0.0005  # the 0.5 ms
    worst = np.abs(error[clean] - latency).max()
    assert worst <= tolerance, f"a pulse {worst} frames from its place ({len(xruns)} xruns)"
    assert worst <= 1, "written at the pulse's own frame: exact to the rounding"
    assert len(set(index[clean].tolist())) == int(clean.sum()), "a pulse came twice"
    due = int(np.searchsorted(grid, stopped_at))
    missing = [k for k in range(0, due - 4) if k not in set(index.tolist())
               and not near_xrun(playhead.started_at + grid[k] + latency)]
    assert not missing, f"pulses never sent: {missing[:10]} ({len(xruns)} xruns)"
    assert len(got) <= due + 1 + len(xruns) * 4
    assert np.diff(grid[:24]).mean() > 1.4 * np.diff(grid[index[-24:]]).mean(), "the test covers the ramp"


def test_jump_sends_song_position_pointer(host: Host, receiver: Receiver) -> None:
    clock_ready(host, receiver)
    song = ramp_song()
    tm = TempoMap.of(song, RATE)
    host.run(lambda: host.midi.song_cued(0, song, tm, RATE))
    host.run(lambda: host.midi.jumped(tm.frame_at(3)))  # stopped: pointer only
    host.run(lambda: host.midi.transport(True, tm.frame_at(5)))  # resume mid-song: pointer + Continue
    host.run(lambda: host.midi.transport(False, tm.frame_at(5)))
    deadline = time.monotonic() + 5  # the clock process takes a moment to start
    while len(receiver.events) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    kinds = [data for _, data in receiver.events if data[0] != CLOCK]
    assert kinds[1:] == [bytes([SPP, 32, 0]), bytes([SPP, 64, 0]), bytes([CONTINUE]), bytes([STOP])]


def test_without_jack_client_the_thread_clock_still_counts_every_pulse(
        host: Host, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback (ALSA, CoreMIDI, or no JACK-Client): pulses through RtMidi from a thread.
    Its timing is only as good as the period (docs/midi.md); here: Start, then every pulse once."""
    monkeypatch.setenv("STAGEPLAYER_MIDI_CLOCK", "thread")
    host.configure(test_rig(input="", output="clockrx", clock=True))
    assert host.wait_event(mm.MidiPort, lambda e: e.direction == "output" and e.connected) is not None
    song = ramp_song()
    tm = TempoMap.of(song, RATE)
    playhead = Playhead(host.status)
    try:
        host.run(lambda: host.midi.song_cued(0, song, tm, RATE))
        host.run(lambda: host.midi.transport(True, 0))
        playhead.playing.set()
        time.sleep(1.5)
        stopped_at = playhead.position
        host.run(lambda: host.midi.transport(False, stopped_at))
        time.sleep(0.2)
    finally:
        playhead.close()
    kinds = [data for _, data in receiver.events]
    pulses = kinds.count(bytes([CLOCK]))
    due = sum(1 for k in range(2000) if tm.frame_at_quarters(k / 24) < stopped_at)
    assert kinds.index(bytes([START])) < kinds.index(bytes([CLOCK])) and kinds[-1] == bytes([STOP])
    assert due - 6 <= pulses <= due + 1, f"{pulses} pulses, {due} due"


def test_a_section_sends_its_midi_when_it_starts(host: Host, receiver: Receiver) -> None:
    """Lyrics or lights following the song: a section's ``midi`` list goes out when it starts."""
    from player.setlist.song import Section

    host.configure(test_rig(input="", output="clockrx"))
    assert host.wait_event(mm.MidiPort, lambda e: e.direction == "output" and e.connected) is not None
    song = Song(title="Lights", stems=[Stem(file="x.wav")], tempo=Tempo(bpm=120),
                sections=[Section(name="Verse", bar=1),
                          Section(name="Chorus", bar=9, midi=[
                              MidiMessage(type="note_on", channel=16, note=60, velocity=127),
                              MidiMessage(type="control_change", channel=16, control=20, value=2)])])
    host.run(lambda: host.midi.song_cued(0, song, TempoMap.of(song, RATE), RATE))
    host.run(lambda: host.midi.section_started(0, "Verse"))  # no MIDI of its own
    host.run(lambda: host.midi.section_started(1, "Chorus"))
    deadline = time.monotonic() + 5
    while len(receiver.events) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [data for _, data in receiver.events] == [bytes([0x9F, 60, 127]), bytes([0xBF, 20, 2])]
