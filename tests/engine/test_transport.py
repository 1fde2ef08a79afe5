"""The callback driven offline, block by block, on a stem whose every sample says where it is.

A float WAV whose sample n holds ``(n + 1) / 2**20`` makes each output sample name its song frame,
so starts, fades, seeks and segues can be checked to the sample without a device.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from player.engine import messages as m
from player.engine.status import State
from player.setlist.roles import Role
from tests.support.harness import BLOCK, Harness, counter


@pytest.fixture
def h(tmp_path: Path):
    harness = Harness(tmp_path)
    yield harness
    harness.close()


def test_play_starts_on_the_songs_first_sample(h: Harness) -> None:
    h.send(m.Cue(0))
    assert not h.run(4).any(), "silence while stopped"
    h.send(m.Play())
    np.testing.assert_array_equal(h.run(10), counter(10 * BLOCK))


def test_pause_fades_then_resume_continues_where_it_stopped(h: Harness) -> None:
    h.send(m.Cue(0))
    h.send(m.Play())
    h.run(10)
    h.send(m.Pause(fade_ms=5.0))  # 240 frames: two blocks
    out = h.run(6)
    expected = counter(6 * BLOCK, offset=10 * BLOCK)
    gain = out[:240] / expected[:240]
    assert np.all(np.diff(gain) < 0) and gain[-1] < 0.01, "a smooth fade, not a cut"
    assert not out[256:].any() and h.transport.state is State.PAUSED
    paused_at = h.transport.current.deck.position
    assert paused_at == 12 * BLOCK
    h.send(m.Play())
    out = h.run(5)  # the 10 ms fade-in spans 3.75 blocks
    expected = counter(5 * BLOCK, offset=paused_at)
    np.testing.assert_allclose(out[-BLOCK:], expected[-BLOCK:])  # back at full level, same place
    assert out[0] < expected[0] * 0.1, "a short fade-in, no click"


def test_seek_while_playing_is_gapless(h: Harness) -> None:
    h.send(m.Cue(0))
    h.send(m.Play())
    h.run(5)
    h.send(m.Seek(seconds=0.5))  # frame 24000
    out = h.run(3)
    # Block 6 is the crossfade (old position 5*128.. into 24000..), then the new position.
    old = counter(BLOCK, offset=5 * BLOCK)
    new = counter(BLOCK, offset=24000)
    fade_in = np.sin(np.arange(1, BLOCK + 1) / BLOCK * np.pi / 2) ** 2  # raised cosine, 128 frames
    np.testing.assert_allclose(out[:BLOCK], old * (1 - fade_in) + new * fade_in, rtol=1e-5)
    np.testing.assert_array_equal(out[BLOCK:], counter(2 * BLOCK, offset=24000 + BLOCK))
    assert np.all(out > 0), "no silent frame: frames lost = 0"


def test_gain_change_ramps_within_one_block(h: Harness) -> None:
    h.send(m.Cue(0))
    h.send(m.Play())
    h.run(2)
    h.send(m.SetStem(0, gain_db=-6.0206))
    out = h.run(2)
    expected = counter(2 * BLOCK, offset=2 * BLOCK)
    gain = out / expected
    assert gain[0] > 0.99 and abs(gain[BLOCK - 1] - 0.5) < 1e-3
    np.testing.assert_allclose(gain[BLOCK:], 0.5, rtol=1e-3)


def test_stop_fades_and_rewinds(h: Harness) -> None:
    h.send(m.Cue(0))
    h.send(m.Play())
    h.run(20)
    h.send(m.Stop(fade_ms=2.0))
    h.run(4)
    assert h.transport.state is State.STOPPED and h.transport.current.deck.position == 0
    h.send(m.Play())
    np.testing.assert_array_equal(h.run(1), counter(BLOCK))


def test_song_end_cues_the_next_song(h: Harness) -> None:
    h.send(m.Cue(0))
    h.send(m.Play())
    h.run(48000 // BLOCK + 3)
    assert m.SongEnded(0) in h.events
    assert h.transport.current.index == 1 and h.transport.state is State.STOPPED


def test_segue_starts_the_next_song_on_the_last_bar_line(tmp_path: Path) -> None:
    # At 247 bpm a bar is 46,640 frames (364.375 blocks): the 1 s song's last bar line is there,
    # inside a block, and the rest of the file after it is faded out under the next song.
    h = Harness(tmp_path, transitions=("segue", "stop"), bpm=247)
    try:
        h.send(m.Cue(0))
        h.send(m.Play())
        out = h.run(48000 // BLOCK + 4)
        end = round(4 * 60 / 247 * 48000)
        assert end == 46640
        np.testing.assert_array_equal(out[:end], counter(end))
        second = counter(3 * BLOCK, offset=1_000_000)
        fade_out = np.cos(np.clip(np.arange(1, 3 * BLOCK + 1) / BLOCK, 0, 1) * np.pi / 2) ** 2
        tail = counter(3 * BLOCK, offset=end) * fade_out
        np.testing.assert_allclose(out[end:end + 3 * BLOCK], second + tail, rtol=1e-5)
        assert out[end] >= second[0], "the next song's first sample at full level"
        assert m.SongEnded(0) in h.events and h.transport.current.index == 1
    finally:
        h.close()


def test_solo_a_role_mute_a_bus_and_master(h: Harness) -> None:
    h.send(m.Cue(0))
    h.send(m.Play())
    both = h.run(2, channel=None)
    assert both[:, 0].all() and np.allclose(both[:, 1], 0.25)
    h.send(m.SoloRole(Role.BVS))
    out = h.run(2, channel=None)
    assert out[BLOCK:, 0].any(), "the click is solo-safe: soloing the BVs keeps it"
    h.send(m.SoloRole(Role.BVS, solo=False))
    h.send(m.SetStem(0, solo=True))  # solo the click: the BVs go
    out = h.run(2, channel=None)
    assert not out[BLOCK:, 1].any() and out[BLOCK:, 0].all()
    h.send(m.SetStem(0, solo=False))
    h.send(m.SetBus("b", mute=True))
    assert not h.run(2, channel=None)[BLOCK:, 1].any()
    h.send(m.SetBus("b", mute=False, gain_db=-6.0206))
    h.send(m.SetMaster(-6.0206))
    out = h.run(2, channel=None)
    np.testing.assert_allclose(out[BLOCK:, 1], 0.0625, rtol=1e-3)


def test_status_reports_position_song_and_peaks(h: Harness) -> None:
    h.send(m.Cue(1))
    h.send(m.Play())
    h.run(10)
    st = h.status.read()
    assert st.state is State.PLAYING and st.song == 1 and st.position == 10 * BLOCK
    assert st.length == 48000 and st.rate == 48000 and st.block == BLOCK
    assert st.out_peaks[1] == pytest.approx(0.25) and st.dropped == 0
    assert st.stem_peaks == pytest.approx((float(counter(1, 1_000_000 + 10 * BLOCK - 1)[0]), 0.25))
    assert st.buffered > 0


def test_output_test_tone_plays_on_one_channel_while_stopped(h: Harness) -> None:
    h.send(m.Cue(0))
    h.send(m.TestTone(channel=2, seconds=0.05, gain_db=-6.0))
    out = h.run(30, channel=None)
    n = int(0.05 * 48000)
    assert not out[:, 0].any(), "nothing on the other outputs"
    tone = out[:n, 1]
    assert abs(float(np.abs(tone).max()) - 10 ** (-6 / 20)) < 0.01
    crossings = np.flatnonzero(np.diff(np.signbit(tone)))
    assert abs(len(crossings) / 2 / 0.05 - 1000) < 30, "a 1 kHz tone"
    assert not out[n:, 1].any() and h.transport.state is State.STOPPED
    h.send(m.Play())
    h.send(m.TestTone(channel=1))
    assert any(isinstance(e, m.Problem) and "stop the show" in e.message for e in h.events)
