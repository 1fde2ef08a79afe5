"""What the player generates for a song in a show: a click, spoken cues, a count-in.

Pure decisions from the song and its setlist entry (no audio): shared by the engine, which builds
the sources, and by ``player check``, which says what will be announced.
"""

from __future__ import annotations

import re

from player.setlist.roles import Role
from player.setlist.setlist import Entry
from player.setlist.song import SongFolder

NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
           "twelve")
# The voice pack shipped in player/sounds/voice/ (one file per word, made by tools/make_sounds.py).
WORDS = ("intro", "verse", "pre-chorus", "chorus", "bridge", "tag", "outro", "instrumental",
         "interlude", "breakdown", "ending", "vamp", "last-time", *NUMBERS)


def generation(song: SongFolder, entry: Entry | None) -> tuple[bool, bool, int]:
    """(generated click, generated guide, count-in bars) for this song in this show."""
    gen = song.song.generate
    roles = {s.role for s in song.song.stems}
    click = (entry.click if entry and entry.click else None) or gen.click
    guide = (entry.guide if entry and entry.guide else None) or gen.guide
    count_in = entry.count_in if entry and entry.count_in is not None else gen.count_in
    has_tempo = song.song.tempo is not None
    want_click = has_tempo and (click == "on" or (click == "auto" and Role.CLICK not in roles))
    want_guide = bool(song.song.sections) and (
        guide == "on" or (guide == "auto" and Role.GUIDE not in roles))
    return want_click, want_guide, count_in if has_tempo else 0


def not_generated(song: SongFolder, entry: Entry | None) -> list[str]:
    """What the song or this show asks to generate and cannot, and why: said, never silently dropped.

    A click and a count-in are made from the tempo map, spoken cues from the sections.
    """
    gen = song.song.generate
    click = (entry.click if entry and entry.click else None) or gen.click
    guide = (entry.guide if entry and entry.guide else None) or gen.guide
    count_in = entry.count_in if entry and entry.count_in is not None else gen.count_in
    out = []
    if song.song.tempo is None:
        if click == "on":
            out.append('a generated click is asked for (click "on"), but the song has no [tempo]: '
                       "no click plays.")
        if count_in:
            out.append(f"a {count_in}-bar count-in is asked for, but the song has no [tempo]: "
                       "no count-in plays.")
    if guide == "on" and not song.song.sections:
        out.append('spoken cues are asked for (guide "on"), but the song has no [[sections]]: '
                   "nothing is announced.")
    return out


def words_for(name: str) -> list[str]:
    """The voice-pack words that say a section name ("Pre-Chorus 2" -> pre-chorus, two); [] if none.

    The section's kind must be in the pack; a trailing number 1-12 is spoken after it.
    """
    tokens = re.findall(r"[a-z]+|\d+", name.lower())
    out: list[str] = []
    i = 0
    while i < len(tokens):
        pair = "-".join(tokens[i:i + 2])
        if pair in WORDS and not pair.split("-")[-1].isdigit():
            out.append(pair)
            i += 2
            continue
        token = tokens[i]
        if token.isdigit() and 1 <= int(token) <= len(NUMBERS) and out:
            out.append(NUMBERS[int(token) - 1])
        elif token in WORDS and token not in NUMBERS:
            out.append(token)
        elif not out:
            return []  # a kind the pack cannot say: say nothing rather than half a name
        i += 1
    return out
