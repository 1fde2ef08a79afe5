"""Pedal to sound: a MIDI message on a JACK MIDI port -> the song's first sample at the JACK output.

    .venv/bin/python -m bench.midi_latency             # 50 trials at 128 and 64 frames, 60 s burst
    .venv/bin/python -m bench.midi_latency --quick     # 10 trials, 10 s burst
    .venv/bin/python -m bench.midi_latency --clock     # MIDI clock pulse spacing over a tempo ramp

Everything is measured in JACK frames by one JACK client in a process of its own (the "pedal"): it
writes Program Change 0 at a chosen frame of a cycle (random offset in the block) on its MIDI
output, and watches ``system:monitor_7``, where the bench rig routes the counter stem alone, for the
first non-zero sample. The counter tells which song frame that sample is: it must be frame 0.
The monitor shows what was played one cycle later (calibrated with an impulse the pedal writes to
``system:playback_16``), so two figures: "monitor" (played by the dummy device) and "written" (the
cycle in which the player wrote it: its response). Latency counts from the MIDI event's own frame.

Baseline in the same run: a bare process with a python-rtmidi input callback and a trivial
sounddevice callback that starts the counter at its next block when the MIDI callback has set a flag
(the shortest path these libraries allow), measured the same way.

Burst: 100 messages a second for 60 s (alternating two CCs bound to master up and master down,
debounce 0); every one must come back exactly once as an ``ActionDone`` from the engine.
"""

from __future__ import annotations

import os
from pathlib import Path

# Shared int64 slots between the pedal process and the bench.
(SEND_AT, SENT, ONSET, ONSET_VALUE, IMPULSE_AT, IMPULSE_SENT, BURST_N, BURST_EVERY, BURST_SENT,
 READY, NOW, RX_N) = range(12)
SLOTS = 16
RX_MAX = 20000  # MIDI events the pedal's input keeps (frame, first byte)


def pedal_main(server: str, slots, monitor: int, conn, rx=None, loopback: bool = False) -> None:
    """The pedal + watcher: one JACK client, so send and onset share one frame clock. With ``rx``
    it also has a MIDI input ``benchpedal:rx`` (a clock receiver) noting each event's frame;
    ``loopback`` connects the pedal's own output to it: a count of what JACK delivered."""
    import jack
    import numpy as np

    client = jack.Client("benchpedal", no_start_server=True, servername=server)
    midi = client.midi_outports.register("out")
    watch = client.inports.register("watch")
    imp = client.outports.register("impulse")
    cal = client.inports.register("cal")
    rx_port = client.midi_inports.register("rx") if rx is not None else None
    burst_next = [0]

    @client.set_process_callback
    def _process(frames: int) -> None:
        now = client.last_frame_time
        slots[NOW] = now
        if rx_port is not None:
            for off, data in rx_port.incoming_midi_events():
                n = slots[RX_N]
                if n < RX_MAX:
                    rx[2 * n], rx[2 * n + 1] = now + off, bytes(data[:1])[0]
                    slots[RX_N] = n + 1
        midi.clear_buffer()
        b = imp.get_array()
        b.fill(0)
        at = slots[SEND_AT]
        if at >= 0 and now + frames > at:
            off = max(0, at - now)
            midi.write_midi_event(off, bytes([0xC0, 0]))
            slots[SENT] = now + off
            slots[SEND_AT] = -1
        n = slots[BURST_N]
        if n > 0:
            if burst_next[0] == 0:
                burst_next[0] = now
            if now + frames > burst_next[0]:
                off = max(0, burst_next[0] - now)
                k = slots[BURST_SENT]
                midi.write_midi_event(off, bytes([0xB0, 20 + k % 2, 127]))
                slots[BURST_SENT] = k + 1
                slots[BURST_N] = n - 1
                burst_next[0] += slots[BURST_EVERY]
        else:
            burst_next[0] = 0
        at = slots[IMPULSE_AT]
        if at >= 0 and now + frames > at:
            off = max(0, at - now)
            b[off] = 0.5
            slots[IMPULSE_SENT] = now + off
            slots[IMPULSE_AT] = -1
        for port in (watch, cal):
            if slots[ONSET] < 0 and (slots[SENT] >= 0 or slots[IMPULSE_SENT] >= 0):
                x = port.get_array()
                nz = np.flatnonzero(x)
                if nz.size and (port is cal) == (slots[IMPULSE_SENT] >= 0):
                    slots[ONSET] = now + int(nz[0])
                    slots[ONSET_VALUE] = int(round(float(x[nz[0]]) * (1 << 23)))

    client.activate()
    client.connect(f"system:monitor_{monitor}", watch)
    client.connect(imp, "system:playback_16")
    client.connect("system:monitor_16", cal)
    if loopback and rx_port is not None:
        client.connect(midi, rx_port)
    slots[READY] = 1
    conn.send("ready")
    try:
        conn.recv()
    except EOFError:
        pass
    client.deactivate()
    client.close()


