"""Fuzz the show-file parsers: whatever a file holds, loading it gives a model or located problems.

Mutations of the demo's own song, setlist and rig files (seeded, so a failure repeats): damaged
bytes, values replaced by hostile ones (5,000-digit numbers, nesting 1,000 deep, quoted numbers,
booleans, dates, inf), lines duplicated or dropped. The parser must never raise anything but
``LoadError``, and every problem must name its file.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from player.setlist.problems import LoadError
from player.setlist.rig import load_rig
from player.setlist.setlist import load_setlist
from player.setlist.song import load_song
from tests.conftest import ROOT

SONG = ROOT / "setlists" / "demo" / "01-openttd-journey" / "song.toml"
SETLIST = ROOT / "setlists" / "demo.toml"
RIG = ROOT / "config" / "rig.toml"
CASES = 120  # per file: 360 in all, a few seconds

HOSTILE = ["9" * 5000, "-" + "9" * 4400, "[" * 1000 + "]" * 1000, "{a=" * 600 + "1" + "}" * 600,
           "[" * 300 + "]" * 300, "true", "false", '"0"', '"128"', "1979-05-27", "07:32:00", "inf",
           "nan", "-inf", "1e308", "1e999", "0x7fffffffffffffffffff", "1_000_000_000_000_000_000",
           '""', "[]", "{}", '"\\u0000"', "'''\n'''", '"[name] [/]"', "-0.0", "3.5", "-1"]


def _mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    kind = rng.randrange(6)
    values = [i for i, line in enumerate(lines) if re.match(r"^\s*[\w\"']+\s*=", line)]
    if kind <= 1 and values:  # a value replaced by a hostile one
        i = rng.choice(values)
        key = lines[i].split("=", 1)[0]
        lines[i] = f"{key}= {rng.choice(HOSTILE)}"
    elif kind == 2 and lines:  # a line duplicated (a key twice, a table twice)
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif kind == 3 and lines:  # a line dropped
        del lines[rng.randrange(len(lines))]
    elif kind == 4:  # damaged bytes
        chars = list(text)
        for _ in range(rng.randint(1, 5)):
            if chars:
                chars[rng.randrange(len(chars))] = rng.choice("[]{}=\"'#\n.,0 x\\")
        return "".join(chars)
    else:  # a hostile value under a new key, at the top or in the last table
        lines.insert(rng.randrange(len(lines) + 1), f"fuzz = {rng.choice(HOSTILE)}")
    return "\n".join(lines) + "\n"


def _fuzz(source: Path, target: Path, load: Callable[[], object], seed: int) -> int:
    rng = random.Random(seed)
    text = source.read_text(encoding="utf-8")
    located = 0
    for _ in range(CASES):
        target.write_text(_mutate(text, rng), encoding="utf-8")
        try:
            load()
        except LoadError as exc:
            assert exc.problems
            for p in exc.problems:
                assert p.file is not None and str(p)
                located += p.line is not None
    return located


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzzed_song_files_only_ever_give_located_problems(tmp_path: Path, seed: int) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    assert _fuzz(SONG, folder / "song.toml", lambda: load_song(folder), seed) > CASES // 4


def test_fuzzed_setlists_only_ever_give_located_problems(tmp_path: Path) -> None:
    path = tmp_path / "show.toml"
    assert _fuzz(SETLIST, path, lambda: load_setlist(path), 3) > CASES // 4


def test_fuzzed_rigs_only_ever_give_located_problems(tmp_path: Path) -> None:
    path = tmp_path / "rig.toml"
    assert _fuzz(RIG, path, lambda: load_rig(str(path)), 4) > CASES // 4


@pytest.mark.parametrize(("value", "line", "says"), [
    ("9" * 5000, 2, "number too long"),
    ("[" * 1000 + "]" * 1000, 2, "nested too deep"),
    ("[" * 300 + "]" * 300, 2, "nested too deep"),
    ("{a=" * 1000 + "1" + "}" * 1000, 2, "nested too deep"),
])
def test_what_python_cannot_parse_is_a_located_error(tmp_path: Path, value: str, line: int,
                                                     says: str) -> None:
    (tmp_path / "song.toml").write_text(f'title = "x"\nend_bar = {value}\n[[stems]]\nfile = "a.wav"\n')
    with pytest.raises(LoadError) as caught:
        load_song(tmp_path)
    [p] = caught.value.problems
    assert p.line == line and says in p.message and p.fix


@pytest.mark.parametrize(("field", "value", "says"), [
    ("gain_db", "true", "valid number (found true)"),
    ("gain_db", '"0"', "valid number (found '0')"),
    ("mute", "1", "valid boolean"),
    ("name", "12", "valid string"),
])
def test_strict_types_for_stems(tmp_path: Path, field: str, value: str, says: str) -> None:
    (tmp_path / "song.toml").write_text(f'title = "x"\n[[stems]]\nfile = "a.wav"\n{field} = {value}\n')
    with pytest.raises(LoadError) as caught:
        load_song(tmp_path)
    [p] = caught.value.problems
    assert (p.line, p.field) == (4, f"stems[1].{field}") and says in p.message


def test_strict_types_for_rigs_and_an_absurd_end_bar(tmp_path: Path) -> None:
    rig = tmp_path / "rig.toml"
    rig.write_text('[audio]\nblock_size = "128"\n[buses]\nmain = [1, 2]\n[roles]\nother = "main"\n')
    with pytest.raises(LoadError) as caught:
        load_rig(str(rig))
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "audio.block_size")]
    (tmp_path / "song.toml").write_text(f'title = "x"\nend_bar = {10**18}\n[[stems]]\nfile = "a.wav"\n')
    with pytest.raises(LoadError) as caught:
        load_song(tmp_path)
    [p] = caught.value.problems
    assert p.field == "end_bar" and "less than or equal to 9999" in p.message


def test_fuzzed_songs_never_crash_check_the_stage_screen_or_the_plan(tmp_path: Path) -> None:
    """Beyond parsing: a file that parses with hostile values must not break what reads the model."""
    from player.engine.plan import plan_song
    from player.setlist.check import check_show
    from player.ui.show import load_show
    from tests.conftest import write_stem

    folder = tmp_path / "song"
    for stem in ("click.flac", "guide.flac", "drums.ogg", "bass.ogg", "keys.ogg", "guitars.ogg",
                 "pads.ogg", "lead.ogg", "bvs.ogg"):
        write_stem(folder / stem, 0.5, subtype="VORBIS" if stem.endswith(".ogg") else "PCM_16")
    setlist = tmp_path / "show.toml"
    setlist.write_text('title = "F"\n[[songs]]\npath = "song"\n')
    _, rig = load_rig(str(RIG))
    rng = random.Random(5)
    text = SONG.read_text(encoding="utf-8")
    loaded = 0
    for _ in range(100):
        (folder / "song.toml").write_text(_mutate(text, rng), encoding="utf-8")
        report = check_show(setlist, device="not looked for")
        assert report.songs[0].problems or report.songs[0].ok
        load_show(setlist)
        try:
            song = load_song(folder)
        except LoadError:
            continue
        loaded += 1
        plan_song(song, rig, rate=48000, length=24000)
    assert loaded >= 5  # most mutations are (rightly) refused; those that load reach the plan
