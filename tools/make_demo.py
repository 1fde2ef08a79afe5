#!/usr/bin/env python3
"""Build the bundled demo setlist (``setlists/demo.toml`` and ``setlists/demo/``) from free sources.

Why this exists: the player needs a realistic show to try out of the box (a click, a spoken
guide, backing vocals and real instrument stems, two sample rates, section markers), and the
material must be redistributable. So the stems are rendered from GPL-2.0 MIDI songs of the OpenMSX
music set with the MIT-licensed FluidR3_GM soundfont, the guide is spoken by espeak-ng and the
click is synthesised here. The rendered, compressed stems are committed, so the player needs none
of these tools at run time; this script is how they were made and how to make them again.

Needs Python 3.11+ and (Debian/Ubuntu)::

    apt-get install fluidsynth fluid-soundfont-gm openttd-openmsx espeak-ng
    pip install mido numpy soundfile

Run from the repository root::

    python tools/make_demo.py            # rebuild setlists/demo/ and setlists/demo.toml, check
    python tools/make_demo.py --check    # only check what is there (exit status 1 on a problem)

A build takes about 40 s on two cores.

It writes only to ``setlists/demo/`` (which it replaces) and ``setlists/demo.toml``; intermediate
MIDI and WAV files live in a temporary directory. The output is deterministic: the same inputs give
byte-identical files (the Ogg stream serial number, which libsndfile picks at random, is fixed).

How a song is built:

1. The MIDI file is split with mido into one MIDI file per stem group (drums, bass, keys, ...). Each
   keeps every meta message (so the tempo map is identical) plus all channel messages of its own
   channels, and ends at the same tick; a ``bvs`` file plays the melody with GM program 52.
2. Each file is rendered by fluidsynth to a float WAV; all start at MIDI tick 0, so they line up.
3. The renders are shifted so that MIDI bar ``music_start_bar`` lands on song bar 2: song bar 1 is
   a one-bar count-in. Long songs are cut at a bar line with a fade-out over the last bars.
4. One gain per song is applied to all music stems (their balance is the MIDI mix) so that no stem
   peaks above -1 dBFS and their sum stays below 0 dBFS, checked after lossy encoding.
5. The click (sine bursts on every beat, accented downbeat) and the guide (espeak-ng words: the
   count on each beat of the count-in, the first section's name on its own first downbeat, since
   the count-in bar is full, and every other section's name on the downbeat one bar before it)
   are generated on the same sample grid. They are 16-bit FLAC rather than Vorbis: lossless keeps
   each click's first sample exactly on its beat, and their long digital silences cost nothing.
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mido
import numpy as np
import numpy.typing as npt
import soundfile as sf
from demo_lyrics import toml_lines
from demo_lyrics import write as write_lyrics
from oggfix import fix_ogg_serial

Audio = npt.NDArray[np.float64]
Event = tuple[int, Any]  # (absolute tick, mido message); mido has no type information

REPO = Path(__file__).resolve().parent.parent
SETLISTS = REPO / "setlists"
DEMO_DIR = SETLISTS / "demo"
DEMO_TOML = SETLISTS / "demo.toml"

MIDI_DIR = Path("/usr/share/games/openttd/baseset/openmsx")
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")

FLUID_GAIN = 0.6
# fluidsynth's file renderer handles MIDI events at the start of its 64-frame blocks and its output
# lags the event by one block, so a note sounds 64..128 frames late (measured here with fluidsynth
# 2.3.1: 85-96 frames on average at 104-160 bpm, 44.1 and 48 kHz, no drift over 240 beats). The
# renders are moved earlier by the mean so the music sits on the click grid within about +-0.8 ms.
FLUID_LATENCY_FRAMES = 88

# Ogg Vorbis quality: libsndfile maps compression_level 0..1 to Vorbis quality 1..0, so 0.8 is about
# 'oggenc -q 2' (up to ~90 kbit/s for a busy stereo stem, much less for sparse ones): fine for
# rehearsal stems, and it keeps the whole demo near 12 MB (the issue allows 20, aims for 14).
VORBIS_COMPRESSION = 0.8
WRITE_BLOCK_FRAMES = 16384
OGG_SERIAL = 0x44454D4F  # "DEMO": a fixed stream serial number makes the files reproducible.

CLICK_PEAK_DBFS = -6.0
CLICK_OFFBEAT_DBFS = -8.0
CLICK_ACCENT_HZ = 1500.0
CLICK_BEAT_HZ = 1000.0
CLICK_SECONDS = 0.030
GUIDE_PEAK_DBFS = -3.0
GUIDE_VOICE = "en"
GUIDE_SPEED = 170
STEM_PEAK_LIMIT_DBFS = -1.0
STEM_PEAK_TARGET_DBFS = -1.5
SUM_PEAK_TARGET_DBFS = -1.0
SUM_PEAK_LIMIT_DBFS = -0.3
BVS_UNDER_MIX_DB = 8.0
CHOIR_PROGRAM = 52  # GM "Choir Aahs" (0-based program number)
COUNT_WORDS = ("one", "two", "three", "four", "five", "six", "seven")


def db_to_gain(db: float) -> float:
    """Amplitude factor for a level in dB."""
    return float(10.0 ** (db / 20.0))


def gain_to_db(gain: float) -> float:
    """Level in dB of an amplitude factor (-inf for silence)."""
    return float(20.0 * np.log10(gain)) if gain > 0 else float("-inf")


@dataclass(frozen=True)
class StemSpec:
    """One rendered music stem: which MIDI channels (1-based, as musicians count) go into it."""

    file: str
    name: str
    role: str
    channels: tuple[int, ...]
    mono: bool = False


@dataclass(frozen=True)
class BvsPart:
    """A stretch of a melody line that the synthesized choir doubles (MIDI bars 0-based, [a, b))."""

    channel: int
    first_bar: int
    end_bar: int
    transpose: int = 0


@dataclass(frozen=True)
class SongSpec:
    """Everything chosen by hand for one song; bars here are the MIDI file's bars, 0-based.

    ``music_start_bar`` is the MIDI bar that becomes song bar 2 (song bar 1 is the count-in). A MIDI
    file whose first bar is empty but for a pickup uses 1, so the pickup falls in the count-in bar.
    ``end_bar`` is the MIDI bar at which the song stops; the music fades out over ``fade_bars``.
    """

    number: int
    midi: str
    slug: str
    title: str
    composer: str
    credit_source: str
    rate: int
    stems: tuple[StemSpec, ...]
    sections: tuple[tuple[str, int], ...]
    bvs: tuple[BvsPart, ...]
    music_start_bar: int
    end_bar: int
    fade_bars: int
    notes: str = ""

    @property
    def folder(self) -> str:
        """Folder name under setlists/demo/: the number keeps the set's order visible."""
        return f"{self.number:02d}-{self.slug}"

    def song_bar(self, midi_bar: int) -> int:
        """1-based song bar of a 0-based MIDI bar (song bar 1 is the count-in)."""
        return midi_bar - self.music_start_bar + 2


