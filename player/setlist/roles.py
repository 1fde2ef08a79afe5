"""Stem roles, and the guess of a role from a file name for folders that come without a song.toml."""

from __future__ import annotations

import re
from enum import StrEnum


class Role(StrEnum):
    """What a stem is for; the rig routes each role to a bus (click and guide to the in-ears)."""

    CLICK = "click"
    GUIDE = "guide"
    BVS = "bvs"
    LEAD = "lead"
    DRUMS = "drums"
    BASS = "bass"
    KEYS = "keys"
    GUITARS = "guitars"
    PADS = "pads"
    OTHER = "other"
    # In-ear material with a route of its own: timecode plays nowhere unless the rig routes it (to an
    # SMPTE output for lights or video); talkback and count-in go where the guide goes.
    TIMECODE = "timecode"
    TALKBACK = "talkback"
    COUNT_IN = "count_in"


IN_EAR_ROLES = frozenset({Role.CLICK, Role.GUIDE, Role.TIMECODE, Role.TALKBACK, Role.COUNT_IN})


# Checked in order: the first rule with a matching word wins, so "backing vocals" is BVs before
# "vocals" makes it lead, "bass drum" is drums before "bass" makes it bass, "synth bass" is bass
# before "synth" makes it keys, "lead gtr" is guitars and "synth pad" pads. Lead comes last: it is
# the most generic. Words are matched whole. Timecode and the in-ear roles come first: sending them to
# the audience is the worst mistake a guess can make.
_RULES: list[tuple[Role, tuple[str, ...]]] = [
    (Role.TIMECODE, ("timecode", "time code", "smpte", "ltc", "mtc")),
    (Role.CLICK, ("click", "clk", "metronome", "metro", "met")),
    (Role.COUNT_IN, ("count in", "count off", "countin", "countoff", "count", "counts")),
    (Role.TALKBACK, ("talkback", "talk back", "talkbk")),
    (Role.GUIDE, ("guide", "guides", "cue", "cues", "cuesvox", "voice cues", "guia")),
    (Role.BVS, ("bv", "bvs", "bgv", "bgvs", "bvox", "bgvox", "backing vox", "backing vocal",
                "backing vocals", "backing", "bkg", "choir", "harmony", "harmonies", "backings")),
    (Role.DRUMS, ("drum", "drums", "kit", "kick", "snare", "hats", "hihat", "overheads", "oh",
                  "toms", "perc", "percussion", "loop", "loops", "bass drum")),
    (Role.BASS, ("bass", "sub", "synth bass", "bs")),
    (Role.GUITARS, ("gtr", "gtrs", "guitar", "guitars", "eg", "ag", "acoustic", "electric")),
    (Role.PADS, ("pad", "pads", "strings", "string", "atmos", "ambient", "ambience", "swell",
                 "swells")),
    (Role.KEYS, ("keys", "piano", "pno", "organ", "rhodes", "wurli", "synth", "synths",
                 "keyboard", "keyboards", "epiano", "ep", "electric piano",
                 "acoustic piano", "grand piano")),
    (Role.LEAD, ("lead", "lead vox", "lead vocal", "vocal", "vocals", "vox", "lv", "melody")),
]


# Words that a glued name ("clicktrack", "backingvocals") is cut into. Short abbreviations ("eg", "met",
# "sub") are left out: inside a longer word they are more often an accident than a word.
_PIECES = frozenset(
    {w for _, names in _RULES for name in names for w in name.split() if len(w) >= 4}
    | {"vox", "gtr", "pad", "bgv", "bvs", "cue", "kit", "in", "off", "back", "track", "tracks", "trk",
       "code", "time", "stem", "mix", "main", "high", "low", "left", "right", "solo", "bv"})


def _split_glued(word: str) -> list[str]:
    """``"clicktrack"`` -> ``["click", "track"]`` when the word is made only of known pieces, else as is."""
    if len(word) < 5 or word in _PIECES:
        return [word]
    best: list[list[str] | None] = [[]] + [None] * len(word)  # best[i]: fewest pieces for word[:i]
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 12), end - 1):
            head = best[start]
            if head is not None and word[start:end] in _PIECES:
                if best[end] is None or len(head) + 1 < len(best[end] or []):
                    best[end] = [*head, word[start:end]]
    return best[-1] or [word]


def _words(filename: str) -> list[str]:
    # "BackingVox", "bgv2" and "clicktrack" split as a person reads them.
    stem = re.sub(r"([a-z])([A-Z])", r"\1 \2", filename.rsplit(".", 1)[0]).lower()
    return [piece for w in re.split(r"[^a-z]+", stem) if w for piece in _split_glued(w)]


def guess_role(filename: str) -> Role:
    """The role a person would read from a stem's file name (``"02 BGV Alto.wav"`` -> bvs)."""
    words = _words(filename)
    joined = " " + " ".join(words) + " "
    # Phrases first ("electric piano" is keys though "electric" alone means a guitar), then words.
    for phrases in (True, False):
        for role, names in _RULES:
            for name in names:
                if (" " in name) == phrases and f" {name} " in joined:
                    return role
    return Role.OTHER


# Inside a word, these say "this may be in-ear material" even when the whole name reads otherwise
# ("myclick2", "guidevox_old"); the exceptions are ordinary words that happen to contain them.
_LOOKS = ((Role.CLICK, ("click", "metronom")), (Role.GUIDE, ("guide", "cues")),
          (Role.COUNT_IN, ("count",)), (Role.TIMECODE, ("smpte", "timecode")),
          (Role.TALKBACK, ("talkback",)))
_NOT_LOOKS = ("counter", "country", "account", "clicky", "clicks")


def looks_like(filename: str) -> Role | None:
    """The in-ear role a name suggests (click, guide, count-in, timecode, talkback), or None.

    ``player check`` warns when a stem with such a name was given another role: a click on the
    front-of-house speakers is the mistake the audience hears.
    """
    guessed = guess_role(filename)
    if guessed in IN_EAR_ROLES:
        return guessed
    for word in _words(filename):
        if word.startswith(_NOT_LOOKS):
            continue
        for role, parts in _LOOKS:
            if any(part in word for part in parts):
                return role
    return None


def guess_name(filename: str) -> str:
    """A display name from a file name: ``"03_bass-di.wav"`` -> ``"Bass Di"``, numbering dropped."""
    words = _words(filename)
    return " ".join(w.capitalize() for w in words) or filename
