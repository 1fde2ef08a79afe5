"""Performer actions as direct commands, for an engine that does not interpret ``DoAction`` yet.

The engine is the one place that interprets actions (a pedal and a key must do the same thing); this
table only keeps the keyboard working against an older engine, and goes when every engine has it.
"""

from __future__ import annotations

from player.actions import Action
from player.engine import messages as m
from player.engine.status import State, Status
from player.setlist.roles import Role
from player.ui.show import Show

MASTER_STEP_DB = 1.0


def translate(action: Action, arg: int | str | None, status: Status, show: Show,
              master_db: float = 0.0) -> list[m.Command]:
    """The direct commands that do what ``action`` does, given the engine's state now."""
    playing = status.state in (State.PLAYING, State.COUNT_IN)
    song = max(status.song, 0)
    if action is Action.PLAY_PAUSE:
        return [m.Pause()] if playing else [m.Play()]
    if action is Action.PLAY:
        return [] if playing else [m.Play()]
    if action is Action.STOP:
        return [m.Stop()]
    if action in (Action.NEXT_SONG, Action.PREVIOUS_SONG):
        target = show.next_playable(song, 1 if action is Action.NEXT_SONG else -1)
        return [m.Cue(target)] if target is not None else []
    if action is Action.GO_TO_SONG and isinstance(arg, int) and 1 <= arg <= len(show.songs):
        return [m.Cue(arg - 1)]
    if action in (Action.NEXT_SECTION, Action.PREVIOUS_SECTION):
        return [m.Jump(relative=1 if action is Action.NEXT_SECTION else -1)]
    if action is Action.JUMP_TO_SECTION and isinstance(arg, int):
        return [m.Jump(section=arg)]
    if action is Action.VAMP_TOGGLE:
        return [m.Vamp()]
    if action is Action.JUMP_MODE_CYCLE:
        return [m.SetJumpMode()]
    if action is Action.CANCEL_JUMP:
        return [m.CancelJump()]
    if action is Action.CLICK_TOGGLE:
        return [m.SetClick()]
    if action is Action.GUIDE_TOGGLE:
        return [m.SetGuide()]
    if action is Action.MUTE_ROLE and isinstance(arg, str) and arg in Role.__members__.values():
        return [m.MuteRole(Role(arg))]
    if action in (Action.MASTER_UP, Action.MASTER_DOWN):
        step = MASTER_STEP_DB if action is Action.MASTER_UP else -MASTER_STEP_DB
        return [m.SetMaster(max(-60.0, min(6.0, master_db + step)))]
    if action is Action.PANIC:
        return [m.Panic()]
    return []
