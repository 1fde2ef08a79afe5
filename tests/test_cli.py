"""The ``player`` command as a performer runs it: a real process, real files, the test's JACK server."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.conftest import DEMO, ROOT
from tests.support.jackserver import JackServer


def player(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "player", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=120)


def test_help_lists_the_commands() -> None:
    out = player("--help")
    assert out.returncode == 0
    for command in ("check", "devices", "play", "render"):
        assert command in out.stdout
    assert "render" in out.stdout


def test_check_demo_against_the_jack_device(jack_server: JackServer) -> None:
    out = player("check", "setlists/demo.toml", env=jack_server.env())
    assert out.returncode == 0, out.stdout + out.stderr
    assert "device system (JACK Audio Connection Kit), 16 outputs" in out.stdout
    assert "The show can run." in out.stdout
    assert out.stdout.count(" stems") >= 3 and "click" in out.stdout
    assert "will be resampled to 48000 Hz" in out.stdout  # the 44.1 kHz demo song


def broken_demo(tmp_path: Path) -> tuple[Path, list[Path]]:
    """A copy of the demo show with one fault per song."""
    shutil.copytree(ROOT / "setlists", tmp_path / "setlists")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    setlist = tmp_path / "setlists" / "demo.toml"
    import tomllib
    entries = tomllib.loads(setlist.read_text())["songs"]
    folders = [setlist.parent / e["path"] for e in entries]
    return setlist, folders


def test_check_broken_demo_names_every_fault(tmp_path: Path) -> None:
    setlist, folders = broken_demo(tmp_path)
    # 1: a stem deleted
    (folders[0] / "bass.ogg").unlink()
    # 2: a bad bus name on a stem
    toml = folders[1] / "song.toml"
    toml.write_text(toml.read_text().replace('role = "click"', 'role = "click"\nbus = "in_ear"', 1))
    # 3: a TOML syntax error
    toml3 = folders[2] / "song.toml"
    toml3.write_text(toml3.read_text().replace("[tempo]", "[tempo", 1))
    # and a 44.1 kHz stem in a 48 kHz song: a note, not an error
    data, rate = sf.read(str(folders[0] / "click.flac"), dtype="float32")
    assert rate == 48000, "the first demo song is at 48 kHz"
    idx = np.round(np.arange(int(len(data) * 44100 / rate)) * rate / 44100).astype(int)
    sf.write(str(folders[0] / "click.flac"), data[np.minimum(idx, len(data) - 1)], 44100)

    out = player("check", str(setlist), "--no-device", cwd=tmp_path)
    text = out.stdout
    assert out.returncode == 1, text
    assert "stem file 'bass.ogg' not found" in text
    assert "stems[1].bus: stem 'click.flac' goes to bus 'in_ear', which the rig does not have" in text
    assert "TOML syntax error" in text and f"{folders[2].name}/song.toml:" in text
    assert "click.flac: 44100 Hz, will be resampled to 48000 Hz" in text
    assert "The show cannot run as written." in text and "3 errors" in text


def test_check_broken_rig(tmp_path: Path) -> None:
    setlist, _ = broken_demo(tmp_path)
    rig = tmp_path / "config" / "rig.toml"
    rig.write_text(rig.read_text().replace('bvs = "foh_bvs"', 'bvs = "foh_vox"'))
    out = player("check", str(setlist), "--no-device", cwd=tmp_path)
    assert out.returncode == 1
    assert "config/rig.toml" in out.stdout and "'foh_vox', which is not in [buses]" in out.stdout


def test_devices_lists_the_jack_device(jack_server: JackServer) -> None:
    out = player("devices", env=jack_server.env())
    assert out.returncode == 0, out.stderr
    assert "system  [JACK Audio Connection Kit]  16 outputs, 48000 Hz" in out.stdout
    assert "JACK inputs:" in out.stdout
    assert "Cannot connect" not in out.stdout + out.stderr  # JACK's own chatter is kept off screen


def test_play_shows_the_demo_setlist(jack_server: JackServer) -> None:
    import tomllib

    out = player("play", env={**jack_server.env(), "CI": "true"})
    assert out.returncode == 0, out.stderr
    titles = []
    for entry in tomllib.loads(DEMO.read_text())["songs"]:
        titles.append(tomllib.loads((DEMO.parent / entry["path"] / "song.toml").read_text())["title"])
    lines = out.stdout.splitlines()
    for i, title in enumerate(titles):
        assert any(f"{i + 1}. {title}" in line for line in lines), (title, out.stdout)
    assert any(line.startswith(" > ") and "1. " in line for line in lines)  # the first song is cued
    assert "audio: system" in out.stdout


def test_play_with_a_bad_setlist_says_what_to_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "X"\n[[songs]]\npaht = "a"\n')
    out = player("play", str(bad))
    assert out.returncode == 1
    assert "bad.toml:3: songs[1].paht: unknown field" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_render_demo_writes_bus_files_whose_sum_matches_the_stems(tmp_path: Path) -> None:
    out = player("render", "setlists/demo.toml", "--out", str(tmp_path / "renders"))
    assert out.returncode == 0, out.stdout + out.stderr
    songs = sorted((tmp_path / "renders").iterdir())
    assert [p.name[:3] for p in songs] == ["01-", "02-", "03-"]
    assert sorted(p.name for p in songs[0].iterdir()) == ["foh_bvs.wav", "foh_tracks.wav",
                                                          "in_ears.wav"]
    import tomllib
    first = DEMO.parent / tomllib.loads(DEMO.read_text())["songs"][0]["path"]
    expected = None
    for stem in tomllib.loads((first / "song.toml").read_text())["stems"]:
        data = sf.read(str(first / stem["file"]), dtype="float32", always_2d=True)[0]
        # Centred and at unity: a mono stem reaches both sides of its stereo bus.
        contribution = data.sum(axis=1) * (2 if data.shape[1] == 1 else 1)
        expected = contribution if expected is None else expected + contribution
    total = sum(sf.read(str(f), dtype="float32", always_2d=True)[0].sum(axis=1)
                for f in songs[0].iterdir())
    assert len(total) == len(expected)
    np.testing.assert_allclose(total, expected, atol=1e-5)
