"""Commands and performer actions, applied on the engine's control thread.

Keys and foot switches send ``DoAction``; its meaning is decided here, once, from the show's state
(the song playing, the master level, the jump mode), so a pedal and a key always do the same thing.
Every action is answered with an ``ActionDone`` event that says what happened, in words.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING

import numpy as np

from player.actions import Action
from player.engine import messages as m
from player.setlist.roles import Role

if TYPE_CHECKING:
    from player.engine.core import EngineCore

MASTER_STEP_DB = 1.0
MASTER_RANGE = (-60.0, 6.0)
TAP_WINDOW = 2.0  # seconds: taps further apart start a new count


def perform(core: EngineCore, cmd: m.Command) -> None:
    """Apply one command; bad requests become Problem events, never exceptions."""
    nav = core.nav
    if isinstance(cmd, m.DoAction):
        detail = _action(core, cmd)
        core.emit(m.ActionDone(cmd.action, cmd.arg, cmd.source, detail))
    elif isinstance(cmd, m.Cue):
        core.cue(cmd.index)
    elif isinstance(cmd, m.Play):
        core.play(cmd.count_in)
    elif isinstance(cmd, m.Pause):
        core.pause(cmd.fade_ms)
    elif isinstance(cmd, m.Stop):
        core.stop(cmd.fade_ms)
    elif isinstance(cmd, m.Seek):
        core.seek(cmd)
    elif isinstance(cmd, m.Jump):
        nav.jump(cmd)
    elif isinstance(cmd, m.CancelJump):
        nav.cancel()
    elif isinstance(cmd, m.SetJumpMode):
        nav.cycle_mode(cmd.mode)
    elif isinstance(cmd, m.Vamp):
        nav.set_vamp(cmd)
    elif isinstance(cmd, m.Panic):
        core.panic(cmd.fade_ms)
    elif isinstance(cmd, m.SetClick):
        core.click_on = (not core.click_on) if cmd.on is None else cmd.on
        if cmd.gain_db is not None:
            core.click_gain_db = cmd.gain_db
        core.apply_levels()
    elif isinstance(cmd, m.SetGuide):
        core.guide_on = (not core.guide_on) if cmd.on is None else cmd.on
        if cmd.gain_db is not None:
            core.guide_gain_db = cmd.gain_db
        core.apply_levels()
    elif isinstance(cmd, m.MuteRole):
        mute = (cmd.role not in core.muted_roles) if cmd.mute is None else cmd.mute
        (core.muted_roles.add if mute else core.muted_roles.discard)(cmd.role)
        core.apply_levels()
    elif isinstance(cmd, m.SetMode):
        core.set_mode(cmd.mode)
    elif isinstance(cmd, m.SetStem):
        core.set_stem(cmd)
    elif isinstance(cmd, m.SoloRole):
        _solo_role(core, cmd)
    elif isinstance(cmd, m.SetBus):
        _set_bus(core, cmd)
    elif isinstance(cmd, m.SetMaster):
        core.set_master(cmd)
    elif isinstance(cmd, m.TestTone):
        _test_tone(core, cmd)
    elif isinstance(cmd, m.ListDevices):
        _list_devices(core)
    elif isinstance(cmd, m.DebugStallReader):
        core.streamer.stall_until = time.monotonic() + cmd.seconds
    elif isinstance(cmd, m.DebugFault):
        if core.transport is not None:
            core.transport.debug_faults = cmd.blocks
    else:
        core.emit(m.Problem(f"unknown command {cmd!r}"))


def _title(core: EngineCore, index: int) -> str:
    song = core.songs[index] if 0 <= index < len(core.songs) else None
    return f"{index + 1} {song.song.title}" if song is not None else f"{index + 1}"


def _action(core: EngineCore, cmd: m.DoAction) -> str:
    t, nav, a = core.transport, core.nav, cmd.action
    if t is None or core.setlist is None:
        return "no setlist loaded"
    current = t.current.index if t.current is not None else -1
    playing = t.rising
    if a is Action.PLAY_PAUSE:
        if playing:
            core.pause(10.0)
            return "paused"
        core.play()
        return "playing"
    if a is Action.PLAY:
        core.play()
        return "playing"
    if a is Action.STOP:
        core.stop(10.0)
        return "stopped"
    if a in (Action.NEXT_SONG, Action.PREVIOUS_SONG, Action.GO_TO_SONG):
        base = core.queued if core.queued is not None else current
        if a is Action.NEXT_SONG:
            index = core.next_index(base)
        elif a is Action.PREVIOUS_SONG:
            index = max((i for i in range(base) if core.songs[i] is not None
                         and not core.setlist.setlist.songs[i].skip), default=None)
        else:
            index = _int(cmd.arg) - 1 if _int(cmd.arg) is not None else None
        if index is None or not 0 <= index < len(core.songs):
            return "no such song"
        core.cue(index)
        if t.busy:
            return f"next: {_title(core, index)} (after this song)"
        return f"cued {_title(core, index)}"
    if a is Action.NEXT_SECTION:
        return nav.jump(m.Jump(relative=1))
    if a is Action.PREVIOUS_SECTION:
        return nav.jump(m.Jump(relative=-1))
    if a is Action.JUMP_TO_SECTION:
        return nav.jump(m.Jump(section=_section(core, cmd.arg)))
    if a is Action.VAMP_TOGGLE:
        return nav.set_vamp(m.Vamp())
    if a is Action.JUMP_MODE_CYCLE:
        return f"jump mode: {nav.cycle_mode(None).name.lower().replace('_', ' ')}"
    if a is Action.CANCEL_JUMP:
        if nav.plan is not None and nav.plan.kind in ("jump", "release") and nav.cancel():
            return "jump cancelled"
        if nav.vamp is not None:
            return nav.set_vamp(m.Vamp(on=False))
        return "no jump pending"
    if a is Action.CLICK_TOGGLE:
        perform(core, m.SetClick())
        return f"click {'on' if core.click_on else 'off'}"
    if a is Action.GUIDE_TOGGLE:
        perform(core, m.SetGuide())
        return f"guide {'on' if core.guide_on else 'off'}"
    if a is Action.MUTE_ROLE:
        try:
            role = Role(str(cmd.arg))
        except ValueError:
            return f"no role {cmd.arg!r}"
        perform(core, m.MuteRole(role))
        return f"{role.value} {'muted' if role in core.muted_roles else 'on'}"
    if a in (Action.MASTER_UP, Action.MASTER_DOWN):
        step = MASTER_STEP_DB if a is Action.MASTER_UP else -MASTER_STEP_DB
        core.set_master(m.SetMaster(float(np.clip(core.master_db + step, *MASTER_RANGE))))
        return f"master {core.master_db:+.0f} dB"
    if a is Action.PANIC:
        core.panic(1000.0)
        return "panic: fading out"
    if a is Action.TAP_TEMPO:
        return _tap(core)
    if a in (Action.KARAOKE_TOGGLE, Action.INSTRUMENTAL_TOGGLE):
        return _toggle_mode(core, "karaoke" if a is Action.KARAOKE_TOGGLE else "instrumental")
    return f"{a.value} is not available"


def _toggle_mode(core: EngineCore, mode: str) -> str:
    """Into ``mode``, or back to the full mix when already in it."""
    core.set_mode("full" if core.mode == mode else mode)
    if core.mode == "full":
        return "full mix"
    return f"{core.mode}: {', '.join(sorted(r.value for r in core.mode_roles)) or 'nothing'} out"


def _int(value: int | str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _section(core: EngineCore, arg: int | str | None) -> int | None:
    """A 1-based section number or a section name (any case) -> index into the song's sections."""
    t = core.transport
    if t is None or t.current is None:
        return None
    names = [s.name for s in core.songs[t.current.index].song.sections]  # type: ignore[union-attr]
    number = _int(arg)
    if number is not None:
        return number - 1 if 1 <= number <= len(names) else None
    lowered = [n.lower() for n in names]
    return lowered.index(str(arg).lower()) if str(arg).lower() in lowered else None


