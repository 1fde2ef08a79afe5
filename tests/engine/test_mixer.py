"""Golden tests of the mixer, offline: known stems in, known outputs out, sample-exact (as Mixxx's)."""

from __future__ import annotations

import numpy as np
import pytest

from player.engine.mixer import Mixer, StemLevel, build_matrix, db_to_gain
from player.engine.ring import StemRing
from player.setlist.rig import Rig
from player.setlist.roles import Role

RIG = Rig.model_validate({
    "buses": {"in_ears": [1, 2], "foh_bvs": [3, 4], "foh_tracks": [5, 6], "mono": [7]},
    "roles": {"click": "in_ears", "guide": "in_ears", "bvs": "foh_bvs", "other": "foh_tracks"},
})


def matrix(*levels: StemLevel, outputs: int = 8, **kw) -> np.ndarray:
    return build_matrix(list(levels), RIG, outputs, **kw)


def test_mono_stem_into_stereo_bus_pans_by_balance() -> None:
    m = matrix(StemLevel(1, "in_ears"), StemLevel(1, "foh_bvs", pan=-1.0),
               StemLevel(1, "foh_tracks", pan=0.5))
    expected = np.zeros((3, 8), np.float32)
    expected[0, [0, 1]] = 1.0
    expected[1, [2, 3]] = [1.0, 0.0]
    expected[2, [4, 5]] = [0.5, 1.0]
    np.testing.assert_array_equal(m, expected)


def test_stereo_stem_into_stereo_and_mono_buses() -> None:
    m = matrix(StemLevel(2, "foh_tracks"), StemLevel(2, "mono"))
    expected = np.zeros((4, 8), np.float32)
    expected[0, 4] = expected[1, 5] = 1.0
    expected[2, 6] = expected[3, 6] = 0.5
    np.testing.assert_array_equal(m, expected)


def test_gain_bus_gain_and_master_multiply() -> None:
    m = matrix(StemLevel(1, "foh_bvs", gain_db=-6.0), bus_gain_db={"foh_bvs": -3.0}, master_db=-1.0)
    assert m[0, 2] == pytest.approx(db_to_gain(-10.0), rel=1e-6)


def test_mute_solo_and_unrouted() -> None:
    stems = [StemLevel(1, "in_ears", Role.CLICK), StemLevel(1, "foh_bvs", Role.BVS, solo=True),
             StemLevel(1, "foh_tracks", Role.KEYS), StemLevel(1, "none", Role.GUIDE),
             StemLevel(1, "foh_bvs", Role.BVS, mute=True, solo=True)]
    m = build_matrix(stems, RIG, 8)
    assert m[0].any(), "soloing the BVs keeps the click (solo-safe)"
    assert m[1].any() and not m[2].any(), "solo silences the other parts"
    assert not m[3].any() and not m[4].any(), "'none' and mute silence"
    assert not matrix(StemLevel(1, "foh_bvs"), bus_mute=frozenset({"foh_bvs"})).any()


def test_bus_beyond_the_device_plays_nowhere() -> None:
    assert not matrix(StemLevel(1, "foh_tracks"), outputs=4).any()


def test_mix_constant_stems_golden() -> None:
    mixer = Mixer(inputs=3, outputs=8, block=64)
    mixer.set_gains(matrix(StemLevel(1, "in_ears"), StemLevel(2, "foh_tracks", pan=0.5)), ramp=False)
    block = np.empty((64, 3), np.float32)
    block[:, 0], block[:, 1], block[:, 2] = 0.5, 0.25, -0.125
    out = np.full((64, 8), 9.0, np.float32)
    mixer.mix(block, out)
    expected = np.zeros((64, 8), np.float32)
    expected[:, 0] = expected[:, 1] = 0.5
    expected[:, 4] = 0.25 * 0.5
    expected[:, 5] = -0.125
    np.testing.assert_array_equal(out, expected)


def test_gain_change_ramps_over_one_block_then_holds() -> None:
    mixer = Mixer(inputs=1, outputs=2, block=4)
    one = np.zeros((1, 2), np.float32)
    one[0, 0] = 1.0
    mixer.set_gains(one, ramp=False)
    block = np.ones((4, 1), np.float32)
    out = np.empty((4, 2), np.float32)
    half = one * 0.5
    mixer.set_gains(half)
    mixer.mix(block, out)
    np.testing.assert_allclose(out[:, 0], [0.875, 0.75, 0.625, 0.5])  # no jump: a click-free ramp
    mixer.mix(block, out)
    np.testing.assert_allclose(out[:, 0], [0.5] * 4)


def test_ring_keeps_stems_in_step_and_silences_a_late_one() -> None:
    ring = StemRing([1, 2], capacity=16, block=4)
    assert ring.capacity == 16 and ring.width == 3
    ring.write(0, np.arange(8, dtype=np.float32)[:, None])
    ring.write(1, np.ones((4, 2), np.float32))
    assert ring.ready_block() and ring.buffered() == 4
    np.testing.assert_array_equal(ring.peek()[:, 0], [0, 1, 2, 3])
    ring.advance()
    assert not ring.ready_block(), "stem 2 has not written the second block"
    np.testing.assert_array_equal(ring.column_mask(), [1.0, 0.0, 0.0])
    ring.advance()  # the callback moved on without it
    assert ring.skip_to_reader(1) == 4, "the late stem jumps ahead instead of drifting"
    assert ring.space(0) == 16 - 0 and ring.space(1) == 16


def test_ring_wraps_and_never_overwrites_unread_audio() -> None:
    ring = StemRing([1], capacity=8, block=4)
    assert ring.write(0, np.arange(12, dtype=np.float32)[:, None]) == 8
    ring.advance()
    assert ring.write(0, np.arange(100, 106, dtype=np.float32)[:, None]) == 4
    np.testing.assert_array_equal(ring.peek()[:, 0], [4, 5, 6, 7])
    ring.advance()
    np.testing.assert_array_equal(ring.peek()[:, 0], [100, 101, 102, 103])
