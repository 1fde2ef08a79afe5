"""Roles read from file names the way a person reads them."""

import pytest

from player.setlist.roles import Role, guess_name, guess_role


@pytest.mark.parametrize(("name", "role"), [
    ("Click.wav", Role.CLICK), ("CLK 120.wav", Role.CLICK), ("metronome.flac", Role.CLICK),
    ("Guide.wav", Role.GUIDE), ("Cues.wav", Role.GUIDE), ("VoiceCues.wav", Role.GUIDE),
    ("BV 1.wav", Role.BVS), ("bgv_high.wav", Role.BVS), ("Backing Vocals.wav", Role.BVS),
    ("BackingVox.wav", Role.BVS), ("Choir.wav", Role.BVS), ("Harmony.wav", Role.BVS),
    ("Lead Vocal.wav", Role.LEAD), ("vox.wav", Role.LEAD),
    ("Drums.wav", Role.DRUMS), ("Bass Drum.wav", Role.DRUMS), ("Perc Loop.wav", Role.DRUMS),
    ("Bass.wav", Role.BASS), ("Synth Bass.wav", Role.BASS), ("Sub.wav", Role.BASS),
    ("Keys.wav", Role.KEYS), ("Piano.wav", Role.KEYS), ("Electric Piano.wav", Role.KEYS),
    ("Synth.wav", Role.KEYS), ("Lead Gtr.wav", Role.GUITARS), ("AG.wav", Role.GUITARS),
    ("Electric.wav", Role.GUITARS), ("Pad.wav", Role.PADS), ("Strings.wav", Role.PADS),
    ("Synth Pad.wav", Role.PADS), ("FX Riser.wav", Role.OTHER), ("Track 7.wav", Role.OTHER),
])
def test_guess_role(name: str, role: Role) -> None:
    assert guess_role(name) is role


def test_guess_name_drops_numbering() -> None:
    assert guess_name("03_bass-di.wav") == "Bass Di"
