"""Foot-switch matching and pedal gestures: raw MIDI bytes -> (action, arg), never raising.

The map is compiled once into a dict keyed by small tuples ``(kind, channel, number, value)`` built
from the message bytes, so the input callback (which runs on a JACK thread) does one dict lookup and
no allocation beyond the tuple. Entries that share a message (the same pedal) form one ``Switch``
whose gestures (press, long, double) are told apart by a small state machine; time comes in as
arguments (``time.monotonic()`` seconds), so the same code serves the callback and the engine tick.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from player.actions import Action
from player.setlist.rig import FootSwitch, MidiConfig

PC, CC, NOTE_ON, NOTE_OFF = 0xC0, 0xB0, 0x90, 0x80
# The status nibble of each message type as files name it (the foot-switch map, a song's MIDI out).
STATUS = {"program_change": PC, "control_change": CC, "note_on": NOTE_ON, "note_off": NOTE_OFF}
TYPE_OF = {status: name for name, status in STATUS.items()}
# Data bytes that follow each status nibble (channel messages); anything else is not for us.
_LENGTH = {0x80: 3, 0x90: 3, 0xA0: 3, 0xB0: 3, 0xC0: 2, 0xD0: 2, 0xE0: 3}

Key = tuple[int, int, int, int]
Fired = tuple[Action, int | str | None, str]  # action, arg, the port the press came from
STUCK_S = 10.0  # a press never released (a release lost with a pulled cable) stops blocking after this


def key_of(data: list[int] | bytes) -> Key | None:
    """The lookup key of one received message, or None when it is not a well-formed channel message.

    Note On with velocity 0 is a Note Off (running-status pedals send it that way); a Control
    Change keeps its value, other kinds drop their second data byte.
    """
    if not data:
        return None
    status = data[0]
    kind = status & 0xF0
    if status < 0x80 or len(data) != _LENGTH.get(kind, 0):
        return None  # SysEx, system messages, running status without a status byte, garbage
    for b in data[1:]:
        if b > 0x7F:
            return None
    channel = status & 0x0F
    if kind == CC:
        return (CC, channel, data[1], data[2])
    if kind == NOTE_ON and data[2] == 0:
        return (NOTE_OFF, channel, data[1], 0)
    return (kind, channel, data[1], 0)


# Data bytes after each system common status (F0 SysEx and F7 are handled apart).
_SYSTEM = {0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF4: 0, 0xF5: 0, 0xF6: 0}


@dataclass
class Parser:
    """One input's byte stream -> whole messages, the way a MIDI receiver reads a cable.

    rtmidi hands over what the driver delivered, which is not always one message: a pedal using
    running status sends ``40 00`` after ``90 40 7F`` (the second Note On, velocity 0: a release),
    and after a SysEx with no F7 rtmidi keeps appending everything that follows to it. So:
    running status is kept per port across deliveries; any status byte that is not a real-time
    one (F8-FF) ends a SysEx, and a SysEx still open when a delivery ends is dropped (on JACK
    every event is a whole message) and counted in ``truncated``.
    """

    running: int = 0  # the last channel status byte (0: none)
    truncated: int = 0  # SysEx messages cut short, dropped

    def split(self, data: list[int] | bytes) -> list[list[int]]:
        """The messages in one delivery: channel and system messages, whole SysEx, and junk runs
        (data bytes with no status to belong to) each as one list; real-time bytes on their own."""
        n = len(data)
        if n and 0x80 <= data[0] < 0xF0 and n == _LENGTH[data[0] & 0xF0] and max(data[1:]) < 0x80:
            self.running = data[0]  # the usual case: one whole channel message
            return [list(data)]
        out: list[list[int]] = []
        current: list[int] = []
        need = 0  # data bytes the current message still needs
        sysex = False
        junk = False
        for b in data:
            if b >= 0xF8:  # real time: may sit anywhere, even inside a SysEx
                out.append([b])
                continue
            if b == 0xF7:
                if sysex:
                    current.append(b)
                    out.append(current)
                    current, sysex = [], False
                continue  # a stray end of SysEx (or the host's own flush) means nothing
            if b >= 0x80:
                if sysex:
                    self.truncated += 1  # a status byte ends a SysEx: it was cut short
                    sysex = False
                elif current:
                    out.append(current)  # a message short of its data bytes, or a junk run
                current, junk = [b], False
                if b == 0xF0:
                    sysex, self.running = True, 0
                    continue
                if b >= 0xF0:
                    self.running = 0
                    need = _SYSTEM.get(b, 0)
                else:
                    self.running = b
                    need = _LENGTH[b & 0xF0] - 1
            elif sysex or junk:
                current.append(b)
                continue
            elif need > 0:
                current.append(b)
                need -= 1
            elif self.running:
                if current:
                    out.append(current)
                current = [self.running, b]  # running status: the status byte is implied
                need = _LENGTH[self.running & 0xF0] - 2
            else:
                if current:
                    out.append(current)
                current, junk = [b], True
                continue
            if need == 0 and current and not junk:
                out.append(current)
                current = []
        if sysex:
            self.truncated += 1
        elif current:
            out.append(current)
        return out


def describe(entry: FootSwitch) -> str:
    """The entry's message in words, as the status line and MIDI learn show it."""
    channel = "any channel" if entry.channel is None else f"channel {entry.channel}"
    what = {"program_change": f"Program Change {entry.program}",
            "control_change": f"CC {entry.control}" + _cc_words(entry),
            "note_on": f"Note On {entry.note}", "note_off": f"Note Off {entry.note}"}[entry.type]
    gesture = "" if entry.gesture == "press" else f" ({entry.gesture} press)"
    return f"{what}, {channel}{gesture}"


