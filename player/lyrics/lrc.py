"""LRC and Enhanced LRC, with the quirks of files found in the wild.

Handled: several stamps on one line (``[00:12.00][01:12.00]``), ``[offset:+250]`` (milliseconds;
positive shows the lyrics earlier), ``[mm:ss]`` without hundredths, ``.xxx`` milliseconds and
``mm:ss:xx``, metadata tags (``[ar:...]``), a UTF-8 BOM, CRLF, Latin-1 files, and word stamps
``<mm:ss.xx>`` (Enhanced LRC, also the "A2" form with a closing stamp). A line that cannot be read
is a problem at its line and the rest of the file is still used: lyrics never stop a show.

The two MIT parsers on the index were tried on these cases. lemony-lrc-parser 0.5.0 reads most of
them (several stamps, ``[mm:ss]``, milliseconds, tags, BOM and CRLF, word times, bad lines skipped
and reported) but leaves ``[offset:]`` to a separate call and keeps the A2 form's spaces; lrcparser
0.2.0 reads stamps and the offset but takes ``[xx:yy]`` for a tag without a word and keeps word
stamps as text. Neither decodes bytes (BOM, Latin-1). This module is small, has no dependency, and
gives its problems in ``player check``'s form; tests/lyrics/test_lrc.py is the list of cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from player.lyrics.model import Line, Lyrics, Word
from player.setlist.problems import Problem, Severity

_TAG = re.compile(r"\[([^\[\]]*)\]")
_STAMP = re.compile(r"^\s*(\d{1,3}):(\d{1,2})(?:[.:,](\d{1,3}))?\s*$")
_META = re.compile(r"^\s*([A-Za-z#][A-Za-z0-9_ #-]*)\s*:(.*)$")
_WORD = re.compile(r"<([^<>]*)>")


def decode(data: bytes) -> tuple[str, str]:
    """Text of a lyrics file and its encoding: UTF-8 (a BOM dropped), else Latin-1 (never fails)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def stamp_seconds(text: str) -> float | None:
    """``mm:ss``, ``mm:ss.xx``, ``mm:ss.xxx`` or ``mm:ss:xx`` -> seconds; None when it is not one."""
    m = _STAMP.match(text)
    if not m or int(m.group(2)) >= 60:
        return None
    frac = m.group(3) or ""
    return int(m.group(1)) * 60 + int(m.group(2)) + (int(frac) / 10 ** len(frac) if frac else 0.0)


def parse_lrc(text: str, path: Path | None = None) -> Lyrics:
    """Every timed line of an LRC text, in time order, with the problems found at their lines."""
    problems: list[Problem] = []
    meta: dict[str, str] = {}
    raw: list[tuple[float, str, list[tuple[float | None, str]], int]] = []  # start, text, words, line
    offset = 0.0

    def problem(severity: Severity, message: str, line: int | None, fix: str) -> None:
        problems.append(Problem(severity, message, path, line, "lyrics", fix))

    for number, line in enumerate(text.splitlines(), start=1):
        rest = line.strip()
        if not rest:
            continue
        starts: list[float] = []
        while rest.startswith("["):
            m = _TAG.match(rest)
            if m is None:
                break
            inner = m.group(1)
            at = stamp_seconds(inner)
            if at is not None:
                starts.append(at)
            elif (mm := _META.match(inner)) and not inner.strip()[:1].isdigit():
                key, value = mm.group(1).strip().lower(), mm.group(2).strip()
                if key == "offset":
                    try:
                        offset = int(value) / 1000.0
                    except ValueError:
                        problem(
                            Severity.WARNING,
                            f"offset {value!r} is not a number of milliseconds.",
                            number,
                            "write it like [offset:+250] or [offset:-120].",
                        )
                else:
                    meta[key] = value
            else:
                problem(
                    Severity.WARNING,
                    f"[{inner}] is neither a time stamp nor a tag; line skipped.",
                    number,
                    "time stamps look like [01:23.45] (minutes:seconds.hundredths).",
                )
                starts = []
                rest = ""
                break
            rest = rest[m.end() :]
        if not starts:
            if rest and not rest.startswith("#"):
                problem(
                    Severity.WARNING,
                    f"text without a time stamp: {rest[:40]!r}; not shown.",
                    number,
                    "put a time stamp such as [01:23.45] in front of it.",
                )
            continue
        words, plain = _words(rest, number, problem)
        for at in starts:
            raw.append((at, plain, words, number))
    lines = []
    for start, plain, words, number in raw:
        shift = start - (words[0][0] if words and words[0][0] is not None else start)
        timed = []
        end = None
        for i, (at, word) in enumerate(words):
            t = start if at is None else at + shift
            if not word.strip() and i == len(words) - 1 and at is not None:
                end = t - offset  # a closing stamp: when the last word ends
                continue
            timed.append(Word(max(t - offset, 0.0), word))
        lines.append(
            Line(
                max(start - offset, 0.0),
                plain,
                tuple(timed) if any(at is not None for at, _ in words) else (),
                number,
                end,
            )
        )
        if start - offset < 0:
            problem(
                Severity.WARNING,
                f"with the offset this line starts before the song ({start - offset:.2f} s); shown from 0.",
                number,
                "check [offset:].",
            )
    lines.sort(key=lambda ln: ln.start)
    kind = "enhanced" if any(ln.words for ln in lines) else "lrc"
    return Lyrics(tuple(lines), path, kind, tuple(problems), meta)


def _words(text: str, number: int, problem: Callable[[Severity, str, int | None, str], None]
           ) -> tuple[list[tuple[float | None, str]], str]:
    """(start or None, text) per word of an Enhanced LRC line, and the line as plain text."""
    if "<" not in text:
        return [], text.strip()
    out: list[tuple[float | None, str]] = []
    pos = 0
    at: float | None = None
    for m in _WORD.finditer(text):
        piece = text[pos : m.start()]
        if piece or at is not None:
            out.append((at, piece))
        stamp = stamp_seconds(m.group(1))
        if stamp is None:
            problem(
                Severity.WARNING,
                f"word stamp <{m.group(1)}> is not a time; the word keeps the one before.",
                number,
                "word stamps look like <01:23.45>.",
            )
        at = stamp if stamp is not None else at
        pos = m.end()
    out.append((at, text[pos:]))
    out = [(a, w) for a, w in out if w or a is not None]
    if out and out[0][0] is None and not out[0][1].strip():
        out = out[1:]
    plain = " ".join("".join(w for _, w in out).split())
    # Leading and trailing blanks of each word are kept so syllables ("Hel", "lo") join as written.
    return out, plain
