"""End to end through a real audio server: what PortAudio plays arrives on the intended output only."""

from __future__ import annotations

import numpy as np

from player.engine.devices import find_output_device
from tests.support.jackserver import JackServer, Recorder


def dominant_hz(signal: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return float(np.fft.rfftfreq(len(signal), 1 / rate)[np.argmax(spectrum)])


def test_known_signals_arrive_on_their_channels(jack_server: JackServer) -> None:
    import sounddevice as sd

    device = find_output_device("system")
    assert device is not None and device.outputs == 16, "the JACK device should offer 16 outputs"

    rate = jack_server.rate
    tones = {2: 440.0, 5: 1000.0, 15: 2500.0}  # 0-based output -> frequency (outputs 3, 6 and 16)
    phase = np.zeros(1, dtype=np.int64)
    step = 2 * np.pi * np.array(list(tones.values())) / rate
    channels = np.array(list(tones))

    def callback(outdata: np.ndarray, frames: int, _time: object, _status: object) -> None:
        outdata.fill(0)
        n = np.arange(phase[0], phase[0] + frames)
        outdata[:, channels] = 0.5 * np.sin(np.outer(n, step))
        phase[0] += frames

    recorder = Recorder(jack_server, seconds=1.0)
    with sd.OutputStream(device=device.index, channels=16, samplerate=rate, dtype="float32",
                         blocksize=jack_server.block, callback=callback):
        recorder.start()
        captured = recorder.wait(timeout=5.0)

    assert captured.shape[1] >= rate // 2, f"recorded only {captured.shape[1]} frames"
    # Skip the first blocks: the stream may start after the recorder armed.
    body = captured[:, 4096:]
    for ch in range(16):
        peak = float(np.abs(body[ch]).max())
        if ch in tones:
            assert 0.45 < peak <= 0.5001, f"output {ch + 1}: peak {peak}"
            assert abs(dominant_hz(body[ch], rate) - tones[ch]) < 5, f"output {ch + 1}: wrong tone"
        else:
            assert peak == 0.0, f"output {ch + 1} should be silent, peak {peak}"
