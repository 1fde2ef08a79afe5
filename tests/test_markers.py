"""The fast loop: ``-m "not jack"`` leaves out exactly the tests that need a JACK server."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def _collected(marker: str) -> set[str]:
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          "-m", marker], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return {line for line in out.stdout.splitlines() if "::" in line}


def test_jack_marker_covers_the_fixture_users_and_the_tests_with_servers_of_their_own() -> None:
    jack = _collected("jack")
    assert "tests/engine/test_jack_smoke.py::test_known_signals_arrive_on_their_channels" in jack
    assert "tests/ui/test_pilot.py::test_keys_drive_the_engine_and_the_screen_follows" in jack, \
        "through the engine fixture, which uses jack_server"
    assert "tests/engine/test_engine.py::test_jack_server_killed_mid_song_then_back" in jack
    assert "tests/test_run_script.py::test_run_play_starts_a_virtual_device_shows_the_demo_and_cleans_up" \
        in jack
    fast = _collected("not jack")
    assert not jack & fast
    assert any(t.startswith("tests/setlist/test_tempo.py::") for t in fast), "pure tests stay in"
    assert not any(t.startswith(("tests/midi/test_input.py::", "tests/engine/test_jack_smoke.py::"))
                   for t in fast)