SONGS: tuple[SongSpec, ...] = (
    SongSpec(
        number=1,
        midi="tttheme2.mid",
        slug="openttd-journey",
        title="OpenTTD journey",
        composer="-lucas-",
        credit_source="readme.txt, section 5 Credits: 'OpenTTD journey ... -lucas-'",
        rate=48000,
        stems=(
            StemSpec("drums.ogg", "Drums", "drums", (10,)),
            StemSpec("bass.ogg", "Bass", "bass", (1, 13), mono=True),
            StemSpec("keys.ogg", "Keys", "keys", (4, 9)),
            StemSpec("guitars.ogg", "Guitars", "guitars", (2, 3, 6, 11, 12)),
            StemSpec("pads.ogg", "Strings", "pads", (7,)),
            StemSpec("lead.ogg", "Sax", "lead", (5,)),
        ),
        # Sections from where the MIDI's parts enter and drop out: 1-8 sax riff over guitars, 9-16
        # an overdriven guitar melody, 17-19 the bass rests, 20-27 strings enter, 28-35 the riff
        # again. MIDI bar 0 is empty but for pickups 12 ticks before bar 1: it is the count-in.
        sections=(
            ("Intro", 1),
            ("Verse 1", 5),
            ("Chorus 1", 9),
            ("Breakdown", 17),
            ("Bridge", 20),
            ("Verse 2", 28),
            ("Outro", 32),
        ),
        bvs=(BvsPart(11, 9, 17, -12), BvsPart(5, 32, 37, 0)),
        music_start_bar=1,
        end_bar=38,  # the last chord is held through MIDI bar 36; bar 37 lets it ring out
        fade_bars=1,
        notes=(
            "its first bar, empty but for a pickup, is the count-in; the held final chord and one"
            " bar of ring-out follow, faded"
        ),
    ),
    SongSpec(
        number=2,
        midi="keep_on_rolling.mid",
        slug="keep-on-rolling",
        title="Keep on Rolling",
        composer="Trolley Trev",
        credit_source="changelog.txt, OpenMSX 0.4.0: \"Restore 'Keep on Rolling' by Trolley Trev\"",
        rate=44100,
        stems=(
            StemSpec("drums.ogg", "Drums", "drums", (10,)),
            StemSpec("bass.ogg", "Bass", "bass", (9,), mono=True),
            StemSpec("keys.ogg", "Piano", "keys", (5, 6)),
            StemSpec("guitars.ogg", "Guitar", "guitars", (8,)),
            StemSpec("pads.ogg", "Synth pad", "pads", (7,)),
            StemSpec("lead.ogg", "Horns", "lead", (1, 2, 3, 4)),
        ),
        # 0-3 pad, bass and drums; 4-19 the horn theme in 4-bar phrases; 20-27 all horns, denser;
        # 28-31 saxes and drums only, where it is cut (the file runs on to bar 84).
        sections=(
            ("Intro", 0),
            ("Verse 1", 4),
            ("Verse 2", 12),
            ("Chorus", 20),
            ("Outro", 28),
        ),
        bvs=(BvsPart(4, 12, 28, -12),),
        music_start_bar=0,
        end_bar=32,
        fade_bars=2,
    ),
    SongSpec(
        number=3,
        midi="mighty_giant_run.mid",
        slug="mighty-giant-run",
        title="Mighty giant run",
        composer="Tistou Blomberg",
        credit_source=(
            "readme.txt, 5 Credits: \"All 'Modern' tracks: Tistou Blomberg\"; it is the set's"
            " new_5, and upstream's src/themes.list names him for this file"
        ),
        rate=48000,
        stems=(
            StemSpec("drums.ogg", "Drums", "drums", (10,)),
            StemSpec("bass.ogg", "Bass", "bass", (1,), mono=True),
            StemSpec("keys.ogg", "Synths", "keys", (5, 7)),
            StemSpec("guitars.ogg", "Guitar", "guitars", (3,)),
            StemSpec("pads.ogg", "Square pad", "pads", (12,)),
            StemSpec("lead.ogg", "Flute", "lead", (9,)),
        ),
        # 0 a drum count-off, 1-4 bass; the guitar enters at 5, the saw synth at 13, the square
        # pad at 21, the flute melody plays 29-44; cut before the breakdown at 45.
        sections=(
            ("Intro", 0),
            ("Verse 1", 5),
            ("Verse 2", 13),
            ("Pre-chorus", 21),
            ("Chorus 1", 29),
            ("Chorus 2", 37),
        ),
        bvs=(BvsPart(9, 29, 45, 0),),
        music_start_bar=0,
        end_bar=45,
        fade_bars=2,
    ),
)

BVS_STEM = StemSpec("bvs.ogg", "BVs (synth choir)", "bvs", ())
CLICK_STEM = StemSpec("click.flac", "Click", "click", (), mono=True)
GUIDE_STEM = StemSpec("guide.flac", "Guide", "guide", (), mono=True)


# --------------------------------------------------------------------------------------------
# MIDI analysis and splitting


