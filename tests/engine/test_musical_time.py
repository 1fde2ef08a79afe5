"""Musical time, sample-exact: click onsets on the tempo map, quantized jumps, vamps, cues, transitions.

Offline: the engine's own control side and callback (tests/support/harness.py) or its renderer, so
every position is exact and no timing of this busy machine enters the result.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from player.engine import messages as m
from player.engine.plan import plan_song
from player.engine.render import render_song
from player.engine.sounds import load_sounds
from player.engine.status import State
from player.setlist.rig import Rig
from player.setlist.song import load_song
from tests.support.harness import BLOCK, Harness, counter

RATE = 48000
RIG = Rig.model_validate({"audio": {"sample_rate": RATE}, "buses": {"ears": [1, 2], "foh": [3, 4]},
                          "roles": {"click": "ears", "guide": "ears", "other": "foh"}})


def onsets(signal: np.ndarray, quiet: int = 200) -> list[int]:
    """First sample of each sound: non-zero after at least ``quiet`` exact zeros."""
    nz = np.flatnonzero(signal != 0)
    if len(nz) == 0:
        return []
    starts = [int(nz[0])]
    gaps = np.flatnonzero(np.diff(nz) > quiet)
    starts += [int(nz[i + 1]) for i in gaps]
    return starts


def bar_frame(bar: int, bpm: float) -> int:
    """First frame of ``bar`` in 4/4 at a steady ``bpm``."""
    return round((bar - 1) * 4 * 60 / bpm * RATE)


def expected_beats(seconds: float) -> list[int]:
    """Beat frames of the test song, integrated numerically, independent of player.setlist.tempo.

    Bars 1-2: 4/4 at 120. Bars 3-4: ramp to 90 bpm, linear per beat over 8 beats. Bar 5 on: 90.
    Bar 7 on: 7/8, eighths at 180 (the quarter kept).
    """
    frames, t = [], 0.0
    bar, beat_in_bar = 1, 0
    ramp_beat = 0
    while t < seconds:
        frames.append(round(t * RATE))
        if bar <= 2:
            length = 60 / 120
        elif bar <= 4:
            # integrate 60/bpm(x) over one beat, bpm(x) = 120 - 30 x / 8, x in beats since bar 3
            xs = np.linspace(ramp_beat, ramp_beat + 1, 20001)
            length = float(np.trapezoid(60 / (120 - 30 * xs / 8), xs))
            ramp_beat += 1
        elif bar <= 6:
            length = 60 / 90
        else:
            length = 60 / 180
        t += length
        beat_in_bar += 1
        if beat_in_bar == (4 if bar <= 6 else 7):
            bar, beat_in_bar = bar + 1, 0
    return frames


def test_click_onsets_follow_a_ramp_and_a_meter_change(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    sf.write(str(folder / "pad.wav"), np.zeros(20 * RATE, np.float32), RATE)
    (folder / "song.toml").write_text(
        'title = "Ramp"\n[generate]\nclick = "on"\nguide = "off"\n'
        '[tempo]\nbpm = 120\n[[tempo.changes]]\nbar = 3\nbpm = 90\nramp_bars = 2\n'
        '[[tempo.changes]]\nbar = 7\ntime_signature = "7/8"\n[[stems]]\nfile = "pad.wav"\n')
    song = load_song(folder)
    result = render_song(plan_song(song, RIG, rate=RATE), RIG, tmp_path / "out")
    ears, _ = sf.read(str(result.files["ears"]), dtype="float32")
    got = onsets(ears[:, 0])
    want = [f for f in expected_beats(20.0) if f < len(ears) - 1000]
    assert len(got) == len(want) > 30
    assert max(abs(g - w) for g, w in zip(got, want, strict=True)) <= 1
    # Downbeats carry the accent sample: louder than the other beats.
    sounds = load_sounds(RATE)
    accent_peak = float(np.abs(sounds.click["accent"]).max())
    assert np.abs(ears[got[0]:got[0] + 2000, 0]).max() == pytest.approx(accent_peak, rel=1e-3)
    assert np.abs(ears[got[1]:got[1] + 2000, 0]).max() < accent_peak * 0.9


def test_spoken_cue_starts_one_bar_before_its_section(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    sf.write(str(folder / "pad.wav"), np.zeros(12 * RATE, np.float32), RATE)
    (folder / "song.toml").write_text(
        'title = "Cue"\n[generate]\nclick = "off"\nguide = "on"\n[tempo]\nbpm = 120\n'
        '[[sections]]\nname = "Verse"\nbar = 1\n[[sections]]\nname = "Chorus"\nbar = 5\n'
        '[[stems]]\nfile = "pad.wav"\n')
    result = render_song(plan_song(load_song(folder), RIG, rate=RATE), RIG, tmp_path / "out")
    ears, _ = sf.read(str(result.files["ears"]), dtype="float32")
    bar = 4 * 60 / 120 * RATE  # 96,000 frames
    start = int(3 * bar)  # bar 4: one bar before the chorus at bar 5
    assert onsets(ears[:, 0]) == [start]  # the verse at bar 1 has no bar before it: not spoken
    word = load_sounds(RATE).words["chorus"]
    np.testing.assert_allclose(ears[start:start + len(word), 0], word, atol=1e-6)


def test_count_in_plays_before_bar_one_on_the_in_ears_only(tmp_path: Path) -> None:
    h = Harness(tmp_path, bpm=120, song_toml='[generate]\ncount_in = 1\n')  # a bar: 96,000 frames
    try:
        h.send(m.Cue(0))
        h.send(m.Play())
        out = h.run(2, channel=None)
        st = h.status.read()
        assert st.state is State.COUNT_IN and st.bar == -1 and st.count_in == 3  # beat 1 has sounded
        # Musical fields are computed at each control tick: here after the first block (128 frames).
        assert (st.beat, st.tick, st.beats_in_bar, st.bpm) == (1, 5, 4, 120)
        out = np.concatenate([out, h.run(96000 // BLOCK, channel=None)])
        first = 96000  # the song's first sample, after one bar of count-in
        clicks = onsets(out[:first, 0], quiet=50)
        assert clicks == [0, 24000, 48000, 72000], "a click and a spoken count on each beat"
        two = load_sounds(RATE).words["two"]
        click = load_sounds(RATE).click["beat"]
        spoken = out[24000:24000 + len(two), 0].copy()
        spoken[:len(click)] -= click
        np.testing.assert_allclose(spoken, two, atol=1e-6)
        assert not out[:first, 1].any(), "nothing on the front-of-house bus during the count-in"
        np.testing.assert_array_equal(out[first:first + 100, 1], np.full(100, 0.25, np.float32))
        np.testing.assert_array_equal(out[first:first + 100, 0], counter(100))
        assert h.status.read().bar == 1
    finally:
        h.close()


def test_jump_at_next_bar_lands_on_its_first_sample_without_losing_frames(tmp_path: Path) -> None:
    h = Harness(tmp_path, bpm=247, seconds=8.0)  # a bar is 46,640 frames: 364.375 blocks
    try:
        h.send(m.Cue(0))
        h.send(m.Play())
        h.run(30)  # 3,840 frames into bar 1
        h.send(m.Jump(bar=7, mode=m.JumpMode.BAR))
        out = h.run(400)
        start = 30 * BLOCK
        land = bar_frame(2, 247)  # 46,640: inside a block
        target = bar_frame(7, 247)
        xf = h.transport.xfade
        np.testing.assert_array_equal(out[:land - start], counter(land - start, offset=start))
        after = out[land - start + xf:]
        np.testing.assert_array_equal(after, counter(len(after), offset=target + xf))
        assert h.transport.jumps == 1 and h.transport.jump_misses == 0
        assert np.all(out > 0), "no silent frame anywhere: frames lost = 0"
    finally:
        h.close()


def test_pending_jump_shows_in_status_and_can_be_cancelled(tmp_path: Path) -> None:
    h = Harness(tmp_path, bpm=60, seconds=10.0)  # bars of 4 s
    try:
        h.send(m.Cue(0))
        h.send(m.Play())
        h.run(10)
        h.send(m.Jump(bar=2, mode=m.JumpMode.BAR))
        h.run(2)
        assert h.status.read().pending == 4 * RATE
        h.send(m.CancelJump())
        out = h.run(1600)  # past bar 2
        assert h.status.read().pending == -1
        assert h.transport.jumps == 0
        np.testing.assert_array_equal(out, counter(len(out), offset=12 * BLOCK))
    finally:
        h.close()


SECTIONS = '[[sections]]\nname = "A"\nbar = 1\n[[sections]]\nname = "B"\nbar = 3\n' \
           '[[sections]]\nname = "C"\nbar = 5\n'


def test_vamp_three_times_then_release_at_the_end_of_the_loop(tmp_path: Path) -> None:
    h = Harness(tmp_path, bpm=247, seconds=6.0, song_toml=SECTIONS)  # bars of 46,640 frames
    try:
        a, b = bar_frame(3, 247), bar_frame(5, 247)  # section B (bars 3-4), inside blocks
        h.send(m.Cue(0))
        h.send(m.Play())
        out = [h.run(770)]  # 98,560: inside B, first pass
        h.send(m.Vamp(on=True))
        out.append(h.run(2))
        st = h.status.read()
        assert st.vamp and (st.vamp_start, st.vamp_end) == (a, b) and st.section == 1
        out.append(h.run(842))  # second pass
        out.append(h.run(652))  # third pass
        h.send(m.Vamp(on=False))
        out.append(h.run(805))
        got = np.concatenate(out)
        loop = counter(b - a, offset=a)
        expected = np.concatenate([counter(b), loop, loop, counter(len(got), offset=b)])[:len(got)]
        xf = h.transport.xfade
        keep = np.ones(len(got), bool)
        for landing in (b, 2 * b - a):  # where the loop jumped back
            keep[landing:landing + xf] = False
        np.testing.assert_array_equal(got[keep], expected[keep])
        assert h.transport.jumps == 2 and not h.status.read().vamp
    finally:
        h.close()


def test_auto_advance_starts_the_next_song_exactly_after_the_pause(tmp_path: Path) -> None:
    h = Harness(tmp_path, transitions=("auto", "stop"), entry_toml="advance_after = 0.5")
    try:
        h.send(m.Cue(0))
        h.send(m.Play())
        out = h.run(100 * 1000 // BLOCK)
        end, start = 48000, 48000 + 24000
        np.testing.assert_array_equal(out[:end], counter(end))
        assert not out[end:start].any(), "the pause is silent"
        np.testing.assert_array_equal(out[start:start + 1000], counter(1000, offset=1_000_000))
        assert m.SongEnded(0) in h.events and h.transport.current.index == 1
    finally:
        h.close()


def test_panic_fades_everything_out_in_one_second(tmp_path: Path) -> None:
    h = Harness(tmp_path, seconds=4.0)
    try:
        h.send(m.Cue(0))
        h.send(m.Play())
        h.run(10)
        h.send(m.DoAction(m.Action.PANIC))
        out = h.run(RATE // BLOCK + 2)
        assert out[RATE // 2] > 0 and not out[RATE + 1:].any()
        assert h.transport.state is State.PAUSED
        done = [e for e in h.events if isinstance(e, m.ActionDone)]
        assert done and "panic" in done[-1].detail
    finally:
        h.close()


def test_next_section_at_section_end_and_previous_section(tmp_path: Path) -> None:
    h = Harness(tmp_path, bpm=247, seconds=6.0, song_toml=SECTIONS)
    try:
        b_start, c_start = bar_frame(3, 247), bar_frame(5, 247)
        h.send(m.Cue(0))
        h.send(m.Play())
        h.run(100)  # in A
        h.send(m.Jump(relative=1, mode=m.JumpMode.SECTION_END))  # to B when A ends (= B: no jump)
        h.run(2)
        assert h.status.read().pending == b_start and h.status.read().pending_section == 1
        h.send(m.CancelJump())
        h.send(m.DoAction(m.Action.JUMP_TO_SECTION, "c"))  # by name, in the current mode (bar)
        out = h.run(400)
        land = bar_frame(2, 247)
        np.testing.assert_array_equal(out[land - 102 * BLOCK + h.transport.xfade:][:1000],
                                      counter(1000, offset=c_start + h.transport.xfade))
        assert h.status.read().section == 2
        h.send(m.DoAction(m.Action.PREVIOUS_SECTION))  # less than a bar into C: back to B
        h.run(400)
        assert h.transport.jumps == 2 and h.status.read().section == 1
        done = [e.detail for e in h.events if isinstance(e, m.ActionDone)]
        assert done[0].startswith("to C") and done[1].startswith("to B")
    finally:
        h.close()


def test_escape_cancels_a_jump_first_then_releases_a_vamp(tmp_path: Path) -> None:
    h = Harness(tmp_path, bpm=247, seconds=6.0, song_toml=SECTIONS)
    try:
        h.send(m.Cue(0))
        h.send(m.Play())
        h.run(770)  # in B
        h.send(m.DoAction(m.Action.VAMP_TOGGLE))
        h.send(m.Jump(bar=5, mode=m.JumpMode.BAR))  # a jump replaces the vamp
        h.run(2)
        assert h.status.read().pending == bar_frame(4, 247) and not h.status.read().vamp
        h.send(m.DoAction(m.Action.CANCEL_JUMP))
        h.send(m.DoAction(m.Action.VAMP_TOGGLE))
        h.run(2)
        st = h.status.read()
        assert st.vamp and st.pending == -1, "the loop point is not shown as a pending jump"
        h.send(m.DoAction(m.Action.CANCEL_JUMP))
        h.run(2)
        assert not h.status.read().vamp
        details = [e.detail for e in h.events if isinstance(e, m.ActionDone)]
        assert details[1] == "jump cancelled" and "released" in details[3]
    finally:
        h.close()
