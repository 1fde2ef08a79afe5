"""``render_mix``: one stereo mix per song, without the roles a mode or ``minus:`` drops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from player.engine.loudness import integrated_lufs
from player.engine.plan import plan_song
from player.engine.render import render_mix
from player.render_options import mix_roles
from player.setlist import load_rig, load_setlist, load_song
from player.setlist.roles import Role
from tests.conftest import DEMO

SONG = 2  # "Mighty giant run": the shortest demo song, every role in it


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    setlist = load_setlist(DEMO)
    _, rig = load_rig(setlist.setlist.rig, DEMO)
    entry = setlist.setlist.songs[SONG]
    song = load_song(setlist.song_folder(entry))
    out = tmp_path_factory.mktemp("mixes")
    every = frozenset(Role)

    def render(name: str, dropped: frozenset[Role]) -> np.ndarray:
        plan = plan_song(song, rig, entry, rate=rig.audio.sample_rate)
        path = render_mix(plan, rig, out / f"{name}.wav", dropped, "wav", subtype="FLOAT").path
        return sf.read(str(path), dtype="float32", always_2d=True)[0]

    full = mix_roles("full", rig)
    return {
        "full": render("full", full),
        "karaoke": render("karaoke", mix_roles("karaoke", rig)),
        "lead": render("lead", every - {Role.LEAD}),
        "minus_bass": render("mb", mix_roles("minus:bass", rig)),
        "bass": render("bass", every - {Role.BASS}),
    }


def test_karaoke_mix_is_the_full_mix_minus_the_lead(demo: dict[str, np.ndarray]) -> None:
    full, karaoke, lead = demo["full"], demo["karaoke"], demo["lead"]
    assert full.shape == karaoke.shape == lead.shape and full.shape[1] == 2
    assert np.abs(lead).max() > 0.05, "the lead is audible in the full mix"
    np.testing.assert_allclose(karaoke, full - lead, atol=1e-6)
    assert np.abs(karaoke - full).max() > 0.05, "and karaoke really drops it"


def test_minus_bass_is_the_full_mix_minus_the_bass(demo: dict[str, np.ndarray]) -> None:
    assert np.abs(demo["bass"]).max() > 0.05
    np.testing.assert_allclose(demo["minus_bass"], demo["full"] - demo["bass"], atol=1e-6)


def test_mix_leaves_the_click_and_guide_out_unless_asked(tmp_path: Path) -> None:
    setlist = load_setlist(DEMO)
    _, rig = load_rig(setlist.setlist.rig, DEMO)
    assert {Role.CLICK, Role.GUIDE} <= mix_roles("full", rig)
    assert Role.CLICK not in mix_roles("full", rig, ["click"])
    assert mix_roles("instrumental", rig) == {Role.CLICK, Role.GUIDE, Role.LEAD, Role.BVS}
    assert mix_roles("minus:bass,keys", rig) == {Role.CLICK, Role.GUIDE, Role.BASS, Role.KEYS}
    for bad in ("karaoke2", "minus:", "minus:tuba"):
        with pytest.raises(ValueError):
            mix_roles(bad, rig)


def test_loudness_target_is_met_and_never_pushes_the_peak_past_the_ceiling(tmp_path: Path) -> None:
    from player.setlist.rig import Rig

    song = tmp_path / "song"
    song.mkdir()
    t = np.arange(48000 * 4) / 48000
    quiet = (0.05 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    sf.write(str(song / "keys.wav"), np.stack([quiet, quiet], 1), 48000, subtype="FLOAT")
    (song / "song.toml").write_text('title = "Q"\n[[stems]]\nfile = "keys.wav"\nrole = "keys"\n')
    rig = Rig(buses={"main": [1, 2]}, roles={Role.OTHER: "main"})
    plan = plan_song(load_song(song), rig, rate=48000)
    result = render_mix(plan, rig, tmp_path / "q.flac", frozenset(), "flac", loudness=-16.0)
    data, _ = sf.read(str(result.path), dtype="float32")
    assert not result.limited and abs(integrated_lufs(data, 48000) - -16.0) < 0.1
    plan = plan_song(load_song(song), rig, rate=48000)  # a plan feeds one deck
    loud = render_mix(plan, rig, tmp_path / "l.flac", frozenset(), "flac", loudness=0.0)
    data, _ = sf.read(str(loud.path), dtype="float32")
    assert loud.limited and 20 * np.log10(np.abs(data).max()) <= -0.99


def test_one_stereo_file_song_karaoke_by_vocal_reduction(tmp_path: Path) -> None:
    """Centre voice band out; the bass below the band and a side-panned part stay; full is the file."""
    from player.setlist.rig import Rig

    song = tmp_path / "song"
    song.mkdir()
    rate = 48000
    t = np.arange(rate * 3) / rate
    voice = 0.3 * np.sin(2 * np.pi * 900 * t)  # centre, in the voice band
    bass = 0.3 * np.sin(2 * np.pi * 55 * t)  # centre, below it
    side = 0.2 * np.sin(2 * np.pi * 1500 * t)  # hard left
    mix = np.stack([voice + bass + side, voice + bass], 1).astype(np.float32)
    sf.write(str(song / "take.wav"), mix, rate, subtype="FLOAT")
    rig = Rig(buses={"main": [1, 2]}, roles={Role.OTHER: "main"})
    plan = plan_song(load_song(song), rig, rate=rate)
    from player.engine.vocal import reduced

    assert reduced(plan)
    full = sf.read(
        str(render_mix(plan, rig, tmp_path / "f.wav", frozenset(), subtype="FLOAT").path), dtype="float32"
    )[0]
    plan = plan_song(load_song(song), rig, rate=rate)
    kar = sf.read(
        str(render_mix(plan, rig, tmp_path / "k.wav", frozenset({Role.LEAD}), subtype="FLOAT").path),
        dtype="float32",
    )[0]
    np.testing.assert_allclose(full, mix, atol=1e-5)
    mid = slice(rate // 2, 5 * rate // 2)  # away from the file's edges

    def level(x: np.ndarray, f: float) -> float:
        return float(np.abs(np.fft.rfft(x[mid]))[round(f * 2)] / (len(x[mid]) / 2))  # 0.5 Hz bins

    for ch in (0, 1):
        assert level(kar[:, ch], 900) < 0.3 * 0.05, "the centre voice is down by more than 26 dB"
        assert level(kar[:, ch], 55) > 0.3 * 0.9, "the bass stays"
    assert level(kar[:, 0], 1500) > 0.2 * 0.4, "a part panned away from the centre stays (halved at most)"


def test_with_click_brings_the_click_and_count_in_into_the_mix(tmp_path: Path) -> None:
    from player.setlist.rig import Rig
    from player.setlist.setlist import Entry

    song = tmp_path / "song"
    song.mkdir()
    sf.write(str(song / "keys.wav"), np.zeros((48000 * 2, 2), np.float32), 48000, subtype="FLOAT")
    sf.write(str(song / "bass.wav"), np.zeros(48000 * 2, np.float32), 48000, subtype="FLOAT")
    (song / "song.toml").write_text('title = "C"\n[tempo]\nbpm = 120\n[[stems]]\nfile = "keys.wav"\n'
                                    'role = "keys"\n[[stems]]\nfile = "bass.wav"\nrole = "bass"\n')
    rig = Rig(buses={"main": [1, 2], "ears": [3, 4]}, roles={Role.CLICK: "ears", Role.OTHER: "main"})
    entry = Entry(path=".", count_in=1)

    def mix(extra: list[str]) -> np.ndarray:
        plan = plan_song(load_song(song), rig, entry, rate=48000)
        path = render_mix(plan, rig, tmp_path / f"{len(extra)}.wav", mix_roles("full", rig, extra),
                          subtype="FLOAT").path
        return sf.read(str(path), dtype="float32")[0]

    silent, clicked = mix([]), mix(["click"])
    assert len(silent) == len(clicked) == 48000 * 4  # the count-in bar, then the song
    assert not silent.any(), "no click, no guide by default"
    assert np.abs(clicked[:48000 * 2]).max() > 0.1 and np.abs(clicked[48000 * 2:]).max() > 0.1
