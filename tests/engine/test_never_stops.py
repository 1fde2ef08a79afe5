"""The engine's life-cycle rules (design.md, "Who owns what"), driven offline with real threads.

Each test reproduces a way the show used to stop: a file closed while the reader was inside it, memory
freed by the audio callback, a pause lost between four stores, an exception that aborted the stream,
meters that missed transients, damaged files that went silent or ran ahead of the band.
"""

from __future__ import annotations

import threading
import time
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from player.engine import deck as deck_module
from player.engine import messages as m
from player.engine.core import EngineCore
from player.engine.deck import Deck, StemSource
from player.engine.status import State, StatusBlock
from player.engine.streamer import Streamer
from player.engine.transport import Transport
from tests.support.harness import BLOCK, Harness

RATE = 48000


def two_songs(tmp_path: Path, stems: dict[str, np.ndarray] | None = None) -> Path:
    """Two songs of 2 s with a 'keys' sine each (and ``stems`` in song one); a 2-output rig."""
    for i, name in enumerate(("one", "two")):
        folder = tmp_path / name
        folder.mkdir()
        t = np.arange(2 * RATE) / RATE
        sf.write(str(folder / "keys.wav"), (0.1 * np.sin(2 * np.pi * (300 + 100 * i) * t)), RATE)
        text = f'title = "{name}"\n[tempo]\nbpm = 120\n[[stems]]\nfile = "keys.wav"\nrole = "keys"\n'
        for stem, data in (stems or {}).items() if i == 0 else ():
            sf.write(str(folder / f"{stem}.wav"), data, RATE, subtype="FLOAT")
            text += f'[[stems]]\nfile = "{stem}.wav"\nrole = "other"\n'
        (folder / "song.toml").write_text(text)
    (tmp_path / "rig.toml").write_text(
        f'[audio]\nblock_size = {BLOCK}\n[buses]\na = [1]\nb = [2]\n[roles]\nother = "b"\n')
    setlist = tmp_path / "set.toml"
    setlist.write_text('title = "T"\nrig = "rig.toml"\n[[songs]]\npath = "one"\n[[songs]]\npath = "two"\n')
    return setlist


class BlockingFile:
    """A real file whose reads block, once armed, until released: a stalled disk inside a read."""

    def __init__(self, path: Path) -> None:
        self._f = open(path, "rb")
        self.armed = False
        self.inside = threading.Event()
        self.release = threading.Event()
        self.reading = False

    def read(self, n: int = -1) -> bytes:
        if self.armed:
            self.reading = True
            self.inside.set()
            self.release.wait(10)
            self.reading = False
        return self._f.read(n)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()


class WatchedSoundFile(sf.SoundFile):
    closes: list[tuple[str, bool]] = []  # (thread name, was the file inside a read)

    def __init__(self, raw: BlockingFile) -> None:
        super().__init__(raw)
        self.raw = raw

    def close(self) -> None:
        if not self.closed:
            WatchedSoundFile.closes.append((threading.current_thread().name, self.raw.reading))
        super().close()


