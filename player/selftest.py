"""``player selftest``: before the show, play a quiet tone on every bus's outputs and say whether it is ready.

It checks the files (``check_show`` with ``quick``: headers only) and the pedal's MIDI port, opens the
device through the engine as ``player play`` does, and plays a short 1 kHz tone on each output of each
bus in turn (only the rig's ``[selftest] buses``, e.g. the in-ears, when it names them). The engine's
meters say the tone reached the device. Where the rig names an input patched back from an output with a
cable (``loopback_input``, ``loopback_output``), the input is recorded while every tone plays: the tone of
that output must come back on it, and no other output's may. That proves sound left the machine on that
output, which no meter can. The last line is the verdict: READY, or NOT READY naming what failed.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from player.engine import messages as m

if TYPE_CHECKING:
    from player.engine.engine import Engine
    from player.setlist.rig import Rig

TONE_HZ = 1000.0  # the engine's test tone (player.engine.perform)
DEVICE_WAIT_S = 20.0
TONE_WAIT_S = 5.0  # the longest a tone may take to start playing (a busy machine)
TAIL_S = 0.2  # recorded after a tone ends: the round trip through the interface and the cable
HEARD_RATIO = 0.25  # heard back when the input's 1 kHz level is within 12 dB of what was sent


@dataclass
class Outcome:
    """What the self-test found; ``failures`` name the bus or the part that failed, for the verdict."""

    say: Callable[[str], None]
    failures: list[str] = field(default_factory=list)

    def ok(self, text: str) -> None:
        self.say(f"  ok    {text}")

    def fail(self, what: str, text: str) -> None:
        self.say(f"  FAIL  {text}")
        self.failures.append(what)

    def note(self, text: str) -> None:
        self.say(f"  note  {text}")

    def verdict(self) -> str:
        if not self.failures:
            return "VERDICT: READY - every check passed."
        names = list(dict.fromkeys(self.failures))
        return f"VERDICT: NOT READY - {len(self.failures)} problem(s): {', '.join(names)}."


def tone_level(samples: np.ndarray, rate: int, hz: float = TONE_HZ) -> float:
    """The amplitude of the ``hz`` component (a sine of amplitude A over the whole window gives A)."""
    if len(samples) == 0:
        return 0.0
    t = np.arange(len(samples)) / rate
    return float(2.0 * abs(np.dot(samples.astype(np.float64), np.exp(-2j * np.pi * hz * t))) / len(samples))


class Loopback:
    """Records one input channel of the device into a preallocated buffer (the cable's return)."""

    def __init__(self, device: int, channel: int, rate: int, seconds: float) -> None:
        import sounddevice as sd

        self.channel = channel
        self.rate = rate
        self.data = np.zeros(int(seconds * rate), dtype=np.float32)
        self.pos = 0
        self._lock = threading.Lock()
        self._stream = sd.InputStream(device=device, channels=channel, samplerate=rate, dtype="float32",
                                      callback=self._take)
        self._stream.start()

    def _take(self, indata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        n = min(frames, len(self.data) - self.pos)
        if n > 0:
            self.data[self.pos:self.pos + n] = indata[:n, self.channel - 1]
            self.pos += n

    def since(self, start: int) -> np.ndarray:
        return self.data[start:self.pos].copy()

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()


def check_pedal(rig: Rig, out: Outcome) -> None:
    """The rig's MIDI input pattern must match a port that is there now."""
    from player.midi.ports import list_ports

    pattern = rig.midi.input
    if not pattern:
        out.note("pedal: the rig names no MIDI input (midi.input); not checked")
        return
    inputs = [name for ports in list_ports() for name in ports.inputs]
    try:
        found = [name for name in inputs if re.search(pattern, name, re.IGNORECASE)]
    except re.error:
        found = []
    if found:
        out.ok(f"pedal: {found[0]}")
    else:
        out.fail("pedal", f"pedal: no MIDI input matches {pattern!r} (inputs now: "
                 f"{', '.join(inputs) or 'none'}). Connect it, or fix midi.input in the rig.")


def check_files(setlist: Path, rig_name: str | None, out: Outcome) -> None:
    """Every song's files, headers only (``player check --quick``)."""
    from player.setlist.check import check_show
    from player.setlist.problems import Severity

    report = check_show(setlist, rig_name, "played through below.", quick=True, jobs=1)
    errors = [p for p in report.all_problems() if p.severity is Severity.ERROR]
    for p in errors:
        out.fail("files", f"files: {p}")
    songs = len(report.songs)
    if not errors:
        out.ok(f"files: {songs} song(s) checked (headers), no errors")


def _device_index(rig: Rig, override: str | None) -> tuple[int, int] | None:
    """(PortAudio index, input channels) of the rig's device."""
    import sounddevice as sd

    from player.engine.devices import find_output_device

    found = find_output_device(override if override is not None else rig.audio.device)
    if found is None:
        return None
    return found.index, int(sd.query_devices(found.index)["max_input_channels"])


def _wait(ok: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ok():
            return True
        time.sleep(0.003)
    return False


def play_tones(engine: Engine, rig: Rig, rate: int, loop: Loopback | None, out: Outcome) -> None:
    """One tone per output of each bus in turn; the meters, and the loopback where there is one."""
    cfg = rig.selftest
    sent = 10 ** (cfg.level_db / 20)
    buses = cfg.buses or list(rig.buses)
    for bus in buses:
        for ch in rig.buses[bus]:
            def peak(c: int = ch) -> float:
                peaks = engine.status().out_peaks
                return peaks[c - 1] if c - 1 < len(peaks) else 0.0

            start = loop.pos if loop is not None else 0
            engine.send(m.TestTone(ch, "tone", cfg.seconds, cfg.level_db))
            if not _wait(lambda: peak() > 0, TONE_WAIT_S):
                said = [e.message for e in engine.events() if isinstance(e, m.Problem)]
                out.fail(bus, f"bus {bus}, output {ch}: the engine did not play the tone"
                         f"{': ' + said[-1] if said else ''}")
                continue
            _wait(lambda: peak() == 0, cfg.seconds + TONE_WAIT_S)
            time.sleep(TAIL_S)
            if loop is None:
                out.ok(f"bus {bus}, output {ch}: tone sent ({cfg.level_db:g} dBFS; no loopback to prove it "
                       "left the machine)")
                continue
            back = tone_level(loop.since(start), rate)
            # The tone fills part of the window: judge against its share of it.
            share = min(1.0, cfg.seconds * rate / max(1, loop.pos - start))
            heard = back >= HEARD_RATIO * sent * share
            db = 20 * np.log10(max(back / share, 1e-9))
            if ch == cfg.loopback_output and heard:
                out.ok(f"bus {bus}, output {ch}: heard back on input {loop.channel} ({db:.0f} dBFS): sound "
                       "left the machine")
            elif ch == cfg.loopback_output:
                out.fail(bus, f"bus {bus}, output {ch}: played, but nothing came back on input "
                         f"{loop.channel} ({db:.0f} dBFS): the output is muted or the loopback cable is "
                         "not on it")
            elif heard:
                out.fail(bus, f"bus {bus}, output {ch}: its tone came back on input {loop.channel}, which "
                         f"should carry output {cfg.loopback_output} only: check the cable and the rig")
            else:
                out.ok(f"bus {bus}, output {ch}: tone sent ({cfg.level_db:g} dBFS)")


def run_selftest(setlist: Path, rig_name: str | None, say: Callable[[str], None],
                 device: str | None = None) -> int:
    """The whole self-test; 0 when READY, 1 when not. Never raises for what it finds."""
    from player.engine.engine import Engine
    from player.setlist.problems import LoadError
    from player.setlist.rig import load_rig
    from player.setlist.setlist import load_setlist

    out = Outcome(say)
    say(f"Self-test of {setlist}")
    try:
        loaded = load_setlist(setlist)
        rig_path, rig = load_rig(rig_name or loaded.setlist.rig, setlist)
    except LoadError as exc:
        for p in exc.problems:
            out.fail("setlist", f"{p}")
        return _finish(out)
    say(f"Rig: {rig.name or rig_path}")
    check_files(setlist, rig_name, out)
    check_pedal(rig, out)
    log = Path(tempfile.gettempdir()) / "player-selftest-engine.log"
    engine = Engine(log=log, device=device, midi="off")
    engine.start()
    loop: Loopback | None = None
    try:
        engine.send(m.LoadSetlist(setlist.resolve(), rig_name))
        seen: list[m.Event] = []
        back = engine.wait_for(m.DeviceBack, DEVICE_WAIT_S, seen)
        if back is None:
            why = [e.detail for e in seen if isinstance(e, m.DeviceLost) and e.detail]
            out.fail("audio device", f"audio device {rig.audio.device!r}: not opened"
                     f"{': ' + why[-1] if why else ''}")
            return _finish(out)
        out.ok(f"audio device: {back.device}")  # type: ignore[attr-defined]
        rate = int(engine.status().rate or rig.audio.sample_rate)
        cfg = rig.selftest
        if cfg.loopback_input is not None:
            index = _device_index(rig, device)
            if index is None or index[1] < cfg.loopback_input:
                out.fail("loopback", f"loopback: the device has no input {cfg.loopback_input}")
            else:
                steps = sum(len(rig.buses[b]) for b in (cfg.buses or rig.buses))
                loop = Loopback(index[0], cfg.loopback_input, rate,
                                steps * (cfg.seconds + TONE_WAIT_S + 1.0) + 5.0)
        play_tones(engine, rig, rate, loop, out)
    finally:
        if loop is not None:
            loop.close()
        engine.close()
    return _finish(out)


def _finish(out: Outcome) -> int:
    out.say(out.verdict())
    return 1 if out.failures else 0
