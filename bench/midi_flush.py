"""What the JACK MIDI watch costs the audio: dropped blocks with a pedal connected, watch on and off.

    .venv/bin/python -m bench.midi_flush             # 6 x 60 s slices, alternating
    .venv/bin/python -m bench.midi_flush --quick     # 4 x 15 s

The watch (``player/midi/jackwatch.py``) adds a JACK-Client client that is told of port changes,
and a flush port that sends a lone F7 to each input every 0.2 s: five rtmidi callbacks a second on
the JACK thread of the engine process, each taking the GIL. Here the engine plays the bench's
counter song at 128 frames with a pedal port connected, alternating slices with
``STAGEPLAYER_MIDI_WATCH=off`` (the half-second scan only) and on; dropped blocks are counted from
the captured counter signal, as ``bench.realtime`` counts them.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main() -> None:
    import bench.jack as bj

    quick = "--quick" in sys.argv
    slice_s, n = (15.0, 2) if quick else (60.0, 3)
    block = 128
    bj.header("bench/midi_flush.py")
    work = Path(f"/tmp/stageplayer-bench-midiflush-{os.getpid()}")
    work.mkdir(parents=True, exist_ok=True)
    media = bj.Media(30 if quick else 180, "wav")
    media.ensure()
    song = media.song(work / "songs" / "counter")
    rig = bj.write_rig(work / "rig.toml", block)
    rig.write_text(rig.read_text() + '[midi]\ninput = "benchflushpedal"\n[[midi.map]]\n'
                   'type = "program_change"\nprogram = 0\naction = "play_pause"\n')
    setlist = bj.write_setlist(work / "counter.toml", rig, [song], "counter")
    server = bj.Server(block, work)
    bj.use_server(server.name)
    server.start()
    os.environ["MIDO_BACKEND"] = "mido.backends.rtmidi/UNIX_JACK"
    import rtmidi

    from player.engine import messages as m
    from player.engine.engine import Engine

    pedal = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="benchflushpedal")
    pedal.open_virtual_port("out")
    rec = bj.Recorder(server.name, [bj.COUNTER_OUTPUT], slice_s, name="bench-flush")
    totals = {"off": [0, 0], "on": [0, 0]}  # dropped blocks, blocks
    print("  slice  watch  blocks  dropped  xruns", flush=True)
    try:
        for i in range(2 * n):
            mode = "off" if i % 2 == 0 else "on"
            os.environ["STAGEPLAYER_MIDI_WATCH"] = mode
            eng = Engine(log=work / f"engine-{i}.log")
            eng.start()
            try:
                bj.load_engine(eng, setlist, play=True)
                time.sleep(1.0)
                if not _connected("benchflushpedal:out"):
                    raise RuntimeError("the pedal never connected")
                x0 = rec.xruns
                rec.arm()
                captured = rec.wait(slice_s + 10).copy()
                times = rec.block_times()
            finally:
                eng.send(m.Stop())
                eng.close()
            g = bj.count_glitches(captured[0], block, times)
            totals[mode][0] += g.bad
            totals[mode][1] += g.blocks
            print(f"  {i + 1:5d}  {mode:5s} {g.blocks:7d} {g.bad:8d} {rec.xruns - x0:6d}", flush=True)
    finally:
        rec.close()
        pedal.delete()
        server.stop()
    for mode, (bad, blocks) in totals.items():
        print(f"watch {mode}: {bad} dropped blocks in {blocks} ({blocks * block / bj.RATE / 60:.1f} min)")


def _connected(port: str) -> bool:
    """``port`` has a connection now (jack_lsp -c lists them indented under it)."""
    import subprocess

    lines = subprocess.run(["jack_lsp", "-c"], capture_output=True, text=True).stdout.splitlines()
    for i, line in enumerate(lines):
        if line == port:
            return i + 1 < len(lines) and lines[i + 1].startswith(" ")
    return False


if __name__ == "__main__":
    main()
