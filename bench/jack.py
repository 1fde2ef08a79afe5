"""Bench helpers: a private JACK server, a recorder of its monitor ports, generated media, figures.

Import it as ``bench.jack``; run the benches from the checkout as ``python -m bench.NAME``. (Run as a
file, ``python bench/NAME.py`` would put ``bench/`` on ``sys.path`` and this file would shadow the
JACK-Client package that ``import jack`` means.) The server itself is the tests' (``tests.support``).

Rules from design.md that this module enforces:
- one private server per run (unique ``-n`` name), ``--realtime`` when root, stdio redirected to a
  log so nothing waits on our pipes, stopped by PID only after every client has gone;
- ``JACK_DEFAULT_SERVER`` / ``JACK_NO_START_SERVER`` go into ``os.environ`` before anything imports
  ``sounddevice`` (PortAudio lists host APIs once) and before the engine process is spawned (it
  inherits ``os.environ``);
- dropouts are counted from what the monitor ports captured, never from callback flags.

The test signal is a counter: sample ``n`` of a counter stem holds ``((n mod 2**21) + 1) / 2**23``.
Written as 24-bit PCM (WAV or FLAC) and read back as float32 it is exact, and a gain of exactly 1
(a stereo stem with both sides equal into a mono bus: 0.5 + 0.5) keeps it exact through the
engine's matrix product, so every captured sample says which song frame it is. Zero means silence.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tests.support import jackserver

RATE = jackserver.RATE
OUTPUTS = jackserver.OUTPUTS
COUNTER_PERIOD = 1 << 21  # frames before the counter wraps (43.7 s at 48 kHz; a multiple of any block)
COUNTER_SCALE = float(1 << 23)  # 24-bit PCM full scale
COUNTER_OUTPUT = 7  # 1-based output the bench rig routes the counter stem ("click.*") to, alone
CACHE = Path(os.environ.get("BENCH_CACHE", "/tmp/stageplayer-bench-cache"))


# --- report helpers ------------------------------------------------------------------------------
def header(title: str) -> None:
    """The first line of every bench's output: what ran, where and when."""
    now = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    cmd = " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv])
    print(f"# {title} | {now} | {platform.machine()} | nproc {os.cpu_count()} | "
          f"load {os.getloadavg()[0]:.2f} | {cmd}", flush=True)


def stats(values: list[float] | np.ndarray) -> dict[str, float]:
    """median, p99 (nearest rank: with 50 trials it is the 2nd largest), max, min, n."""
    a = np.sort(np.asarray(values, dtype=np.float64))
    if a.size == 0:
        return {"n": 0, "median": float("nan"), "p99": float("nan"), "max": float("nan"),
                "min": float("nan")}
    rank = max(0, int(np.ceil(0.99 * a.size)) - 1)
    return {"n": int(a.size), "median": float(np.median(a)), "p99": float(a[rank]),
            "max": float(a[-1]), "min": float(a[0])}


def fmt_stats(values: list[float] | np.ndarray, unit: str = "", digits: int = 2) -> str:
    s = stats(values)
    return (f"median {s['median']:.{digits}f}{unit}  p99 {s['p99']:.{digits}f}{unit}  "
            f"max {s['max']:.{digits}f}{unit}  min {s['min']:.{digits}f}{unit}  (n={s['n']})")


def ratio(ours: float, base: float) -> str:
    if base == 0:
        return "inf" if ours else "1.00 (both 0)"
    return f"{ours / base:.2f}"


# --- the server ----------------------------------------------------------------------------------
def use_server(name: str) -> None:
    """Point this process and every process it starts at server ``name`` (and never start one)."""
    if "sounddevice" in sys.modules:
        raise RuntimeError("sounddevice was imported before the JACK server was chosen")
    os.environ["JACK_DEFAULT_SERVER"] = name
    os.environ["JACK_NO_START_SERVER"] = "1"


