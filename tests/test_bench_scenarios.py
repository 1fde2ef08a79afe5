"""A benchmark whose scenario did not happen must say so (and exit non-zero), not print figures."""

from __future__ import annotations

from bench import callback as cb


def test_the_callback_bench_busy_scenario_really_crossfades_and_masks() -> None:
    cfg = cb.Config(8, 128, 0.1)
    try:
        for kind in ("callback steady", "callback busy"):
            fn, prep = cfg.kinds()[kind]
            cb.time_calls(fn, prep, 20)
        assert cfg.problems() == [], "both scenarios took the path they claim"
        assert cfg.busy.jumps == 20 and cfg.busy.dropped == 20
    finally:
        cfg.close()


def test_a_scenario_that_did_not_happen_is_reported() -> None:
    cfg = cb.Config(8, 128, 0.1)
    try:
        fn, prep = cfg.kinds()["callback busy"]

        def no_landing() -> tuple[object, ...]:
            args = prep()
            cfg.busy.pending = None  # what the old bench did: the crossfade never happened
            return args
        cb.time_calls(fn, no_landing, 20)
        assert any("busy" in p for p in cfg.problems())
    finally:
        cfg.close()
