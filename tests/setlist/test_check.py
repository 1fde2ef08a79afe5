"""``player check`` finds what would go wrong on stage, per song, with its place and its fix."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from player.engine.bus_peaks import bus_peaks
from player.setlist.cache import CheckCache
from player.setlist.check import ShowReport, check_show
from player.setlist.check_rig import Device
from player.setlist.problems import Severity
from player.setlist.report import render
from tests.conftest import DEMO, ROOT, write_stem

SONG = """title = "Known"
artist = "Test"
[tempo]
bpm = 120
[[sections]]
name = "Intro"
bar = 1
[[sections]]
name = "Verse"
bar = 3
[[stems]]
file = "click.wav"
role = "click"
[[stems]]
file = "bv.wav"
role = "bvs"
[[stems]]
file = "bass.wav"
role = "bass"
"""

RIG = """[audio]
device = "system"
[buses]
in_ears = [1, 2]
foh_bvs = [3, 4]
foh_tracks = [5, 6]
[roles]
click = "in_ears"
guide = "in_ears"
bvs = "foh_bvs"
other = "foh_tracks"
"""

SIXTEEN = Device("system", 16, "JACK Audio Connection Kit")


@pytest.fixture
def show(tmp_path: Path) -> Path:
    """A two-song show in its own tree: setlists/, config/, songs with known stems."""
    for name in ("one", "two"):
        folder = tmp_path / "setlists" / name
        write_stem(folder / "click.wav", 6.0, freq=1000)
        write_stem(folder / "bv.wav", 6.0, channels=2, freq=660)
        write_stem(folder / "bass.wav", 6.0, freq=55)
        (folder / "song.toml").write_text(SONG)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "rig.toml").write_text(RIG)
    path = tmp_path / "setlists" / "show.toml"
    path.write_text('title = "Show"\n\n[[songs]]\npath = "one"\n\n[[songs]]\npath = "two"\n')
    return path


def problems(report: ShowReport, severity: Severity = Severity.ERROR) -> list[str]:
    return [str(p) for p in report.all_problems() if p.severity is severity]


def test_clean_show_can_run(show: Path) -> None:
    report = check_show(show, device=SIXTEEN)
    assert report.ok, problems(report)
    assert [s.title for s in report.songs] == ["Known", "Known"]
    assert report.songs[0].seconds == pytest.approx(6.0)
    assert [s.bus for s in report.songs[0].stems] == ["in_ears", "foh_bvs", "foh_tracks"]
    assert [s.info.channels for s in report.songs[0].stems] == [1, 2, 1]
    text = "\n".join(render(report))
    assert "The show can run" in text and "0:12 in all" in text


def test_deleted_stem_is_an_error_at_its_line(show: Path) -> None:
    (show.parent / "two" / "bv.wav").unlink()
    report = check_show(show, device=SIXTEEN)
    assert not report.ok and report.songs[0].ok and not report.songs[1].ok
    [error] = report.songs[1].problems
    assert error.field == "stems[2].file" and error.line == 15
    assert "'bv.wav' not found" in error.message and error.fix


def test_bad_bus_name_is_an_error_with_the_choices(show: Path) -> None:
    toml = show.parent / "one" / "song.toml"
    toml.write_text(SONG.replace('role = "bass"', 'role = "bass"\nbus = "foh_trax"'))
    report = check_show(show, device=SIXTEEN)
    [error] = problems(report)
    assert "song.toml:20: stems[3].bus" in error and "'foh_trax'" in error
    assert "foh_tracks" in error


def test_toml_syntax_error_is_reported_and_other_songs_still_checked(show: Path) -> None:
    (show.parent / "one" / "song.toml").write_text(SONG.replace("bpm = 120", "bpm = 120 bpm"))
    report = check_show(show, device=SIXTEEN)
    [error] = problems(report)
    assert "song.toml:4" in error and "TOML syntax error" in error
    assert report.songs[1].ok and len(report.songs[1].stems) == 3


def test_other_rate_is_a_note_not_an_error(show: Path) -> None:
    write_stem(show.parent / "one" / "bass.wav", 6.0, rate=44100, freq=55)
    report = check_show(show, device=SIXTEEN)
    assert report.ok
    assert any("44100 Hz, will be resampled to 48000 Hz" in p for p in problems(report, Severity.INFO))


def test_outputs_beyond_the_device(show: Path) -> None:
    report = check_show(show, device=Device("Laptop", 2))
    bvs, tracks = problems(report)
    assert "rig.toml:5: buses.foh_bvs" in bvs and "uses output 3" in bvs and "only 2 outputs" in bvs
    assert "rig.toml:6: buses.foh_tracks" in tracks and "uses output 5" in tracks


def test_device_absent_is_a_warning(show: Path) -> None:
    report = check_show(show, device=None)
    assert report.ok and any("no output device matches 'system'" in p
                             for p in problems(report, Severity.WARNING))


def test_clipping_short_stem_section_after_end_and_surround_file(show: Path) -> None:
    folder = show.parent / "one"
    write_stem(folder / "click.wav", 6.0, freq=1000, amplitude=1.0)  # reaches full scale
    write_stem(folder / "bass.wav", 5.5, freq=55)
    write_stem(folder / "bv.wav", 6.0, channels=6, freq=660)
    (folder / "song.toml").write_text(SONG.replace("bar = 3", "bar = 4"))  # 4th bar: 6 s, at the end
    report = check_show(show, device=SIXTEEN)
    errors, warnings = problems(report), problems(report, Severity.WARNING)
    assert any("bv.wav has 6 channels" in e for e in errors)
    assert any("section 'Verse' starts at 6.00 s, after the song ends (6.00 s)" in e for e in errors)
    assert any("click.wav clips" in w for w in warnings)
    assert any("bass.wav is 5.500 s long" in w and "0.50 s early" in w for w in warnings)


def test_missing_song_folder_points_at_the_setlist_line(show: Path) -> None:
    shutil.rmtree(show.parent / "two")
    report = check_show(show, device=SIXTEEN)
    [error] = problems(report)
    assert "show.toml:7: songs[2].path" in error and "'two' not found" in error


def test_unreadable_stem(show: Path) -> None:
    (show.parent / "one" / "bass.wav").write_bytes(b"RIFF....WAVEjunk")
    [error] = problems(check_show(show, device=SIXTEEN))
    assert "'bass.wav' cannot be decoded" in error


def test_skipped_song_is_not_checked(show: Path) -> None:
    shutil.rmtree(show.parent / "two")
    show.write_text(show.read_text() + "skip = true\n")
    report = check_show(show, device=SIXTEEN)
    assert report.ok and report.songs[1].entry.skip


def test_demo_setlist_can_run() -> None:
    report = check_show(DEMO, device=SIXTEEN)
    assert report.ok, problems(report)
    assert len(report.songs) >= 3
    rates = set()
    for song in report.songs:
        assert len(song.stems) >= 6, song.title
        roles = {s.stem.role.value for s in song.stems}
        assert {"click", "guide"} <= roles and len(roles - {"click", "guide"}) >= 3, song.title
        rates |= {s.info.sample_rate for s in song.stems}
        assert song.seconds > 30
    assert {44100, 48000} <= rates
    size = sum(p.stat().st_size for p in (ROOT / "setlists" / "demo").rglob("*") if p.is_file())
    assert size < 20 * 1024 * 1024


def test_sections_the_voice_cannot_say_are_noted(show: Path) -> None:
    toml = show.parent / "one" / "song.toml"
    toml.write_text(SONG.replace('name = "Verse"', 'name = "Solo Bridge"')
                    .replace('[tempo]', '[generate]\nguide = "on"\n[tempo]'))
    report = check_show(show, device=SIXTEEN)
    assert report.ok
    [note] = [p for p in report.songs[0].problems if "spoken cues" in p.message]
    assert "'Solo Bridge'" in note.message and "Intro" not in note.message.split(":")[1]
    assert note.severity is Severity.INFO and "cue = false" in (note.fix or "")
    assert not [p for p in report.songs[1].problems if "spoken cues" in p.message]


def test_a_rig_naming_a_missing_midi_preset_is_an_error(show: Path) -> None:
    rig = show.parent.parent / "config" / "rig.toml"
    rig.write_text(RIG + '[midi]\npreset = "mc7"\n')
    report = check_show(show, device=SIXTEEN)
    [error] = problems(report)
    assert "rig.toml:13: midi.preset" in error and "'mc7' not found" in error


def test_a_song_python_cannot_parse_never_takes_the_others_down(show: Path) -> None:
    toml = show.parent / "one" / "song.toml"
    toml.write_text(SONG.replace("bpm = 120", "bpm = " + "9" * 5000))
    report = check_show(show, device=SIXTEEN)
    [error] = problems(report)
    assert "song.toml:4" in error and "number too long" in error
    assert report.songs[1].ok and len(report.songs[1].stems) == 3


def test_a_summed_bus_that_clips_is_a_warning(show: Path) -> None:
    folder = show.parent / "one"
    # Three stems at -4.4 dBFS (0.6), in phase on the bass's bus: each fine alone, clipping summed.
    for name in ("a.wav", "b.wav", "c.wav"):
        write_stem(folder / name, 6.0, freq=220, amplitude=0.6)
    extra = "".join(f'[[stems]]\nfile = "{n}"\nrole = "keys"\n' for n in ("a.wav", "b.wav", "c.wav"))
    (folder / "song.toml").write_text(SONG + extra)
    report = check_show(show, device=SIXTEEN, mix=bus_peaks)
    assert not any("clips" in p for p in problems(report, Severity.WARNING) if "a.wav" in p)
    [clip] = [p for p in report.songs[0].problems if "bus 'foh_tracks' clips" in p.message]
    summed = sum(sf.read(str(folder / n), dtype="float32")[0] for n in ("a.wav", "b.wav", "c.wav",
                                                                        "bass.wav"))
    assert clip.severity is Severity.WARNING
    assert f"{20 * np.log10(np.abs(summed).max()):+.1f} dBFS" in clip.message  # centred: as summed
    assert not [p for p in report.songs[1].problems if "bus 'foh_tracks' clips" in p.message]
    # Cached by file identity: a second check sums nothing again, and a rewritten file is summed anew.
    again = check_show(show, device=SIXTEEN, mix=lambda *a: pytest.fail("summed again"))
    assert [p.message for p in again.songs[0].problems] == [p.message for p in report.songs[0].problems]
    for name in ("a.wav", "b.wav", "c.wav"):
        write_stem(folder / name, 6.0, freq=220, amplitude=0.1)
    assert not [p for p in check_show(show, device=SIXTEEN, mix=bus_peaks).songs[0].problems
                if "bus 'foh_tracks' clips" in p.message]


def test_a_stem_listed_many_times_is_an_error(show: Path) -> None:
    repeat = '[[stems]]\nfile = "bass.wav"\nrole = "bass"\n'
    (show.parent / "one" / "song.toml").write_text(SONG + repeat * 20)
    [error] = problems(check_show(show, device=SIXTEEN))
    assert "bass.wav is listed 21 times for bus 'foh_tracks'" in error and "song.toml:21" in error


def test_a_click_named_stem_with_another_role_is_a_warning(show: Path) -> None:
    (show.parent / "one" / "song.toml").write_text(SONG.replace('role = "click"', 'role = "keys"'))
    report = check_show(show, device=SIXTEEN)
    [warning] = [p for p in report.songs[0].problems if "looks like" in p.message]
    assert warning.severity is Severity.WARNING and warning.field == "stems[1].role"
    assert "click.wav looks like click material but has role 'keys': it plays on 'foh_tracks', " \
           "not on 'in_ears'" in warning.message
    assert not [p for p in report.songs[1].problems if "looks like" in p.message]


def _without_first_frame(data: bytes) -> bytes:
    """The MP3 with its first (Xing/LAME "Info") frame cut: what old encoders and some tools write."""
    bitrate = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320][data[2] >> 4]
    rate = (44100, 48000, 32000)[(data[2] >> 2) & 3]
    return data[144 * bitrate * 1000 // rate + ((data[2] >> 1) & 1):]


def test_an_mp3_without_an_encoder_delay_tag_is_a_warning(show: Path) -> None:
    folder = show.parent / "one"
    tone = (0.3 * np.sin(np.arange(6 * 48000) * 2 * np.pi * 55 / 48000)).astype(np.float32)
    sf.write(str(folder / "tagged.mp3"), tone, 48000, format="MP3")
    (folder / "bare.mp3").write_bytes(_without_first_frame((folder / "tagged.mp3").read_bytes()))
    extra = "".join(f'[[stems]]\nfile = "{n}"\nrole = "keys"\n' for n in ("tagged.mp3", "bare.mp3"))
    (folder / "song.toml").write_text(SONG + extra)
    report = check_show(show, device=SIXTEEN)
    [warning] = [p for p in report.songs[0].problems if "encoder-delay" in p.message]
    assert warning.severity is Severity.WARNING and warning.field == "stems[5].file"
    assert "bare.mp3 is an MP3 without an encoder-delay (LAME/Info) tag" in warning.message
    assert "23 ms late" in warning.message


def pid_mix(song: object, entry: object, rig: object) -> dict[str, float]:
    """A bus "sum" that says which process made it: the proof that songs were checked elsewhere."""
    return {"pid": -float(os.getpid())}  # negative: never a clip


def test_big_setlists_are_checked_in_worker_processes_and_cached(tmp_path: Path) -> None:
    songs = []
    for n in range(6):
        folder = tmp_path / f"{n + 1:02d} song"
        write_stem(folder / "Click.wav", 1.0, freq=1000)
        write_stem(folder / "Bass.wav", 1.0 + n / 10, freq=55)
        songs.append(folder)
    heard: list[int] = []
    serial = check_show(tmp_path, device="not looked for", jobs=1,
                        cache=CheckCache(tmp_path / "elsewhere.json", load=False))
    report = check_show(tmp_path, device="not looked for", mix=pid_mix, jobs=2,
                        progress=lambda song: heard.append(song.index))
    assert sorted(heard) == [1, 2, 3, 4, 5, 6]
    assert [s.title for s in report.songs] == [s.title for s in serial.songs] == [f.name for f in songs]
    assert [s.seconds for s in report.songs] == [s.seconds for s in serial.songs]
    assert [[str(p) for p in s.problems] for s in report.songs] == \
           [[str(p) for p in s.problems] for s in serial.songs]
    cache = CheckCache()
    pids = {-int(peaks["pid"]) for peaks in cache.mixes.values()}
    assert len(cache.mixes) == 6 and os.getpid() not in pids
    assert len(cache.stems) == 12
    # Everything cached: no worker starts, nothing is decoded or summed again.
    again = check_show(tmp_path, device="not looked for", mix=lambda *a: pytest.fail("summed again"),
                       jobs=2)
    assert [s.seconds for s in again.songs] == [s.seconds for s in report.songs]
