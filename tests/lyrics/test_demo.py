"""The demo's lyrics: one Enhanced LRC, one LRC, one song.toml, clean, and sung over the lead."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from player.lyrics import load_lyrics
from player.lyrics.check import lyric_problems
from player.setlist import load_setlist, load_song
from tests.conftest import DEMO


def test_each_demo_song_has_lyrics_of_another_kind_and_no_problems() -> None:
    setlist = load_setlist(DEMO)
    kinds = []
    for entry in setlist.setlist.songs:
        song = load_song(setlist.song_folder(entry))
        lyrics = load_lyrics(song)
        kinds.append(lyrics.kind)
        info = sf.info(str(song.path / "lead.ogg"))
        assert lyric_problems(song, info.frames / info.samplerate) == []
        # Karaoke drops the lead audibly: the melody plays under every sung line.
        lead, rate = sf.read(str(song.path / "lead.ogg"), dtype="float32", always_2d=True)
        for line in lyrics.lines:
            if line.bare:
                part = lead[int(line.start * rate):int((line.start + 2.0) * rate)]
                assert np.sqrt(np.mean(part ** 2)) > 0.01, (song.song.title, line.bare)
    assert kinds == ["enhanced", "lrc", "toml"]
    assert "Lyrics" in (DEMO.parent / "demo" / "CREDITS").read_text()
