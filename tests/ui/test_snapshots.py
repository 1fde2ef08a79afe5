"""Snapshots of the performance, mixer and setlist screens at 80x24 and 160x48, from a frozen status.

The status never moves (``FrozenLink``), so the clock, meters and playhead are the same on every run.
Update after a deliberate change with ``pytest tests/ui --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from player.engine.messages import JumpMode
from player.engine.status import State, Status
from player.ui.app import StageApp
from player.ui.link import FrozenLink, idle_status
from player.ui.show import load_show

RATE = 48000
SIZES = [(80, 24), (160, 48)]


def playing(**fields: object) -> Status:
    base: dict[str, object] = dict(
        state=State.PLAYING, song=0, position=95 * RATE, length=212 * RATE, device="system",
        out_peaks=(0.5, 0.45, 0.25, 0.2, 0.9, 0.85) + (0.0,) * 10,
        stem_peaks=(0.6, 0.3, 0.7, 0.4, 0.5, 0.45, 0.2), click=True, guide=True, load=0.12,
        load_max=0.3, wall=0.0)
    base.update(fields)
    return idle_status(**base)


def app(setlist: Path, status: Status) -> StageApp:
    return StageApp(load_show(setlist), FrozenLink(status))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_performance_playing(snap_compare, snapshot_setlist: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app(snapshot_setlist, playing()), terminal_size=size, press=["_"])


def test_performance_vamp_and_pending_jump(snap_compare, snapshot_setlist: Path) -> None:
    status = playing(vamp=True, vamp_start=int(40 * RATE), vamp_end=int(72 * RATE),
                     pending=int(138 * RATE), pending_section=4, jump_mode=int(JumpMode.SECTION_END))
    assert snap_compare(app(snapshot_setlist, status), terminal_size=(80, 24), press=["_"])


def test_performance_locked_no_device(snap_compare, snapshot_setlist: Path) -> None:
    status = idle_status(state=State.NO_DEVICE, song=1, device="")
    assert snap_compare(app(snapshot_setlist, status), terminal_size=(80, 24), press=["l", "_"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_mixer(snap_compare, snapshot_setlist: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app(snapshot_setlist, playing()), terminal_size=size,
                        press=["m", "_", "down", "down", "x", "right", "_"])


def test_help(snap_compare, snapshot_setlist: Path) -> None:
    assert snap_compare(app(snapshot_setlist, playing()), terminal_size=(100, 40), press=["?", "_"])


async def _checked(pilot) -> None:  # a Pilot
    """Open the setlist screen and wait for its ``player check`` results (a thread)."""
    await pilot.press("e")
    for _ in range(400):
        await pilot.pause(0.05)
        if getattr(pilot.app.screen, "report", None) is not None:
            break
    await pilot.press("down")  # a song without problems: their text would name temporary paths
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_setlist(snap_compare, snapshot_setlist: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app(snapshot_setlist, playing()), terminal_size=size, run_before=_checked)
