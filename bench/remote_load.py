"""The remotes under load while playing: dropped blocks against the bare player, the UI process's CPU.

    .venv/bin/python bench/remote_load.py              # 3 x 60 s slices per player
    .venv/bin/python bench/remote_load.py --quick      # 2 x 10 s slices per player

"remote" is ``player play`` (the stage UI in a pseudo-terminal, as bench/ui_load.py runs it) with its
web remote and OSC on, loaded by this script the whole slice: 20 websocket clients, each receiving
every status the page would get and sending one command a second, plus 100 OSC messages a second
(``/player/status`` queries answered to us, a stem's gain, the jump mode). "ui" is the same
``player play`` with ``--remote off --osc off``; "bare" is bench/realtime.py's bare sounddevice
player (``bench.jack.BarePlayer``). They take turns slice by slice in the same run. Dropped blocks are
counted from the captured counter on output 7 (``bench.jack.count_glitches``), never from flags.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != str(_ROOT / "bench")]
sys.path.insert(0, str(_ROOT))

WS_CLIENTS = 20
OSC_PER_S = 100


def free_port(kind: int) -> int:
    import socket

    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Load:
    """20 websocket clients and an OSC sender, on an asyncio loop in a thread of this process."""

    def __init__(self, web_port: int, osc_port: int) -> None:
        self.web_port, self.osc_port = web_port, osc_port
        self.ws_frames = self.ws_connected = self.ws_errors = 0
        self.osc_sent = self.osc_replies = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)

    def _run(self) -> None:
        import asyncio

        asyncio.run(self._main())

    async def _main(self) -> None:
        import asyncio

        tasks = [asyncio.create_task(self._client(i)) for i in range(WS_CLIENTS)]
        tasks.append(asyncio.create_task(self._osc()))
        while not self._stop.is_set():
            await asyncio.sleep(0.05)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _client(self, i: int) -> None:
        import asyncio
        import json

        import websockets

        url = f"ws://127.0.0.1:{self.web_port}/ws"
        while not self._stop.is_set():
            try:
                async with websockets.connect(url, open_timeout=10) as ws:
                    self.ws_connected += 1
                    loop = asyncio.get_running_loop()
                    next_cmd = loop.time() + 1.0 + i / WS_CLIENTS
                    while True:
                        try:
                            await asyncio.wait_for(ws.recv(), max(next_cmd - loop.time(), 0.001))
                            self.ws_frames += 1
                        except TimeoutError:
                            await ws.send(json.dumps({"cmd": "jump_mode", "args": ["bar"]}))
                            next_cmd += 1.0
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - counted; the client connects again
                self.ws_errors += 1
                await asyncio.sleep(0.5)

    async def _osc(self) -> None:
        import asyncio
        import socket

        from pythonosc.osc_message_builder import OscMessageBuilder

        def message(address: str, *args: object) -> bytes:
            b = OscMessageBuilder(address)
            for a in args:
                b.add_arg(a)  # type: ignore[arg-type]
            return b.build().dgram

        messages = [message("/player/status"), message("/player/stem/gain", 2, 0.0),
                    message("/player/status"), message("/player/jump_mode", "bar")]
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        at = loop.time()
        try:
            while True:
                sock.sendto(messages[self.osc_sent % len(messages)], ("127.0.0.1", self.osc_port))
                self.osc_sent += 1
                try:
                    while True:
                        sock.recv(65536)
                        self.osc_replies += 1
                except BlockingIOError:
                    pass
                at += 1.0 / OSC_PER_S
                await asyncio.sleep(max(at - loop.time(), 0.0))
        finally:
            sock.close()


def main() -> int:
    import argparse
    import shutil
    import socket
    import time

    from bench import jack as bj
    from bench.ui_load import UiProcess

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 slices of 10 s per player")
    ap.add_argument("--slices", type=int, default=3, help="slices per player (3)")
    ap.add_argument("--slice", type=float, default=60.0, help="seconds per slice (60)")
    ap.add_argument("--players", default="remote,ui,bare", help="which players take turns")
    args = ap.parse_args()
    slice_s = 10.0 if args.quick else args.slice
    n_slices = 2 if args.quick else args.slices
    block = 128

    bj.header("bench/remote_load.py")
    work = Path(f"/tmp/stageplayer-bench-remote-{os.getpid()}")
    work.mkdir(parents=True, exist_ok=True)
    song_s = 30 if args.quick else 180
    media = bj.Media(song_s, "wav")
    media.ensure()
    song = media.song(work / "songs" / "counter")
    rig = bj.write_rig(work / f"rig-{block}.toml", block)
    setlist = bj.write_setlist(work / f"counter-{block}.toml", rig, [song], "counter")
    server = bj.Server(block, work)
    bj.use_server(server.name)
    server.start()
    print(f"\n== {block} frames: jackd {server.name} pid {server.pid}, "
          f"{'realtime' if server.realtime else 'NOT realtime'}; {n_slices} slices of {slice_s:.0f} s per "
          f"player; load: {WS_CLIENTS} websocket clients + {OSC_PER_S} OSC messages/s", flush=True)
    print("  slice  player  blocks  dropped  xruns  steal-s  ui-cpu%  ws-frames/s  osc-sent/s  osc-replies/s"
          "  ws-errors", flush=True)
    rec = bj.Recorder(server.name, [bj.COUNTER_OUTPUT], slice_s, name="bench-remote")
    players = [p.strip() for p in args.players.split(",") if p.strip()]
    totals = {p: bj.Glitches(0, 0, 0, 0, 0, 0) for p in players}
    seconds = {p: 0.0 for p in players}
    cpu: dict[str, list[float]] = {p: [] for p in players}
    try:
        for i in range(len(players) * n_slices):
            who = players[i % len(players)]
            ui = bare = load = None
            extra = ""
            try:
                if who in ("remote", "ui"):
                    web_port, osc_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
                    options = (("--remote-port", str(web_port), "--osc", str(osc_port)) if who == "remote"
                               else ("--remote", "off", "--osc", "off"))
                    ui = UiProcess(setlist, rig, (80, 24), work, str(i), options)  # type: ignore[arg-type]
                    ui.wait_ready()
                    time.sleep(1.5)
                    ui.press(" ")
                    time.sleep(1.0)
                    if who == "remote":
                        load = Load(web_port, osc_port)
                        load.start()
                    time.sleep(1.0)
                else:
                    bare = bj.BarePlayer(block, 7)
                    time.sleep(1.0)
                x0, steal0 = rec.xruns, bj.steal_jiffies()
                if ui is not None:
                    c0, w0 = bj.cpu_seconds(ui.proc.pid), time.monotonic()
                if load is not None:
                    f0, s0, r0 = load.ws_frames, load.osc_sent, load.osc_replies
                rec.arm()
                captured = rec.wait(slice_s + 10).copy()
                times = rec.block_times()
                if ui is not None:
                    wall = time.monotonic() - w0
                    ucpu = 100 * (bj.cpu_seconds(ui.proc.pid) - c0) / wall
                    cpu[who].append(ucpu)
                    extra = f"{ucpu:7.1f}"
                    if load is not None:
                        rates = ((load.ws_frames - f0) / wall, (load.osc_sent - s0) / wall,
                                 (load.osc_replies - r0) / wall)
                        extra += (f"  {rates[0]:11.0f}  {rates[1]:10.0f}  {rates[2]:13.0f}  "
                                  f"{load.ws_errors:9d}")
            finally:
                if load is not None:
                    load.stop()
                if ui is not None:
                    code = ui.close()
                    if code not in (0, None):
                        extra += f"  (player play exited {code})"
                if bare is not None:
                    bare.close()
            g = bj.count_glitches(captured[0], block, times)
            totals[who] = totals[who] + g
            seconds[who] += captured.shape[1] / bj.RATE
            steal = (bj.steal_jiffies() - steal0) / bj.CLK_TCK
            print(f"  {i + 1:5d}  {who:6s} {g.blocks:7d} {g.bad:8d} {rec.xruns - x0:6d} {steal:8.2f}  "
                  f"{extra}", flush=True)
    finally:
        rec.close()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print("\nSummary")
    per_min = {}
    for who in players:
        minutes = seconds[who] / 60
        per_min[who] = totals[who].bad / minutes if minutes else float("nan")
        print(f"  dropped blocks, {who:6s}: {totals[who].bad} in {minutes:.1f} min ({per_min[who]:.2f}/min)")
        if cpu[who]:
            print(f"  UI process CPU, {who:6s}, % of a core per slice: {bj.fmt_stats(cpu[who], '%', 1)}")
    if "remote" in per_min and "bare" in per_min:
        met = "met" if per_min["remote"] <= per_min["bare"] else "NOT met"
        print(f"  ratio remote (UI + remotes under load) / bare: "
              f"{bj.ratio(per_min['remote'], per_min['bare'])}; target remote <= bare: {met}")
    if "remote" in per_min and "ui" in per_min:
        print(f"  ratio remote / ui alone: {bj.ratio(per_min['remote'], per_min['ui'])} "
              "(what the remotes add)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
