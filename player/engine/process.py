"""The engine process: owns the PortAudio stream, the disk reader and the mixer.

It runs apart from the UI because a busy Python thread beside the audio callback made 88% of blocks
late on these machines, against under 1% from another process (design.md). When the audio device
goes away, PortAudio's JACK host API cannot close the dead stream (the call never returns), so the
process reports it in the status block and exits with ``EXIT_DEVICE_LOST``; the parent starts a new
one that waits for the device and restores the show.
"""

from __future__ import annotations

import gc
import os
import queue
import sys
import time
import traceback
from collections.abc import Callable
from multiprocessing.queues import Queue
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from player.engine.core import EngineListener
    from player.setlist.rig import Rig

EXIT_DEVICE_LOST = 75
TICK = 0.02  # housekeeping period; commands are taken as soon as they arrive
DEVICE_RETRY = 0.5


def _redirect_output(log: str | None) -> None:
    """PortAudio and JACK print from C: keep it in the log, off the performer's screen."""
    target = os.open(log or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(target, 1)
    os.dup2(target, 2)
    os.close(target)


def _tune_for_real_time() -> None:
    """Make this process a good neighbour for its own audio callback.

    - The callback needs the GIL; a thread holding it gives it up only every switch interval
      (5 ms by default, two 128-frame blocks), so shorten it.
    - This thread (commands, housekeeping) gets a real-time priority below the reader's, so it is
      never preempted by ordinary processes while holding the GIL the callback waits for.
    - glibc raises its mmap threshold after the first large free, after which rings come from the
      heap, are never returned, and calloc touches every page: pin the threshold (measured: PSS
      180 -> 130 MiB after twenty cues).
    """
    sys.setswitchinterval(0.0005)
    # Collections hold the GIL while they walk every object: rarer young collections, and
    # (after each load, see below) the long-lived objects frozen out of the old generation.
    gc.set_threshold(20_000, 50, 1000)
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(5))
    except (AttributeError, OSError):
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


class Host(Protocol):
    """Something the composition root runs beside the engine in its process (the MIDI host): it is
    configured with each rig, offered the commands the engine does not know, polled each tick."""

    def configure(self, rig: Rig, rig_file: Path | None) -> None: ...
    def take(self, command: object) -> bool: ...  # True: it was this host's command
    def poll(self, now: float) -> None: ...
    def close(self) -> None: ...


MakeHosts = Callable[[Callable[[Any], None], Callable[[Any], None], Any],
                     "tuple[list[Host], list[EngineListener]]"]


def child(entry: str, *args: Any) -> None:
    """The spawned process's entry: ``entry`` ("module:function") is the composition root that wires
    the engine with what runs beside it (``player.show_process``); the engine imports none of it."""
    import importlib

    module, _, name = entry.partition(":")
    getattr(importlib.import_module(module), name)(*args)


def run(commands: Queue, events: Queue, status_path: str, log: str | None,
        device_override: str | None, make_hosts: MakeHosts | None = None) -> None:
    """The engine process's loop. ``make_hosts(put, emit, status)`` builds what runs beside it."""
    _redirect_output(log)
    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    _tune_for_real_time()
    from player.engine import messages as m
    from player.engine.coalesce import coalesce
    from player.engine.core import EngineCore
    from player.engine.parent import ParentWatch
    from player.engine.status import State, StatusBlock
    from player.engine.streamer import Streamer
    from player.engine.transport import Transport

    status = StatusBlock(status_path)
    streamer = Streamer()
    streamer.start()

    def emit(event: m.Event) -> None:
        events.put(event)

    core = EngineCore(emit, streamer)
    hosts, listeners = make_hosts(commands.put, emit, status) if make_hosts else ([], [])
    core.listeners.extend(listeners)
    emit(m.EngineStarted(os.getpid()))
    parent = ParentWatch()
    stream: Any = None
    device_name = ""
    waiting_for_device = False
    next_try = 0.0
    attempts = 0
    running = True
    while running:
        batch = _take_batch(commands)
        now = time.monotonic()
        if parent.gone(now, core.handle):  # the UI is gone: fade out, then exit
            break
        core.begin_batch()
        for cmd in coalesce(batch):
            if isinstance(cmd, m.Shutdown):
                running = False
                break
            try:
                if isinstance(cmd, m.LoadSetlist):
                    previous = core.rig
                    loaded = core.load(cmd)
                    if loaded is not None:
                        rig, _ = loaded
                        if stream is not None and previous is not None and (
                                previous.audio != rig.audio or previous.output_channels
                                != rig.output_channels):
                            stream.close()  # another device or format: open it afresh
                            stream = None
                        if stream is None:
                            core.attach(Transport(rig.output_channels, rig.audio.block_size,
                                                  rig.audio.sample_rate, status))
                            waiting_for_device = True
                            next_try = 0.0
                        else:
                            core.reset()
                        for host in hosts:
                            host.configure(rig, core.rig_file)
                elif not any(host.take(cmd) for host in hosts):
                    core.handle(cmd)
                if isinstance(cmd, (m.LoadSetlist, m.Cue, m.Seek)):
                    gc.freeze()  # what exists now lives long: keep it out of every collection
            except Exception as exc:  # noqa: BLE001 - a bad command must not take the show down
                traceback.print_exc()
                emit(m.Problem(f"the engine could not do {type(cmd).__name__}: {exc} "
                               "(details in the engine log)"))
        try:
            core.end_batch()
        except Exception:  # noqa: BLE001 - like a command
            traceback.print_exc()
        if not running:
            break
        if waiting_for_device and now >= next_try and core.rig is not None:
            next_try = now + DEVICE_RETRY
            try:
                stream, device_name, detail = _open_stream(core, device_override, attempts == 0)
            except Exception as exc:  # noqa: BLE001 - in words on screen, and tried again
                traceback.print_exc()
                stream, device_name, detail = None, "", f"could not start the audio: {exc}"
            attempts += 1
            if stream is not None:
                waiting_for_device = False
                status.set_device(device_name)
                emit(m.DeviceBack(device_name))
                rate = core.transport.rate if core.transport is not None else 0
                if rate and rate != core.rig.audio.sample_rate:
                    emit(m.RateChanged(rate, core.rig.audio.sample_rate))
            else:
                status.begin()
                status.set("state", State.NO_DEVICE)
                status.end()
                if detail:
                    emit(m.DeviceLost(core.rig.audio.device or "default output", detail))
        core.tick(now)
        for host in hosts:
            try:
                host.poll(now)
            except Exception:  # noqa: BLE001 - MIDI trouble must not stop the audio
                traceback.print_exc()
        if stream is not None and not stream.active:
            # The server or interface went away under a running stream.
            status.begin()
            status.set("state", State.NO_DEVICE)
            status.end()
            sys.stdout.flush()
            os._exit(EXIT_DEVICE_LOST)
    for host in hosts:
        host.close()
    streamer.stop()
    if stream is not None:
        stream.close()
    status.close()


