"""Where a song's lyrics come from, in order: ``lyrics.lrc``, ``[[lyrics]]`` in song.toml, a .kar/MIDI.

Everything is placed in seconds on the song's own timeline (frame 0 of its stems), never on a wall
clock: the UI looks lines up by the play position, so jumps, vamps and segues follow by themselves.
"""

from __future__ import annotations

from pathlib import Path

from player.lyrics.lrc import decode, parse_lrc
from player.lyrics.midi import parse_midi
from player.lyrics.model import NO_LYRICS, Line, Lyrics
from player.setlist.problems import Problem, Severity
from player.setlist.song import SongFolder
from player.setlist.tempo import TempoMap

LRC_FILE = "lyrics.lrc"
MIDI_SUFFIXES = (".kar", ".mid", ".midi")


def load_lyrics(song: SongFolder) -> Lyrics:
    """The song's lyrics (``NO_LYRICS`` when it has none); problems travel with them, never raised."""
    lrc = song.path / LRC_FILE
    if lrc.is_file():
        try:
            text, _ = decode(lrc.read_bytes())
        except OSError as exc:
            return Lyrics(
                source=lrc,
                kind="lrc",
                problems=(
                    Problem(Severity.WARNING, f"cannot read the lyrics ({exc}).", lrc, field="lyrics"),
                ),
            )
        return parse_lrc(text, lrc)
    if song.song.lyrics:
        return toml_lyrics(song)
    for path in sorted(song.path.iterdir()) if song.path.is_dir() else []:
        if path.suffix.lower() in MIDI_SUFFIXES and path.is_file():
            found = parse_midi(path)
            if found.lines or found.problems:
                return found
    return NO_LYRICS


def toml_lyrics(song: SongFolder) -> Lyrics:
    """``[[lyrics]]`` of song.toml: a bar (and beat) through the tempo map, or seconds."""
    tempo = TempoMap(song.song.tempo, 48000) if song.song.tempo is not None else None
    lines, problems = [], []
    for i, entry in enumerate(song.song.lyrics):
        if entry.seconds is not None:
            at = entry.seconds
        elif tempo is not None and entry.bar is not None:
            at = tempo.seconds_at(entry.bar, entry.beat)
        else:
            problems.append(
                Problem(
                    Severity.WARNING,
                    f"lyric line {i + 1} is given at a bar but the song has no [tempo].",
                    song.toml,
                    field=f"lyrics[{i + 1}].bar",
                    fix="add a [tempo] table, or give `seconds` instead.",
                )
            )
            continue
        lines.append(Line(at, " ".join(entry.text.split()), line=i + 1))
    lines.sort(key=lambda ln: ln.start)
    return Lyrics(tuple(lines), song.toml, "toml", tuple(problems))


def first_line(lyrics: Lyrics) -> Line | None:
    """The first line with words in it (what the band sings first)."""
    return next((ln for ln in lyrics.lines if ln.bare), None)


def lyrics_of(folder: Path) -> Lyrics:
    """Lyrics of a song folder by path (loads song.toml); any failure reads as no lyrics."""
    from player.setlist.problems import LoadError
    from player.setlist.song import load_song

    try:
        return load_lyrics(load_song(folder))
    except LoadError:
        return NO_LYRICS
