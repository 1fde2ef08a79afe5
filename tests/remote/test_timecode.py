"""Timecode: frame labels (drop-frame included), MTC messages read back, LTC audio decoded back."""

from __future__ import annotations

import numpy as np
import pytest

from player.remote.timecode import (
    Fps,
    LtcWriter,
    MtcReader,
    Timecode,
    at_seconds,
    decode_ltc,
    from_frames,
    full_frame,
    mtc_schedule,
    to_frames,
)

RATE = 48000
ALL = ["24", "25", "29.97df", "30"]


@pytest.mark.parametrize("count,label", [(0, "00:00:00:00"), (1799, "00:00:59:29"), (1800, "00:01:00:02"),
                                         (17981, "00:09:59:29"), (17982, "00:10:00:00"),
                                         (17982 * 6, "01:00:00:00"), (107891, "00:59:59:29")])
def test_drop_frame_labels_skip_two_frames_a_minute_but_each_tenth(count: int, label: str) -> None:
    fps = Fps.parse("29.97df")
    assert str(from_frames(count, fps)) == label
    assert to_frames(Timecode.parse(label), fps) == count


@pytest.mark.parametrize("name", ALL)
def test_labels_round_trip_over_a_day(name: str) -> None:
    fps = Fps.parse(name)
    day = to_frames(Timecode(23, 59, 59, fps.base - 1), fps) + 1  # labels wrap at 24 h
    for count in np.linspace(0, day - 1, 5000).astype(int):
        assert to_frames(from_frames(int(count), fps), fps) == count


def test_song_time_to_timecode_from_a_start_time() -> None:
    tc, into = at_seconds(3600.5, Fps.parse("25"), Timecode.parse("01:00:00:00"))
    assert str(tc) == "02:00:00:12" and into == pytest.approx(0.5)
    with pytest.raises(ValueError):
        Timecode.parse("1:00")
    with pytest.raises(ValueError):
        Fps.parse("23.976")


@pytest.mark.parametrize("name", ALL)
def test_mtc_quarter_frames_agree_with_the_song_position_within_a_frame(name: str) -> None:
    fps = Fps.parse(name)
    start = Timecode.parse("01:00:00:00")
    reader = MtcReader()
    assert reader.feed(full_frame(start, fps)) == start
    checked = 0
    for at, msg in mtc_schedule(0.0, 5.0, fps, start):
        tc = reader.feed(msg)
        if tc is not None:
            # piece 7 arrives 1 3/4 frames after its label's frame began: the desk adds two frames
            shown = to_frames(tc, fps) + 2
            actual = to_frames(at_seconds(at, fps, start)[0], fps)
            assert abs(shown - actual) <= 1, (name, at, tc)
            checked += 1
    assert checked >= 5 * fps.real / 2 - 1
    assert reader.rate_code == {"24": 0, "25": 1, "29.97df": 2, "30": 3}[name]


@pytest.mark.parametrize("name", ALL)
def test_ltc_audio_decodes_back_to_each_frame_on_its_sample(name: str) -> None:
    fps = Fps.parse(name)
    writer = LtcWriter(RATE, fps, start=Timecode.parse("01:00:00:00"))
    signal = np.concatenate([writer.render(128) for _ in range(RATE * 2 // 128)])
    frames = decode_ltc(signal, RATE, fps)
    assert len(frames) >= 2 * fps.real - 2
    base = to_frames(Timecode.parse("01:00:00:00"), fps)
    for end, tc in frames:
        k = to_frames(tc, fps) - base
        assert abs(end - (k + 1) * RATE / fps.real) <= 1.0, (name, tc, end)
    counts = [to_frames(tc, fps) for _, tc in frames]
    assert counts == list(range(counts[0], counts[0] + len(counts))), "every frame, in order"


def test_ltc_follows_a_jump() -> None:
    fps = Fps.parse("25")
    writer = LtcWriter(RATE, fps, start=Timecode.parse("01:00:00:00"))
    before = writer.render(RATE)
    writer.locate(Timecode.parse("01:02:30:00"))
    after = writer.render(RATE)
    labels = [str(tc) for _, tc in decode_ltc(np.concatenate([before, after]), RATE, fps)]
    # One second is exactly 25 frames: the last frame before the jump, then the jump's target.
    i = labels.index("01:02:30:00")
    assert labels[i - 1:i + 2] == ["01:00:00:24", "01:02:30:00", "01:02:30:01"]
    assert labels[-1] == "01:02:30:23"
