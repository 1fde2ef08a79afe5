"""Choose the key and tempo library (issue 14) by measurement: CPU per track-minute and quality.

Candidates: pedalboard's ``time_stretch`` (Rubber Band inside; high quality and fast settings),
python-stretch (Signalsmith Stretch; default and ``cheaper`` presets) and bungee-python (Bungee).

Figures, each on a stereo 48 kHz float32 signal, one core (each library runs single-threaded):
- CPU s per track-minute (``resource`` user+sys of this process, so a busy neighbour's load does not
  count) for pitch +2 semitones and for tempo x1.04, on a 30 s "music" signal (a chord of harmonic
  tones with vibrato and a noise hiss, plus a decaying click every beat), scaled to one minute.
- Round trip: +2 then -2 semitones, and tempo x0.9 then /0.9, against the original: the log-spectral
  distance (mean |dB| of the 2048-point STFT magnitudes above -40 dB of the peak, i.e. the partials;
  0 is perfect) and the waveform SNR after the best alignment within +-50 ms (phase vocoders keep
  magnitudes, not phases, so a low SNR with a small spectral distance is expected).
- Pitch accuracy: a steady sine at 110 and 440 Hz up 2 semitones, its measured frequency's error in cents.
- Transient smearing: a click train (a 1 ms burst every 0.5 s) through tempo x0.9 (and pitch +2): the
  time span holding 90 % of each click's energy (the original: ~1 ms) and the energy arriving more
  than 2 ms before the click's peak (pre-echo), in dB below the click.

``--song``: the issue's target instead. A 4-minute song of 12 stereo 24-bit 48 kHz stems (the music
signal above, each seeded differently) prepared at transpose -2 and tempo x1.05 by ``prepare_all``, one
worker per core, into a fresh cache; wall seconds per track-minute (target <= 1.0 on the 2-core VM),
then the second run (all cache hits).

Run from the checkout:  .venv/bin/python -m bench.prepare [--seconds 30] [--song]
"""

from __future__ import annotations

import argparse
import resource
from collections.abc import Callable

import numpy as np

from bench.common import header

RATE = 48_000
Audio = np.ndarray  # (channels, frames) float32
Process = Callable[[Audio, float, float], Audio]  # audio, semitones, tempo -> audio


def _pedalboard(high_quality: bool) -> Process:
    import pedalboard

    def run(audio: Audio, semitones: float, tempo: float) -> Audio:
        return np.asarray(pedalboard.time_stretch(audio, RATE, stretch_factor=tempo,
                                                  pitch_shift_in_semitones=semitones,
                                                  high_quality=high_quality))
    return run


def _signalsmith(cheaper: bool) -> Process:
    import python_stretch

    def run(audio: Audio, semitones: float, tempo: float) -> Audio:
        s = python_stretch.Signalsmith.Stretch()
        s.preset(audio.shape[0], RATE, cheaper)
        s.setTransposeSemitones(semitones)
        s.timeFactor = tempo
        return np.asarray(s.process(np.ascontiguousarray(audio)))
    return run


def _bungee() -> Process:
    from bungee_python import bungee

    def run(audio: Audio, semitones: float, tempo: float) -> Audio:
        b = bungee.Bungee(RATE, audio.shape[0])
        x = np.ascontiguousarray(audio.T)
        if semitones:
            x = b.pitch_shift(x, semitones)
        if tempo != 1.0:
            b = bungee.Bungee(RATE, audio.shape[0])
            x = b.time_stretch(np.ascontiguousarray(x), 1.0 / tempo)
        return np.ascontiguousarray(np.asarray(x).T)
    return run


CANDIDATES: dict[str, Callable[[], Process]] = {
    "pedalboard (Rubber Band, high quality)": lambda: _pedalboard(True),
    "pedalboard (Rubber Band, fast)": lambda: _pedalboard(False),
    "python-stretch (Signalsmith)": lambda: _signalsmith(False),
    "python-stretch (Signalsmith, cheaper)": lambda: _signalsmith(True),
    "bungee-python (Bungee)": _bungee,
}


