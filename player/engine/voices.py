"""The voice pool: every voice built, and when each may be let go.

A voice (deck, ring, mixer) is released only after both the audio callback and the disk reader
have moved past it: the callback may hold one for the block it is mixing, the reader may be inside
one of its files. So a voice that nothing refers to any more waits two callbacks (or half a
second, when no stream runs), and is then handed to the streamer, which closes its files between
two passes and drops the last reference on its own thread: never the callback, never mid-read.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from player.engine.streamer import Streamer
from player.engine.transport import Voice

CALLBACKS = 2  # blocks a voice stays after it was last reachable
SECONDS = 0.5  # or this long, when no callbacks come (no device, or a stopped stream)


class VoicePool:
    def __init__(self, streamer: Streamer) -> None:
        self.streamer = streamer
        self._voices: dict[Voice, tuple[int, float] | None] = {}  # -> when first seen unused
        self.released = 0

    def add(self, voice: Voice) -> None:
        self._voices[voice] = None

    def __len__(self) -> int:
        return len(self._voices)

    def collect(self, live: Iterable[Voice | None], callbacks: int,
                now: float | None = None) -> list[Voice]:
        """Release the voices out of use long enough; returns them (their decks are retired)."""
        now = time.monotonic() if now is None else now
        in_use = {v.serial for v in live if v is not None}
        released = []
        for voice, since in list(self._voices.items()):
            if voice.serial in in_use:
                self._voices[voice] = None
            elif since is None:
                self._voices[voice] = (callbacks, now)
            elif callbacks - since[0] >= CALLBACKS or now - since[1] >= SECONDS:
                del self._voices[voice]
                released.append(voice)
        for voice in released:
            self.streamer.retire(voice.deck, voice)
            self.released += 1
        return released

    def voices(self) -> list[Voice]:
        return list(self._voices)
