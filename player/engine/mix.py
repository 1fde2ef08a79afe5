"""The mix state: what the engineer and the performer have set, and the gain matrices it makes.

Per song, each stem's level as left in the mixer; for the show, bus gains and mutes, the master, the
click and guide switches and live levels, muted roles. The control thread changes it through these
methods only; ``matrix`` folds it all into the one product the callback does (``build_matrix``),
made once per song and mix change and shared by that song's voices (the callback never writes into
a matrix).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from player.engine import messages as m
from player.engine.mixer import StemLevel, build_matrix
from player.engine.plan import CLICK, COUNT_IN, GUIDE
from player.setlist.rig import Rig
from player.setlist.roles import Role


class MixState:
    def __init__(self) -> None:
        self.levels: dict[int, list[StemLevel]] = {}  # per song, as the engineer left them
        self.bus_gain: dict[str, float] = {}
        self.bus_mute: set[str] = set()
        self.master_db = 0.0
        self.click_on = True  # the click role (stems and generated), as the performer toggles it
        self.guide_on = True
        self.muted_roles: set[Role] = set()  # for the whole show ("mute the BVs")
        self.mode = "full"  # karaoke / instrumental: the rig's [modes] roles drop on top (set_mode)
        self.mode_roles: frozenset[Role] = frozenset()
        self.click_gain_db: float | None = None  # generated click level set live (None: the song's)
        self.guide_gain_db: float | None = None
        self._matrices: dict[tuple[int, tuple[str, ...]], np.ndarray] = {}

    def forget(self) -> None:
        """A new setlist: no song's levels carry over."""
        self.levels.clear()
        self._matrices.clear()

    def changed(self) -> None:
        """Something above changed: matrices are made again when next asked for."""
        self._matrices.clear()

    def song_levels(self, index: int, planned: Sequence[StemLevel],
                    channels: Sequence[int]) -> list[StemLevel]:
        """Song ``index``'s levels, from its plan the first time it is built."""
        fresh = [dataclasses.replace(lv, channels=c) for lv, c in zip(planned, channels, strict=True)]
        kept = self.levels.get(index)
        if kept is None:
            self.levels[index] = fresh
        elif len(kept) != len(fresh):
            # The same song with another count-in: its sources are the same in the same order (the
            # count-in comes last), so what the engineer set is kept and the new source is added.
            self.levels[index] = kept[:len(fresh)] + fresh[len(kept):]
            self._matrices.clear()
        return self.levels[index]

    def effective(self, levels: Sequence[StemLevel], kinds: Sequence[str]) -> list[StemLevel]:
        """The levels with the show-wide switches applied: click/guide off, muted roles, live gains."""
        out = []
        for lv, kind in zip(levels, kinds, strict=True):
            mute = lv.mute or lv.role in self.muted_roles or lv.role in self.mode_roles
            if kind != COUNT_IN and ((lv.role is Role.CLICK and not self.click_on)
                                     or (lv.role is Role.GUIDE and not self.guide_on)):
                mute = True
            gain = lv.gain_db
            if kind == CLICK and self.click_gain_db is not None:
                gain = self.click_gain_db
            elif kind == GUIDE and self.guide_gain_db is not None:
                gain = self.guide_gain_db
            # Most stems are untouched by the switches: no copy for them (a burst rebuilds often).
            out.append(lv if (mute, gain) == (lv.mute, lv.gain_db)
                       else dataclasses.replace(lv, mute=mute, gain_db=gain))
        return out

    def matrix(self, index: int, kinds: Sequence[str], rig: Rig, outputs: int) -> np.ndarray:
        key = (index, tuple(kinds))
        found = self._matrices.get(key)
        if found is None:
            found = self._matrices[key] = build_matrix(
                self.effective(self.levels[index], kinds), rig, outputs, self.bus_gain,
                frozenset(self.bus_mute), self.master_db)
        return found

    # --- changes (each returns a problem in words, or None) ----------------------------------------
    def set_stem(self, index: int, cmd: m.SetStem) -> str | None:
        levels = self.levels.get(index, [])
        if not 0 <= cmd.stem < len(levels):
            return f"no stem {cmd.stem + 1} in this song."
        changes = {k: v for k, v in (("gain_db", cmd.gain_db), ("pan", cmd.pan), ("mute", cmd.mute),
                                     ("solo", cmd.solo)) if v is not None}
        levels[cmd.stem] = dataclasses.replace(levels[cmd.stem], **changes)  # type: ignore[arg-type]
        return None

    def solo_role(self, index: int, role: Role, solo: bool) -> None:
        levels = self.levels.get(index, [])
        for i, lv in enumerate(levels):
            if lv.role == role:
                levels[i] = dataclasses.replace(lv, solo=solo)

    def set_bus(self, cmd: m.SetBus) -> None:
        if cmd.gain_db is not None:
            self.bus_gain[cmd.bus] = cmd.gain_db
        if cmd.mute is not None:
            (self.bus_mute.add if cmd.mute else self.bus_mute.discard)(cmd.bus)

    def set_click(self, on: bool | None, gain_db: float | None) -> None:
        self.click_on = (not self.click_on) if on is None else on
        if gain_db is not None:
            self.click_gain_db = gain_db

    def set_guide(self, on: bool | None, gain_db: float | None) -> None:
        self.guide_on = (not self.guide_on) if on is None else on
        if gain_db is not None:
            self.guide_gain_db = gain_db

    def mute_role(self, role: Role, mute: bool | None) -> None:
        mute = (role not in self.muted_roles) if mute is None else mute
        (self.muted_roles.add if mute else self.muted_roles.discard)(role)

    def set_mode(self, mode: str, roles: frozenset[Role]) -> bool:
        """Karaoke, instrumental or full, with the roles it drops; True when that changed anything.

        Kept apart from ``muted_roles``: leaving the mode never unmutes what the performer muted.
        """
        changed = (mode, roles) != (self.mode, self.mode_roles)
        self.mode, self.mode_roles = mode, roles
        return changed

    def report(self, index: int, rig: Rig) -> m.MixChanged:
        """The mix as it now plays, for every screen (a change from a pedal shows on the mixer)."""
        levels = self.levels.get(index, [])
        return m.MixChanged(
            index, tuple((lv.gain_db, lv.pan, lv.mute, lv.solo) for lv in levels),
            tuple((bus, self.bus_gain.get(bus, 0.0), bus in self.bus_mute) for bus in rig.buses),
            self.master_db, tuple(sorted(r.value for r in self.muted_roles)), self.click_on,
            self.guide_on)
