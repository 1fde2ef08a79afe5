"""The stage UI while it plays: dropped blocks against a bare player, the UI's CPU share, cold start.

    .venv/bin/python -m bench.ui_load                 # 5 min of ours at 128 frames, as much bare
    .venv/bin/python -m bench.ui_load --quick         # 2 x 10 s slices each
    .venv/bin/python -m bench.ui_load --minutes 2 --size 160x48

"Ours" is ``player play`` itself, the Textual UI with its engine process, run in a pseudo-terminal
(80x24 by default) as a performer runs it: the benchmark presses Space to play, the performance screen
redraws its clock, bar.beat, playhead and bus meters while the song plays, and q q quits. The song is
bench/jack.py's 24 stereo stems, one of which is a counter routed alone to output 7: the recorder
captures ``system:monitor_7`` and every block must be the counter block that follows in time, so
dropped blocks are counted from the audio (``bench.jack.count_glitches``), not from flags.

Baseline, in the same run, alternating slice by slice (ours, engine, bare, ours, ...): the bare
sounddevice player of bench/realtime.py (``bench.jack.BarePlayer``), the same counter from memory to
the same output with the same block size, no UI; and, to tell the UI's share from the engine's, the
engine alone (``Engine`` started by this script, as bench/realtime.py does, with no UI).

Also measured per slice of ours: the UI process's CPU share over the recorded slice (target <= 15% of
a core while playing), its engine process's share, and cold start: from starting ``player play`` to
the first frame of the performance screen (the app writes the time to ``PLAYER_UI_READY_FILE`` once
that frame is drawn; target <= 1.5 s).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.common import ROOT


class UiProcess:
    """``python -m player play`` in a pseudo-terminal of ``size``; keys go in, the screen is drained."""

    def __init__(self, setlist: Path, rig: Path, size: tuple[int, int], work: Path, tag: str) -> None:
        import fcntl
        import pty
        import struct
        import subprocess
        import termios
        import threading
        import time

        self.ready_file = work / f"ready-{tag}"
        self.ready_file.unlink(missing_ok=True)
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "PLAYER_UI_READY_FILE": str(self.ready_file),
               "PLAYER_ENGINE_LOG": str(work / f"engine-{tag}.log"), "COLUMNS": str(size[0]),
               "LINES": str(size[1])}
        env.pop("CI", None)
        self.started = time.time()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "player", "play", str(setlist), "--rig", str(rig), "--midi", "off"],
            cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
            close_fds=True)
        os.close(slave)
        self.master = master
        self.screen_bytes = 0
        self._drain = threading.Thread(target=self._read, daemon=True)
        self._drain.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.screen_bytes += len(data)

    def wait_ready(self, timeout: float = 30.0) -> float:
        """Seconds from start to the first frame of the performance screen."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready_file.exists() and self.ready_file.read_text().strip():
                return float(self.ready_file.read_text()) - self.started
            if self.proc.poll() is not None:
                raise RuntimeError(f"player play exited with {self.proc.returncode}")
            time.sleep(0.01)
        raise RuntimeError("the performance screen never drew its first frame")

    def press(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def engine_pid(self) -> int | None:
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return None
        for pid in children:
            try:
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return int(pid)
            except OSError:
                continue
        return None

    def close(self) -> int | None:
        import subprocess
        import time

        if self.proc.poll() is None:
            self.press("q")
            time.sleep(0.3)
            self.press("q")
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
        os.close(self.master)
        return self.proc.returncode


def start_engine(setlist: Path, log: Path):  # an Engine, playing
    """The engine with no UI, started and playing as bench/realtime.py starts it."""

    from bench import jack as bj
    from player.engine.engine import Engine

    eng = Engine(log=log, midi="off")
    eng.start()
    bj.load_engine(eng, setlist, play=True)
    return eng


def main() -> int:
    import argparse
    import time

    from bench import jack as bj

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 slices of 10 s per player")
    ap.add_argument("--minutes", type=float, default=5.0, help="minutes of ours (5), as many of each other")
    ap.add_argument("--slice", type=float, default=60.0, help="seconds per slice (60)")
    ap.add_argument("--block", type=int, default=128)
    ap.add_argument("--size", default="80x24", help="terminal size of the UI (80x24)")
    ap.add_argument("--players", default="ours,engine,bare",
                    help="which players take turns (ours,engine,bare)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    args = ap.parse_args()
    slice_s = 10.0 if args.quick else args.slice
    n_slices = 2 if args.quick else max(1, round(args.minutes * 60 / slice_s))
    size = tuple(int(x) for x in args.size.lower().split("x"))
    block = args.block

    bj.header("bench/ui_load.py")
    work = Path(f"/tmp/stageplayer-bench-ui-{os.getpid()}")
    work.mkdir(parents=True, exist_ok=True)
    song_s = 30 if args.quick else 180
    if slice_s + 8 > song_s:
        raise SystemExit(f"--slice {slice_s} is too long for the {song_s} s song")
    media = bj.Media(song_s, "wav")
    media.ensure()
    song = media.song(work / "songs" / "counter")
    run = bj.counter_run(work, block, song, slice_s, "bench-ui")
    rig, setlist, server, rec = run.rig, run.setlist, run.server, run.recorder
    print(f"\n== {block} frames: {server}; {n_slices} slices of {slice_s:.0f} s "
          f"per player; UI in a {size[0]}x{size[1]} pseudo-terminal", flush=True)
    print("  slice  player  blocks  dropped  discont  silent  rec-missed  xruns  steal-s  "
          "cold-start-s  ui-cpu%  engine-cpu%  screen-kB/s", flush=True)
    players = [p.strip() for p in args.players.split(",") if p.strip()]
    totals = {p: bj.Glitches(0, 0, 0, 0, 0, 0) for p in players}
    seconds = {p: 0.0 for p in players}
    cold: list[float] = []
    ui_cpu: list[float] = []
    engine_cpu: list[float] = []
    try:
        for i in range(len(players) * n_slices):
            who = players[i % len(players)]
            ui = bare = eng = None
            extra = ""
            try:
                if who == "ours":
                    ui = UiProcess(setlist, rig, size, work, str(i))  # type: ignore[arg-type]
                    start_s = ui.wait_ready()
                    cold.append(start_s)
                    time.sleep(1.5)  # the engine opens the device and loads the song
                    ui.press(" ")
                    time.sleep(1.5)
                elif who == "engine":
                    eng = start_engine(setlist, work / f"engine-alone-{i}.log")
                    time.sleep(1.0)
                else:
                    bare = bj.BarePlayer(block, 7)
                    time.sleep(1.0)
                x0, steal0 = rec.xruns, bj.steal_jiffies()
                if ui is not None:
                    epid = ui.engine_pid()
                    c0, e0 = bj.cpu_seconds(ui.proc.pid), bj.cpu_seconds(epid) if epid else 0.0
                    b0, w0 = ui.screen_bytes, time.monotonic()
                captured, times, missed = rec.take(slice_s + 10)
                if ui is not None:
                    wall = time.monotonic() - w0
                    ucpu = 100 * (bj.cpu_seconds(ui.proc.pid) - c0) / wall
                    ecpu = 100 * ((bj.cpu_seconds(epid) - e0) if epid else 0.0) / wall
                    ui_cpu.append(ucpu)
                    engine_cpu.append(ecpu)
                    extra = (f"{start_s:12.2f}  {ucpu:7.1f}  {ecpu:11.1f}  "
                             f"{(ui.screen_bytes - b0) / wall / 1024:11.1f}")
            finally:
                if ui is not None:
                    code = ui.close()
                    if code not in (0, None):
                        extra += f"  (player play exited {code})"
                if bare is not None:
                    bare.close()
                if eng is not None:
                    from player.engine import messages as m

                    eng.send(m.Stop())
                    eng.close()
            g = bj.count_glitches(captured[0], block, times)
            totals[who] = totals[who] + g
            seconds[who] += captured.shape[1] / bj.RATE
            steal = (bj.steal_jiffies() - steal0) / bj.CLK_TCK
            print(f"  {i + 1:5d}  {who:6s} {g.blocks:7d} {g.bad:8d} {g.discontinuities:8d} "
                  f"{g.silent_blocks:7d} {missed:11d} {rec.xruns - x0:6d} {steal:8.2f}  {extra}",
                  flush=True)
            if server.proc is not None and server.proc.poll() is not None:
                raise RuntimeError(f"jackd exited: {server.log}")
    finally:
        bj.tear_down(server, work, args.keep, rec)

    print("\nSummary")
    per_min = {}
    for who in players:
        minutes = seconds[who] / 60
        per_min[who] = totals[who].bad / minutes if minutes else float("nan")
        print(f"  dropped blocks, {who:6s}: {totals[who].bad} in {minutes:.1f} min "
              f"({per_min[who]:.2f}/min); silent blocks {totals[who].silent_blocks}")
    if "ours" in per_min and "bare" in per_min:
        print(f"  ratio ours (UI + engine) / bare: {bj.ratio(per_min['ours'], per_min['bare'])}; "
              f"target ours <= bare: {'met' if per_min['ours'] <= per_min['bare'] else 'NOT met'}")
    if "ours" in per_min and "engine" in per_min:
        print(f"  ratio ours / engine alone: {bj.ratio(per_min['ours'], per_min['engine'])} "
              "(what the UI adds)")
    print(f"  UI CPU while playing, % of a core per slice: {bj.fmt_stats(ui_cpu, '%', 1)}; "
          f"target <= 15%: {'met' if ui_cpu and max(ui_cpu) <= 15 else 'NOT met'}")
    print(f"  engine CPU, % of a core per slice: {bj.fmt_stats(engine_cpu, '%', 1)}")
    print(f"  cold start to the first frame, s: {bj.fmt_stats(cold, ' s', 2)}; target <= 1.5 s: "
          f"{'met' if cold and max(cold) <= 1.5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