def bare_midi_main(block: int, port: str, conn) -> None:
    """Baseline: rtmidi callback sets a flag; the sounddevice callback starts the counter."""
    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    import rtmidi
    import sounddevice as sd

    from bench import jack as bj

    table = bj.counter_samples(0, bj.RATE * 2)
    state = [0, 0]

    def midi_cb(event, _data=None) -> None:
        if event[0][0] & 0xF0 == 0xC0:
            state[0], state[1] = 0, 1

    def audio_cb(outdata, frames, _t, _s) -> None:
        outdata.fill(0)
        if state[1]:
            p = state[0]
            chunk = table[p:p + frames]
            outdata[:len(chunk), bj.COUNTER_OUTPUT - 1] = chunk
            state[0] = p + frames
            if state[0] >= len(table):
                state[1] = 0

    mi = rtmidi.MidiIn(rtapi=rtmidi.API_UNIX_JACK, name="bench-bare-midi")
    mi.open_port(mi.get_ports().index(port), "in")
    mi.set_callback(midi_cb)
    device = next(i for i, d in enumerate(sd.query_devices())
                  if "system" in d["name"].lower() and d["max_output_channels"] >= bj.COUNTER_OUTPUT)
    with sd.OutputStream(device=device, channels=bj.COUNTER_OUTPUT, samplerate=bj.RATE, blocksize=block,
                         dtype="float32", latency="low", callback=audio_cb):
        conn.send("ready")
        while True:
            msg = conn.recv()
            if msg == "silence":
                state[1] = 0
            else:
                break
    mi.delete()


def _measure(slots, block: int, send_impulse: bool) -> tuple[int, int] | None:
    """One trial: (frames from the event to the onset, the counter's song frame) or None."""
    import random
    import time

    for i in (SEND_AT, SENT, ONSET, IMPULSE_AT, IMPULSE_SENT):
        slots[i] = -1
    time.sleep(0.02)
    target = slots[NOW] + 3 * block + random.randrange(block)
    slots[IMPULSE_AT if send_impulse else SEND_AT] = target
    deadline = time.monotonic() + 3
    while slots[ONSET] < 0 and time.monotonic() < deadline:
        time.sleep(0.002)
    sent = slots[IMPULSE_SENT if send_impulse else SENT]
    if slots[ONSET] < 0 or sent < 0:
        return None
    return slots[ONSET] - sent, slots[ONSET_VALUE] - 1