@dataclass
class MidiInfo:
    """What the rest of the build needs to know about a MIDI file."""

    midi: mido.MidiFile
    ticks_per_beat: int
    tempo_us: int
    numerator: int
    denominator: int
    note_channels: set[int] = field(default_factory=set)

    @property
    def bpm(self) -> float:
        """Tempo to two decimals: the files store a rounded microsecond tempo (106 bpm: 566037)."""
        return round(60_000_000 / self.tempo_us, 2)

    @property
    def bar_ticks(self) -> int:
        """MIDI ticks per bar, for cutting and placing at bar lines."""
        return self.ticks_per_beat * self.numerator * 4 // self.denominator

    @property
    def total_bars(self) -> int:
        """Bars up to and including the one with the last note."""
        last = max(
            tick
            for track in self.midi.tracks
            for tick, msg in absolute(track)
            if msg.type == "note_on"
        )
        return last // self.bar_ticks + 1


def absolute(track: Iterable[mido.Message | mido.MetaMessage]) -> list[Event]:
    """(absolute tick, message) pairs of a track, so messages can be filtered and re-timed."""
    out: list[Event] = []
    tick = 0
    for msg in track:
        tick += msg.time
        out.append((tick, msg))
    return out


def read_midi(path: Path) -> MidiInfo:
    """Load a MIDI file and insist on one tempo and one x/4 meter, as the click grid assumes."""
    midi = mido.MidiFile(path)
    tempos: set[int] = set()
    meters: set[tuple[int, int]] = set()
    channels: set[int] = set()
    for track in midi.tracks:
        for msg in track:
            if msg.type == "set_tempo":
                tempos.add(msg.tempo)
            elif msg.type == "time_signature":
                meters.add((msg.numerator, msg.denominator))
            elif msg.type == "note_on" and msg.velocity > 0:
                channels.add(msg.channel + 1)
    if len(tempos) > 1:
        raise SystemExit(f"{path.name}: tempo changes ({sorted(tempos)}); pick a steady song")
    if len(meters) > 1:
        raise SystemExit(f"{path.name}: meter changes ({sorted(meters)}); pick another song")
    tempo = tempos.pop() if tempos else 500_000  # MIDI default: 120 bpm
    numerator, denominator = meters.pop() if meters else (4, 4)  # MIDI default: 4/4
    if denominator != 4 or numerator not in (3, 4):
        raise SystemExit(f"{path.name}: {numerator}/{denominator}; the demo wants 4/4 or 3/4")
    return MidiInfo(midi, midi.ticks_per_beat, tempo, numerator, denominator, channels)


def new_midi(
    info: MidiInfo,
    tracks: Sequence[list[Event]],
    channels: Iterable[int],
    end_tick: int,
) -> mido.MidiFile:
    """A type-1 MIDI file from absolute-time tracks, every track ending exactly at ``end_tick``.

    All stem files share the source's meta messages and end tick, so fluidsynth renders the same
    tempo map for the same length and the stems align sample for sample. At the end tick every
    sound on ``channels`` (0-based) is stopped: a note cut off by the trim would otherwise hold
    forever, and fluidsynth's file renderer keeps rendering while any voice sounds.
    """
    stop = [
        (end_tick, mido.Message("control_change", channel=c, control=cc, value=0))
        for c in sorted(channels)
        for cc in (64, 123, 120)  # sustain pedal up, all notes off, all sound off
    ]
    out = mido.MidiFile(type=1, ticks_per_beat=info.ticks_per_beat)
    for i, events in enumerate(tracks):
        ordered = sorted([*events, *stop] if i == len(tracks) - 1 else events, key=lambda e: e[0])
        track = mido.MidiTrack()
        last = 0
        for tick, msg in ordered:  # stable: keeps same-tick order
            track.append(msg.copy(time=tick - last))
            last = tick
        track.append(mido.MetaMessage("end_of_track", time=end_tick - last))
        out.tracks.append(track)
    return out


def split_midi(info: MidiInfo, channels: Sequence[int], end_tick: int) -> mido.MidiFile:
    """The part of the song played on ``channels`` (1-based), with all meta and SysEx messages.

    Program changes, controllers and pitch bends of those channels are kept so each instrument
    sounds as in the full mix. Events from ``end_tick`` on are dropped (the song is cut there).
    """
    wanted = {c - 1 for c in channels}
    tracks = []
    for track in info.midi.tracks:
        kept = []
        for tick, msg in absolute(track):
            if tick >= end_tick or msg.type == "end_of_track":
                continue
            meta = msg.is_meta or msg.type == "sysex"
            if meta or getattr(msg, "channel", None) in wanted:
                kept.append((tick, msg))
        tracks.append(kept)
    return new_midi(info, tracks, wanted, end_tick)


def melody_notes(info: MidiInfo, part: BvsPart) -> list[tuple[int, int, int, int]]:
    """(start, end, pitch, velocity) of the top line of a channel within the part's bars.

    Backing vocals sing one line, so chords are reduced to their highest note and each note is cut
    where the next one starts (a simple skyline).
    """
    chan = part.channel - 1
    lo, hi = part.first_bar * info.bar_ticks, part.end_bar * info.bar_ticks
    notes: list[tuple[int, int, int, int]] = []
    for track in info.midi.tracks:
        sounding: dict[int, tuple[int, int]] = {}
        for tick, msg in absolute(track):
            if getattr(msg, "channel", None) != chan:
                continue
            kind = msg.type
            if kind == "note_on" and msg.velocity > 0:
                sounding[msg.note] = (tick, msg.velocity)
            elif kind in ("note_on", "note_off") and msg.note in sounding:
                start, vel = sounding.pop(msg.note)
                if lo <= start < hi:
                    notes.append((start, min(tick, hi), msg.note, vel))
    top: dict[int, tuple[int, int, int, int]] = {}
    for note in notes:
        if note[0] not in top or note[2] > top[note[0]][2]:
            top[note[0]] = note
    line = [top[t] for t in sorted(top)]
    out = []
    for i, (start, end, pitch, vel) in enumerate(line):
        stop = min(end, line[i + 1][0]) if i + 1 < len(line) else end
        if stop > start:
            out.append((start, stop, pitch + part.transpose, vel))
    return out


