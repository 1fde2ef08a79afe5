"""Reproducible Ogg files: libsndfile gives each file a random stream serial number."""

from __future__ import annotations

import struct
from pathlib import Path


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
        table.append(r & 0xFFFFFFFF)
    return table


def fix_ogg_serial(path: Path, serial: int) -> None:
    """Give every page of an Ogg file the stream serial ``serial`` and fix its CRC.

    A random serial per file would make each build differ byte-wise and churn the repository; the
    audio is unaffected.
    """
    table = _crc_table()
    data = bytearray(path.read_bytes())
    pos = 0
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS":
            raise ValueError(f"{path}: not an Ogg page at byte {pos}")
        nseg = data[pos + 26]
        size = 27 + nseg + sum(data[pos + 27 : pos + 27 + nseg])
        struct.pack_into("<I", data, pos + 14, serial)
        struct.pack_into("<I", data, pos + 22, 0)
        crc = 0
        for byte in data[pos : pos + size]:
            crc = ((crc << 8) & 0xFFFFFFFF) ^ table[((crc >> 24) & 0xFF) ^ byte]
        struct.pack_into("<I", data, pos + 22, crc)
        pos += size
    path.write_bytes(bytes(data))
