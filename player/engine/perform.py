"""Commands and performer actions, applied on the engine's control thread.

Keys and foot switches send ``DoAction``; its meaning is decided here, once, from the show's state
(the song playing, the master level, the jump mode), so a pedal and a key always do the same thing.
Every action is answered with an ``ActionDone`` event that says what happened, in words.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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
    handler = COMMANDS.get(type(cmd))
    if handler is None:
        core.emit(m.Problem(f"unknown command {cmd!r}"))
        return
    handler(core, cmd)


def _do_action(core: EngineCore, cmd: m.DoAction) -> None:
    detail = _action(core, cmd)
    core.emit(m.ActionDone(cmd.action, cmd.arg, cmd.source, detail))


def _action(core: EngineCore, cmd: m.DoAction) -> str:
    """What ``cmd.action`` does now, in words (every key, pedal and remote comes through here)."""
    if core.transport is None or core.setlist is None:
        return "no setlist loaded"
    handler = ACTIONS.get(cmd.action)
    if handler is None:
        return f"{cmd.action.value} is not available"
    return handler(core, cmd)


def _set_click(core: EngineCore, cmd: m.SetClick) -> None:
    core.mix.set_click(cmd.on, cmd.gain_db)
    core.apply_levels()


def _set_guide(core: EngineCore, cmd: m.SetGuide) -> None:
    core.mix.set_guide(cmd.on, cmd.gain_db)
    core.apply_levels()


def _mute_role(core: EngineCore, cmd: m.MuteRole) -> None:
    core.mix.mute_role(cmd.role, cmd.mute)
    core.apply_levels()


def _seek(core: EngineCore, cmd: m.Seek) -> None:
    t = core.transport
    if t is None or t.current is None:
        return
    song = core.songs[t.current.index]
    if cmd.bar is not None and song is not None and song.song.tempo is None:
        core.emit(m.Problem(f"{song.song.title} has no tempo: seek by seconds."))
        return
    core.nav.jump(m.Jump(bar=cmd.bar, seconds=cmd.seconds if cmd.bar is None else None,
                         mode=m.JumpMode.NOW))


def _set_stem(core: EngineCore, cmd: m.SetStem) -> None:
    t = core.transport
    if t is None or t.current is None:
        return
    problem = core.mix.set_stem(t.current.index, cmd)
    if problem:
        core.emit(m.Problem(problem))
        return
    core.apply_levels()


def _stall(core: EngineCore, cmd: m.DebugStallReader) -> None:
    core.streamer.stall_until = time.monotonic() + cmd.seconds


def _fault(core: EngineCore, cmd: m.DebugFault) -> None:
    if core.transport is not None:
        core.transport.debug_faults = cmd.blocks


# --- performer actions: each returns what it did, in words ---------------------------------------
def _play_pause(core: EngineCore, cmd: m.DoAction) -> str:
    t = core.transport
    if t is not None and t.rising:
        core.pause(10.0)
        return "paused"
    core.play()
    return "playing"


def _play(core: EngineCore, cmd: m.DoAction) -> str:
    core.play()
    return "playing"


def _stop(core: EngineCore, cmd: m.DoAction) -> str:
    core.stop(10.0)
    return "stopped"


def _song(core: EngineCore, cmd: m.DoAction) -> str:
    t, a = core.transport, cmd.action
    assert t is not None and core.setlist is not None
    current = t.current.index if t.current is not None else -1
    base = core.queued if core.queued is not None else current
    if a is Action.NEXT_SONG:
        index = core.next_index(base)
    elif a is Action.PREVIOUS_SONG:
        index = max((i for i in range(base) if core.songs[i] is not None
                     and not core.setlist.setlist.songs[i].skip), default=None)
    else:
        number = _int(cmd.arg)
        index = number - 1 if number is not None else None
    if index is None or not 0 <= index < len(core.songs):
        return "no such song"
    core.cue(index)
    if t.busy:
        return f"next: {_title(core, index)} (after this song)"
    return f"cued {_title(core, index)}"


def _cancel(core: EngineCore, cmd: m.DoAction) -> str:
    nav = core.nav
    if nav.plan is not None and nav.plan.kind in ("jump", "release") and nav.cancel():
        return "jump cancelled"
    if nav.vamp is not None:
        return nav.set_vamp(m.Vamp(on=False))
    return "no jump pending"


def _click(core: EngineCore, cmd: m.DoAction) -> str:
    perform(core, m.SetClick())
    return f"click {'on' if core.mix.click_on else 'off'}"


def _guide(core: EngineCore, cmd: m.DoAction) -> str:
    perform(core, m.SetGuide())
    return f"guide {'on' if core.mix.guide_on else 'off'}"


def _mute(core: EngineCore, cmd: m.DoAction) -> str:
    try:
        role = Role(str(cmd.arg))
    except ValueError:
        return f"no role {cmd.arg!r}"
    perform(core, m.MuteRole(role))
    return f"{role.value} {'muted' if role in core.mix.muted_roles else 'on'}"


def _master(core: EngineCore, cmd: m.DoAction) -> str:
    step = MASTER_STEP_DB if cmd.action is Action.MASTER_UP else -MASTER_STEP_DB
    core.set_master(m.SetMaster(float(np.clip(core.mix.master_db + step, *MASTER_RANGE))))
    return f"master {core.mix.master_db:+.0f} dB"


def _panic(core: EngineCore, cmd: m.DoAction) -> str:
    core.panic(1000.0)
    return "panic: fading out"


def _mode(core: EngineCore, cmd: m.DoAction) -> str:
    return f"jump mode: {core.nav.cycle_mode(None).name.lower().replace('_', ' ')}"


Handler = Callable[["EngineCore", Any], object]  # what it returns is not used
ActionHandler = Callable[["EngineCore", m.DoAction], str]

# One handler per command type: what crosses the process boundary and what the engine does with it.
COMMANDS: dict[type[m.Command], Handler] = {
    m.DoAction: _do_action,
    m.Cue: lambda core, cmd: core.cue(cmd.index),
    m.Play: lambda core, cmd: core.play(cmd.count_in),
    m.Pause: lambda core, cmd: core.pause(cmd.fade_ms),
    m.Stop: lambda core, cmd: core.stop(cmd.fade_ms),
    m.Seek: lambda core, cmd: _seek(core, cmd),
    m.Jump: lambda core, cmd: core.nav.jump(cmd),
    m.CancelJump: lambda core, cmd: core.nav.cancel(),
    m.SetJumpMode: lambda core, cmd: core.nav.cycle_mode(cmd.mode),
    m.Vamp: lambda core, cmd: core.nav.set_vamp(cmd),
    m.Panic: lambda core, cmd: core.panic(cmd.fade_ms),
    m.SetClick: _set_click,
    m.SetGuide: _set_guide,
    m.MuteRole: _mute_role,
    m.SetMode: lambda core, cmd: core.set_mode(cmd.mode),
    m.SetStem: lambda core, cmd: _set_stem(core, cmd),
    m.SoloRole: lambda core, cmd: _solo_role(core, cmd),
    m.SetBus: lambda core, cmd: _set_bus(core, cmd),
    m.SetMaster: lambda core, cmd: core.set_master(cmd),
    m.TestTone: lambda core, cmd: _test_tone(core, cmd),
    m.ListDevices: lambda core, cmd: _list_devices(core),
    m.DebugStallReader: _stall,
    m.DebugFault: _fault,
}

# One handler per performer action: a key, a pedal and a remote all land here, so they agree.
ACTIONS: dict[Action, ActionHandler] = {
    Action.PLAY_PAUSE: _play_pause,
    Action.PLAY: _play,
    Action.STOP: _stop,
    Action.NEXT_SONG: _song,
    Action.PREVIOUS_SONG: _song,
    Action.GO_TO_SONG: _song,
    Action.NEXT_SECTION: lambda core, cmd: core.nav.jump(m.Jump(relative=1)),
    Action.PREVIOUS_SECTION: lambda core, cmd: core.nav.jump(m.Jump(relative=-1)),
    Action.JUMP_TO_SECTION: lambda core, cmd: core.nav.jump(m.Jump(section=_section(core, cmd.arg))),
    Action.VAMP_TOGGLE: lambda core, cmd: core.nav.set_vamp(m.Vamp()),
    Action.JUMP_MODE_CYCLE: _mode,
    Action.CANCEL_JUMP: _cancel,
    Action.CLICK_TOGGLE: _click,
    Action.GUIDE_TOGGLE: _guide,
    Action.MUTE_ROLE: _mute,
    Action.MASTER_UP: _master,
    Action.MASTER_DOWN: _master,
    Action.PANIC: _panic,
    Action.TAP_TEMPO: lambda core, cmd: _tap(core),
    Action.KARAOKE_TOGGLE: lambda core, cmd: _toggle_mode(core, "karaoke"),
    Action.INSTRUMENTAL_TOGGLE: lambda core, cmd: _toggle_mode(core, "instrumental"),
}


def _toggle_mode(core: EngineCore, mode: str) -> str:
    """Into ``mode``, or back to the full mix when already in it."""
    mix = core.mix
    core.set_mode("full" if mix.mode == mode else mode)
    if mix.mode == "full":
        return "full mix"
    return f"{mix.mode}: {', '.join(sorted(r.value for r in mix.mode_roles)) or 'nothing'} out"


def _title(core: EngineCore, index: int) -> str:
    song = core.songs[index] if 0 <= index < len(core.songs) else None
    return f"{index + 1} {song.song.title}" if song is not None else f"{index + 1}"


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
    core.mix.solo_role(t.current.index, cmd.role, cmd.solo)
    core.apply_levels()


def _set_bus(core: EngineCore, cmd: m.SetBus) -> None:
    core.mix.set_bus(cmd)
    core.apply_levels()