def bvs_midi(info: MidiInfo, parts: Sequence[BvsPart], end_tick: int) -> mido.MidiFile:
    """The melody parts played by GM 'Choir Aahs' on channel 1, with the song's meta messages."""
    tracks = []
    for track in info.midi.tracks:
        kept = [
            (tick, msg)
            for tick, msg in absolute(track)
            if tick < end_tick and msg.is_meta and msg.type != "end_of_track"
        ]
        tracks.append(kept)
    choir: list[Event] = [
        (0, mido.Message("program_change", channel=0, program=CHOIR_PROGRAM)),
        (0, mido.Message("control_change", channel=0, control=7, value=100)),
        (0, mido.Message("control_change", channel=0, control=10, value=64)),
        (0, mido.Message("control_change", channel=0, control=91, value=60)),
    ]
    for part in parts:
        for start, end, pitch, vel in melody_notes(info, part):
            choir.append((start, mido.Message("note_on", channel=0, note=pitch, velocity=vel)))
            choir.append((end, mido.Message("note_off", channel=0, note=pitch, velocity=0)))
    # note_off before note_on at the same tick, so repeated pitches re-strike cleanly
    choir.sort(key=lambda e: (e[0], 0 if e[1].type == "note_off" else 1))
    tracks.append(choir)
    return new_midi(info, tracks, [0], end_tick)


def estimate_key(info: MidiInfo, lo_tick: int, hi_tick: int) -> str:
    """Best-guess key (Krumhansl-Kessler profiles on duration-weighted pitch classes).

    Only a hint for the song sheet; drums are ignored.
    """
    major = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
    minor = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
    names = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
    minor_names = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")
    hist = np.zeros(12)
    for track in info.midi.tracks:
        sounding: dict[tuple[int, int], int] = {}
        for tick, msg in absolute(track):
            if getattr(msg, "channel", 9) == 9:
                continue
            key = (msg.channel, getattr(msg, "note", -1))
            if msg.type == "note_on" and msg.velocity > 0:
                sounding[key] = tick
            elif msg.type in ("note_on", "note_off") and key in sounding:
                start = max(sounding.pop(key), lo_tick)
                end = min(tick, hi_tick)
                if end > start:
                    hist[key[1] % 12] += end - start
    best = (-2.0, "C")
    for tonic in range(12):
        for profile, label in ((major, names[tonic]), (minor, minor_names[tonic] + "m")):
            score = float(np.corrcoef(hist, np.roll(profile, tonic))[0, 1])
            if score > best[0]:
                best = (score, label)
    return best[1]


# --------------------------------------------------------------------------------------------
# Audio


def render(mid: Path, wav: Path, rate: int) -> None:
    """Render a MIDI file with fluidsynth to a float WAV (float, so a loud group cannot clip)."""
    cmd = [
        "fluidsynth", "-ni", "-q", "-g", str(FLUID_GAIN), "-r", str(rate), "-O", "float",
        "-F", str(wav), str(SOUNDFONT), str(mid),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)


def place(rendered: Audio, shift: int, length: int) -> Audio:
    """``rendered`` moved by ``shift`` frames (negative: earlier) into ``length`` frames."""
    out = np.zeros((length, rendered.shape[1]))
    src = rendered[max(0, -shift) :]
    dst = max(0, shift)
    n = min(len(src), length - dst)
    if n > 0:
        out[dst : dst + n] = src[:n]
    return out


def raised_cosine_fade(length: int, start: int, end: int) -> Audio:
    """Gain curve: 1 before ``start``, a smooth fall to 0 at ``end``, 0 after."""
    gain = np.ones(length)
    end = min(end, length)
    gain[start:end] = 0.5 * (1.0 + np.cos(np.pi * np.arange(end - start) / (end - start)))
    gain[end:] = 0.0
    return gain


def beat_frames(bpm: float, rate: int, beats: int) -> npt.NDArray[np.int64]:
    """Frame index of each beat on the song's grid (rounded, never accumulated)."""
    return np.round(np.arange(beats) * (60.0 / bpm) * rate).astype(np.int64)


def make_click(bpm: float, numerator: int, rate: int, length: int) -> Audio:
    """Sine bursts on every beat: 1500 Hz on downbeats, 1000 Hz otherwise, decaying over 30 ms.

    Each burst starts at full phase (cosine) so its first sample is its onset, exactly on the grid.
    """
    n = round(CLICK_SECONDS * rate)
    t = np.arange(n) / rate
    env = np.exp(-t / 0.008)
    env[-int(0.005 * rate) :] *= np.linspace(1.0, 0.0, int(0.005 * rate))
    accent = np.cos(2 * np.pi * CLICK_ACCENT_HZ * t) * env * db_to_gain(CLICK_PEAK_DBFS)
    beat = np.cos(2 * np.pi * CLICK_BEAT_HZ * t) * env * db_to_gain(CLICK_OFFBEAT_DBFS)
    out = np.zeros(length)
    beats = int(np.ceil(length / ((60.0 / bpm) * rate)))
    for i, pos in enumerate(beat_frames(bpm, rate, beats)):
        burst = accent if i % numerator == 0 else beat
        m = min(n, length - int(pos))
        if m > 0:
            out[pos : pos + m] += burst[:m]
    return out[:, None]


def resample(x: Audio, src_rate: int, dst_rate: int) -> Audio:
    """Band-limited resampling of a short mono clip through the FFT (zero-padded against wrap)."""
    pad = len(x) // 4 + 64
    padded = np.concatenate([np.zeros(pad), x, np.zeros(pad)])
    n_out = round(len(padded) * dst_rate / src_rate)
    y = np.fft.irfft(np.fft.rfft(padded), n_out) * (n_out / len(padded))
    p = round(pad * dst_rate / src_rate)
    return np.asarray(y[p : n_out - p])


