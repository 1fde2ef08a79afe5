"""Roles read from file names the way a person reads them."""

from pathlib import Path

import pytest

from player.engine.mixer import StemLevel, build_matrix
from player.setlist.rig import NO_BUS, load_rig
from player.setlist.roles import IN_EAR_ROLES, Role, guess_name, guess_role, looks_like


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


@pytest.mark.parametrize(("name", "role"), [
    ("clicktrack.wav", Role.CLICK), ("Click Track.wav", Role.CLICK), ("Count In.wav", Role.COUNT_IN),
    ("countin.wav", Role.COUNT_IN), ("Count-Off.wav", Role.COUNT_IN), ("Talkback.wav", Role.TALKBACK),
    ("Timecode.wav", Role.TIMECODE), ("SMPTE.wav", Role.TIMECODE), ("LTC.wav", Role.TIMECODE),
    ("LTC 25fps.wav", Role.TIMECODE), ("backingvocals.wav", Role.BVS), ("leadvox.wav", Role.LEAD),
    ("synthbass.wav", Role.BASS), ("guidecues.wav", Role.GUIDE), ("acousticguitar.wav", Role.GUITARS),
])
def test_in_ear_material_and_glued_words(name: str, role: Role) -> None:
    assert guess_role(name) is role


# Stem names as they come from multitrack stores, bands and DAW exports: music, none of it in-ear only.
MUSICAL = """Acoustic Gtr, Bass, BGV, Choir, Drums, E Gtr 1, Keys, Pad, Perc, Piano, Strings, Synth,
Tambourine, Shaker, Timpani, Organ, Horns, Brass, Sax, Trumpet, Trombone, Flute, Violin, Cello, Viola,
Harp, Mandolin, Banjo, Accordion, Harmonica, Steel Gtr, Dobro, Lap Steel, Fiddle, Upright Bass, 808,
Kick, Snare, Toms, Overheads, Room, Hi Hat, Ride, Crash, Cymbals, Claps, Finger Snaps, Tabla, Congas,
Bongos, Cajon, Djembe, Marimba, Vibes, Glockenspiel, Celesta, Bells, Chimes, Tubular Bells, Music Box,
Arp, Arpeggiator, Sequence, Lead Synth, Sub Bass, Moog, Mellotron, Clav, Wurlitzer, Rhodes, Hammond B3,
Vocoder, Talk Box, Choir Oohs, Gang Vocals, Crowd, Applause, Noise Riser, Sweep, Impact, Reverse Cymbal,
FX, SFX, Ambience, Drone, Texture, Atmos, Swell, Orchestra, Orch Hits, Horn Stabs, Guitar Solo,
Country Gtr, Counter Melody, Countermelody, Metal Gtr, Clicky Perc, Woodblock, Cowbell, Triangle, Guiro,
Cabasa, Timbales, Steel Drums, Kalimba, Sitar, Ukulele, Bouzouki, Bagpipes, Tin Whistle, Recorder,
Theremin, Turntables, Scratches, Samples, Loop 1, Time Stretch Pad, Code Red Synth, Metallic Perc,
Subtle Pad, Cinematic Hits, Tick Tock Perc, Lead Vox Dbl, Harmony High, Saltcreek Fiddle, Clicks and Pops"""


def test_no_musical_name_becomes_in_ear_material() -> None:
    names = [n.strip() for n in MUSICAL.split(",")]
    assert len(names) >= 100
    wrong = {n: guess_role(f"{n}.wav") for n in names if guess_role(f"{n}.wav") in IN_EAR_ROLES}
    assert not wrong
    assert not {n: looks_like(f"{n}.wav") for n in names if looks_like(f"{n}.wav")}


@pytest.mark.parametrize(("name", "role"), [
    ("myclick2.wav", Role.CLICK), ("Click.wav", Role.CLICK), ("guidevox_old.wav", Role.GUIDE),
    ("SMPTE_30.wav", Role.TIMECODE), ("CountIn_4.wav", Role.COUNT_IN),
])
def test_in_ear_look_alikes(name: str, role: Role) -> None:
    assert looks_like(name) is role


RIG = """[buses]
in_ears = [1, 2]
foh = [3, 4]
smpte = [5]
[roles]
click = "in_ears"
guide = "in_ears"
other = "foh"
"""


def test_new_roles_follow_the_guide_and_timecode_plays_nowhere_unless_routed(tmp_path: Path) -> None:
    path = tmp_path / "rig.toml"
    path.write_text(RIG)
    _, rig = load_rig(str(path))
    assert rig.bus_for(Role.TIMECODE) == NO_BUS
    assert rig.bus_for(Role.TALKBACK) == rig.bus_for(Role.COUNT_IN) == "in_ears"
    assert rig.bus_for(Role.OTHER) == "foh"
    matrix = build_matrix([StemLevel(1, rig.bus_for(Role.TIMECODE), Role.TIMECODE)], rig, 5)
    assert not matrix.any()
    path.write_text(RIG + 'timecode = "smpte"\n')
    _, rig = load_rig(str(path))
    assert rig.bus_for(Role.TIMECODE) == "smpte"
    assert build_matrix([StemLevel(1, "smpte", Role.TIMECODE)], rig, 5)[0].tolist() == [0, 0, 0, 0, 1]
    # A rig that names every role it knew before these three still needs no `other`.
    old = "".join(f'{r.value} = "foh"\n' for r in Role if r not in IN_EAR_ROLES) + 'click = "in_ears"\n'
    path.write_text('[buses]\nin_ears = [1, 2]\nfoh = [3, 4]\n[roles]\nguide = "in_ears"\n' + old)
    _, rig = load_rig(str(path))
    assert rig.bus_for(Role.COUNT_IN) == "in_ears" and rig.bus_for(Role.TIMECODE) == NO_BUS
