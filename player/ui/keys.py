"""The keyboard map: one row per key, the same actions as the foot switch (``player.actions``).

The help screen and the footer are made from this table, so what is shown is what the keys do.
"""

from __future__ import annotations

from dataclasses import dataclass

from player.actions import Action


@dataclass(frozen=True)
class Key:
    """``keys``: Textual key names (comma-separated); ``shown``: how the help writes them."""

    keys: str
    shown: str
    what: str
    action: Action | None = None  # a performer action sent to the engine as ``DoAction``
    arg: int | str | None = None
    app_action: str = ""  # or an action of the app itself (screens, lock, help)
    footer: str = ""  # short label in the footer ("" keeps it out)
    edits: bool = False  # refused while locked


TRANSPORT: tuple[Key, ...] = (
    Key("space", "Space", "Play / pause", Action.PLAY_PAUSE, footer="Play"),
    Key("enter", "Enter", "Play (from the cued song)", Action.PLAY),
    Key("s", "s", "Stop (back to the song's start)", Action.STOP, footer="Stop"),
    Key("n", "n", "Next song (during a song: queued, the band is never cut off)", Action.NEXT_SONG,
        footer="Next"),
    Key("p", "p", "Previous song", Action.PREVIOUS_SONG),
    Key("right", "→", "Next section (lands per the jump mode)", Action.NEXT_SECTION),
    Key("left", "←", "Previous section", Action.PREVIOUS_SECTION),
    Key("v", "v", "Vamp: loop this section until v again", Action.VAMP_TOGGLE),
    Key("j", "j", "Jump mode: now / next beat / next bar / section end", Action.JUMP_MODE_CYCLE),
    Key("escape", "Esc", "Cancel the pending jump or vamp", Action.CANCEL_JUMP),
    Key("c", "c", "Click on / off", Action.CLICK_TOGGLE),
    Key("g", "g", "Spoken guide on / off", Action.GUIDE_TOGGLE),
    Key("b", "b", "Mute / unmute the backing vocals", Action.MUTE_ROLE, "bvs"),
    Key("plus,equals_sign", "+", "Master up 1 dB", Action.MASTER_UP),
    Key("minus,underscore", "-", "Master down 1 dB", Action.MASTER_DOWN),
    Key("exclamation_mark,shift+escape", "! or Shift+Esc", "PANIC: fade everything out in 1 s",
        Action.PANIC, footer="Panic"),
    Key("t", "t", "Tap tempo (shows the tapped bpm)", Action.TAP_TEMPO),
    Key("k", "k", "Karaoke: the lead out (the rig's [modes]), or back to the full mix",
        Action.KARAOKE_TOGGLE),
    Key("i", "i", "Instrumental: the lead and the BVs out, or back", Action.INSTRUMENTAL_TOGGLE),
)

SONG_DIGITS: tuple[Key, ...] = tuple(
    Key(str(d), str(d), f"Go to song {d or 10}", Action.GO_TO_SONG, d or 10) for d in range(10))

APP: tuple[Key, ...] = (
    Key("question_mark,f1", "? or F1", "This help", app_action="help", footer="Help"),
    Key("l", "l", "Lock / unlock editing (transport and pedal keep working)", app_action="lock",
        footer="Lock"),
    Key("f2", "F2", "Performance screen", app_action="screen('performance')"),
    Key("L", "L (Shift+l)", "Lyrics, full screen (for a monitor facing the singer); L again: back",
        app_action="lyrics"),
    Key("m,f3", "m or F3", "Mixer: levels, mute, solo, meters; save", app_action="screen('mixer')",
        footer="Mixer", edits=True),
    Key("e,f4", "e or F4", "Setlist: order, skip, add a song, check results",
        app_action="screen('setlist')", footer="Set", edits=True),
    Key("f5", "F5", "MIDI learn: bind a pedal to an action; presets", app_action="screen('midi')",
        edits=True),
    Key("f6", "F6", "Setup: audio device, rig, output test tones", app_action="screen('setup')",
        edits=True),
    Key("R", "R", "Reload the setlist from disk (the cued song stays cued)", app_action="reload_setlist"),
    Key("q", "q", "Quit (twice while playing; not while locked)", app_action="quit_show", footer="Quit"),
)

ALL: tuple[Key, ...] = TRANSPORT + SONG_DIGITS + APP


def help_rows() -> list[tuple[str, str]]:
    """(keys, what they do) for the help screen; the digits as one row."""
    rows = [(k.shown, k.what) for k in TRANSPORT]
    rows.append(("1-9, 0", "Go to song 1-9, 0 = song 10 (queued while a song plays)"))
    rows += [(k.shown, k.what) for k in APP]
    return rows