class Server:
    """``jackd -n NAME [--realtime -P 70] -d dummy -r 48000 -p FRAMES -P 16 -C 2 -m``, started and
    stopped as the tests' server is (``tests.support.jackserver``), retrying while the machine's
    table of JACK servers is full."""

    def __init__(self, frames: int, workdir: Path, name: str | None = None) -> None:
        self.frames = frames
        self.name = name or f"bench-{os.getpid()}-{frames}-{int(time.time() * 1000) % 100000}"
        self.workdir = workdir
        self.log = workdir / f"jackd-{self.name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.realtime = jackserver.realtime()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def mode(self) -> str:
        """What the run header says about scheduling (design.md: without realtime the dummy drops)."""
        return "realtime" if self.realtime else "NOT realtime"

    def __str__(self) -> str:
        return f"jackd {self.name} pid {self.pid}, {self.mode}"

    def start(self) -> Server:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = jackserver.start(self.name, self.log, block=self.frames, attempts=6)
        return self

    def stop(self) -> None:
        """By PID, after the clients went (PortAudio aborts at exit if its server vanished)."""
        if self.proc is not None:
            jackserver.stop(self.proc)

    def xrun_lines(self) -> int:
        """Lines in jackd's log that report an xrun or a late driver cycle."""
        return jackserver.xrun_lines(self.log)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def private_server(frames: int, workdir: Path) -> Server:
    """A started server that this process, and every process it starts from now on, plays to."""
    server = Server(frames, workdir)
    use_server(server.name)
    return server.start()


