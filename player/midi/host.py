"""The MIDI host: everything MIDI that runs inside the engine process (issue #5).

Interface used by ``player.engine.process`` (keep these signatures):
- ``MidiHost(submit, emit, ports, status)``: ``submit(command)`` queues an engine command (a
  ``DoAction`` for a matched foot switch) on the engine's command queue, safe from any thread;
  ``emit(event)`` sends an event to the UI; ``ports`` is the ``--midi`` option (None: the rig's
  pattern, "all": every input, "off": none, anything else: a pattern of its own); ``status`` is
  the engine's ``StatusBlock``.
- ``configure(rig, rig_file)`` after each setlist load (ports and map may change).
- ``handle(command)`` for ``MidiCommand``s (learn, presets).
- ``poll(now)`` every engine tick (20 ms): hot-plug checks, rate-limited inside.
- ``close()`` at shutdown.
- The show-listener calls (``song_cued``, ``transport``, ``jumped``, ``section_started``) drive MIDI out.

Received messages are matched on the MIDI thread and submitted at once; what needs time (long and
double presses, learn's file save, the status line, hot-plug) happens in ``poll``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from player.engine import messages as m
from player.midi import jackclock, jackwatch, learn
from player.midi import messages as mm
from player.midi.clock import Clock
from player.midi.grammar import Fired, Key, Matcher, compile_map, key_of, merge
from player.midi.listener import Input, Inputs, choose_api
from player.midi.out import Output
from player.midi.presets import load_preset
from player.setlist.problems import LoadError
from player.setlist.rig import FootSwitch, Rig

SCAN_S = 0.5  # hot-plug check period
SEEN_S = 0.1  # at most ten MidiSeen events a second


class MidiHost:
    """Foot switches in, song messages and clock out, MIDI learn and presets."""

    def __init__(self, submit: Callable[[m.Command], None], emit: Callable[[m.Event], None],
                 ports: str | None, status: Any) -> None:
        self.submit, self.emit, self.ports, self.status = submit, emit, ports, status
        self.api: str | None = None
        self.inputs: Inputs | None = None
        self.output: Output | None = None
        self.clock: Clock | jackclock.JackClock | None = None
        self.matcher = Matcher()
        self.rig: Rig | None = None
        self.rig_file: Path | None = None
        self.preset = ""  # the preset in use ("" none); MidiUsePreset overrides the rig's
        self._preset_override: str | None = None
        self.learning: mm.MidiLearn | None = None
        self._learned: tuple[mm.MidiLearn, tuple[int, int, int, int], str] | None = None
        # The learned key and when: its bounces are not presses.
        self._learn_guard: tuple[Key | None, float] = (None, 0.0)
        self.received = 0
        self.ignored = 0  # unknown, SysEx, garbage: counted, never raised
        self.truncated = 0  # of which SysEx cut short (dropped)
        self._seen: tuple[str, list[int], str] | None = None
        self._seen_at = 0.0
        self._next_scan = 0.0
        self._next_flush = 0.0
        self._song: Any = None
        self._no_midi_reported = False

    # --- setup -----------------------------------------------------------------------------------
    def configure(self, rig: Rig, rig_file: Path | None) -> None:
        self.rig, self.rig_file = rig, rig_file
        if self.api is None:
            backend = os.environ.get("MIDO_BACKEND", "")
            self.api = choose_api(backend.rpartition("/")[2] if "/" in backend else None)
            if self.api is None:
                if not self._no_midi_reported:
                    self._no_midi_reported = True
                    self.emit(m.Problem("MIDI: no MIDI system answers here (no JACK server, no ALSA "
                                        "sequencer); foot switches are off. Start JACK or load snd-seq."))
                return
            self.inputs = Inputs(self.api, self._received, self._report_input)
            self.output = Output(self.api, self._report_output)
        preset_input = self._rebuild()
        assert self.inputs is not None and self.output is not None
        self._listen(preset_input)
        self.output.configure(rig.midi.output)
        self._scan()
        self._setup_clock(rig)

    def _listen(self, preset_input: str) -> None:
        """Which inputs: ``--midi``, else the rig's pattern, else the preset's; a map with no
        pattern at all (``preset = "sustain-pedal"`` alone) listens to every input, and says so."""
        assert self.inputs is not None and self.rig is not None
        if self.ports == "all":
            self.inputs.reconfigure(None, True)
            return
        # ``--midi PATTERN`` overrides the rig's pattern for this run
        pattern = self.ports if self.ports not in (None, "off") else (self.rig.midi.input or preset_input)
        if not pattern and self.ports is None and self.matcher.switches:
            whose = f"preset {self.preset} names none" if self.preset else "the rig names none"
            self.emit(m.Problem(f"MIDI: no input port to listen to ({whose}): listening to every MIDI "
                                'input. Set `input = "PART OF ITS NAME"` in the rig\'s [midi] to listen '
                                "to one."))
            self.inputs.reconfigure(None, True)
            return
        self.inputs.reconfigure(re.compile(pattern, re.IGNORECASE) if pattern else None, bool(pattern))

    def _setup_clock(self, rig: Rig) -> None:
        """On JACK, the sample-accurate clock process; elsewhere (or without JACK-Client) a thread
        sending through RtMidi, whose pulses land on period boundaries."""
        if not rig.midi.clock or self.output is None:
            if self.clock is not None:
                self.clock.close()
                self.clock = None
            return
        if self.clock is not None:
            return
        forced_thread = os.environ.get("STAGEPLAYER_MIDI_CLOCK") == "thread"  # for bench comparisons
        if (self.api == "UNIX_JACK" and not forced_thread and jackclock.available()
                and getattr(self.status, "path", None)):
            self.clock = jackclock.JackClock(self.status.path, self.output.port)
        else:
            self.clock = Clock(self.output.send, self.status)

    def _rebuild(self) -> str:
        """Compile the map (preset + rig entries); returns the preset's port pattern."""
        rig = self.rig
        if rig is None:
            return ""
        name = self._preset_override if self._preset_override is not None else rig.midi.preset
        entries: list[FootSwitch] = []
        preset_input = ""
        if name:
            try:
                _, preset = load_preset(name, self.rig_file)
                entries = preset.entries()
                preset_input = preset.input
            except LoadError as exc:
                self.emit(m.Problem(f"MIDI preset: {exc}"))
                name = ""
        self.preset = name
        self.matcher = compile_map(rig.midi, merge(entries, list(rig.midi.map)))
        return preset_input

    # --- commands --------------------------------------------------------------------------------
    def handle(self, command: mm.MidiCommand) -> None:
        if isinstance(command, mm.MidiLearn):
            if self.rig_file is None:
                self.emit(m.Problem("MIDI learn needs a rig file to save to: load a setlist first."))
                return
            self._learned = None
            self.learning = command
        elif isinstance(command, mm.MidiLearnCancel):
            self.learning = None
        elif isinstance(command, mm.MidiUsePreset):
            self._preset_override = command.name or None
            if self.rig is None:
                return
            preset_input = self._rebuild()
            if self.inputs is not None and self.ports is None and not self.rig.midi.input:
                self._listen(preset_input)
                self._next_scan = 0.0
            if self.preset == command.name:
                self.emit(mm.MidiSeen("", f"using MIDI preset {command.name}", "", self.ignored))

    # --- the MIDI thread -------------------------------------------------------------------------
    def _received(self, inp: Input, data: list[int], now: float) -> None:
        """rtmidi's callback (JACK thread): split what arrived into messages, take each."""
        if len(data) == 1 and data[0] == 0xF7:
            return  # the flush port's end of SysEx, with no SysEx open: nothing
        self.received += 1
        parser = inp.parser
        truncated = parser.truncated
        for message in parser.split(data):
            self._message(inp, message, now)
        if parser.truncated != truncated:
            self.ignored += parser.truncated - truncated
            self.truncated += parser.truncated - truncated
            self._seen = (inp.name, [0xF0], "(SysEx cut short: dropped)")

    def _message(self, inp: Input, data: list[int], now: float) -> None:
        """One message: one lookup, submit what fired, note it for the status."""
        key = key_of(data)
        if key is None:
            self.ignored += 1
            self._seen = (inp.name, data, "")
            return
        guard_key, guard_at = self._learn_guard
        if guard_key == key and now - guard_at < self._debounce():
            self._seen = (inp.name, data, "(bounce of the learned press)")
            return  # the new binding may already be live: its bounces are not presses
        armed = self.learning
        if armed is not None and learn.learnable(key):
            self.learning = None
            self._learned = (armed, key, inp.name)
            self._learn_guard = (key, now)
            self._seen = (inp.name, data, "learn")
            return
        fired: list[Fired] = []
        result = self.matcher.feed(key, now, fired, inp.name)
        for action, arg, port in fired:
            self.submit(m.DoAction(action, arg, source=f"midi: {port}"))
        if not result:
            self.ignored += 1
        matched = ", ".join(a.value for a, _, _ in fired) or {
            "press": "(waiting: long or double press?)", "bounce": "(bounce ignored)"}.get(result, "")
        self._seen = (inp.name, data, matched)

    def _debounce(self) -> float:
        return (self.rig.midi.debounce_ms if self.rig else 150) / 1000.0

    # --- the engine tick -------------------------------------------------------------------------
    def poll(self, now: float) -> None:
        fired: list[Fired] = []
        self.matcher.tick(now, fired)
        for action, arg, port in fired:
            self.submit(m.DoAction(action, arg, source=f"midi: {port}"))
        if self._learned is not None:
            learned, self._learned = self._learned, None
            self._save_learned(*learned)
        if now >= self._next_scan:
            self._next_scan = now + SCAN_S
            self._scan()
        if now >= self._next_flush and self.inputs is not None:
            self._next_flush = now + jackwatch.FLUSH_S
            self.inputs.flush()
        seen = self._seen
        if seen is not None and now - self._seen_at >= SEEN_S:
            self._seen, self._seen_at = None, now
            self.emit(mm.MidiSeen(seen[0], _words(seen[1]), seen[2], self.ignored))

    def _scan(self) -> None:
        if self.inputs is not None:
            self.inputs.scan()
        if self.output is not None:
            self.output.scan()
            clock = self.clock
            if isinstance(clock, jackclock.JackClock) and self.output.port != clock.destination:
                clock.connect(self.output.port)

    def _save_learned(self, armed: mm.MidiLearn, key: tuple[int, int, int, int], port: str) -> None:
        entry = learn.entry_for(key, armed.action.value, armed.arg)
        words = _entry_words(entry)
        path = self.rig_file
        if path is None:
            self.emit(mm.MidiLearned(armed.action, armed.arg, words, "", "not saved: no rig file"))
            return
        try:
            replaced = learn.save(path, entry)
        except (LoadError, OSError, ValueError) as exc:
            self.emit(m.Problem(f"MIDI learn: could not save {words} to {path}: {exc}"))
            return
        from player.setlist.rig import load_rig

        try:
            _, self.rig = load_rig(str(path))
        except LoadError as exc:
            self.emit(m.Problem(f"MIDI learn: {exc}"))
            return
        self._rebuild()
        detail = f"from {port}" + (f"; replaces {', '.join(replaced)}" if replaced else "")
        self.emit(mm.MidiLearned(armed.action, armed.arg, words, str(path), detail))

    def close(self) -> None:
        if self.clock is not None:
            self.clock.close()
        if self.inputs is not None:
            self.inputs.close()
        if self.output is not None:
            self.output.close()

    # --- reports ---------------------------------------------------------------------------------
    def _report_input(self, port: str, connected: bool, detail: str) -> None:
        self.emit(mm.MidiPort(port, connected, "input", detail))

    def _report_output(self, port: str, connected: bool, detail: str) -> None:
        self.emit(mm.MidiPort(port, connected, "output", detail))

    # --- show listener: MIDI out (engine control thread) -----------------------------------------
    def song_cued(self, index: int, song: Any, tempo: Any, rate: int) -> None:
        self._song = song
        if self.output is not None:
            self.output.send_all(_song_of(song).midi.on_load if _song_of(song) is not None else ())
        if self.clock is not None and self.rig is not None and self.rig.midi.clock:
            self.clock.cue(tempo, rate)

    def transport(self, playing: bool, frame: int) -> None:
        song = _song_of(self._song)
        if playing and frame <= 0 and song is not None and self.output is not None:
            self.output.send_all(song.midi.on_start)
        if self.clock is not None and self.rig is not None and self.rig.midi.clock:
            self.clock.transport(playing, frame)

    def jumped(self, frame: int) -> None:
        if self.clock is not None and self.rig is not None and self.rig.midi.clock:
            self.clock.jumped(frame)

    def section_started(self, index: int, name: str) -> None:
        song = _song_of(self._song)
        if song is None or self.output is None or not 0 <= index < len(song.sections):
            return
        # Per-section messages: a ``midi = [...]`` list on the section, when song.toml has one.
        self.output.send_all(getattr(song.sections[index], "midi", None) or ())


def _song_of(song: Any) -> Any:
    """The ``Song`` model from a ``SongFolder`` (or a ``Song`` itself)."""
    return getattr(song, "song", song)


def _words(data: list[int]) -> str:
    """A received message as the status line shows it; never raises."""
    if data and data[0] == 0xF0:
        if data[-1] != 0xF7:
            return "sysex cut short (dropped)"
        return f"sysex ({len(data)} bytes, ignored)"
    try:
        import mido

        fields = mido.Message.from_bytes(data).dict()
    except (ValueError, TypeError, IndexError):
        fields = None
    if fields is not None:
        fields.pop("time", None)
        words = [str(fields.pop("type"))]
        if "channel" in fields:
            words.append(f"channel={fields.pop('channel') + 1}")  # as printed on devices
        return " ".join(words + [f"{k}={v}" for k, v in fields.items()])
    return "unreadable bytes " + " ".join(f"{b:02X}" for b in data[:8]) + (" ..." if len(data) > 8 else "")


def _entry_words(entry: dict[str, Any]) -> str:
    from player.midi.grammar import describe

    return describe(FootSwitch.model_validate(entry))
