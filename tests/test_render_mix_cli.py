"""``player render SETLIST --mix ... --format ...``: playable files, an M3U and the lyrics beside."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import soundfile as sf

from player.lyrics.lrc import parse_lrc
from tests.conftest import ROOT, write_stem


def small_set(folder: Path) -> Path:
    for i, name in enumerate(("one", "two")):
        d = folder / name
        write_stem(d / "keys.wav", 3.0, freq=220 + 110 * i, channels=2)
        write_stem(d / "vox.wav", 3.0, freq=880)
        (d / "song.toml").write_text(
            f'title = "Song {name}"\nartist = "Band"\n[tempo]\nbpm = 120\n'
            '[[stems]]\nfile = "keys.wav"\nrole = "keys"\n[[stems]]\nfile = "vox.wav"\nrole = "lead"\n')
    (folder / "one" / "lyrics.lrc").write_text("[ti:x]\n[00:00.50]<00:00.50>first <00:01.00>words\n")
    (folder / "config").mkdir()
    (folder / "config" / "rig.toml").write_text('[buses]\nmain = [1, 2]\n[roles]\nother = "main"\n')
    setlist = folder / "set.toml"
    setlist.write_text('title = "T"\n[[songs]]\npath = "one"\ncount_in = 1\n[[songs]]\npath = "two"\n')
    return setlist


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "player", "render", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def test_karaoke_mp3_set_with_playlist_and_lyrics(tmp_path: Path) -> None:
    setlist = small_set(tmp_path)
    out = tmp_path / "out"
    done = run(str(setlist), "--mix", "karaoke", "--out", str(out), "--format", "mp3")
    assert done.returncode == 0, done.stdout + done.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == ["01-song-one-karaoke.lrc", "01-song-one-karaoke.mp3", "02-song-two-karaoke.mp3",
                     "set-karaoke.m3u"]
    for name in ("01-song-one-karaoke.mp3", "02-song-two-karaoke.mp3"):
        data, rate = sf.read(str(out / name), dtype="float32")
        assert rate == 48000 and data.shape[1] == 2 and len(data) > 2.5 * rate
        assert abs(data).max() > 0.1
    m3u = (out / "set-karaoke.m3u").read_text().splitlines()
    assert m3u[0] == "#EXTM3U" and m3u[2:] == [
        "#EXTINF:5,Band - Song one", "01-song-one-karaoke.mp3",  # 2 s count-in + 3 s
        "#EXTINF:3,Band - Song two", "02-song-two-karaoke.mp3"]
    lrc = parse_lrc((out / "01-song-one-karaoke.lrc").read_text())
    # The rendered count-in bar (2 s at 120 bpm) comes before the song: the lyrics move with it.
    assert [w.start for w in lrc.lines[0].words] == [2.5, 3.0] and lrc.meta["ti"] == "Song one"


def test_bad_mix_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    done = run(str(small_set(tmp_path)), "--mix", "minus:tuba", "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and "no role 'tuba'" in done.stdout and "Traceback" not in done.stderr


def test_a_long_song_renders_to_ogg_and_flac(tmp_path: Path) -> None:
    """OGG Vorbis of a whole song in one write crashed libsndfile: written in blocks, it plays."""
    song = tmp_path / "long"
    write_stem(song / "keys.wav", 90.0, freq=330, channels=2)
    write_stem(song / "bass.wav", 90.0, freq=55)
    for fmt in ("ogg", "flac"):
        done = run(str(song), "--mix", "minus:bass", "--out", str(tmp_path / fmt), "--format", fmt)
        assert done.returncode == 0, done.stdout + done.stderr
        data, rate = sf.read(str(tmp_path / fmt / f"long-minus-bass.{fmt}"), dtype="float32")
        assert len(data) == 90 * rate and abs(data).max() > 0.3
