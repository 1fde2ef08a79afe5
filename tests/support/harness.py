"""The engine's control side and callback driven offline, block by block, on counter stems.

A float WAV whose sample n holds ``(n + 1) / 2**20`` makes each output sample name its song frame,
so starts, fades, seeks, jumps and segues can be checked to the sample without a device.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from player.engine import messages as m
from player.engine.core import EngineCore
from player.engine.status import StatusBlock
from player.engine.streamer import Streamer
from player.engine.transport import Transport

BLOCK = 128
SCALE = 2.0**20


def counter(n: int, offset: int = 0) -> np.ndarray:
    return ((np.arange(n) + 1 + offset) / SCALE).astype(np.float32)


class Harness:
    def __init__(self, tmp_path: Path, transitions: tuple[str, str] = ("stop", "stop"),
                 bpm: float = 120, seconds: float = 1.0, song_toml: str = "",
                 entry_toml: str = "") -> None:
        frames = round(seconds * 48000)
        for i, name in enumerate(("one", "two")):
            folder = tmp_path / name
            folder.mkdir()
            sf.write(str(folder / "click.wav"), counter(frames, offset=i * 1_000_000), 48000,
                     subtype="FLOAT")
            sf.write(str(folder / "bv.wav"), np.full(frames, 0.25, np.float32), 48000,
                     subtype="FLOAT")
            (folder / "song.toml").write_text(
                f'title = "{name}"\n{song_toml}\n[tempo]\nbpm = {bpm}\n[[stems]]\nfile = "click.wav"\n'
                'role = "click"\n[[stems]]\nfile = "bv.wav"\nrole = "bvs"\n')
        (tmp_path / "rig.toml").write_text(
            f'[audio]\nblock_size = {BLOCK}\n[buses]\na = [1]\nb = [2]\n[roles]\nbvs = "b"\n'
            'other = "a"\n')
        setlist = tmp_path / "set.toml"
        setlist.write_text(f'title = "T"\nrig = "rig.toml"\n[[songs]]\npath = "one"\n'
                           f'transition = "{transitions[0]}"\n{entry_toml}\n[[songs]]\npath = "two"\n')
        self.events: list[m.Event] = []
        self.status = StatusBlock()
        self.core = EngineCore(self.events.append, Streamer())
        rig, _ = self.core.load(m.LoadSetlist(setlist))
        self.transport = Transport(2, BLOCK, 48000, self.status)
        self.core.attach(self.transport)
        self.now = 0.0

    def send(self, cmd: m.Command) -> None:
        self.core.handle(cmd)

    def run(self, blocks: int, channel: int | None = 0) -> np.ndarray:
        """Play ``blocks`` blocks; the given output channel (None: all of them)."""
        out = np.zeros((blocks * BLOCK, 2), np.float32)
        for b in range(blocks):
            for deck in self.core.streamer.decks:
                deck.fill()
            self.transport.callback(out[b * BLOCK:(b + 1) * BLOCK], BLOCK, None, None)
            self.now += BLOCK / 48000
            self.core.tick(self.now)
            self.core.streamer.close_retired()  # what the disk thread does between passes
        return out if channel is None else out[:, channel]

    def close(self) -> None:
        self.status.close()
