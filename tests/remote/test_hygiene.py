"""The remote stays out of the engine, and the remote servers stay out of the UI (design.md)."""

import subprocess
import sys

import pytest

REMOTE_LIBS = ("starlette", "uvicorn", "pythonosc", "aalink", "websockets", "player.remote")


@pytest.mark.parametrize("module", ["player.engine.engine", "player.engine.core", "player.engine.process"])
def test_the_engine_does_not_import_the_remote(module: str) -> None:
    code = f"import sys, {module}; print(sorted({{m for m in sys.modules if m.startswith({REMOTE_LIBS!r})}}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["player.remote.osc", "player.remote.web", "player.remote.link",
                                    "player.remote.launch"])
def test_the_remote_servers_do_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print(any(m.split('.')[0] == 'textual' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