def test_a_file_is_never_closed_while_the_reader_is_inside_it(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    setlist = two_songs(tmp_path)
    raw: list[BlockingFile] = []
    real_open = deck_module.open_file

    def opener(path: Path) -> sf.SoundFile:
        if path.parent.name != "one":
            return real_open(path)
        f = BlockingFile(path)
        sound = WatchedSoundFile(f)
        f.armed = True  # the header is read; every read of audio now blocks
        raw.append(f)
        return sound

    monkeypatch.setattr(deck_module, "open_file", opener)
    WatchedSoundFile.closes.clear()
    streamer = Streamer()
    streamer.start()
    events: list[m.Event] = []
    core = EngineCore(events.append, streamer)
    core.load(m.LoadSetlist(setlist))
    status = StatusBlock()
    core.attach(Transport(2, BLOCK, RATE, status))
    try:
        core.cue(0)
        core.tick(0.0)
        deadline = time.monotonic() + 5
        while not raw and time.monotonic() < deadline:
            time.sleep(0.01)
        assert raw and raw[0].inside.wait(5), "the streamer is inside a read of song one's file"
        core.cue(1)  # song one is let go while its file is being read
        for k in range(1, 6):
            core.tick(float(k))  # long past the voice pool's grace period
        assert core.pool.released >= 1, "song one's voice was released"
        assert WatchedSoundFile.closes == [], "nobody closed the file the reader is inside"
        raw[0].release.set()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not WatchedSoundFile.closes:
            time.sleep(0.01)
        assert WatchedSoundFile.closes == [("player-streamer", False)], \
            "the streamer closed it itself, after its read returned"
    finally:
        for f in raw:
            f.release.set()
        streamer.stop()
        status.close()


def test_the_callback_frees_nothing(tmp_path: Path) -> None:
    """Missed jumps, tones, gain changes in bursts: every object the callback lets go of is freed
    off the audio thread, and freed (no leak until some later event)."""
    h = Harness(tmp_path, seconds=4.0)
    t = h.transport
    in_callback = [False]
    freed_in_callback: list[str] = []
    freed: list[str] = []
    watched: set[int] = set()

    def watch(obj: Any, label: str) -> None:
        if id(obj) in watched:
            return
        watched.add(id(obj))

        def gone() -> None:
            freed.append(label)
            if in_callback[0]:
                freed_in_callback.append(label)
        weakref.finalize(obj, gone)

    real_callback = t.callback

    def callback(*args: Any) -> None:
        in_callback[0] = True
        try:
            real_callback(*args)
        finally:
            in_callback[0] = False
    t.callback = callback  # type: ignore[method-assign]

    def watch_all() -> None:
        for v in (t.current, t.pending, t.outgoing, *h.core.preloaded.values()):
            if v is not None:
                watch(v, f"voice {v.serial}")
                watch(v.deck.ring.data, f"ring {v.serial}")
                watch(v.mixer.gains, f"matrix {v.serial}")
        if t.tone is not None:
            watch(t.tone, "tone")

    out = np.zeros((BLOCK, 2), np.float32)

    def block(fill: bool = True) -> None:
        if fill:
            for d in h.core.streamer.decks:
                d.fill()
        elif t.current is not None:  # only the current song's reader keeps up: a jump misses
            t.current.deck.fill()
        t.callback(out, BLOCK, None, None)
        h.now += BLOCK / RATE
        h.core.tick(h.now)
        h.core.streamer.close_retired()
        watch_all()

    h.send(m.Cue(0))
    h.send(m.TestTone(channel=1, seconds=0.05))
    watch_all()
    assert t.tone is not None
    for _ in range(30):
        block()
    h.send(m.Play())
    for i in range(1000):
        if i % 200 == 0:
            h.send(m.Jump(bar=1 + (i // 200) % 3, mode=m.JumpMode.BEAT))
        for _ in range(6):  # more gain changes between two blocks than any fixed history holds
            h.send(m.SetStem(stem=0, gain_db=-float(i % 7)))
        watch_all()
        block(fill=i % 200 > 195)
    assert t.jump_misses >= 2, "the scenario must miss jumps (their targets were not decoded)"
    h.send(m.Stop())
    for _ in range(200):  # then time passes: everything let go must be freed by now
        block()
    assert freed_in_callback == [], f"freed by the audio callback: {freed_in_callback}"
    assert "tone" in freed or t.tone is None
    voices = [x for x in freed if x.startswith("voice")]
    assert len(voices) >= 5, f"released voices are freed, not leaked: {freed}"
    h.close()


class InterleavedTransport(Transport):
    """Runs one audio block between any two attribute stores the control thread makes: the worst a
    GIL switch can do to a change made of several stores."""

    def __init__(self, *args: Any, fill: Any = None) -> None:
        self._hook = False
        self._in_block = False
        self._fill = fill
        self.blocks_between = 0
        super().__init__(*args)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name.startswith("_") or not getattr(self, "_hook", False) or self._in_block:
            return
        self._in_block = True
        try:
            if self._fill is not None:
                self._fill()
            self.callback(np.zeros((BLOCK, 2), np.float32), BLOCK, None, None)
            self.blocks_between += 1
        finally:
            self._in_block = False


def test_a_pause_is_never_lost_between_two_stores(tmp_path: Path) -> None:
    h = Harness(tmp_path, seconds=3.0)

    def fill() -> None:
        for d in h.core.streamer.decks:
            d.fill()

    t = InterleavedTransport(2, BLOCK, RATE, h.status, fill=fill)
    h.transport = t
    h.core.attach(t)
    h.send(m.Cue(0))
    h.send(m.Play())
    h.run(20)
    t._hook = True
    h.send(m.Pause(fade_ms=5.0))
    t._hook = False
    assert t.blocks_between >= 1, "a block ran in the middle of the pause request"
    tail = h.run(20, channel=None)
    assert t.state is State.PAUSED, t.state
    assert not tail[-10 * BLOCK:].any(), "silent after the fade"
    h.close()


def test_an_exception_in_the_callback_is_one_silent_block_and_a_report(tmp_path: Path) -> None:
    h = Harness(tmp_path, seconds=2.0)
    h.send(m.Cue(0))
    h.send(m.Play())
    h.run(10)
    t = h.transport
    voice = t.current
    assert voice is not None
    good = voice.mixer._gains
    voice.mixer._gains = np.zeros((3, 7), np.float32)  # a real bug: matmul raises ValueError
    broken = h.run(5, channel=None)
    voice.mixer._gains = good
    after = h.run(20)
    assert not broken.any(), "the faulty blocks play as silence"
    assert t.faults == 5 and h.status.read().faults == 5
    faults = [e for e in h.events if isinstance(e, m.EngineFault)]
    assert len(faults) == 1 and "ValueError" in faults[0].message, "reported once"
    assert "matmul" in faults[0].traceback or "mix" in faults[0].traceback
    assert after[-BLOCK:].any(), "then the show goes on"
    assert t.state is State.PLAYING
    h.close()


def test_meters_hold_a_one_block_transient_for_a_reader_at_20_hz(tmp_path: Path) -> None:
    quiet = np.full(2 * RATE, 0.01, np.float32)
    quiet[RATE:RATE + BLOCK] = 0.9  # one loud block in the middle
    h = Harness.__new__(Harness)
    setlist = two_songs(tmp_path, {"hit": quiet})
    h.events = []
    h.status = StatusBlock()
    h.core = EngineCore(h.events.append, Streamer())
    h.core.load(m.LoadSetlist(setlist))
    h.transport = Transport(2, BLOCK, RATE, h.status)
    h.core.attach(h.transport)
    h.now = 0.0
    h.send(m.Cue(0))
    h.send(m.Play())
    h.run(RATE // BLOCK + 1)  # past the loud block
    h.run(18)  # a 20 Hz reader comes back 19 blocks later
    status = h.status.read()
    assert status.out_peaks[1] >= 0.89, f"the transient is still shown: {status.out_peaks}"
    h.run(100)
    assert h.status.read().out_peaks[1] < 0.5, "and falls back once the window has passed"
    h.close()


def chirp(seconds: float) -> np.ndarray:
    """A tone whose pitch rises all along: any frame offset between two copies shows."""
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.4 * np.sin(2 * np.pi * (200 * t + 40 * t * t))).astype(np.float32)


def damaged(tmp_path: Path, fmt: str, cut: bool = False) -> tuple[Path, np.ndarray]:
    clean = tmp_path / f"clean.{fmt.lower()}"
    sf.write(str(clean), chirp(12.0), RATE, format=fmt)
    reference = sf.read(str(clean), dtype="float32")[0]
    data = bytearray(clean.read_bytes())
    n = len(data)
    bad = tmp_path / f"bad.{fmt.lower()}"
    if cut:
        bad.write_bytes(bytes(data[: n // 2]))
    else:
        rng = np.random.default_rng(7)
        data[n // 2:n // 2 + n // 12] = rng.integers(0, 256, n // 12, dtype=np.uint8).tobytes()
        bad.write_bytes(bytes(data))
    return bad, reference


def stream(source: StemSource, frames: int, seek: int | None = None) -> np.ndarray:
    """Play ``frames`` of ``source`` through a deck's ring, as the streamer and callback would."""
    deck = Deck([source], RATE, 1024, 16384, start=seek or 0)
    out = []
    while sum(len(x) for x in out) < frames:
        deck.fill()
        while deck.ring.ready_block():
            out.append(deck.ring.peek()[:, 0].copy())
            deck.ring.advance()
    return np.concatenate(out)[:frames]


@pytest.mark.parametrize("fmt", ["OGG", "FLAC"])
def test_a_file_damaged_in_the_middle_keeps_its_place_in_time(tmp_path: Path, fmt: str) -> None:
    bad, reference = damaged(tmp_path, fmt)
    source = StemSource(bad, RATE)
    played = stream(source, len(reference))
    assert len(played) == len(reference)
    notices = list(source.notices)
    assert notices and bad.name in notices[0] and "0:" in notices[0], notices
    holes = np.flatnonzero(np.abs(played - reference) > 0.02)
    assert len(holes), "the damage is audible somewhere"
    first, last = holes[0] / RATE, holes[-1] / RATE
    assert 4.0 < first < 8.0, f"nothing differs before the damage ({first:.2f} s)"
    tail = slice(int((last + 0.1) * RATE), len(reference))
    assert last < 10.5, f"the stem came back before the end ({last:.2f} s)"
    assert np.abs(played[tail] - reference[tail]).max() < 0.02, "back in sync: the same frames"
    quiet = played[holes[len(holes) // 2]]
    assert abs(quiet) < 1e-6, "the damaged span is silence, not garbage or a jump ahead"


def test_jumps_still_work_in_a_damaged_file(tmp_path: Path) -> None:
    bad, reference = damaged(tmp_path, "FLAC", cut=True)
    source = StemSource(bad, RATE)
    stream(source, len(reference))  # through the damage once
    after = 2 * RATE
    played = stream(source, RATE, seek=after)  # a jump back to bar 2 of the song
    assert np.abs(played - reference[after:after + RATE]).max() < 1e-4, "it plays from there"
    past = stream(source, RATE, seek=10 * RATE)  # and into the part that is gone
    assert not past.any(), "the missing part is silence, the jump is not refused"


def test_check_names_the_damage_and_its_time(tmp_path: Path) -> None:
    from player.setlist.stemfile import probe

    (tmp_path / "o").mkdir()
    (tmp_path / "f").mkdir()
    ogg, _ = damaged(tmp_path / "o", "OGG")
    flac, _ = damaged(tmp_path / "f", "FLAC", cut=True)
    wav = tmp_path / "noise.wav"
    music = chirp(6.0) * 0.5
    music[3 * RATE:4 * RATE] = np.random.default_rng(1).uniform(-1, 1, RATE)
    sf.write(str(wav), music, RATE)
    lost = probe(ogg).damage
    assert lost and "lost at 0:0" in lost[0], lost
    cut = probe(flac).damage
    assert cut and "0:0" in cut[0] and "silence" in cut[0], cut
    noise = probe(wav).damage
    assert noise and "noise starts at 0:03.0" in noise[0], noise
    assert probe(tmp_path / "o" / "clean.ogg").damage == ()
    assert probe(wav, quick=True).damage == (), "--quick reads the header only"


def test_play_with_a_count_in_on_a_song_cued_without_one(tmp_path: Path) -> None:
    h = Harness(tmp_path, seconds=2.0)
    h.send(m.Cue(0))
    h.send(m.SetStem(stem=1, gain_db=-6.0))
    h.send(m.Play(count_in=1))  # the voice is rebuilt with a count-in source added
    out = h.run(40)
    assert not [e for e in h.events if isinstance(e, m.Problem)], h.events
    assert h.transport.state in (State.COUNT_IN, State.PLAYING) and out.any()
    levels = h.core.mix.levels[0]
    assert levels[1].gain_db == -6.0, "the engineer's level is kept"
    h.close()