def speak(text: str, rate: int, max_seconds: float, tmp: Path) -> Audio:
    """A word from espeak-ng, trimmed to start at its first audible sample, at -3 dBFS peak.

    If it would run longer than ``max_seconds`` (a count word at a fast tempo), it is spoken
    faster so that it never runs into the next cue.
    """
    speed = GUIDE_SPEED
    while True:
        wav = tmp / "speech.wav"
        cmd = ["espeak-ng", "-v", GUIDE_VOICE, "-s", str(speed), "-w", str(wav), text]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        raw, src_rate = sf.read(wav, dtype="float64", always_2d=True)
        y = resample(raw[:, 0], src_rate, rate)
        loud = np.flatnonzero(np.abs(y) > 0.02 * np.abs(y).max())
        y = y[loud[0] : loud[-1] + int(0.010 * rate)]
        if len(y) <= max_seconds * rate or speed >= 400:
            break
        speed += 20
    fade_in, fade_out = int(0.001 * rate), int(0.005 * rate)
    y[:fade_in] *= np.linspace(0.0, 1.0, fade_in)
    y[-fade_out:] *= np.linspace(1.0, 0.0, fade_out)
    return np.asarray(y * (db_to_gain(GUIDE_PEAK_DBFS) / np.abs(y).max()), dtype=np.float64)


def make_guide(cues: Sequence[tuple[int, str, float]], rate: int, length: int, tmp: Path) -> Audio:
    """Mono guide track: each (frame, text, max seconds) cue spoken so it starts on its frame."""
    out = np.zeros(length)
    for frame, text, max_seconds in cues:
        word = speak(text, rate, max_seconds, tmp)
        n = min(len(word), length - frame)
        out[frame : frame + n] += word[:n]
    return out[:, None]


def write_stem(path: Path, audio: Audio, rate: int) -> Audio:
    """Write a stem (Ogg Vorbis, or 16-bit FLAC for .flac) and return what a player will decode."""
    if path.suffix == ".flac":
        sf.write(path, audio, rate, format="FLAC", subtype="PCM_16")
    else:
        # Written in blocks: one big write overflows the stack inside libvorbis (alloca of the
        # whole pending buffer; libsndfile issue 1095, python-soundfile issue 426).
        with sf.SoundFile(
            path, "w", rate, audio.shape[1], subtype="VORBIS", format="OGG",
            compression_level=VORBIS_COMPRESSION,
        ) as out:  # fmt: skip
            for start in range(0, len(audio), WRITE_BLOCK_FRAMES):
                out.write(audio[start : start + WRITE_BLOCK_FRAMES])
        fix_ogg_serial(path, OGG_SERIAL)
    decoded, _ = sf.read(path, dtype="float64", always_2d=True)
    return np.asarray(decoded)


def peak(x: Audio) -> float:
    """Largest absolute sample value (0 for an empty signal)."""
    return float(np.abs(x).max()) if x.size else 0.0


def block_rms(x: Audio, rate: int) -> npt.NDArray[np.float64]:
    """RMS of each 50 ms block of a (frames, channels) signal, channels averaged."""
    n = int(0.050 * rate)
    blocks = len(x) // n
    y = x[: blocks * n].reshape(blocks, n, -1)
    return np.asarray(np.sqrt((y**2).mean(axis=(1, 2))))


def bvs_gain(music: dict[str, Audio], bvs_file: str, rate: int) -> float:
    """Gain that puts the choir BVS_UNDER_MIX_DB under the other music stems where it sings."""
    bvs = block_rms(music[bvs_file], rate)
    rest = block_rms(stereo_sum([a for f, a in music.items() if f != bvs_file]), rate)
    active = bvs > bvs.max() * db_to_gain(-30.0)
    bvs_level = float(np.sqrt(np.mean(bvs[active] ** 2)))
    rest_level = float(np.sqrt(np.mean(rest[active] ** 2)))
    return rest_level * db_to_gain(-BVS_UNDER_MIX_DB) / bvs_level


def stereo_sum(stems: Sequence[Audio]) -> Audio:
    """Sum of stems as a player would mix them: mono stems go equally to both sides."""
    length = max(len(s) for s in stems)
    total = np.zeros((length, 2))
    for s in stems:
        total[: len(s)] += s if s.shape[1] == 2 else np.repeat(s, 2, axis=1)
    return total


# --------------------------------------------------------------------------------------------
# Building


@dataclass
class BuiltSong:
    """What the files describe, for song.toml, CREDITS and the report."""

    spec: SongSpec
    info: MidiInfo
    key: str
    bars: int
    frames: int
    music_gain_db: float
    stems: list[StemSpec]
    sections: list[tuple[str, int]]
    cues: list[tuple[int, str, float]]
    seconds: float


