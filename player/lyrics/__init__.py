"""Synced lyrics: read (LRC, Enhanced LRC, ``[[lyrics]]`` in song.toml, .kar/MIDI), place on the song's
timeline, check and write. No Textual and no engine here: the UI and ``player check`` use it alike."""

from player.lyrics.load import load_lyrics
from player.lyrics.model import Line, Lyrics, Word
from player.lyrics.timeline import LyricView, view_at

__all__ = ["Line", "Lyrics", "LyricView", "Word", "load_lyrics", "view_at"]