def _cc_words(entry: FootSwitch) -> str:
    if entry.press_at is not None:
        release = "" if entry.release_at is None else f", released at {entry.release_at}"
        return f" (pressed at {entry.press_at}{release})"
    return "" if entry.value == "nonzero" else f" = {_value_words(entry.value)}"


def _value_words(value: int | tuple[int, int] | str) -> str:
    if isinstance(value, tuple):
        return f"{value[0]}-{value[1]}"
    return str(value)


def _press_values(e: FootSwitch) -> range | tuple[int, ...]:
    """The CC values that press the pedal (``press_at`` or ``value``)."""
    if e.press_at is None:
        return _values(e.value)
    if e.release_at is not None and e.release_at > e.press_at:
        return range(0, e.press_at + 1)  # reversed polarity: pressed at low values
    return range(e.press_at, 128)


def _release_values(e: FootSwitch, pressed: range | tuple[int, ...]) -> list[int]:
    """The CC values that release it: ``release_at`` and below (above, when reversed), else every
    value that does not press."""
    if e.release_at is None:
        down = set(pressed)
        return [v for v in range(128) if v not in down]
    if e.press_at is not None and e.release_at > e.press_at:
        return list(range(e.release_at, 128))
    return [v for v in range(0, e.release_at + 1) if v not in pressed]


def _values(value: int | tuple[int, int] | str) -> range | tuple[int, ...]:
    if value == "any":
        return range(128)
    if value == "nonzero":
        return range(1, 128)
    if isinstance(value, tuple):
        return range(value[0], value[1] + 1)
    assert isinstance(value, int)
    return (value,)


@dataclass
class Switch:
    """One pedal (one message), its gestures and where it is in a press.

    ``held`` is the time of the press being held (long gesture armed), ``tap`` the time of a press
    waiting to learn whether a second one follows (double gesture armed).
    """

    name: str
    press: FootSwitch | None = None
    long: FootSwitch | None = None
    double: FootSwitch | None = None
    debounce: float = 0.15
    long_s: float = 0.6
    double_s: float = 0.3
    last_down: float = -1e9
    held: float | None = None
    long_fired: bool = False
    tap: float | None = None
    releases: bool = False  # the pedal sends a release (CC back to 0, Note Off)
    is_down: float | None = None  # when the press still held began (pedals with a release)
    port: str = ""  # where the last press came from (the action's source)

    def _fire(self, entry: FootSwitch | None, out: list[Fired]) -> None:
        if entry is not None:
            out.append((entry.action, entry.arg, self.port))

    def down(self, now: float, out: list[Fired], port: str = "") -> bool:
        """A press; False when it came within the debounce interval (a bounce) and was dropped."""
        if now - self.last_down < self.debounce:
            return False
        if self.is_down is not None and now - self.is_down < STUCK_S:
            return False  # still held: a half-pedal passing 64, 80, 127 is one press
        self.last_down = now
        self.port = port
        if self.releases:
            self.is_down = now
        if self.long is not None:
            self.held, self.long_fired = now, False
        else:
            self._tapped(now, out)
        return True

    def up(self, now: float, out: list[Fired]) -> None:
        self.is_down = None
        if self.held is None:
            return
        was, self.held = self.held, None
        if not self.long_fired:
            self._tapped(was, out)

    def _tapped(self, at: float, out: list[Fired]) -> None:
        if self.double is None:
            self._fire(self.press, out)
        elif self.tap is not None and at - self.tap <= self.double_s:
            self.tap = None
            self._fire(self.double, out)
        else:
            self.tap = at

    def tick(self, now: float, out: list[Fired]) -> None:
        """Time passing: a held switch becomes a long press; a lone tap becomes a press."""
        if self.held is not None and not self.long_fired and now - self.held >= self.long_s:
            self.long_fired = True
            self.tap = None
            self._fire(self.long, out)
        if self.tap is not None and now - self.tap > self.double_s:
            self.tap = None
            self._fire(self.press, out)

    @property
    def waiting(self) -> bool:
        return self.held is not None or self.tap is not None


