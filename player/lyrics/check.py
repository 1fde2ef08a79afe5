"""Lyric problems for ``player check``: unreadable lines, lines after the song's end, overlapping stamps."""

from __future__ import annotations

from player.lyrics.load import load_lyrics
from player.lyrics.model import Lyrics
from player.setlist.problems import Problem, Severity
from player.setlist.song import SongFolder
from player.setlist.tomlfile import locate


def lyric_problems(song: SongFolder, seconds: float) -> list[Problem]:
    """Everything wrong with the song's lyrics, each at its line; ``seconds``: the song's length."""
    try:
        lyrics = load_lyrics(song)
    except Exception as exc:  # noqa: BLE001 - check reports; it never stops on a bad file
        return [Problem(Severity.WARNING, f"the lyrics could not be read ({exc}).", song.path,
                        field="lyrics", fix="check lyrics.lrc, [[lyrics]] or the .kar file.")]
    return list(lyrics.problems) + timing_problems(lyrics, seconds, _toml_text(song, lyrics))


def timing_problems(lyrics: Lyrics, seconds: float, toml_text: str = "") -> list[Problem]:
    """Lines past the end, two lines on one stamp, words out of order or running into the next line."""
    out: list[Problem] = []

    def add(line_no: int | None, message: str, fix: str) -> None:
        where = line_no
        if lyrics.kind == "toml" and line_no is not None:  # the n-th [[lyrics]] table's line
            where = locate(toml_text, ("lyrics", line_no - 1, "text")) if toml_text else None
        out.append(Problem(Severity.WARNING, message, lyrics.source, where, "lyrics", fix))

    lines = lyrics.lines
    for ln in lines:
        if seconds > 0 and ln.start >= seconds:
            add(
                ln.line,
                f"lyric line at {ln.start:.2f} s comes after the song ends ({seconds:.2f} s): never shown.",
                "fix its time stamp (or bar), or the [offset:].",
            )
    for a, b in zip(lines, lines[1:], strict=False):
        if b.start == a.start and a.bare and b.bare and a.line != b.line:
            add(
                b.line,
                f"two lines share the stamp {a.start:.2f} s (lines {a.line} and {b.line}): "
                "only the later is shown.",
                "give each line its own time, or join them.",
            )
        if a.words and a.words[-1].start > b.start:
            add(
                a.line,
                f"its last word ({a.words[-1].start:.2f} s) comes after the next line starts "
                f"({b.start:.2f} s).",
                "check the word stamps <mm:ss.xx> of this line.",
            )
    for ln in lines:
        times = [w.start for w in ln.words]
        if any(later < earlier for earlier, later in zip(times, times[1:], strict=False)):
            add(
                ln.line,
                "word stamps go back in time within the line.",
                "put the <mm:ss.xx> stamps in the order the words are sung.",
            )
    return out


def _toml_text(song: SongFolder, lyrics: Lyrics) -> str:
    if lyrics.kind != "toml" or song.toml is None:
        return ""
    try:
        return song.toml.read_text(encoding="utf-8")
    except OSError:
        return ""
