"""MIDI learn: the next press received is bound to an armed action and saved into the rig file.

The message is caught on the MIDI thread; the file is written on the engine's control thread
(``poll``), atomically and with tomlkit, so the rig keeps its comments and every other field. The
saved file is read back and validated before the new binding is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from player.midi.grammar import CC, NOTE_ON, PC, TYPE_OF, Key
from player.setlist.atomic import edit_toml
from player.setlist.rig import NUMBER_FIELD, FootSwitch, load_rig


def learnable(key: Key) -> bool:
    """A press: Program Change, Note On, or a CC with a non-zero value (a CC 0 is a release)."""
    kind, _, _, value = key
    return kind in (PC, NOTE_ON) or (kind == CC and value > 0)


def entry_for(key: Key, action: str, arg: int | str | None) -> dict[str, Any]:
    """The ``[[midi.map]]`` table for a received press (on the channel it came on)."""
    kind, channel, number, _ = key
    entry: dict[str, Any] = {"type": TYPE_OF[kind], "channel": channel + 1}
    entry[NUMBER_FIELD[entry["type"]]] = number
    if kind == CC:
        entry["value"] = "nonzero"
    entry["action"] = action
    if arg is not None:
        entry["arg"] = arg
    return entry


def _same_message(table: Any, entry: dict[str, Any]) -> bool:
    """An existing press entry for the same message (it is replaced, not left to fire twice)."""
    try:
        if table.get("gesture", "press") != "press" or table.get("type") != entry["type"]:
            return False
        number = NUMBER_FIELD[entry["type"]]
        return (table.get(number) == entry[number]
                and table.get("channel") in (None, entry["channel"]))
    except (AttributeError, KeyError, TypeError):
        return False


def save(rig_file: Path, entry: dict[str, Any]) -> list[str]:
    """Add the entry to ``[[midi.map]]`` (replacing presses on the same message); returns the
    actions it replaced. Raises ``LoadError`` if the saved file does not validate, ``OSError``
    if it cannot be written (the old file then stays as it was)."""
    replaced: list[str] = []

    def change(doc: tomlkit.TOMLDocument) -> None:
        midi = doc.get("midi")
        if not isinstance(midi, Table):
            midi = tomlkit.table()
            doc["midi"] = midi
        entries = midi.get("map")
        if not isinstance(entries, AoT):
            entries = tomlkit.aot()
            midi["map"] = entries
        keep = []
        for table in entries:
            if _same_message(table, entry):
                replaced.append(str(table.get("action")))
            else:
                keep.append(table)
        if replaced:
            entries.clear()
            for table in keep:
                entries.append(table)
        new = tomlkit.table()
        for k, v in entry.items():
            new[k] = v
        new["action"].comment("learned")
        if len(entries):
            entries[-1].add(tomlkit.nl())  # a blank line between tables, as people write them
        entries.append(new)

    FootSwitch.model_validate(entry)  # a bad entry never reaches the file
    text_before = rig_file.read_text(encoding="utf-8")
    edit_toml(rig_file, change)
    try:
        load_rig(str(rig_file))
    except Exception:
        # The edit made the rig invalid (should not happen): put the old text back.
        from player.setlist.atomic import write_atomic

        write_atomic(rig_file, text_before)
        raise
    return replaced
