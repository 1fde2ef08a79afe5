"""One MIDI status table serves the foot-switch map, MIDI learn and MIDI out: a message that one of
them writes, the others read back as the same message (pure: no ports)."""

from __future__ import annotations

import pytest

from player.midi.grammar import STATUS, compile_map, key_of
from player.midi.learn import entry_for
from player.midi.out import song_bytes
from player.setlist.rig import FootSwitch, MidiConfig
from player.setlist.song import MidiMessage


@pytest.mark.parametrize("kind", ["program_change", "control_change", "note_on"])
def test_a_learned_press_is_an_entry_that_matches_the_same_bytes(kind: str) -> None:
    number_field = {"program_change": "program", "control_change": "control"}.get(kind, "note")
    sent = song_bytes(MidiMessage(type=kind, channel=3, **{number_field: 42}, value=127, velocity=100))
    assert sent[0] == STATUS[kind] | 2
    key = key_of(sent)
    assert key is not None
    entry = FootSwitch.model_validate(entry_for(key, "next_song", None))
    assert (entry.type, entry.channel, entry.number) == (kind, 3, 42)
    matcher = compile_map(MidiConfig(), [entry])
    assert key in matcher.downs


def test_note_off_bytes_are_a_note_off_key() -> None:
    sent = song_bytes(MidiMessage(type="note_off", channel=16, note=60))
    assert sent == [STATUS["note_off"] | 15, 60, 0]
    assert key_of(sent) == (STATUS["note_off"], 15, 60, 0)