_taps: list[float] = []


def _tap(core: EngineCore) -> str:
    now = time.monotonic()
    if _taps and now - _taps[-1] > TAP_WINDOW:
        _taps.clear()
    _taps.append(now)
    del _taps[:-8]
    if len(_taps) < 2:
        return "tap again"
    bpm = 60.0 * (len(_taps) - 1) / (_taps[-1] - _taps[0])
    core.emit(m.TempoTapped(round(bpm, 1)))
    return f"tapped {bpm:.0f} bpm"


def _test_tone(core: EngineCore, cmd: m.TestTone) -> None:
    t = core.transport
    if t is None:
        core.emit(m.Problem("no audio device open: load a setlist first."))
        return
    if t.busy:
        core.emit(m.Problem("stop the show before testing outputs."))
        return
    if not 1 <= cmd.channel <= t.outputs:
        core.emit(m.Problem(f"output {cmd.channel} is not in this rig (1-{t.outputs})."))
        return
    n = max(1, int(cmd.seconds * t.rate))
    gain = 10 ** (cmd.gain_db / 20)
    if cmd.kind == "noise":
        tone = np.random.default_rng(0).standard_normal(n) * gain / 3
    else:
        tone = np.sin(2 * np.pi * 1000.0 * np.arange(n) / t.rate) * gain
    fade = min(n // 2, int(0.01 * t.rate))
    tone[:fade] *= np.linspace(0, 1, fade)
    tone[n - fade:] *= np.linspace(1, 0, fade)
    t.play_tone(tone.astype(np.float32), cmd.channel - 1)


def _list_devices(core: EngineCore) -> None:
    from player.engine.devices import output_devices

    try:
        devices = tuple((d.name, d.outputs) for d in output_devices())
    except Exception as exc:  # noqa: BLE001 - a broken audio stack is a message, not a crash
        core.emit(m.Problem(f"could not list audio devices: {exc}"))
        return
    current = core.rig.audio.device if core.rig is not None else ""
    core.emit(m.DeviceList(devices, current))


def _solo_role(core: EngineCore, cmd: m.SoloRole) -> None:
    """Solo (or unsolo) every stem of a role in the current song."""
    t = core.transport
    if t is None or t.current is None:
        return
    levels = core.levels[t.current.index]
    for i, lv in enumerate(levels):
        if lv.role == cmd.role:
            levels[i] = dataclasses.replace(lv, solo=cmd.solo)
    core.apply_levels()


def _set_bus(core: EngineCore, cmd: m.SetBus) -> None:
    if cmd.gain_db is not None:
        core.bus_gain[cmd.bus] = cmd.gain_db
    if cmd.mute is not None:
        (core.bus_mute.add if cmd.mute else core.bus_mute.discard)(cmd.bus)
    core.apply_levels()
