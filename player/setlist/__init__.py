"""Songs, setlists and rigs: files in, validated models out, edits saved back atomically (``saving``).
No audio device, no UI, no MIDI here."""

from player.setlist.problems import LoadError, Problem, Severity
from player.setlist.rig import Rig, load_rig
from player.setlist.roles import Role, guess_role
from player.setlist.setlist import Entry, Setlist, SetlistFile, Transition, load_setlist
from player.setlist.song import Section, Song, SongFolder, Stem, Tempo, load_song

__all__ = [
    "Entry", "LoadError", "Problem", "Rig", "Role", "Section", "Setlist", "SetlistFile", "Severity",
    "Song", "SongFolder", "Stem", "Tempo", "Transition", "guess_role", "load_rig", "load_setlist",
    "load_song",
]
