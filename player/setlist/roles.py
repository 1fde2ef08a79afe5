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


# Checked in order: the first rule with a matching word wins, so "backing vocals" is BVs before
# "vocals" makes it lead, "bass drum" is drums before "bass" makes it bass, "synth bass" is bass
# before "synth" makes it keys, "lead gtr" is guitars and "synth pad" pads. Lead comes last: it is
# the most generic. Words are matched whole.
_RULES: list[tuple[Role, tuple[str, ...]]] = [
    (Role.CLICK, ("click", "clk", "metronome", "metro", "met")),
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


def _words(filename: str) -> list[str]:
    # "BackingVox" and "bgv2" split as a person reads them.
    stem = re.sub(r"([a-z])([A-Z])", r"\1 \2", filename.rsplit(".", 1)[0]).lower()
    return [w for w in re.split(r"[^a-z]+", stem) if w]


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


def guess_name(filename: str) -> str:
    """A display name from a file name: ``"03_bass-di.wav"`` -> ``"Bass Di"``, numbering dropped."""
    words = _words(filename)
    return " ".join(w.capitalize() for w in words) or filename
