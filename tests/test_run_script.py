"""The README's play command, as a newcomer runs it on a machine with no sound card."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import ROOT


@pytest.mark.jack  # ./run play starts a private JACK server
def test_run_play_starts_a_virtual_device_shows_the_demo_and_cleans_up() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JACK_")}
    env["CI"] = "true"  # no terminal: show the setlist and exit
    out = subprocess.run(["./run", "play"], cwd=ROOT, env=env, capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "playing to a virtual 16-output device" in out.stderr
    assert "Demo set" in out.stdout and " >  1. " in out.stdout
    assert "audio: system (JACK Audio Connection Kit, 16 outputs)" in out.stdout
    server = next(line for line in out.stderr.splitlines() if "private JACK server" in line)
    name = server.split("'")[1]
    left = subprocess.run(["pgrep", "-f", f"jackd -n {name} "], capture_output=True, text=True)
    assert left.stdout == "", f"jackd {name} was left running"
