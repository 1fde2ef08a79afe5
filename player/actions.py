"""The one table of things a performer can ask for, shared by keyboard bindings and foot switches.

A leaf module: it imports nothing of the player, so the rig model can validate foot-switch maps against it.
"""

from enum import StrEnum


class Action(StrEnum):
    """Names used in rig files (``action = "next_song"``) and key bindings."""

    PLAY_PAUSE = "play_pause"
    PLAY = "play"
    STOP = "stop"
    NEXT_SONG = "next_song"
    PREVIOUS_SONG = "previous_song"
    GO_TO_SONG = "go_to_song"
    NEXT_SECTION = "next_section"
    PREVIOUS_SECTION = "previous_section"
    JUMP_TO_SECTION = "jump_to_section"
    VAMP_TOGGLE = "vamp_toggle"
    JUMP_MODE_CYCLE = "jump_mode_cycle"
    CANCEL_JUMP = "cancel_jump"
    CLICK_TOGGLE = "click_toggle"
    GUIDE_TOGGLE = "guide_toggle"
    MUTE_ROLE = "mute_role"
    MASTER_UP = "master_up"
    MASTER_DOWN = "master_down"
    PANIC = "panic"
    TAP_TEMPO = "tap_tempo"
    KARAOKE_TOGGLE = "karaoke_toggle"  # the rig's [modes] karaoke roles out (the lead), or back
    INSTRUMENTAL_TOGGLE = "instrumental_toggle"  # the [modes] instrumental roles (lead and BVs)


# Actions that need an argument in the foot-switch map (``arg = 3`` or ``arg = "bvs"``).
NEEDS_ARGUMENT: frozenset[Action] = frozenset(
    {Action.GO_TO_SONG, Action.JUMP_TO_SECTION, Action.MUTE_ROLE}
)


# What each action does, in a few words: the one description the help, MIDI learn and the remote's
# address list show (tests check that every action has one, and a handler in the engine).
DESCRIPTION: dict[Action, str] = {
    Action.PLAY_PAUSE: "play or pause",
    Action.PLAY: "play",
    Action.STOP: "stop (back to the song's start)",
    Action.NEXT_SONG: "next song (queued during a song)",
    Action.PREVIOUS_SONG: "previous song",
    Action.GO_TO_SONG: "go to song N (1-based)",
    Action.NEXT_SECTION: "next section",
    Action.PREVIOUS_SECTION: "previous section",
    Action.JUMP_TO_SECTION: "jump to a section by name or number",
    Action.VAMP_TOGGLE: "vamp on/off",
    Action.JUMP_MODE_CYCLE: "cycle the jump mode",
    Action.CANCEL_JUMP: "cancel the pending jump or vamp",
    Action.CLICK_TOGGLE: "click on/off",
    Action.GUIDE_TOGGLE: "spoken guide on/off",
    Action.MUTE_ROLE: "mute a role (toggle, or 1/0)",
    Action.MASTER_UP: "master +1 dB",
    Action.MASTER_DOWN: "master -1 dB",
    Action.PANIC: "fade everything out and stop",
    Action.TAP_TEMPO: "tap tempo",
    Action.KARAOKE_TOGGLE: "karaoke: the rig's karaoke roles (the lead) out, or back",
    Action.INSTRUMENTAL_TOGGLE: "instrumental: the lead and the BVs out, or back",
}
