"""Dropping commands that a later one in the same batch makes pointless.

A burst (a bouncing pedal, a remote flooding the port, a performer hammering a key) arrives as a
batch. Building a jump's target voice costs milliseconds of the control thread, which shares the GIL
with the audio callback; a jump that the next command replaces or cancels would never land, so it
is not built. Performer actions (``DoAction``) are never dropped: each one is answered in words.
"""

from __future__ import annotations

from collections.abc import Sequence

from player.engine import messages as m

_REPLACES_PENDING = (m.Jump, m.Seek, m.CancelJump)


def coalesce(batch: Sequence[m.Command]) -> list[m.Command]:
    """``batch`` without the commands whose effect the next command undoes or overwrites."""
    out: list[m.Command] = []
    for i, cmd in enumerate(batch):
        nxt = batch[i + 1] if i + 1 < len(batch) else None
        if isinstance(cmd, (m.Jump, m.Seek)) and isinstance(nxt, _REPLACES_PENDING):
            continue  # its target would be replaced before it could land
        if (isinstance(cmd, m.SetStem) and isinstance(nxt, m.SetStem) and nxt.stem == cmd.stem
                and _fields(cmd) <= _fields(nxt)):
            continue  # the next one sets the same fields of the same stem
        if isinstance(cmd, m.SetMaster) and isinstance(nxt, m.SetMaster):
            continue
        out.append(cmd)
    return out


def _fields(cmd: m.SetStem) -> set[str]:
    return {k for k in ("gain_db", "pan", "mute", "solo") if getattr(cmd, k) is not None}
