"""A batch of commands loses only what a later command in it makes pointless."""

from __future__ import annotations

from player.actions import Action
from player.engine import messages as m
from player.engine.coalesce import coalesce


def test_a_jump_replaced_or_cancelled_in_the_same_batch_is_not_built() -> None:
    batch = [m.Jump(section=1), m.Jump(section=2), m.Seek(seconds=3), m.CancelJump(),
             m.Jump(section=4)]
    assert coalesce(batch) == [m.CancelJump(), m.Jump(section=4)]


def test_actions_are_never_dropped_and_gains_keep_their_last_value() -> None:
    press = m.DoAction(Action.NEXT_SECTION, source="pedal")
    batch = [press, press, m.SetStem(0, gain_db=-1), m.SetStem(0, gain_db=-2),
             m.SetStem(0, mute=True), m.SetStem(1, gain_db=-3), m.SetMaster(-1), m.SetMaster(-2)]
    assert coalesce(batch) == [press, press, m.SetStem(0, gain_db=-2), m.SetStem(0, mute=True),
                               m.SetStem(1, gain_db=-3), m.SetMaster(-2)]


def test_a_jump_then_an_action_keeps_the_jump() -> None:
    batch = [m.Jump(section=1), m.DoAction(Action.CLICK_TOGGLE)]
    assert coalesce(batch) == batch
