"""Text and lyric meta events of a Standard MIDI File, with their times in seconds.

Only what lyrics need: the chunks, delta times, running status, tempo changes and meta events 1
(text) and 5 (lyrics). Written here rather than read with mido so that ``player check`` (the setlist
layer) stays free of the MIDI package, as the import contracts require.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

DEFAULT_TEMPO = 500_000  # microseconds per quarter note: 120 bpm until a tempo event says otherwise
TEXT, LYRICS, TEMPO, END = 0x01, 0x05, 0x51, 0x2F


@dataclass(frozen=True)
class MetaText:
    seconds: float
    kind: str  # "text" or "lyrics"
    text: str


def _vlq(data: bytes, i: int) -> tuple[int, int]:
    """A variable-length quantity at ``i``: (value, the index after it)."""
    value = 0
    for _ in range(4):
        byte = data[i]
        i += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, i
    raise ValueError("a variable-length number longer than 4 bytes")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_texts(data: bytes) -> list[MetaText]:
    """Every text and lyric event in time order; ``ValueError`` (or ``IndexError``) for a broken file."""
    if data[:4] != b"MThd" or len(data) < 14:
        raise ValueError("not a MIDI file (no MThd header)")
    header = int.from_bytes(data[4:8], "big")
    tracks = int.from_bytes(data[10:12], "big")
    division = int.from_bytes(data[12:14], "big")
    if division & 0x8000 or division == 0:
        raise ValueError("SMPTE time division is not supported")
    pos = 8 + header
    found: list[tuple[int, int, int, str, str]] = []  # tick, track, order, kind, text
    tempos: list[tuple[int, int]] = []  # tick, microseconds per quarter
    for track in range(tracks):
        if data[pos:pos + 4] != b"MTrk":
            raise ValueError(f"track {track + 1}: no MTrk chunk")
        length = int.from_bytes(data[pos + 4:pos + 8], "big")
        body = data[pos + 8:pos + 8 + length]
        pos += 8 + length
        i, tick, running = 0, 0, 0
        while i < len(body):
            delta, i = _vlq(body, i)
            tick += delta
            status = body[i]
            if status == 0xFF:
                kind = body[i + 1]
                size, i = _vlq(body, i + 2)
                payload = body[i:i + size]
                i += size
                running = 0
                if kind == TEMPO and size == 3:
                    tempos.append((tick, int.from_bytes(payload, "big")))
                elif kind in (TEXT, LYRICS):
                    found.append((tick, track, len(found), "text" if kind == TEXT else "lyrics",
                                  _decode(payload)))
                elif kind == END:
                    break
            elif status in (0xF0, 0xF7):
                size, i = _vlq(body, i + 1)
                i += size
                running = 0
            else:
                if status & 0x80:
                    running = status
                    i += 1
                elif not running:
                    raise ValueError(f"track {track + 1}: data byte without a status")
                i += 1 if running & 0xF0 in (0xC0, 0xD0) else 2
    tempos.sort()
    ticks = [0] + [t for t, _ in tempos]
    tempo_at = [DEFAULT_TEMPO] + [us for _, us in tempos]
    starts = [0.0]
    for k in range(1, len(ticks)):
        starts.append(starts[-1] + (ticks[k] - ticks[k - 1]) * tempo_at[k - 1] / 1e6 / division)

    def seconds(tick: int) -> float:
        k = bisect.bisect_right(ticks, tick) - 1
        return starts[k] + (tick - ticks[k]) * tempo_at[k] / 1e6 / division

    found.sort(key=lambda e: (e[0], e[1], e[2]))
    return [MetaText(seconds(tick), kind, text) for tick, _, _, kind, text in found]