def clock_bench(work: Path, media, seconds: float, ctx) -> None:
    """MIDI clock from the engine over a tempo ramp: each pulse's frame at a JACK MIDI input against
    the tempo map, the song's frame 0 located by the counter on the monitor. Both clocks: the JACK
    clock process (default) and the RtMidi thread (``STAGEPLAYER_MIDI_CLOCK=thread``)."""
    import time

    import numpy as np

    from bench import jack as bj

    block = 128
    song = media.song(work / "songs" / "ramp", tones=0)
    (song / "song.toml").write_text(
        'title = "Ramp"\n[tempo]\nbpm = 120\n[[tempo.changes]]\nbar = 3\nbpm = 180\nramp_bars = 4\n'
        '[[stems]]\nfile = "click.wav"\nrole = "click"\n')
    rig = bj.write_rig(work / "rig-clock.toml", block)
    rig.write_text(rig.read_text() + '[midi]\ninput = ""\noutput = "benchpedal:rx"\nclock = true\n')
    setlist = bj.write_setlist(work / "set-clock.toml", rig, [song], "clock")
    server = bj.private_server(block, work)
    from player.engine import messages as m
    from player.engine.engine import Engine
    from player.setlist.song import load_song
    from player.setlist.tempo import TempoMap

    tm = TempoMap.of(load_song(song).song, bj.RATE)
    grid = np.array([tm.frame_at_quarters(k / 24) for k in range(int(seconds * 8 * 24))])
    slots = ctx.Array("q", SLOTS, lock=False)
    rx = ctx.Array("q", 2 * RX_MAX, lock=False)
    parent, child = ctx.Pipe()
    pedal = ctx.Process(target=pedal_main, args=(server.name, slots, bj.COUNTER_OUTPUT, child, rx),
                        daemon=True)
    pedal.start()
    assert parent.poll(20) and parent.recv() == "ready"
    delays = [d for d in (_measure(slots, block, True) for _ in range(5)) if d is not None]
    monitor = int(np.median([d[0] for d in delays])) if delays else block
    print(f"\n== MIDI clock, {block} frames, 120 -> 180 bpm ramp over bars 3-6, {seconds:.0f} s; "
          f"target: spacing within 0.5 ms (24 frames)", flush=True)
    for mode in ("jack", "thread"):
        os.environ["STAGEPLAYER_MIDI_CLOCK"] = mode
        eng = Engine(log=work / f"engine-clock-{mode}.log")
        eng.start()
        try:
            eng.send(m.LoadSetlist(setlist.resolve()))
            eng.send(m.Cue(0))
            eng.wait_for(m.DeviceBack, 15)
            time.sleep(2.0)  # the clock process starts and connects
            for i in (SEND_AT, SENT, ONSET, IMPULSE_AT, IMPULSE_SENT):
                slots[i] = -1
            slots[RX_N] = 0
            time.sleep(0.05)
            slots[SENT] = slots[NOW]  # arms the onset detector
            xr0 = server.xrun_lines()
            eng.send(m.Play())
            time.sleep(seconds)
            eng.send(m.Stop())
            time.sleep(0.3)
            xruns = server.xrun_lines() - xr0
        finally:
            eng.close()
        n = slots[RX_N]
        frames = np.array([rx[2 * i] for i in range(n) if rx[2 * i + 1] == 0xF8], dtype=np.int64)
        onset, value = slots[ONSET], slots[ONSET_VALUE] - 1
        if onset < 0 or frames.size < 48:
            print(f"  {mode}: no onset or no pulses ({frames.size})")
            continue
        rel = frames - (onset - monitor)  # song frames: MIDI and audio written in the same cycle
        k = np.arange(frames.size)
        place = rel - grid[k]
        spacing = np.diff(rel) - np.diff(grid[k])
        ms = 1000.0 / bj.RATE
        print(f"  {mode:6s}: {frames.size} pulses (song frame 0 heard: {value == 0}); placement "
              f"(pulse frame - tempo map frame, ms): {bj.fmt_stats(place * ms, digits=3)}")
        print(f"  {mode:6s}: spacing error |interval - map interval| ms: "
              f"{bj.fmt_stats(np.abs(spacing) * ms, digits=3)}; within 0.5 ms: "
              f"{np.mean(np.abs(spacing) <= 24) * 100:.1f}%; jackd xrun lines {xruns}", flush=True)
    os.environ.pop("STAGEPLAYER_MIDI_CLOCK", None)
    parent.send("stop")
    pedal.join(5)
    server.stop()