def clean_up(work: Path, keep: bool) -> None:
    """Remove a bench's work folder, or say where it was kept (``--keep``)."""
    if keep:
        print(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def tear_down(server: Server, work: Path, keep: bool, *clients: Any) -> None:
    """Close the clients still open (None: not started or already closed), in order; then the server,
    never before them; then the work folder."""
    for client in clients:
        if client is not None:
            client.close()
    server.stop()
    clean_up(work, keep)


def end_process(proc: Any, timeout: float) -> None:
    """Wait up to ``timeout`` s for a child process (told to stop) to exit, then kill it."""
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join(5)


# --- the recorder ---------------------------------------------------------------------------------
# Shared scalars between the recorder process and the bench (int64 slots).
(_ARMED, _RECORD, _POS, _CYCLES, _FIRST, _XRUNS, _PULSE_AT, _PULSE_WRITTEN, _READY, _BLOCK,
 _FIRST_NS, _PREV_NS) = range(12)
_NSCALARS = 16


def _recorder_views(buf, outputs: int, frames: int, cycles: int):
    scalars = np.ndarray((_NSCALARS,), dtype=np.int64, buffer=buf)
    first_value = np.ndarray((1,), dtype=np.float64, buffer=buf, offset=8 * _NSCALARS)
    off = 8 * _NSCALARS + 8
    times = np.ndarray((cycles,), dtype=np.int64, buffer=buf, offset=off)
    off += 8 * cycles
    data = np.ndarray((outputs, frames), dtype=np.float32, buffer=buf, offset=off)
    return scalars, first_value, times, data


def _recorder_size(outputs: int, frames: int, cycles: int) -> int:
    return 8 * _NSCALARS + 8 + 8 * cycles + 4 * outputs * frames


def _recorder_main(path: str, server: str, name: str, outputs: list[int], frames: int,
                   cycles: int, detect: bool, out_port: int | None, conn) -> None:
    """The recorder's own process: its main thread only waits on a pipe, so the JACK thread never
    waits for a GIL that a busy bench thread holds (design.md: a busy Python thread beside an audio
    callback makes it late)."""
    import mmap

    import jack

    fd = os.open(path, os.O_RDWR)
    buf = mmap.mmap(fd, _recorder_size(len(outputs), frames, cycles))
    os.close(fd)
    sc, first_value, times, data = _recorder_views(buf, len(outputs), frames, cycles)
    client = jack.Client(name, no_start_server=True, servername=server)
    ports = [client.inports.register(f"in_{o}") for o in outputs]
    out = client.outports.register("pulse") if out_port else None
    sc[_BLOCK] = client.blocksize
    prev = [0]  # monotonic ns when the previous cycle's callback started

    @client.set_xrun_callback
    def _xrun(_delay: float) -> None:
        sc[_XRUNS] += 1

    @client.set_process_callback
    def _process(nframes: int) -> None:
        wall = time.monotonic_ns()
        now = client.last_frame_time
        last_ns = prev[0]
        prev[0] = wall
        if out is not None:
            b = out.get_array()
            b.fill(0)
            at = sc[_PULSE_AT]
            if at >= 0 and now >= at:
                b[0] = 0.5
                sc[_PULSE_WRITTEN] = now
                sc[_PULSE_AT] = -1
        if not sc[_ARMED]:
            return
        if detect and sc[_FIRST] < 0:
            b = ports[0].get_array()
            nz = np.flatnonzero(b)
            if nz.size:
                i = int(nz[0])
                first_value[0] = b[i]
                sc[_FIRST_NS] = wall
                sc[_PREV_NS] = last_ns
                sc[_FIRST] = now + i
        pos = int(sc[_POS])
        if not sc[_RECORD] or pos >= frames:
            return
        n = min(nframes, frames - pos)
        for i, port in enumerate(ports):
            data[i, pos:pos + n] = port.get_array()[:n]
        c = int(sc[_CYCLES])
        if c < cycles:
            times[c] = now
            sc[_CYCLES] = c + 1
        sc[_POS] = pos + n

    client.activate()
    for o, port in zip(outputs, ports, strict=True):
        client.connect(f"system:monitor_{o}", port)
    if out is not None:
        client.connect(out, f"system:playback_{out_port}")
    sc[_READY] = 1
    conn.send("ready")
    try:
        conn.recv()  # anything, or EOF: stop
    except EOFError:
        pass
    client.deactivate()
    client.close()  # the mapping goes with the process


class Recorder:
    """Records ``system:monitor_N`` for the given outputs, in a process of its own.

    Monitor ports carry what the output played one cycle later; they repeat a stale buffer until the
    first cycle after connection, so nothing counts before ``arm()``. Per recorded cycle it also
    keeps the cycle's frame time (``last_frame_time``), so a cycle the recorder itself missed shows
    as a frame-time gap and is not blamed on the player.

    ``detect=True``: the first non-zero sample on the first port after ``arm()`` is noted as
    ``first = (frame time of its cycle + index in the cycle, value)``: an onset, in JACK frame time.

    ``out_port=N``: an output port connected to ``system:playback_N`` that writes one impulse
    (``pulse()``) at a known frame time, to calibrate how late the monitor shows what a client wrote.

    The bench process keeps a JACK client of its own, never activated (no callback, so no thread
    that needs our GIL), only to read the frame time.
    """

    def __init__(self, server: str, outputs: list[int], seconds: float, name: str = "bench-rec",
                 detect: bool = False, out_port: int | None = None) -> None:
        import mmap
        import multiprocessing as mp
        import tempfile

        import jack

        self.outputs = outputs
        self.frames = int(seconds * RATE)
        self._ncycles = self.frames // 16 + 2
        size = _recorder_size(len(outputs), self.frames, self._ncycles)
        fd, self._path = tempfile.mkstemp(prefix="bench-rec-", dir="/dev/shm")
        os.ftruncate(fd, size)
        self._buf = mmap.mmap(fd, size)
        os.close(fd)
        self._sc, self._first_value, self._times, self.data = _recorder_views(
            self._buf, len(outputs), self.frames, self._ncycles)
        self._sc[:] = 0
        self._sc[_FIRST] = -1
        self._sc[_PULSE_AT] = -1
        self._sc[_PULSE_WRITTEN] = -1
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_recorder_main, name=name, daemon=True, args=(
            self._path, server, name, outputs, self.frames, self._ncycles, detect, out_port, child))
        self._proc.start()
        if not self._conn.poll(20) or self._conn.recv() != "ready":
            self.close()
            raise RuntimeError("the recorder process did not start")
        self.block = int(self._sc[_BLOCK])
        self._clock = jack.Client(f"{name}-clock", no_start_server=True, servername=server)

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def frame_time(self) -> int:
        """JACK's estimate of the current frame time."""
        return self._clock.frame_time

    def onset_wall(self) -> tuple[float, float] | None:
        """The first sample (``detect``) on ``time.monotonic`` (seconds), + its offset in the block:
        (when the recorder's callback started for the cycle before the monitor showed it, in which
        the engine wrote the block; when it started for the cycle the monitor showed it in)."""
        f = int(self._sc[_FIRST])
        if f < 0:
            return None
        offset = (f % self.block) / RATE
        return int(self._sc[_PREV_NS]) / 1e9 + offset, int(self._sc[_FIRST_NS]) / 1e9 + offset

    @property
    def first(self) -> tuple[int, float] | None:
        f = int(self._sc[_FIRST])
        return None if f < 0 else (f, float(self._first_value[0]))

    @property
    def xruns(self) -> int:
        return int(self._sc[_XRUNS])

    @property
    def pos(self) -> int:
        return int(self._sc[_POS])

    @property
    def pulse_written(self) -> int | None:
        w = int(self._sc[_PULSE_WRITTEN])
        return None if w < 0 else w

    def arm(self, record: bool = True) -> None:
        """Start at the next cycle; ``record=False`` only detects the onset (``detect=True``)."""
        self._sc[_ARMED] = 0
        time.sleep(2 * self.block / RATE + 0.001)  # let a cycle in progress finish
        self._sc[_POS] = 0
        self._sc[_CYCLES] = 0
        self._sc[_FIRST] = -1
        self._sc[_RECORD] = int(record)
        self._sc[_ARMED] = 1

    def disarm(self) -> None:
        self._sc[_ARMED] = 0

    def pulse(self, at_frame: int) -> None:
        self._sc[_PULSE_WRITTEN] = -1
        self._sc[_PULSE_AT] = at_frame

    def wait(self, timeout: float) -> np.ndarray:
        """The recording once full (or after ``timeout`` s); a view, valid until the next ``arm``."""
        deadline = time.monotonic() + timeout
        while self.pos < self.frames and time.monotonic() < deadline:
            time.sleep(0.05)
        self.disarm()
        time.sleep(2 * self.block / RATE + 0.001)
        return self.data[:, :self.pos]

    def block_times(self) -> np.ndarray:
        """The frame time of each recorded cycle (a copy)."""
        return self._times[:int(self._sc[_CYCLES])].copy()

    def missed_cycles(self) -> int:
        """Cycles the recorder was not called for while recording (frame-time gaps)."""
        t = self._times[:int(self._sc[_CYCLES])]
        if t.size < 2:
            return 0
        gaps = np.diff(t) // self.block - 1
        return int(gaps[gaps > 0].sum())

    def take(self, timeout: float) -> tuple[np.ndarray, np.ndarray, int]:
        """Arm, then the full recording (a copy), its cycles' frame times and the cycles missed."""
        self.arm()
        captured = self.wait(timeout).copy()
        return captured, self.block_times(), self.missed_cycles()

    def close(self) -> None:
        self.disarm()
        try:
            self._conn.send("stop")
        except (OSError, ValueError):
            pass
        end_process(self._proc, 5)
        if getattr(self, "_clock", None) is not None:
            self._clock.close()
            self._clock = None
        for attr in ("_sc", "_first_value", "_times", "data"):
            if hasattr(self, attr):
                delattr(self, attr)
        self._buf.close()
        Path(self._path).unlink(missing_ok=True)