@dataclass
class Matcher:
    """The compiled map: message key -> (switch, is_press) pairs, and every switch."""

    downs: dict[Key, Switch] = field(default_factory=dict)
    ups: dict[Key, list[Switch]] = field(default_factory=dict)
    switches: list[Switch] = field(default_factory=list)
    quiet: set[Key] = field(default_factory=set)  # a continuous pedal between its thresholds
    lock: threading.Lock = field(default_factory=threading.Lock)

    def feed(self, key: Key, now: float, out: list[Fired], port: str = "") -> str:
        """Apply one message (called from the MIDI thread): "press", "release", "bounce" (a press
        inside the debounce interval, dropped), "between" (a continuous pedal between its press
        and release thresholds: no change) or "" (nothing in the map). Fired actions go to ``out``."""
        sw = self.downs.get(key)
        ups = self.ups.get(key)
        if sw is None and ups is None:
            return "between" if key in self.quiet else ""
        with self.lock:
            if ups is not None:
                for u in ups:
                    u.up(now, out)
            if sw is None:
                return "release"
            return "press" if sw.down(now, out, port) else "bounce"

    def tick(self, now: float, out: list[Fired]) -> None:
        with self.lock:
            for sw in self.switches:
                if sw.waiting:
                    sw.tick(now, out)


def _switch_id(e: FootSwitch) -> tuple[object, ...]:
    if e.type != "control_change":
        return (e.type, e.channel, e.number, None)
    return (e.type, e.channel, e.number, e.value, e.press_at, e.release_at)


def _specificity(e: FootSwitch) -> int:
    """Higher wins a message two entries both match: a given channel, then a narrower value."""
    width = len(_press_values(e)) if e.type == "control_change" else 1
    return (0 if e.channel is None else 1000) + (128 - width)


def merge(preset: list[FootSwitch], own: list[FootSwitch]) -> list[FootSwitch]:
    """The preset's entries, then the rig's; a rig entry replaces a preset entry on the same
    message and gesture."""
    mine = {(_switch_id(e), e.gesture) for e in own}
    return [e for e in preset if (_switch_id(e), e.gesture) not in mine] + list(own)


def compile_map(config: MidiConfig, entries: list[FootSwitch]) -> Matcher:
    """Build the lookup tables once (on each setlist load or preset change)."""
    matcher = Matcher()
    by_id: dict[tuple[object, ...], Switch] = {}
    for e in entries:
        sid = _switch_id(e)
        sw = by_id.get(sid)
        if sw is None:
            sw = Switch(name=describe(e.model_copy(update={"gesture": "press"})))
            by_id[sid] = sw
            matcher.switches.append(sw)
        setattr(sw, e.gesture, e)  # a later entry for the same gesture replaces an earlier one
        ms = e.debounce_ms if e.debounce_ms is not None else config.debounce_ms
        sw.debounce = ms / 1000.0
        if e.gesture == "long":
            sw.long_s = (e.long_ms or config.long_ms) / 1000.0
        if e.gesture == "double":
            sw.double_s = (e.double_ms or config.double_ms) / 1000.0
    owner: dict[Key, tuple[int, Switch]] = {}
    for e in sorted(entries, key=_specificity, reverse=True):
        sw = by_id[_switch_id(e)]
        channels = range(16) if e.channel is None else (e.channel - 1,)
        kind = STATUS[e.type]
        down_values = _press_values(e) if e.type == "control_change" else (0,)
        for ch in channels:
            for v in down_values:
                k = (kind, ch, e.number, v)
                if k not in owner:
                    owner[k] = (_specificity(e), sw)
                    matcher.downs[k] = sw
            releases = _release_keys(e, kind, ch, down_values)
            for k in releases:
                sw.releases = True
                bucket = matcher.ups.setdefault(k, [])
                if sw not in bucket:
                    bucket.append(sw)
            if kind == CC and e.release_at is not None:  # between the thresholds: no change
                held = set(down_values) | {k[3] for k in releases}
                matcher.quiet.update((CC, ch, e.number, v) for v in range(128) if v not in held)
    return matcher


def _release_keys(e: FootSwitch, kind: int, ch: int, down: range | tuple[int, ...]) -> list[Key]:
    """The messages that end a press: Note Off (or Note On velocity 0); a CC value outside the
    press values (a momentary pedal's 0), or at ``release_at`` or below. Program Change and
    "any" CCs have none."""
    if kind == NOTE_ON:
        return [(NOTE_OFF, ch, e.number, 0)]
    if kind == CC and len(down) < 128:
        return [(CC, ch, e.number, v) for v in _release_values(e, down)]
    return []
