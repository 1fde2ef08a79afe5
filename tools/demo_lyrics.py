"""Lyrics for the demo songs, written for this project (see setlists/demo/CREDITS), one per source.

Song 1 gets an Enhanced LRC (word times), song 2 a plain LRC (with metadata tags and one line on
two stamps, as real files have), song 3 ``[[lyrics]]`` at bars in its song.toml. Lines sit on the
bars where the lead (the melody instrument) plays, so karaoke mode drops the melody under them.
``tools/make_demo.py`` writes them; ``python tools/demo_lyrics.py`` rewrites only these files.
"""

from __future__ import annotations

import json
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parents[1] / "setlists" / "demo"
CREDIT = "Lyrics written for this project's demo (CC0)"

# song number -> (bpm, [(bar, text)]); "" is an instrumental break (the screen clears).
LYRICS: dict[int, tuple[float, list[tuple[int, str]]]] = {
    1: (106.0, [
        (2, "Steam on the rails at the break of day"),
        (4, "Signals are green all along the way"),
        (6, "Over the river and under the hill"),
        (8, "Freight in the wagons, the valley is still"),
        (10, ""),
        (14, "Ride on, ride on, the timetable calls"),
        (16, "Past every station and old city walls"),
        (18, "Slow down, the junction is coming in view"),
        (20, "Switch to the branch line and carry us through"),
        (22, ""),
        (26, "Night on the viaduct, lamps burning low"),
        (28, "Counting the sleepers wherever we go"),
        (30, "Home is a platform a long way behind"),
        (32, "New tracks ahead for the ones left to find"),
        (34, "Ride on, ride on, till the last whistle blows"),
        (36, "Ride on, ride on, where the railway goes"),
        (38, ""),
    ]),
    2: (104.0, [
        (6, "Wheels on the highway, the engine hums low"),
        (8, "Forty more miles and a long way to go"),
        (10, "Radio playing the songs that we know"),
        (12, "Keep on rolling, keep on rolling"),
        (14, "Dust on the windscreen, the sun in our eyes"),
        (16, "Fields turning gold under wide open skies"),
        (18, "Nobody asks us and nobody tries"),
        (20, "Keep on rolling, keep on rolling"),
        (22, "Keep on rolling, don't you look back"),
        (24, "Keep on rolling down the long track"),
        (26, "Keep on rolling, the night's coming on"),
        (28, "Keep on rolling till morning is gone"),
        (30, ""),
    ]),
    3: (160.0, [
        (31, "Run, giant, run, over mountain and plain"),
        (33, "Thunder in footsteps and hail in the rain"),
        (35, "Nothing can stop you, the river, the sea"),
        (37, "Run, giant, run, and come running to me"),
        (39, "Run, giant, run, where the tall forests grow"),
        (41, "Shake all the valleys and rattle the snow"),
        (43, "Mighty and tireless and wild and free"),
        (45, "Run, giant, run, and come running to me"),
    ]),
}
WORD_BEATS = 6.0  # a line's words are spread over the first 6 of its 8 beats, on half beats


def _stamp(seconds: float) -> str:
    cs = round(seconds * 100)
    return f"{cs // 6000:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


def _at(bpm: float, bar: int, beat: float = 1.0) -> float:
    return ((bar - 1) * 4 + (beat - 1)) * 60.0 / bpm


def lrc(number: int, title: str, artist: str) -> str | None:
    """The lyrics.lrc of song ``number`` (None when its lyrics live in song.toml)."""
    if number not in (1, 2):
        return None
    bpm, lines = LYRICS[number]
    out = [f"[ti:{title}]", f"[ar:{artist}]", f"[by:{CREDIT}]"]
    if number == 1:
        for bar, text in lines:
            words = text.split()
            if not words:
                out.append(f"[{_stamp(_at(bpm, bar))}]")
                continue
            step = max(0.5, round(WORD_BEATS / len(words) * 2) / 2)
            timed = "".join(f"<{_stamp(_at(bpm, bar, 1 + i * step))}>{w} "
                            for i, w in enumerate(words))
            end = _stamp(_at(bpm, bar, 1 + len(words) * step))
            out.append(f"[{_stamp(_at(bpm, bar))}]{timed.rstrip()} <{end}>")
        return "\n".join(out) + "\n"
    seen: dict[str, list[int]] = {}
    for bar, text in lines:
        seen.setdefault(text, []).append(bar)
    for text, bars in sorted(seen.items(), key=lambda kv: kv[1][0]):
        out.append("".join(f"[{_stamp(_at(bpm, b))}]" for b in bars) + text)
    return "\n".join(out) + "\n"


def toml_lines(number: int) -> list[str]:
    """``[[lyrics]]`` tables for song.toml (song 3: at bars, so a tempo change keeps them on bar)."""
    if number != 3:
        return []
    out = ["", f"# {CREDIT}."]
    for bar, text in LYRICS[number][1]:
        out += ["", "[[lyrics]]", f"bar = {bar}", f"text = {json.dumps(text)}"]
    return out


def write(number: int, folder: Path, title: str, artist: str) -> None:
    """Write song ``number``'s lyrics.lrc into ``folder`` (song.toml lyrics come from ``toml_lines``)."""
    text = lrc(number, title, artist)
    if text is not None:
        (folder / "lyrics.lrc").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    import tomllib

    for n, name in ((1, "01-openttd-journey"), (2, "02-keep-on-rolling")):
        song = tomllib.loads((DEMO_DIR / name / "song.toml").read_text())
        write(n, DEMO_DIR / name, song["title"], song["artist"])