_reported_missing = False
MAX_BATCH = 200  # commands taken before the housekeeping tick runs again


def _take_batch(commands: Queue) -> list[Any]:
    """What arrived: waits up to a tick for the first command, then takes the rest at once.

    Under a burst (a bouncing pedal, a flood from the network) the tick then runs once per batch,
    not once per command, and superseded commands are dropped by ``coalesce``.
    """
    try:
        batch = [commands.get(timeout=TICK)]
    except queue.Empty:
        return []
    while len(batch) < MAX_BATCH:
        try:
            batch.append(commands.get_nowait())
        except queue.Empty:
            break
    return batch


def _open_stream(core: Any, override: str | None, first: bool) -> tuple[Any, str, str]:
    """Open the rig's device if it is there; (None, "", why) when not. Rescans devices each try.

    The device may run at another rate than the rig asks (an interface left at 44.1 kHz, a JACK
    server at 48): the rig's rate is asked for first, where the host API can switch the device;
    otherwise the show plays at the device's rate, every stem resampled, and says so. Any error
    here is a message and a retry, never the engine's death.
    """
    global _reported_missing
    import sounddevice as sd

    from player.engine import lock
    from player.engine.devices import find_output_device

    rig = core.rig
    try:
        if not first:
            sd._terminate()  # PortAudio lists devices once per initialisation: look again
            sd._initialize()
        device = find_output_device(override if override is not None else rig.audio.device)
    except Exception as exc:  # noqa: BLE001 - a broken audio stack is a message and a retry
        traceback.print_exc()
        return None, "", f"could not list the audio devices: {exc}"
    need = rig.output_channels
    if device is None or device.outputs < need:
        why = ("not connected" if device is None else
               f"{device.name} has {device.outputs} outputs, the rig needs {need}")
        detail = "" if _reported_missing else why
        _reported_missing = True
        return None, "", detail
    busy = lock.take(lock.device_key(device.name, device.host_api))  # one player per device
    if busy is not None:
        return None, "", busy
    rate = choose_rate(sd, device.index, need, rig.audio.sample_rate, int(device.default_rate))
    if rate != core.transport.rate:
        core.retarget(rate)
    try:
        stream = sd.OutputStream(device=device.index, channels=need, samplerate=rate,
                                 blocksize=rig.audio.block_size, dtype="float32", latency="low",
                                 callback=core.transport.callback)
        stream.start()
    except Exception as exc:  # noqa: BLE001 - e.g. "Invalid sample rate", a busy device
        traceback.print_exc()
        detail = f"could not open {device.name}: {exc}"
        _reported_missing = True
        return None, "", detail
    _reported_missing = False
    return stream, f"{device.name} ({device.host_api})", ""


def choose_rate(sd: Any, device: int, channels: int, wanted: int, device_rate: int) -> int:
    """The rig's rate if the device takes it, else the rate the device runs at."""
    for rate in dict.fromkeys((wanted, device_rate)):
        if rate <= 0:
            continue
        try:
            sd.check_output_settings(device=device, channels=channels, samplerate=rate,
                                     dtype="float32")
        except Exception:  # noqa: BLE001 - PortAudio says no with a PortAudioError or ValueError
            continue
        return rate
    return wanted


if __name__ == "__main__":  # pragma: no cover - started through Engine
    raise SystemExit("start the engine through player.engine.Engine")
