"""Lyric events of a .kar or MIDI file (read by ``smf``): each syllable keeps its time.

Two conventions exist. Standard MIDI files carry ``lyrics`` meta events and end a line with ``\\r``
or ``\\n``. Soft Karaoke (.kar) files carry ``text`` events, start a line with ``/`` and a paragraph
with ``\\``, and put metadata in texts that begin with ``@``. ``lyrics`` events win when both exist.
"""

from __future__ import annotations

from pathlib import Path

from player.lyrics.model import Line, Lyrics, Word
from player.lyrics.smf import read_texts
from player.setlist.problems import Problem, Severity


def parse_midi(path: Path) -> Lyrics:
    """The file's lyric lines; an unreadable file is a problem, not an exception.

    ``text`` events count as lyrics only in a .kar file: a plain MIDI file (one that drives lights,
    say) uses them for notes and credits, which must never appear as words on stage.
    """
    try:
        events: dict[str, list[tuple[float, str]]] = {"lyrics": [], "text": []}
        for event in read_texts(path.read_bytes()):
            events[event.kind].append((event.seconds, event.text))
    except Exception as exc:  # noqa: BLE001 - any broken file is a message, never a crash
        return Lyrics(
            source=path,
            kind="midi",
            problems=(
                Problem(
                    Severity.WARNING,
                    f"cannot read the MIDI file's lyrics ({exc}).",
                    path,
                    field="lyrics",
                    fix="re-save it as a standard MIDI or .kar file, or write a lyrics.lrc.",
                ),
            ),
        )
    kar = not events["lyrics"]
    if kar and path.suffix.lower() != ".kar":
        return Lyrics(source=path, kind="midi")
    syllables = events["text"] if kar else events["lyrics"]
    lines: list[Line] = []
    words: list[Word] = []

    def close() -> None:
        if words:
            text = "".join(w.text for w in words)
            lines.append(Line(words[0].start, " ".join(text.split()), tuple(words)))
            words.clear()

    for at, text in syllables:
        if kar and text.startswith("@"):
            continue  # @T title, @K kind, @I info...
        if text[:1] in "/\\":
            close()
            text = text[1:]
        breaks = text.endswith(("\r", "\n"))
        text = text.rstrip("\r\n")
        if text:
            words.append(Word(at, text))
        if breaks:
            close()
    close()
    return Lyrics(tuple(lines), path, "midi")