def main() -> int:
    import argparse
    import multiprocessing as mp
    import time

    import numpy as np

    from bench import jack as bj

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10 trials, a 10 s burst")
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--blocks", type=int, nargs="+", default=[128, 64])
    ap.add_argument("--burst-seconds", type=float, default=None)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--clock", action="store_true", help="only the MIDI clock spacing over a ramp")
    args = ap.parse_args()
    trials = args.trials or (10 if args.quick else 50)
    burst_s = args.burst_seconds or (10.0 if args.quick else 60.0)
    bj.header("bench/midi_latency.py")
    work = Path(f"/tmp/stageplayer-bench-midi-{os.getpid()}")
    work.mkdir(parents=True, exist_ok=True)
    media = bj.Media(30, "wav")
    media.ensure(tones=0)
    song = media.song(work / "songs" / "counter", tones=0)
    ctx = mp.get_context("spawn")
    report = []
    if args.clock:
        clock_bench(work, media, 10.0 if args.quick else 30.0, ctx)
        return 0
    for block in args.blocks:
        rig = bj.write_rig(work / f"rig-{block}.toml", block)
        rig.write_text(rig.read_text() + (
            '[midi]\ninput = "benchpedal"\ndebounce_ms = 0\n'
            '[[midi.map]]\ntype = "program_change"\nprogram = 0\naction = "play"\n'
            '[[midi.map]]\ntype = "control_change"\ncontrol = 20\nvalue = "any"\naction = "master_up"\n'
            '[[midi.map]]\ntype = "control_change"\ncontrol = 21\nvalue = "any"\naction = "master_down"\n'))
        setlist = bj.write_setlist(work / f"set-{block}.toml", rig, [song], "midi")
        server = bj.private_server(block, work)
        ms = 1000.0 / bj.RATE
        print(f"\n== {block} frames ({block * ms:.2f} ms): jackd {server.name} pid {server.pid}, "
              f"{server.mode}", flush=True)
        slots = ctx.Array("q", SLOTS, lock=False)
        for i in range(SLOTS):
            slots[i] = -1 if i in (SEND_AT, SENT, ONSET, IMPULSE_AT, IMPULSE_SENT) else 0
        parent, child = ctx.Pipe()
        rx = ctx.Array("q", 2 * RX_MAX, lock=False)
        pedal = ctx.Process(target=pedal_main, args=(server.name, slots, bj.COUNTER_OUTPUT, child, rx, True),
                            daemon=True)
        pedal.start()
        assert parent.poll(20) and parent.recv() == "ready"

        def measure(send_impulse: bool = False, slots=slots, block=block) -> tuple[int, int] | None:
            return _measure(slots, block, send_impulse)

        delays = [d for d in (measure(True) for _ in range(5)) if d is not None]
        monitor = int(np.median([d[0] for d in delays])) if delays else block
        print(f"monitor delay (impulse written -> seen on system:monitor_16): {monitor} frames", flush=True)

        from player.engine import messages as m
        from player.engine.engine import Engine
        from player.engine.status import State
        from player.midi import messages as mm

        results: dict[str, list[int]] = {"engine": [], "bare": []}
        misses = {"engine": 0, "bare": 0}
        frames0: list[int] = []
        eng = Engine(log=work / f"engine-{block}.log")
        eng.start()
        try:
            eng.send(m.LoadSetlist(setlist.resolve()))
            eng.send(m.Cue(0))
            seen: list[m.Event] = []
            eng.wait_for(m.DeviceBack, 15, seen)
            if not any(isinstance(e, mm.MidiPort) and e.connected for e in seen):
                eng.wait_for(mm.MidiPort, 10, seen)
            time.sleep(0.5)
            xruns0 = server.xrun_lines()
            for _ in range(trials):
                got = measure()
                if got is None:
                    misses["engine"] += 1
                else:
                    results["engine"].append(got[0])
                    frames0.append(got[1])
                    if args.verbose:
                        print(f"    engine {got[0]} frames, song frame {got[1]}")
                eng.send(m.Stop())
                eng.wait_state(State.STOPPED, 3)
                time.sleep(0.25)
                eng.events()
            xr_lat = server.xrun_lines() - xruns0

            # Burst: 100 messages per second.
            period = bj.RATE // 100
            n = int(burst_s * 100)
            eng.events()
            dropped0 = eng.status().dropped
            xruns0 = server.xrun_lines()
            slots[RX_N] = 0
            slots[BURST_SENT] = 0
            slots[BURST_EVERY] = period
            slots[BURST_N] = n
            counts = {"master_up": 0, "master_down": 0, "other": 0}
            deadline = time.monotonic() + burst_s + 10
            while time.monotonic() < deadline:
                for e in eng.events():
                    if isinstance(e, m.ActionDone) and e.source.startswith("midi:"):
                        counts[e.action.value if e.action.value in counts else "other"] += 1
                if slots[BURST_N] == 0 and sum(counts.values()) >= n:
                    time.sleep(0.5)
                    for e in eng.events():
                        if isinstance(e, m.ActionDone) and e.source.startswith("midi:"):
                            counts[e.action.value if e.action.value in counts else "other"] += 1
                    break
                time.sleep(0.05)
            delivered = sum(1 for i in range(min(slots[RX_N], RX_MAX)) if rx[2 * i + 1] & 0xF0 == 0xB0)
            burst = (n, slots[BURST_SENT], counts, eng.status().dropped - dropped0,
                     server.xrun_lines() - xruns0, delivered)
        finally:
            eng.close()

        parent2, child2 = ctx.Pipe()
        bare = ctx.Process(target=bare_midi_main, args=(block, "benchpedal:out", child2), daemon=True)
        bare.start()
        if parent2.poll(30) and parent2.recv() == "ready":
            time.sleep(0.5)
            for _ in range(trials):
                got = measure()
                if got is None:
                    misses["bare"] += 1
                else:
                    results["bare"].append(got[0])
                parent2.send("silence")
                time.sleep(0.1)
            parent2.send("stop")
        bare.join(10)
        parent.send("stop")
        pedal.join(5)
        server.stop()

        block_ms = block * ms
        print(f"target: median <= 1 block + 1 ms = {block_ms + 1:.2f} ms, max <= 2 blocks + 1 ms = "
              f"{2 * block_ms + 1:.2f} ms (from the MIDI event's frame)")
        for name in ("engine", "bare"):
            lat = np.array(results[name], dtype=float)
            if lat.size == 0:
                print(f"  {name}: no onsets ({misses[name]} misses)")
                continue
            print(f"  {name:6s} monitor: {bj.fmt_stats(lat * ms, ' ms')}  misses {misses[name]}")
            print(f"  {name:6s} written: {bj.fmt_stats((lat - monitor) * ms, ' ms')}")
        eng_w = (np.array(results["engine"], dtype=float) - monitor) * ms
        if eng_w.size:
            s = bj.stats(eng_w)
            ok = s["median"] <= block_ms + 1 and s["max"] <= 2 * block_ms + 1
            base = bj.stats((np.array(results["bare"] or [0], dtype=float) - monitor) * ms)
            print(f"  engine/bare median: {bj.ratio(s['median'], base['median'])}; first sample was song "
                  f"frame 0 in {sum(1 for f in frames0 if f == 0)}/{len(frames0)} trials; "
                  f"jackd xrun lines during trials: {xr_lat}; target met (written): {ok}")
            report.append((block, s, base, ok))
        n, sent, counts, dropped, xr, delivered = burst
        print(f"  burst: {sent}/{n} sent at 100/s over {burst_s:.0f} s, {delivered} delivered by JACK to a "
              f"plain JACK input (loopback); engine did master_up "
              f"{counts['master_up']}, master_down {counts['master_down']}, other {counts['other']}; "
              f"lost {n - counts['master_up'] - counts['master_down']}, double "
              f"{max(0, counts['master_up'] + counts['master_down'] - n)}; dropped blocks {dropped}; "
              f"jackd xrun lines {xr}", flush=True)

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