def music(seconds: float, seed: int = 1) -> Audio:
    """A chord of harmonic tones with vibrato, a little hiss and a decaying click on every beat."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    out = np.zeros((2, t.size))
    for side, f0s in enumerate(((220.0, 277.18, 329.63), (246.94, 329.63, 392.0))):
        for f0 in f0s:
            phase = 2 * np.pi * f0 * t + 0.3 * np.sin(2 * np.pi * 5 * t)
            for h in range(1, 7):
                out[side] += np.sin(h * phase) / (h * 8)
    out += 0.01 * rng.standard_normal(out.shape)
    beat = int(0.5 * RATE)
    burst = np.exp(-np.arange(2400) / 300.0) * rng.standard_normal(2400) * 0.5
    for start in range(0, t.size - 2400, beat):
        out[:, start:start + 2400] += burst
    return (out * 0.5).astype(np.float32)


def clicks(seconds: float) -> tuple[Audio, int]:
    """A 1 ms burst every 0.5 s (stereo), and the period in frames."""
    period = RATE // 2
    out = np.zeros((2, int(seconds * RATE)), np.float32)
    burst = np.hanning(48).astype(np.float32)
    for start in range(period // 2, out.shape[1] - 48, period):
        out[:, start:start + 48] = burst
    return out, period


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def stft_db(x: np.ndarray) -> np.ndarray:
    n, hop = 2048, 512
    frames = (x.size - n) // hop
    idx = np.arange(n)[None, :] + hop * np.arange(frames)[:, None]
    spec = np.abs(np.fft.rfft(x[idx] * np.hanning(n), axis=1))
    return 20 * np.log10(spec + 1e-9)


def align(ref: np.ndarray, got: np.ndarray, max_lag: int = 2400) -> np.ndarray:
    """``got`` shifted by the lag (within +-50 ms) that best matches ``ref``, cut to its length."""
    n = min(ref.size, got.size)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    xc = np.fft.irfft(np.fft.rfft(got[:n], size) * np.conj(np.fft.rfft(ref[:n], size)), size)
    lags = np.r_[np.arange(0, max_lag + 1), np.arange(-max_lag, 0)]
    best = int(lags[np.argmax(np.r_[xc[:max_lag + 1], xc[-max_lag:]])])
    out = np.zeros_like(ref)
    src = got[max(best, 0):]
    dst = out[max(-best, 0):]
    m = min(src.size, dst.size)
    dst[:m] = src[:m]
    return out


def round_trip(ref: Audio, got: Audio) -> tuple[float, float]:
    """(log-spectral distance in dB, SNR in dB) of the left channel, aligned, edges (0.5 s) left out."""
    a = ref[0]
    b = align(a, got[0][:a.size] if got.shape[1] >= a.size else np.pad(got[0], (0, a.size - got.shape[1])))
    edge = RATE // 2
    a, b = a[edge:-edge], b[edge:-edge]
    sa, sb = stft_db(a), stft_db(b)
    mask = sa > sa.max() - 40  # the partials, not the hiss (its random phase differs by nature)
    lsd = float(np.mean(np.abs(sa - sb)[mask]))
    snr = float(10 * np.log10(np.sum(a ** 2) / max(np.sum((a - b) ** 2), 1e-20)))
    return lsd, snr


def smear(got: Audio, period: int, scale: float) -> tuple[float, float]:
    """(median ms holding 90 % of a click's energy, median pre-echo dB) over the clicks in ``got``."""
    x = got[0].astype(np.float64)
    step = int(round(period * scale))
    spans, pres = [], []
    for centre in range(step // 2 + step, x.size - step, step):  # skip the first click (start-up)
        win = x[centre - step // 2:centre + step // 2] ** 2
        peak = int(np.argmax(win))
        total = win.sum()
        if total <= 0:
            continue
        order = np.sort(win)[::-1]
        spans.append(np.searchsorted(np.cumsum(order), 0.9 * total) / RATE * 1000)
        pre = win[:max(peak - 96, 0)].sum()
        pres.append(10 * np.log10(max(pre, 1e-20) / total))
    return float(np.median(spans)), float(np.median(pres))


def pitch_error(run: Process, freq: float) -> float:
    """Cents off +2 semitones for a steady sine at ``freq`` (a bass note a few cents sharp is audible)."""
    t = np.arange(6 * RATE) / RATE
    x = np.tile((0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32), (2, 1))
    y = run(x, 2.0, 1.0)[0].astype(np.float64)
    mid = y[y.size // 4: 3 * y.size // 4]
    n = 1 << 21
    spec = np.abs(np.fft.rfft(mid * np.hanning(mid.size), n))
    k = int(np.argmax(spec))
    a, b, c = np.log(spec[k - 1: k + 2])
    found = (k + 0.5 * (a - c) / (a - 2 * b + c)) * RATE / n
    return float(1200 * np.log2(found / (freq * 2 ** (2 / 12))))


def song_bench(stems: int = 12, minutes: float = 4.0) -> None:
    """Wall time of ``player prepare``'s work for one song, and of the second (cached) run."""
    import tempfile
    import time
    from pathlib import Path

    import soundfile as sf

    from player.prepare.cache import PrepareCache
    from player.prepare.prepare import Job, prepare_all

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        todo = []
        for i in range(stems):
            path = root / f"stem{i:02d}.wav"
            sf.write(str(path), music(minutes * 60, seed=i).T, RATE, subtype="PCM_24")
            todo.append(Job("bench", path, -2, 1.05))
        cache = PrepareCache(root / "cache")
        for label in ("first run", "second run (cache hits)"):
            t0, c0 = time.monotonic(), cpu()
            done = prepare_all(todo, cache)
            wall = time.monotonic() - t0
            worker_cpu = sum(d.cpu_seconds for d in done)
            track_minutes = stems * minutes
            print(f"{label}: {stems} stems x {minutes:g} min, transpose -2, tempo x1.05: {wall:.2f} s wall "
                  f"= {wall / track_minutes:.3f} s wall per track-minute; workers' CPU {worker_cpu:.1f} s "
                  f"({worker_cpu / track_minutes:.2f} s per track-minute), parent CPU {cpu() - c0:.2f} s; "
                  f"hits {sum(d.hit for d in done)}/{len(done)}, errors {sum(bool(d.error) for d in done)}",
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--only", help="run the candidates whose name contains this")
    parser.add_argument("--song", action="store_true", help="time the issue's 4-minute, 12-stem song")
    args = parser.parse_args()
    print(header("prepare (key and tempo library)"))
    if args.song:
        song_bench()
        return
    x = music(args.seconds)
    c, period = clicks(20.0)
    minutes = args.seconds / 60.0
    rows = []
    for name, make in CANDIDATES.items():
        if args.only and args.only not in name:
            continue
        run = make()
        run(x[:, :RATE], 2.0, 1.0)  # warm up (imports, plans)
        t0 = cpu()
        up = run(x, 2.0, 1.0)
        pitch_cpu = (cpu() - t0) / minutes
        t0 = cpu()
        run(x, 0.0, 1.04)
        tempo_cpu = (cpu() - t0) / minutes
        pitch_rt = round_trip(x, run(up, -2.0, 1.0))
        tempo_rt = round_trip(x, run(run(x, 0.0, 0.9), 0.0, 1 / 0.9))
        span_t, pre_t = smear(run(c, 0.0, 0.9), period, 1 / 0.9)
        span_p, pre_p = smear(run(c, 2.0, 1.0), period, 1.0)
        cents = [pitch_error(run, f) for f in (110.0, 440.0)]
        rows.append((name, pitch_cpu, tempo_cpu, *pitch_rt, *tempo_rt, span_t, pre_t, span_p, pre_p, *cents))
        print(f"{name}: pitch {pitch_cpu:.2f} s/track-min, tempo {tempo_cpu:.2f} s/track-min; "
              f"round trip pitch LSD {pitch_rt[0]:.2f} dB SNR {pitch_rt[1]:.1f} dB, tempo LSD "
              f"{tempo_rt[0]:.2f} dB SNR {tempo_rt[1]:.1f} dB; click x0.9 90% in {span_t:.1f} ms, "
              f"pre-echo {pre_t:.1f} dB; click +2 st {span_p:.1f} ms, pre-echo {pre_p:.1f} dB; sine +2 st "
              f"error {cents[0]:+.2f} cents at 110 Hz, {cents[1]:+.2f} at 440 Hz", flush=True)
    span0, pre0 = smear(c, period, 1.0)
    print(f"original click: 90% in {span0:.1f} ms, pre-echo {pre0:.1f} dB")
    print("\n| library | CPU s/track-min pitch +2 | tempo x1.04 | pitch round trip LSD dB / SNR dB "
          "| tempo round trip LSD / SNR | click x0.9: 90 % energy ms / pre-echo dB | click +2 st "
          "| sine +2 st error, cents, 110 / 440 Hz |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:.2f} | {r[2]:.2f} | {r[3]:.2f} / {r[4]:.1f} | {r[5]:.2f} / {r[6]:.1f} "
              f"| {r[7]:.1f} / {r[8]:.1f} | {r[9]:.1f} / {r[10]:.1f} | {r[11]:+.2f} / {r[12]:+.2f} |")


if __name__ == "__main__":
    main()
