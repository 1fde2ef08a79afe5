"""The audio engine: the only code that talks to PortAudio, in a process of its own.

``Engine`` is its public face (``send``, ``status``, ``events``); ``messages`` holds the commands and
events; ``render`` drives the same deck and mixer offline.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    """``from player.engine import Engine`` without importing the engine for every submodule."""
    if name == "Engine":
        from player.engine.engine import Engine

        return Engine
    raise AttributeError(name)
