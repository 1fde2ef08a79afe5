"""``player render`` with the generated click, cues and count-in, and its onset report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.conftest import ROOT, write_stem


def test_render_with_generated_click_count_in_and_onsets(tmp_path: Path) -> None:
    song = tmp_path / "song"
    write_stem(song / "keys.wav", 5.0, freq=220)
    (song / "song.toml").write_text(
        'title = "Gen"\n[tempo]\nbpm = 120\n[[sections]]\nname = "Verse"\nbar = 1\n'
        '[[sections]]\nname = "Chorus 2"\nbar = 2\n[[stems]]\nfile = "keys.wav"\nrole = "keys"\n')
    out = subprocess.run([sys.executable, "-m", "player", "render", str(song), "--out",
                          str(tmp_path / "out"), "--count-in", "1", "--guide", "on", "--onsets"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Click (generated): 10 sounds; first: 1.1@0, 1.2@24000" in text  # 5 s at 120 bpm
    assert "Guide (generated): 2 sounds; first: 1.1@0, 1.1@" in text  # "chorus", "two" at bar 1
    assert "Count-in: 8 sounds; first: -1.1@-96000" in text
    ears, rate = sf.read(str(tmp_path / "out" / "gen" / "in_ears.wav"), dtype="float32")
    assert len(ears) == 96000 + 5 * 48000  # the count-in bar, then the song
    assert np.abs(ears[:96000]).max() > 0.1 and ears[72000:72100].any()  # beat 4 of the count-in