def build_song(spec: SongSpec, tmp: Path, pool: concurrent.futures.Executor) -> BuiltSong:
    """Render, align, level and encode one song into its folder."""
    info = read_midi(MIDI_DIR / spec.midi)
    assigned = {c for stem in spec.stems for c in stem.channels}
    missing = info.note_channels - assigned
    if missing:
        raise SystemExit(f"{spec.midi}: channels {sorted(missing)} are in no stem")
    rate, num = spec.rate, info.numerator
    beat_s = 60.0 / info.bpm
    end_tick = spec.end_bar * info.bar_ticks
    bars = spec.end_bar - spec.music_start_bar + 1
    frames = round(bars * num * beat_s * rate)
    bar_frame = [round(b * num * beat_s * rate) for b in range(bars + 1)]  # song bar b+1
    # MIDI tick 0 lands where MIDI bar 0 belongs: song bar (2 - music_start_bar).
    shift = round((1 - spec.music_start_bar) * num * beat_s * rate) - FLUID_LATENCY_FRAMES

    work = tmp / spec.folder
    work.mkdir()
    music_specs = [*spec.stems, BVS_STEM]
    jobs = {}
    for stem in music_specs:
        midi_path = work / (Path(stem.file).stem + ".mid")
        if stem is BVS_STEM:
            bvs_midi(info, spec.bvs, end_tick).save(midi_path)
        else:
            split_midi(info, stem.channels, end_tick).save(midi_path)
        wav = work / (Path(stem.file).stem + ".wav")
        jobs[stem.file] = (pool.submit(render, midi_path, wav, rate), wav)

    fade = raised_cosine_fade(frames, bar_frame[bars - spec.fade_bars], bar_frame[bars])[:, None]
    music: dict[str, Audio] = {}
    for stem in music_specs:
        future, wav = jobs[stem.file]
        future.result()
        rendered, got_rate = sf.read(wav, dtype="float64", always_2d=True)
        if got_rate != rate:
            raise SystemExit(f"{wav}: fluidsynth wrote {got_rate} Hz, asked for {rate}")
        audio = place(rendered, shift, frames) * fade
        music[stem.file] = audio.mean(axis=1, keepdims=True) if stem.mono else audio

    # The choir is not part of the MIDI mix, so it gets its own level first: backing-vocal level,
    # a fixed distance under the rest of the music where it sings.
    music[BVS_STEM.file] *= bvs_gain(music, BVS_STEM.file, rate)

    # One gain for all music stems: the MIDI mix is the balance; the limits are the loudest stem
    # and the sum. Vorbis can overshoot the source peak, so the encoded result is checked and the
    # gain lowered until it fits.
    gain = min(
        db_to_gain(STEM_PEAK_TARGET_DBFS) / max(peak(a) for a in music.values()),
        db_to_gain(SUM_PEAK_TARGET_DBFS) / peak(stereo_sum(list(music.values()))),
    )
    folder = DEMO_DIR / spec.folder
    folder.mkdir(parents=True)
    for _attempt in range(10):
        decoded = {f: write_stem(folder / f, a * gain, rate) for f, a in music.items()}
        worst_stem = max(peak(d) for d in decoded.values())
        worst_sum = peak(stereo_sum(list(decoded.values())))
        if worst_stem <= db_to_gain(STEM_PEAK_LIMIT_DBFS) and worst_sum <= db_to_gain(
            SUM_PEAK_LIMIT_DBFS
        ):
            break
        excess = max(
            gain_to_db(worst_stem) - STEM_PEAK_LIMIT_DBFS,
            gain_to_db(worst_sum) - SUM_PEAK_LIMIT_DBFS,
        )
        gain *= db_to_gain(-(excess + 0.2))
    else:
        raise SystemExit(f"{spec.folder}: could not bring the music under the peak limits")

    write_stem(folder / CLICK_STEM.file, make_click(info.bpm, num, rate, frames), rate)

    # Guide: the count on each beat of bar 1; the first section's name on its own downbeat (bar 2,
    # the count-in already cued it); every other section's name on the downbeat a bar before it.
    beat_frame = beat_frames(info.bpm, rate, num)
    cues = [(int(beat_frame[i]), COUNT_WORDS[i], 0.9 * beat_s) for i in range(num)]
    sections = [("Count-in", 1)] + [(name, spec.song_bar(b)) for name, b in spec.sections]
    first_name, first_bar = sections[1]
    if first_bar != 2:
        raise SystemExit(f"{spec.midi}: the first section must start at music_start_bar")
    cues.append((bar_frame[1], first_name, 0.95 * num * beat_s))
    for name, bar in sections[2:]:
        cues.append((bar_frame[bar - 2], name, 0.95 * num * beat_s))
    write_stem(folder / GUIDE_STEM.file, make_guide(cues, rate, frames, tmp), rate)

    key = estimate_key(info, spec.music_start_bar * info.bar_ticks, end_tick)
    return BuiltSong(
        spec=spec,
        info=info,
        key=key,
        bars=bars,
        frames=frames,
        music_gain_db=gain_to_db(gain),
        stems=[CLICK_STEM, GUIDE_STEM, *spec.stems, BVS_STEM],
        sections=sections,
        cues=cues,
        seconds=frames / rate,
    )


def toml_str(value: str) -> str:
    """A TOML basic string (JSON escaping is valid TOML for these plain texts)."""
    return json.dumps(value, ensure_ascii=False)


def song_toml(song: BuiltSong) -> str:
    """The song.toml the player reads."""
    spec, info = song.spec, song.info
    lines = [
        f"# Generated by tools/make_demo.py from {spec.midi} (OpenMSX, GPL-2.0); see ../CREDITS.",
        f"title = {toml_str(spec.title)}",
        f"artist = {toml_str(spec.composer + ' (OpenMSX)')}",
        f"key = {toml_str(song.key)}",
        "",
        "[tempo]",
        f"bpm = {info.bpm!r}",
        f'time_signature = "{info.numerator}/{info.denominator}"',
    ]
    for name, bar in song.sections:
        lines += ["", "[[sections]]", f"name = {toml_str(name)}", f"bar = {bar}"]
    for stem in song.stems:
        lines += [
            "",
            "[[stems]]",
            f"file = {toml_str(stem.file)}",
            f"name = {toml_str(stem.name)}",
            f"role = {toml_str(stem.role)}",
            "gain_db = 0.0",
            "pan = 0.0",
        ]
    lines += toml_lines(spec.number)
    return "\n".join(lines) + "\n"


def setlist_toml(songs: Sequence[BuiltSong]) -> str:
    """setlists/demo.toml: the three songs; the second advances to the third on its own."""
    lines = [
        "# Generated by tools/make_demo.py; see demo/CREDITS.",
        'title = "Demo set"',
        'rig = "default"',
    ]
    for song in songs:
        lines += ["", "[[songs]]", f'path = "demo/{song.spec.folder}"']
        if song.spec.number == 2:
            lines += ['transition = "auto"', "advance_after = 4.0"]
    return "\n".join(lines) + "\n"


