"""What the MIDI host in the engine process is asked and what it reports (picklable, immutable).

The engine package knows nothing of MIDI: these ride its command and event queues like any other
message, and the composition root (``player.show_process``) hands the commands to the MIDI host.
"""

from __future__ import annotations

from dataclasses import dataclass

from player.actions import Action
from player.engine.messages import Command, Event


class MidiCommand(Command):
    """Base of the commands the engine process hands to its MIDI host."""


@dataclass(frozen=True)
class MidiLearn(MidiCommand):
    """Arm learning: the next matching message is bound to ``action`` and saved to the rig file."""

    action: Action
    arg: int | str | None = None


@dataclass(frozen=True)
class MidiLearnCancel(MidiCommand):
    pass


@dataclass(frozen=True)
class MidiUsePreset(MidiCommand):
    """Use a foot-switch preset from ``config/midi-presets/`` (by file stem) instead of the rig's map."""

    name: str


@dataclass(frozen=True)
class MidiPort(Event):
    """A MIDI input or output port came or went ("pedal disconnected")."""

    port: str
    connected: bool
    direction: str = "input"  # or "output"
    detail: str = ""


@dataclass(frozen=True)
class MidiSeen(Event):
    """The last MIDI message received, for the status line (at most ~10 per second are sent)."""

    port: str
    text: str  # e.g. "program_change channel=1 program=2"
    matched: str  # the action it triggered, or "" when nothing in the map matches
    ignored: int  # messages ignored so far (unknown, SysEx, garbage)


@dataclass(frozen=True)
class MidiLearned(Event):
    action: Action
    arg: int | str | None
    binding: str  # the message in words
    path: str  # the rig file it was saved to ("" if not saved)
    detail: str = ""
