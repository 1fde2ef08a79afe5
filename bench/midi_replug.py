"""A pedal unplugged and plugged back at once: does the first press after it act?

    .venv/bin/python -m bench.midi_replug            # 30 replugs per press delay
    .venv/bin/python -m bench.midi_replug --quick    # 10

A real JACK MIDI port (an rtmidi client, as a USB pedal looks to the player) is closed and opened
again with no pause, then one Program Change is sent 20, 50 or 100 ms after the port is back. The
player's ``MidiHost`` runs as in the engine process (poll every 20 ms). Counted: presses that
fired their action. "scan only" is the same with JACK's port notifications and connection check
turned off (``STAGEPLAYER_MIDI_WATCH=off``): the half-second name scan alone, as before issue #11.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

DELAYS = (0.02, 0.05, 0.1)


def run(trials: int) -> dict[float, int]:
    import rtmidi

    from player.engine import messages as m
    from player.engine.status import StatusBlock
    from player.midi import messages as mm
    from player.midi.host import MidiHost
    from player.setlist.rig import Rig

    commands: list[m.Command] = []
    events: list[m.Event] = []
    status = StatusBlock()
    host = MidiHost(commands.append, events.append, None, status)
    lock, stop = threading.Lock(), threading.Event()

    def tick() -> None:
        while not stop.is_set():
            with lock:
                host.poll(time.monotonic())
            time.sleep(0.02)

    rig = Rig.model_validate({"buses": {"main": [1, 2]}, "roles": {"other": "main"}, "midi": {
        "input": "benchreplug", "debounce_ms": 0,
        "map": [{"type": "program_change", "program": 0, "action": "play_pause"}]}})
    with lock:
        host.configure(rig, None)
    threading.Thread(target=tick, daemon=True).start()

    def plug():
        out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="benchreplug")
        out.open_virtual_port("out")
        return out

    pedal = plug()
    deadline = time.monotonic() + 10
    while not any(isinstance(e, mm.MidiPort) and e.connected for e in events):
        if time.monotonic() > deadline:
            raise SystemExit("the player never connected to the bench pedal")
        time.sleep(0.01)
    time.sleep(0.3)
    acted = {d: 0 for d in DELAYS}
    try:
        for delay in DELAYS:
            for _ in range(trials):
                pedal.close_port()
                pedal.delete()
                pedal = plug()  # back at once
                time.sleep(delay)
                commands.clear()
                pedal.send_message([0xC0, 0])
                time.sleep(0.3)
                acted[delay] += any(isinstance(c, m.DoAction) for c in commands)
                time.sleep(0.6)  # past a half-second scan: each trial starts connected, or not
    finally:
        stop.set()
        pedal.delete()
        with lock:
            host.close()
        status.close()
    return acted


def main() -> None:
    import subprocess

    from bench.common import ROOT
    from bench.jack import Server, header, use_server

    trials = 10 if "--quick" in sys.argv else 30
    if "--child" in sys.argv:
        acted = run(trials)
        print(" ".join(f"{acted[d]}" for d in DELAYS))
        return
    header("MIDI: a pedal unplugged and plugged back at once, one press after it")
    with Server(128, Path("/tmp") / f"bench-replug-{os.getpid()}") as server:
        use_server(server.name)
        env = {**os.environ, "MIDO_BACKEND": "mido.backends.rtmidi/UNIX_JACK"}
        rows = []
        for label, watch in (("scan only (before)", "off"), ("port notifications + connection check", "")):
            out = subprocess.run([sys.executable, "-m", "bench.midi_replug", "--child", *sys.argv[1:]],
                                 capture_output=True, text=True, cwd=ROOT,
                                 env={**env, "STAGEPLAYER_MIDI_WATCH": watch}, timeout=600)
            if out.returncode != 0:
                raise SystemExit(out.stderr)
            rows.append((label, out.stdout.split()))
    print(f"| press sent after the port is back | {' | '.join(f'{int(d * 1000)} ms' for d in DELAYS)} |")
    print("|---|" + "---|" * len(DELAYS))
    for label, counts in rows:
        print(f"| {label} | " + " | ".join(f"{c}/{trials} acted" for c in counts) + " |")


if __name__ == "__main__":
    main()