def credits_text(songs: Sequence[BuiltSong]) -> str:
    """setlists/demo/CREDITS: where every sound comes from and under which licence."""
    out = [
        "Demo setlist: credits and licences",
        "==================================",
        "",
        "Everything in this folder was generated by tools/make_demo.py. To regenerate it:",
        "",
        "    apt-get install fluidsynth fluid-soundfont-gm openttd-openmsx espeak-ng",
        "    pip install mido numpy soundfile",
        "    python tools/make_demo.py",
        "",
        "Music",
        "-----",
        "The songs are MIDI files of OpenMSX 0.4.2, the base music set of OpenTTD, as shipped by",
        "the Debian package openttd-openmsx (/usr/share/games/openttd/baseset/openmsx/). The",
        "package's copyright file states: 'Copyright: (c) 2010 various authors. See readme.txt for",
        "details.",
        "License: GPL-2.0', and readme.txt: 'The OpenMSX music set for OpenTTD Copyright (C)",
        "2010-2021 OpenMSX Authors ... is licensed under GPL v2.' The full licence text is in",
        "/usr/share/common-licenses/GPL-2 (and license.txt of the set). Upstream:",
        "https://github.com/OpenTTD/OpenMSX",
        "",
        "The stems here are renderings of those MIDI files (split by instrument group, cut and",
        "faded as noted, levels matched): derived works distributed under the same GPL-2.0 terms.",
        "",
    ]
    for song in songs:
        spec, info = song.spec, song.info
        if spec.end_bar >= info.total_bars:
            extent = f"all {info.total_bars} bars of the MIDI file"
        else:
            extent = (
                f"MIDI bars 1-{spec.end_bar} of {info.total_bars}, cut at that bar line and"
                f" faded out over the last {spec.fade_bars}"
            )
        out += [
            f'{spec.folder}: "{spec.title}"',
            f"    MIDI file: {spec.midi}",
            f"    Composer:  {spec.composer}",
            f"               (source: {spec.credit_source})",
            "    Licence:   GPL-2.0 (OpenMSX)",
            f"    Rendered:  {info.bpm:g} bpm, {info.numerator}/{info.denominator}, {spec.rate} Hz;"
            f" {extent}" + (f"; {spec.notes}" if spec.notes else ""),
            "",
        ]
    out += [
        "Instruments",
        "-----------",
        "Rendered with FluidSynth and the FluidR3_GM soundfont (Frank Wen and contributors), MIT",
        "licence, from the Debian package fluid-soundfont-gm",
        "(/usr/share/sounds/sf2/FluidR3_GM.sf2; see /usr/share/doc/fluid-soundfont-gm/copyright).",
        "",
        "Backing vocals (bvs.ogg): these are NOT voices. They are melody lines of the songs played",
        "by the soundfont's General MIDI program 53 'Choir Aahs' (52 counting from 0), a",
        "synthesized choir, standing in for a backing-vocal stem.",
        "",
        "Guide (guide.flac)",
        "------------------",
        "Speech generated with espeak-ng (GPL-3.0-or-later, from the Debian package espeak-ng;",
        "voice 'en', 170 words per minute, faster where a count word must fit in one beat). The",
        "words are its output:",
        "the count 'one, two, three, four' on the beats of the count-in bar, the first section's",
        "name on the first downbeat of the music, and every other section's name on the downbeat",
        "one bar before that section starts.",
        "",
        "Click (click.flac)",
        "------------------",
        "Synthesized by tools/make_demo.py: 30 ms decaying sine bursts on every beat, 1500 Hz on",
        "the downbeat (-6 dBFS peak) and 1000 Hz on the other beats (-8 dBFS).",
        "",
        "Lyrics",
        "------",
        "Written for this project's demo (tools/demo_lyrics.py), dedicated to the public domain",
        "(CC0 1.0); the OpenMSX songs themselves are instrumentals. 01-openttd-journey/lyrics.lrc",
        "is an Enhanced LRC (a time per word), 02-keep-on-rolling/lyrics.lrc a plain LRC, and",
        "03-mighty-giant-run has [[lyrics]] at bars in its song.toml. The lines sit on the bars",
        "where the lead stem (the melody instrument) plays, so karaoke mode drops the melody",
        "under them.",
        "",
    ]
    return "\n".join(out)


