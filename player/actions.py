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
