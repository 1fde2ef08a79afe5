"""Lyrics written back as LRC (Enhanced when words are timed): put beside a rendered mix."""

from __future__ import annotations

from pathlib import Path

from player.lyrics.model import Lyrics


def stamp(seconds: float) -> str:
    """``mm:ss.xx`` (hundredths, rounded), as LRC writes time."""
    cs = max(0, round(seconds * 100))
    return f"{cs // 6000:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


def to_lrc(lyrics: Lyrics, shift: float = 0.0, title: str = "", artist: str = "") -> str:
    """LRC text; ``shift`` seconds are added to every time (a rendered count-in comes first)."""
    out = []
    if title:
        out.append(f"[ti:{title}]")
    if artist:
        out.append(f"[ar:{artist}]")
    for ln in lyrics.lines:
        if ln.words:
            words = "".join(f"<{stamp(w.start + shift)}>{w.text}" for w in ln.words)
            end = f"<{stamp(ln.end + shift)}>" if ln.end is not None else ""
            out.append(f"[{stamp(ln.start + shift)}]{words}{end}")
        else:
            out.append(f"[{stamp(ln.start + shift)}]{ln.bare}")
    return "\n".join(out) + "\n"


def write_lrc(lyrics: Lyrics, path: Path, shift: float = 0.0, title: str = "", artist: str = "") -> Path:
    path.write_text(to_lrc(lyrics, shift, title, artist), encoding="utf-8")
    return path