def build() -> list[BuiltSong]:
    """Build every song, then the setlist and credits."""
    for tool in ("fluidsynth", "espeak-ng"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install fluidsynth espeak-ng")
    for needed in (SOUNDFONT, MIDI_DIR):
        if not needed.exists():
            raise SystemExit(
                f"{needed} not found: apt-get install fluid-soundfont-gm openttd-openmsx"
            )
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    DEMO_DIR.mkdir(parents=True)
    songs = []
    workers = min(8, os.cpu_count() or 1)
    with (
        tempfile.TemporaryDirectory(prefix="make_demo-") as tmp_name,
        concurrent.futures.ThreadPoolExecutor(workers) as pool,
    ):
        for spec in SONGS:
            started = time.monotonic()
            song = build_song(spec, Path(tmp_name), pool)
            (DEMO_DIR / spec.folder / "song.toml").write_text(song_toml(song))
            write_lyrics(spec.number, DEMO_DIR / spec.folder, spec.title, spec.composer + " (OpenMSX)")
            songs.append(song)
            print(
                f"built {spec.folder}: {song.info.bpm:g} bpm {song.info.numerator}/4,"
                f" {spec.rate} Hz, {song.bars} bars, {song.seconds:.1f} s, key {song.key},"
                f" music gain {song.music_gain_db:+.1f} dB ({time.monotonic() - started:.1f} s)"
            )
    DEMO_TOML.write_text(setlist_toml(songs))
    (DEMO_DIR / "CREDITS").write_text(credits_text(songs))
    return songs


# --------------------------------------------------------------------------------------------
# Checking


def onsets(x: npt.NDArray[np.float64], threshold: float, gap: int) -> npt.NDArray[np.int64]:
    """First sample of each burst louder than ``threshold`` after at least ``gap`` quiet frames."""
    idx = np.flatnonzero(np.abs(x) > threshold)
    if idx.size == 0:
        return idx.astype(np.int64)
    first = np.concatenate([[True], np.diff(idx) > gap])
    return np.asarray(idx[first], dtype=np.int64)


def drum_note_frames(spec: SongSpec, bpm: float, rate: int) -> npt.NDArray[np.int64]:
    """Frames where the song's MIDI drum notes belong on the song grid (sorted)."""
    info = read_midi(MIDI_DIR / spec.midi)
    end_tick = spec.end_bar * info.bar_ticks
    ticks = sorted(
        tick
        for track in info.midi.tracks
        for tick, msg in absolute(track)
        if getattr(msg, "channel", None) == 9
        and msg.type == "note_on"
        and msg.velocity > 0
        and tick < end_tick
    )
    beats = np.array(ticks) / info.ticks_per_beat + (1 - spec.music_start_bar) * info.numerator
    return np.round(beats * 60.0 / bpm * rate).astype(np.int64)


def drum_lag_ms(data: Audio, rate: int, notes: npt.NDArray[np.int64]) -> float:
    """Lag (ms, +-20) that best lines the drum stem's onsets up with the MIDI note times.

    Onset strength is the rise in log energy per 0.5 ms hop; it peaks a hop or two after a hit
    begins, so about +1 ms means the drums are on time.
    """
    hop = rate // 2000
    energy = (data**2).sum(axis=1)
    n = len(energy) // hop
    env = np.log10(energy[: n * hop].reshape(n, hop).sum(axis=1) + 1e-10)
    flux = np.maximum(np.diff(env, prepend=env[0]), 0.0)
    train = np.zeros(n)
    train[notes[notes < n * hop] // hop] = 1.0
    lags = np.arange(-40, 41)
    scores = [float(np.dot(np.roll(train, int(lag)), flux)) for lag in lags]
    return float(lags[int(np.argmax(scores))] * hop / rate * 1000)


def check() -> list[str]:
    """Re-read the demo from disk and check what the player and the brief rely on."""
    import tomllib

    problems: list[str] = []
    setlist = tomllib.loads(DEMO_TOML.read_text())
    total = sum(p.stat().st_size for p in DEMO_DIR.rglob("*") if p.is_file())
    print(f"\n{DEMO_DIR.relative_to(REPO)}: {total / 1e6:.2f} MB in total")
    if total > 14e6:
        problems.append(f"demo is {total / 1e6:.1f} MB, over the 14 MB aim")
    for entry in setlist["songs"]:
        folder = SETLISTS / entry["path"]
        song = tomllib.loads((folder / "song.toml").read_text())
        bpm = float(song["tempo"]["bpm"])
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(
            f"\n{entry['path']}: {song['title']!r} by {song['artist']}, key {song.get('key')},"
            f" {bpm:g} bpm {song['tempo']['time_signature']}, {size / 1e6:.2f} MB"
        )
        print("  sections: " + ", ".join(f"{s['name']}@{s['bar']}" for s in song["sections"]))
        lengths = []
        rates = set()
        music = []
        for stem in song["stems"]:
            path = folder / stem["file"]
            info = sf.info(path)
            data, rate = sf.read(path, dtype="float64", always_2d=True)
            rates.add(rate)
            lengths.append(len(data) / rate)
            pk = gain_to_db(peak(data))
            rms = gain_to_db(float(np.sqrt(np.mean(data**2))))
            active = np.abs(data).max(axis=1) > 1e-3
            print(
                f"  {stem['file']:12s} {stem['role']:8s} {rate} Hz {info.channels} ch"
                f" {len(data) / rate:7.3f} s  peak {pk:6.1f} dBFS  rms {rms:6.1f} dBFS"
                f"  active {100 * active.mean():3.0f}%  {path.stat().st_size / 1e3:6.0f} kB"
            )
            want_mono = stem["role"] in ("click", "guide", "bass")
            if info.channels != (1 if want_mono else 2):
                problems.append(f"{path}: {info.channels} channels")
            if pk > STEM_PEAK_LIMIT_DBFS + 1e-9 and stem["role"] not in ("click", "guide"):
                problems.append(f"{path}: peak {pk:.2f} dBFS")
            if rms < -60:
                problems.append(f"{path}: nearly silent (rms {rms:.1f} dBFS)")
            if stem["role"] not in ("click", "guide"):
                music.append(data)
            if stem["role"] == "click":
                expected = beat_frames(bpm, rate, int(len(data) / rate * bpm / 60.0) + 1)
                expected = expected[expected < len(data)]
                found = onsets(data[:, 0], 1e-3, int(0.1 * rate))
                if len(found) != len(expected):
                    problems.append(f"{path}: {len(found)} clicks for {len(expected)} beats")
                else:
                    dev = int(np.abs(found - expected).max())
                    print(
                        f"    click onsets {found[:6].tolist()} expected {expected[:6].tolist()}"
                        f" ... all {len(found)} beats, max deviation {dev} frames"
                    )
                    if dev:
                        problems.append(f"{path}: clicks off the grid by up to {dev} frames")
            if stem["role"] == "guide":
                found = onsets(data[:, 0], 1e-3, int(0.03 * rate))
                print(f"    guide word onsets (s) {[round(float(f) / rate, 3) for f in found[:8]]}")
            spec = next((s for s in SONGS if folder.name == s.folder), None)
            if stem["role"] == "drums" and spec is not None and MIDI_DIR.exists():
                # Not a pass/fail test: how far the rendered drums sit from their MIDI note times
                # on the song grid (the click's grid), found by cross-correlation.
                lag = drum_lag_ms(data, rate, drum_note_frames(spec, bpm, rate))
                print(f"    drums vs their MIDI note times on the click grid: {lag:+.1f} ms")
        if len(rates) != 1:
            problems.append(f"{folder}: mixed sample rates {sorted(rates)}")
        if max(lengths) - min(lengths) > 0.010:
            problems.append(f"{folder}: stem lengths differ by {max(lengths) - min(lengths):.3f} s")
        sum_peak = gain_to_db(peak(stereo_sum(music)))
        print(
            f"  music sum peak {sum_peak:.2f} dBFS; lengths equal within "
            f"{1000 * (max(lengths) - min(lengths)):.2f} ms"
        )
        if sum_peak >= 0:
            problems.append(f"{folder}: music sum peaks at {sum_peak:.2f} dBFS")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Build (unless --check) and check; the exit status says whether the checks passed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only check the existing demo")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if not args.check:
        build()
        print(f"built in {time.monotonic() - started:.1f} s")
    problems = check()
    for p in problems:
        print(f"PROBLEM: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