def monitor_delay(rec: Recorder, trials: int = 5) -> int:
    """Frames between a client writing a sample (frame time of its cycle) and the monitor showing it.

    ``rec`` needs ``detect=True``, ``outputs[0] == out_port``. design.md says one cycle.
    """
    delays = []
    for _ in range(trials):
        rec.arm(record=False)
        target = rec.frame_time + 2 * rec.block
        rec.pulse(target)
        deadline = time.monotonic() + 2
        while (rec.first is None or rec.pulse_written is None) and time.monotonic() < deadline:
            time.sleep(0.005)
        if rec.first is not None and rec.pulse_written is not None:
            delays.append(rec.first[0] - rec.pulse_written)
        rec.disarm()
        time.sleep(0.05)
    if not delays:
        raise RuntimeError("the calibration pulse never showed on the monitor port")
    return int(np.median(delays))


# --- counting dropouts from the counter signal -----------------------------------------------------
def decode(captured: np.ndarray) -> np.ndarray:
    """Counter samples -> song frame mod 2**21 (int64); -1 where the output was silent."""
    return np.rint(captured.astype(np.float64) * COUNTER_SCALE).astype(np.int64) - 1


@dataclass
class Glitches:
    blocks: int  # captured blocks examined
    bad: int  # blocks that did not carry the expected counter block (stale, silent, shifted)
    discontinuities: int  # sample boundaries where the counter did not advance by exactly one
    silent_blocks: int
    skipped_frames: int  # net frames the signal jumped forward (blocks never heard)
    repeated_frames: int  # net frames the signal jumped back (stale blocks heard twice)
    bad_at: tuple[int, ...] = ()  # captured block index of each bad block

    def __add__(self, o: Glitches) -> Glitches:
        return Glitches(*(a + b for a, b in zip(self.astuple(), o.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.blocks, self.bad, self.discontinuities, self.silent_blocks,
                self.skipped_frames, self.repeated_frames)


def count_glitches(captured: np.ndarray, block: int, times: np.ndarray | None = None) -> Glitches:
    """Dropped blocks in a captured counter signal, block by block (recording is cycle-aligned).

    Each captured block should be the counter block that follows, in time, the ones before it.
    A block is *bad* if it is silent, not a run of consecutive counter values, or not at the
    current alignment. The alignment (counter frame minus the block's time) moves only when two
    blocks in a row agree on a new one, so a stale repeated block followed by a skipped one (the
    usual glitch) counts 1, a late start that stays late counts 1, a silent block counts 1.

    ``times``: the JACK frame time of each captured block (``Recorder.block_times``). With it, time
    is the server's frame count, so a cycle the recorder itself missed is not blamed on the player
    (it is simply not examined), while a cycle the whole server missed still counts.
    """
    k = decode(captured)
    n = len(k) // block
    k = k[: n * block]
    if n == 0:
        return Glitches(0, 0, 0, 0, 0, 0)
    steps = np.diff(k) % COUNTER_PERIOD
    discontinuities = int(np.count_nonzero(steps != 1))
    heard = k[k >= 0]  # jumps between sounding samples (silence is counted in silent_blocks)
    jumps = np.diff(heard)[np.diff(heard) % COUNTER_PERIOD != 1]
    jumps = (jumps + COUNTER_PERIOD // 2) % COUNTER_PERIOD - COUNTER_PERIOD // 2 - 1
    kb = k.reshape(n, block)
    inner = (np.diff(kb, axis=1) % COUNTER_PERIOD == 1).all(axis=1) if block > 1 else \
        np.ones(n, dtype=bool)
    silent = (kb < 0).all(axis=1)
    valid = inner & (kb[:, 0] >= 0)
    if times is not None and len(times) >= n:
        t = np.asarray(times[:n], dtype=np.int64) - int(times[0])
    else:
        t = np.arange(n, dtype=np.int64) * block
    offset = (kb[:, 0] - t) % COUNTER_PERIOD
    bad: list[int] = []
    align: int | None = None
    valid_l = valid.tolist()
    offset_l = offset.tolist()
    for i in range(n):
        if not valid_l[i]:
            bad.append(i)
            continue
        if align is None:
            align = offset_l[i]
            continue
        if offset_l[i] == align:
            continue
        bad.append(i)
        if i + 1 < n and valid_l[i + 1] and offset_l[i + 1] == offset_l[i]:
            align = offset_l[i]
    return Glitches(n, len(bad), discontinuities, int(silent.sum()),
                    int(jumps[jumps > 0].sum()), int(-jumps[jumps < 0].sum()), tuple(bad))


# --- media ----------------------------------------------------------------------------------------
def counter_samples(start: int, frames: int) -> np.ndarray:
    """The counter as float32 (what the players output)."""
    n = np.arange(start, start + frames, dtype=np.int64)
    return (((n % COUNTER_PERIOD) + 1) / COUNTER_SCALE).astype(np.float32)


def _write(path: Path, frames: int, fill, fmt: str) -> None:
    import soundfile as sf

    tmp = path.with_name(path.name + ".part")
    chunk = RATE * 10
    with sf.SoundFile(str(tmp), "w", RATE, 2, subtype="PCM_24",
                      format="FLAC" if fmt == "flac" else "WAV") as f:
        for start in range(0, frames, chunk):
            f.write(fill(start, min(chunk, frames - start)))
    tmp.rename(path)


def _counter_chunk(start: int, frames: int) -> np.ndarray:
    n = np.arange(start, start + frames, dtype=np.int64)
    v = ((n % COUNTER_PERIOD) + 1) << 8  # int32 whose top 24 bits are the value: exact in PCM_24
    return np.stack([v, v], axis=1).astype(np.int32)


def _tone_chunk(index: int):
    """A stem that sounds from sample 0: two partials and a little noise, different per stem."""
    f1 = 55.0 * 2 ** (index / 7)
    f2 = f1 * 1.5
    rng = np.random.default_rng(index)

    def fill(start: int, frames: int) -> np.ndarray:
        t = np.arange(start, start + frames) / RATE
        left = 0.04 * np.sin(2 * np.pi * f1 * t + 0.3) + 0.02 * np.sin(2 * np.pi * f2 * t + 1.0)
        right = 0.04 * np.sin(2 * np.pi * f1 * t + 0.9) + 0.02 * np.sin(2 * np.pi * f2 * t + 0.2)
        noise = rng.standard_normal((frames, 2)) * 0.003
        return (np.stack([left, right], axis=1) + noise).astype(np.float32)

    return fill


class Media:
    """Generated stems, cached under ``CACHE``: a pool of files and song folders of symlinks to them.

    Pool (per length and format): ``counter`` (the counter, both sides equal) and ``t01``..``t23``
    (tones + noise), all ``seconds`` long, stereo 24-bit; ``long-S`` extra stems of other lengths.
    A song folder holds ``click.EXT`` (-> counter; the bench rig routes the click role alone to
    output 7) and ``tNN.EXT`` links (role ``other`` -> outputs 5-6).
    """

    def __init__(self, seconds: int, fmt: str = "wav", cache: Path = CACHE) -> None:
        self.seconds = seconds
        self.fmt = fmt
        self.pool = cache / f"pool-v1-{seconds}s-{fmt}"  # v1: bump when the signals change
        self.cache = cache

    def stem(self, name: str) -> Path:
        return self.pool / f"{name}.{self.fmt}"

    def ensure(self, tones: int = 23, extra_seconds: tuple[int, ...] = ()) -> None:
        self.pool.mkdir(parents=True, exist_ok=True)
        frames = self.seconds * RATE
        made = []
        if not self.stem("counter").exists():
            _write(self.stem("counter"), frames, _counter_chunk, self.fmt)
            made.append("counter")
        for i in range(1, tones + 1):
            p = self.stem(f"t{i:02d}")
            if not p.exists():
                _write(p, frames, _tone_chunk(i), self.fmt)
                made.append(p.name)
        for s in extra_seconds:
            p = self.stem(f"long-{s}")
            if not p.exists():
                _write(p, s * RATE, _tone_chunk(100 + s), self.fmt)
                made.append(p.name)
        if made:
            print(f"  generated {len(made)} stems in {self.pool}", flush=True)

    def song(self, folder: Path, tones: int = 23, extra: int | None = None,
             pool_tones: int = 23) -> Path:
        """A song folder: click (counter) + ``tones`` links cycling over the pool (+ one long stem)."""
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        (folder / f"click.{self.fmt}").symlink_to(self.stem("counter"))
        for i in range(1, tones + 1):
            src = self.stem(f"t{(i - 1) % pool_tones + 1:02d}")
            (folder / f"t{i:02d}.{self.fmt}").symlink_to(src)
        if extra is not None:
            (folder / f"long.{self.fmt}").symlink_to(self.stem(f"long-{extra}"))
        return folder


def write_rig(path: Path, block: int) -> Path:
    path.write_text(
        f'name = "bench {block}"\n[audio]\ndevice = "system"\nsample_rate = {RATE}\n'
        f"block_size = {block}\n[buses]\nin_ears = [1, 2]\nfoh_bvs = [3, 4]\nfoh_tracks = [5, 6]\n"
        f"counter = [{COUNTER_OUTPUT}]\n[roles]\nclick = \"counter\"\nguide = \"in_ears\"\n"
        f'bvs = "foh_bvs"\nother = "foh_tracks"\n')
    return path


def write_setlist(path: Path, rig: Path, songs: list[Path], title: str = "bench") -> Path:
    lines = [f'title = "{title}"', f'rig = "{os.path.relpath(rig, path.parent)}"']
    for s in songs:
        lines += ["[[songs]]", f'path = "{os.path.relpath(s, path.parent)}"']
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class CounterRun:
    """What a dropout bench plays through at one block size: the rig and setlist of the counter song,
    the private server, and the recorder of the counter's output (``seconds`` a slice)."""

    rig: Path
    setlist: Path
    server: Server
    recorder: Recorder


def counter_run(work: Path, block: int, song: Path, seconds: float, name: str) -> CounterRun:
    rig = write_rig(work / f"rig-{block}.toml", block)
    setlist = write_setlist(work / f"counter-{block}.toml", rig, [song], "counter")
    server = private_server(block, work)
    return CounterRun(rig, setlist, server, Recorder(server.name, [COUNTER_OUTPUT], seconds, name=name))


# --- page cache and process figures ---------------------------------------------------------------
def evict(paths: list[Path]) -> None:
    """Drop these files' pages from the page cache (POSIX_FADV_DONTNEED): a cold read, for these
    files only, without flushing the whole machine's cache under the other work sharing it."""
    for p in paths:
        fd = os.open(os.path.realpath(p), os.O_RDONLY)
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def drop_all_caches() -> bool:
    """``sync; echo 3 > /proc/sys/vm/drop_caches`` (root); False when not permitted."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def resident_pages(paths: list[Path]) -> int:
    """Pages of these files in the page cache (util-linux ``fincore``); -1 if it is not there."""
    if shutil.which("fincore") is None:
        return -1
    out = subprocess.run(["fincore", "-nb", "-o", "PAGES", *[os.path.realpath(p) for p in paths]],
                         capture_output=True, text=True)
    try:
        return sum(int(x) for x in out.stdout.split())
    except ValueError:
        return -1


def smaps_rollup(pid: int) -> dict[str, int]:
    """Rss, Pss, ... in KiB from /proc/PID/smaps_rollup."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[-1] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def steal_jiffies() -> int:
    """The machine's total steal time so far (VM scheduling: dropouts track it, design.md)."""
    with open("/proc/stat") as f:
        cpu = f.readline().split()
    return int(cpu[8]) if len(cpu) > 8 else 0



# --- the baseline: a bare sounddevice player ------------------------------------------------------
def bare_player_main(block: int, channels: int, output: int, playing: bool, conn) -> None:
    """A bare player in its own process: the counter, from memory, to ``output`` (1-based), through a
    trivial sounddevice callback on the JACK device (``system``), same channels and block size as the
    engine's stream. Sends ("ready", pid) once the stream runs. Messages: "play" (the counter from
    its start, at the next callback), "silence", "stop" (replies with its counters and exits).
    """
    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    import sounddevice as sd

    table = counter_samples(0, COUNTER_PERIOD)  # 8 MB: one period of the counter, looped
    state = [0, int(playing)]  # position, playing
    flags = [0, 0]  # callbacks, output_underflow flags
    col = output - 1

    def callback(outdata: np.ndarray, frames: int, _time: object, status: sd.CallbackFlags) -> None:
        flags[0] += 1
        if status.output_underflow:
            flags[1] += 1
        outdata.fill(0)
        if state[1]:
            p = state[0]
            outdata[:, col] = table[p:p + frames]
            state[0] = (p + frames) % COUNTER_PERIOD

    device = next(i for i, d in enumerate(sd.query_devices())
                  if "system" in d["name"].lower() and d["max_output_channels"] >= channels)
    with sd.OutputStream(device=device, channels=channels, samplerate=RATE, blocksize=block,
                         dtype="float32", latency="low", callback=callback):
        conn.send(("ready", os.getpid()))
        while True:
            try:
                msg = conn.recv()
            except EOFError:
                break
            if msg == "play":
                state[0] = 0
                state[1] = 1
            elif msg == "silence":
                state[1] = 0
            else:
                break
    conn.send({"callbacks": flags[0], "underflow_flags": flags[1]})


class BarePlayer:
    """Start/stop ``bare_player_main`` in a spawned process."""

    def __init__(self, block: int, channels: int, output: int = COUNTER_OUTPUT,
                 playing: bool = True) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=bare_player_main, name="bench-bare", daemon=True,
                                 args=(block, channels, output, playing, child))
        self._proc.start()
        if not self._conn.poll(30):
            self.close()
            raise RuntimeError("the bare player did not start")
        _, self.pid = self._conn.recv()
        self.result: dict[str, int] = {}

    def send(self, msg: str) -> None:
        """"play" or "silence"."""
        self._conn.send(msg)

    def close(self) -> dict[str, int]:
        if self._proc.is_alive():
            try:
                self._conn.send("stop")
                if self._conn.poll(10):
                    self.result = self._conn.recv()
            except (OSError, EOFError):
                pass
        end_process(self._proc, 10)
        return self.result


def smaps_breakdown(pid: int, top: int = 8) -> list[tuple[str, float, float]]:
    """PSS and RSS (MiB) per kind of mapping of a process, largest PSS first: JACK's shared memory,
    anonymous memory (numpy arrays, malloc arenas, thread stacks), the heap, each shared library."""
    totals: dict[str, list[float]] = {}
    name = "?"
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split(None, 5)
            if len(head) >= 5 and "-" in head[0] and ":" in head[3]:
                path = head[5].strip() if len(head) > 5 else ""
                if not path:
                    name = "anonymous (arrays, arenas, stacks)"
                elif "/jack" in path or path.startswith("/dev/shm/jack"):
                    name = "JACK shared memory"
                elif path.startswith("/dev/shm"):
                    name = "other /dev/shm (status block...)"
                elif path.startswith("["):
                    name = path
                else:
                    name = os.path.basename(path).split(".so")[0] + (".so" if ".so" in path else "")
                continue
            if line.startswith("Pss:") or line.startswith("Rss:"):
                t = totals.setdefault(name, [0.0, 0.0])
                t[0 if line.startswith("Pss:") else 1] += int(line.split()[1]) / 1024
    rows = sorted(((k, v[0], v[1]) for k, v in totals.items()), key=lambda r: -r[1])
    rest = rows[top:]
    out = rows[:top]
    if rest:
        out.append((f"{len(rest)} others", sum(r[1] for r in rest), sum(r[2] for r in rest)))
    return out


# --- the engine under test -------------------------------------------------------------------------
def load_engine(eng, setlist: Path, play: bool = False, timeout: float = 15.0) -> None:
    """Load ``setlist`` into a started ``Engine``, cue song 1, wait for the device and the song;
    with ``play``, let the ring fill (an immediate play drops blocks, see bench/start.py) and play."""
    from player.engine import messages as m
    from player.engine.status import State

    eng.send(m.LoadSetlist(setlist.resolve()))
    eng.send(m.Cue(0))
    seen: list[m.Event] = []
    if not eng.wait_for(m.DeviceBack, timeout, seen) and not any(isinstance(e, m.DeviceBack) for e in seen):
        raise RuntimeError(f"device never opened: {seen}; see {eng.log}")
    if not any(isinstance(e, m.SongLoaded) for e in seen) and not eng.wait_for(m.SongLoaded, timeout, seen):
        raise RuntimeError(f"song never loaded: {seen}")
    if play:
        time.sleep(0.5)
        eng.send(m.Play())
        if not eng.wait_state(State.PLAYING, 5):
            raise RuntimeError("the engine did not play")
