"""Every shipped file loads; each kind of bad input is refused with its file, line, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from player.setlist import LoadError, Role, load_rig, load_setlist, load_song
from player.setlist.rig import Rig
from player.setlist.setlist import Transition
from player.setlist.song import Song
from player.setlist.tomlfile import load_model
from tests.conftest import ROOT


def test_every_shipped_setlist_and_its_songs_load() -> None:
    setlists = sorted((ROOT / "setlists").glob("*.toml"))
    assert setlists, "the repository ships at least the demo setlist"
    for path in setlists:
        loaded = load_setlist(path)
        for entry in loaded.setlist.songs:
            song = load_song(loaded.song_folder(entry))
            assert song.song.stems, f"{entry.path} has no stems"


RIGS = [p for p in sorted((ROOT / "config").rglob("*.toml")) if "midi-presets" not in p.parts]


@pytest.mark.parametrize("path", RIGS, ids=lambda p: p.name)
def test_every_shipped_rig_loads(path: Path) -> None:
    rig = load_model(Rig, path)
    for role in Role:
        assert rig.bus_for(role) in {*rig.buses, "none"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problem_of(model: type, path: Path):
    with pytest.raises(LoadError) as info:
        load_model(model, path)
    assert len(info.value.problems) >= 1
    return info.value.problems[0]


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "song.toml", 'title = "A"\n\n[tempo]\nbpm = 120\nkey = C major\n')
    p = problem_of(Song, path)
    assert p.file == path and p.line == 5
    assert "TOML syntax error" in p.message and p.fix


def test_unknown_role_names_line_field_and_choices(tmp_path: Path) -> None:
    path = write(tmp_path, "song.toml", 'title = "A"\n\n[[stems]]\nfile = "a.wav"\n\n'
                 '[[stems]]\nfile = "b.wav"\nrole = "vox"\n')
    p = problem_of(Song, path)
    assert (p.line, p.field) == (8, "stems[2].role")
    assert "'vox'" in p.message and "'bvs'" in p.message


def test_typo_in_a_field_name_is_an_error_not_a_silent_default(tmp_path: Path) -> None:
    path = write(tmp_path, "song.toml", 'title = "A"\n[[stems]]\nfile = "a.wav"\ngain_bd = -3\n')
    p = problem_of(Song, path)
    assert (p.line, p.field) == (4, "stems[1].gain_bd")
    assert "unknown field" in p.message


def test_missing_required_field_points_at_its_table(tmp_path: Path) -> None:
    path = write(tmp_path, "song.toml", 'title = "A"\n[tempo]\ntime_signature = "4/4"\n'
                 '[[stems]]\nfile = "a.wav"\n')
    p = problem_of(Song, path)
    assert p.field == "tempo.bpm" and p.line == 2 and "required" in p.message


@pytest.mark.parametrize("meter", ["4", "0/4", "4/3", "x/4"])
def test_bad_time_signature(tmp_path: Path, meter: str) -> None:
    path = write(tmp_path, "song.toml", f'title = "A"\n[tempo]\nbpm = 90\ntime_signature = "{meter}"\n'
                 '[[stems]]\nfile = "a.wav"\n')
    p = problem_of(Song, path)
    assert p.field == "tempo.time_signature" and p.line == 4 and "4/4" in p.message


def test_section_needs_exactly_one_start(tmp_path: Path) -> None:
    path = write(tmp_path, "song.toml", 'title = "A"\n[[sections]]\nname = "Verse"\nbar = 3\n'
                 'seconds = 4.0\n[[stems]]\nfile = "a.wav"\n')
    p = problem_of(Song, path)
    assert p.field == "sections[1]" and p.line == 2 and "exactly one" in p.message


def test_sections_in_bars_follow_the_tempo() -> None:
    song = Song.model_validate({"title": "A", "tempo": {"bpm": 120, "time_signature": "3/4"},
                                "sections": [{"name": "V", "bar": 5}], "stems": [{"file": "a.wav"}]})
    assert song.section_seconds(song.sections[0]) == pytest.approx(4 * 3 * 0.5)


def test_setlist_entry_options(tmp_path: Path) -> None:
    path = write(tmp_path, "set.toml", 'title = "S"\n[[songs]]\npath = "a"\ntransition = "auto"\n'
                 'advance_after = 3\nmuted_roles = ["bvs"]\n[[songs]]\npath = "b"\nskip = true\n')
    s = load_setlist(path).setlist
    assert s.songs[0].transition is Transition.AUTO and s.songs[0].pause_seconds == 3
    assert s.songs[0].muted_roles == [Role.BVS] and s.songs[1].skip


def test_setlist_bad_transition(tmp_path: Path) -> None:
    path = write(tmp_path, "set.toml", 'title = "S"\n[[songs]]\npath = "a"\n[[songs]]\n'
                 'path = "b"\ntransition = "crossfade"\n')
    with pytest.raises(LoadError) as info:
        load_setlist(path)
    p = info.value.problems[0]
    assert (p.line, p.field) == (6, "songs[2].transition") and "'segue'" in p.message


def test_rig_role_to_unknown_bus(tmp_path: Path) -> None:
    path = write(tmp_path, "rig.toml", '[buses]\nin_ears = [1, 2]\nfoh = [3, 4]\n[roles]\n'
                 'click = "in_ear"\nother = "foh"\n')
    p = problem_of(Rig, path)
    assert "'in_ear'" in p.message and "in_ears" in p.message and p.file == path


def test_rig_bus_with_three_channels(tmp_path: Path) -> None:
    path = write(tmp_path, "rig.toml", '[buses]\nfoh = [1, 2, 3]\n[roles]\nother = "foh"\n')
    p = problem_of(Rig, path)
    assert p.field == "buses" and p.line == 1 and "one channel (mono) or two" in p.message


def test_rig_block_size_and_foot_switch(tmp_path: Path) -> None:
    path = write(tmp_path, "rig.toml", '[audio]\nblock_size = 100\n[buses]\nfoh = [1, 2]\n'
                 '[roles]\nother = "foh"\n')
    assert problem_of(Rig, path).field == "audio.block_size"
    path = write(tmp_path, "rig2.toml", '[buses]\nfoh = [1, 2]\n[roles]\nother = "foh"\n'
                 '[[midi.map]]\ntype = "program_change"\naction = "next_song"\n'
                 '[[midi.map]]\ntype = "program_change"\nprogram = 3\naction = "go_to_song"\n')
    with pytest.raises(LoadError) as info:
        load_model(Rig, path)
    messages = [(p.field, p.line, p.message) for p in info.value.problems]
    assert messages[0][0] == "midi.map[1]" and messages[0][1] == 5 and "program" in messages[0][2]
    assert messages[1][0] == "midi.map[2]" and "arg" in messages[1][2]


def test_rig_unknown_action(tmp_path: Path) -> None:
    path = write(tmp_path, "rig.toml", '[buses]\nfoh = [1, 2]\n[roles]\nother = "foh"\n'
                 '[[midi.map]]\ntype = "program_change"\nprogram = 1\naction = "nxt_song"\n')
    p = problem_of(Rig, path)
    assert (p.field, p.line) == ("midi.map[1].action", 8) and "'next_song'" in p.message


def test_rig_by_name_and_unknown_name(tmp_path: Path) -> None:
    path, rig = load_rig("stereo", ROOT / "setlists" / "demo.toml")
    assert path == ROOT / "config" / "rigs" / "stereo.toml"
    assert rig.bus_for(Role.CLICK) == "none" and rig.bus_for(Role.DRUMS) == "main"
    with pytest.raises(LoadError) as info:
        load_rig("no-such-rig", ROOT / "setlists" / "demo.toml")
    assert "not found" in info.value.problems[0].message


def test_folder_without_song_toml_is_a_song(tmp_path: Path, make_stem) -> None:
    for name in ["01 Click.wav", "02_Guide.flac", "BGV Alto.wav", "Kick.wav", "Synth Bass.wav",
                 "Lead Vox.wav", "notes.txt"]:
        if name.endswith(".txt"):
            (tmp_path / name).write_text("not audio")
        else:
            make_stem(tmp_path / name, 0.1)
    song = load_song(tmp_path)
    assert song.toml is None and song.song.title == tmp_path.name
    roles = {s.file: s.role for s in song.song.stems}
    assert roles == {"01 Click.wav": Role.CLICK, "02_Guide.flac": Role.GUIDE,
                     "BGV Alto.wav": Role.BVS, "Kick.wav": Role.DRUMS,
                     "Synth Bass.wav": Role.BASS, "Lead Vox.wav": Role.LEAD}


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as info:
        load_song(tmp_path)
    assert "no audio files" in info.value.problems[0].message



@pytest.mark.parametrize("field", ["input", "output"])
def test_rig_bad_port_pattern_names_the_field(tmp_path: Path, field: str) -> None:
    path = write(tmp_path, "rig.toml", '[buses]\nfoh = [1, 2]\n[roles]\nother = "foh"\n[midi]\n'
                 f'{field} = "(FCB"\n')
    p = problem_of(Rig, path)
    assert (p.field, p.line) == (f"midi.{field}", 6) and "not a valid port-name pattern" in p.message


def test_preset_bad_port_pattern_is_refused_as_a_rigs_is(tmp_path: Path) -> None:
    from player.midi.presets import Preset

    path = write(tmp_path, "p.toml", 'name = "P"\ninput = "[FCB"\n[[map]]\ntype = "program_change"\n'
                 'program = 1\naction = "next_song"\n')
    p = problem_of(Preset, path)
    assert (p.field, p.line) == ("input", 2) and "not a valid port-name pattern" in p.message


def test_every_file_model_refuses_unknown_fields_and_is_frozen(tmp_path: Path) -> None:
    from player.midi.presets import Preset
    from player.setlist.setlist import Entry, Setlist
    from player.setlist.strict import Strict

    assert all(issubclass(model, Strict) for model in (Song, Rig, Setlist, Entry, Preset))
    path = write(tmp_path, "setlist.toml", 'title = "S"\n[[songs]]\npath = "a"\nskp = true\n')
    assert problem_of(Setlist, path).field == "songs[1].skp"
    path = write(tmp_path, "setlist.toml", 'title = "S"\n[[songs]]\npath = "a"\n')
    entry = load_setlist(path).setlist.songs[0]
    with pytest.raises(ValueError, match="frozen"):
        entry.skip = True
