"""The fast loop: ``-m "not jack"`` leaves out exactly the tests that need a JACK server."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


def test_not_jack_leaves_out_the_fixture_users_and_the_tests_with_servers_of_their_own() -> None:
    files = ["tests/engine/test_jack_smoke.py", "tests/engine/test_engine.py", "tests/test_run_script.py",
             "tests/setlist/test_tempo.py"]  # a few files only: collecting them is quick
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          "-m", "not jack", *files], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    kept = [line for line in out.stdout.splitlines() if "::" in line]
    assert kept and all(t.startswith("tests/setlist/test_tempo.py::") for t in kept), kept
    assert "deselected" in out.stdout


def test_every_collected_test_that_uses_the_jack_server_is_marked(request: pytest.FixtureRequest) -> None:
    """In this session (the whole suite, or ``-m "not jack"``, where none may be left)."""
    unmarked = [item.nodeid for item in request.session.items
                if "jack_server" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("jack")]
    assert not unmarked
