"""The engine process's control side: turns commands into voices, levels and transport changes.

Runs on the engine process's main thread. Everything heavy (opening files, building decks and gain
matrices) happens here, then is handed to the callback by swapping a reference.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from player.engine import messages as m
from player.engine.deck import Deck, fresh_sources
from player.engine.health import Health
from player.engine.mix import MixState
from player.engine.mixer import Mixer
from player.engine.navigator import Navigator, Plan
from player.engine.perform import perform
from player.engine.plan import PlanCache
from player.engine.status import State
from player.engine.streamer import Streamer
from player.engine.transport import Transport, Voice
from player.engine.voices import VoicePool
from player.setlist.problems import LoadError
from player.setlist.rig import Rig, load_rig
from player.setlist.setlist import SetlistFile, Transition, load_setlist
from player.setlist.song import SongFolder, load_song
from player.setlist.tempo import TempoMap, sections

RING_SECONDS = 4.0  # read-ahead while playing, unless the rig sets ``read_ahead_seconds``
PRELOAD_SECONDS = 0.5  # what the next songs keep ready, so "next" + "play" starts in one block
PRELOAD_AHEAD = 2  # how many following songs are preloaded


class EngineListener(Protocol):
    """What is told of the show as it happens (the MIDI host: program changes, clock, sections)."""

    def song_cued(self, index: int, song: SongFolder | None, tempo: TempoMap | None,
                  rate: int) -> None: ...
    def transport(self, playing: bool, frame: int) -> None: ...
    def jumped(self, frame: int) -> None: ...
    def section_started(self, index: int, name: str) -> None: ...


class EngineCore:
    """State of the show inside the engine process, and the commands that change it."""

    def __init__(self, emit: Callable[[m.Event], None], streamer: Streamer) -> None:
        self.emit = emit
        self.streamer = streamer
        self.setlist: SetlistFile | None = None
        self.rig: Rig | None = None
        self.rig_file: Path | None = None
        self.listeners: list[EngineListener] = []  # told of cues, starts/stops, jumps, sections
        self.songs: list[SongFolder | None] = []
        self.transport: Transport | None = None
        self.mix = MixState()
        self.nav: Navigator = Navigator(self)
        self.transition_done: Voice | None = None  # transition prepared for this voice
        self.fading: Voice | None = None  # a "fade" transition under way
        self.preloaded: dict[int, Voice] = {}
        self.queued: int | None = None  # a song cued while another plays: it comes next
        self.auto_at: float | None = None  # when an "auto" transition starts the next song
        self._rewind_pending = False  # a stop is fading out: go back to the start once silent
        self.health = Health(emit)
        self.pool = VoicePool(streamer)
        self.plans = PlanCache()
        self._batching = False
        self._mix_dirty = False
        self._seen_current: Voice | None = None

    # --- setup -----------------------------------------------------------------------------------
    def load(self, cmd: m.LoadSetlist) -> tuple[Rig, SetlistFile] | None:
        """Read the setlist, its rig and songs; a song that fails is reported and left out."""
        try:
            setlist = cmd.setlist or load_setlist(Path(cmd.path))
            rig_file, rig = load_rig(cmd.rig or setlist.setlist.rig, Path(cmd.path))
        except LoadError as exc:
            for p in exc.problems:
                self.emit(m.Problem(str(p)))
            return None
        songs: list[SongFolder | None] = []
        for entry in setlist.setlist.songs:
            try:
                songs.append(load_song(setlist.song_folder(entry)))
            except LoadError as exc:
                songs.append(None)
                for p in exc.problems:  # the whole song is out: it cannot be cued, the others can
                    self.emit(m.Problem(f"song {len(songs)} ({entry.path}) cannot be cued: {p}"))
        self.setlist, self.rig, self.songs, self.rig_file = setlist, rig, songs, rig_file
        self.mix.forget()
        self.plans.clear()
        self.emit(m.SetlistLoaded(setlist.setlist.title,
                                  tuple(s.song.title if s else "?" for s in songs)))
        return rig, setlist

    def attach(self, transport: Transport) -> None:
        self.transport = transport

    def retarget(self, rate: int) -> None:
        """Before the stream opens: play at ``rate`` (the device's), the current song kept cued."""
        old = self.transport
        assert old is not None
        index = old.current.index if old.current is not None else None
        position = old.current.deck.position if old.current is not None else 0
        self.attach(Transport(old.outputs, old.block, rate, old.status))
        self.preloaded.clear()
        self.queued = self.auto_at = None
        self.nav.vamp = self.nav.plan = None
        if index is not None:
            self.replace_current(index, round(position * rate / old.rate) if position > 0 else None)

    def reset(self) -> None:
        """A new setlist on the same device: silence the old show and forget its voices."""
        t = self.transport
        if t is None:
            return
        t.request(0.0, 0.0, State.STOPPED, start=0.0)
        t.current = t.pending = t.outgoing = None
        self.nav.vamp = self.nav.plan = None
        self.preloaded.clear()
        self.queued = self.auto_at = None
        self._rewind_pending = False
        self.refresh_fill_order()

    # --- voices ----------------------------------------------------------------------------------
    def build_voice(self, index: int, start: int | None = None, preload: bool = False,
                    count_in: int | None = None) -> Voice | None:
        """Song ``index`` ready to play from ``start`` (None: its beginning, count-in included)."""
        song = self.songs[index] if 0 <= index < len(self.songs) else None
        t, rig, setlist = self.transport, self.rig, self.setlist
        if song is None or t is None or rig is None or setlist is None:
            return None
        plan, headers = self.plans.get(index, song, rig, setlist.setlist.songs[index], t.rate, count_in)
        if start is None:
            start = plan.tempo.frame_at(-plan.count_in) if plan.tempo and plan.count_in else 0
        seconds = rig.audio.read_ahead_seconds or RING_SECONDS
        deck = Deck(fresh_sources(plan.sources, headers, t.rate), t.rate, t.block,
                    int(seconds * t.rate), start)
        if preload:
            deck.fill_limit = int(PRELOAD_SECONDS * t.rate)
        # No file is opened here: the streamer opens, reads and closes every file (one owner).
        # Only headers were read, to know the song's length and channels.
        for error in [*plan.refused, *deck.errors()]:  # refused: the channel rule of `player check`
            self.health.once(error, m.FileError(f"{song.path.name}: {error} - this stem stays silent"))
        levels = self.mix.song_levels(index, plan.levels, [src.channels for src in deck.sources])
        voice = Voice(index, plan.title, deck, Mixer(deck.ring.width, t.outputs, t.block),
                      levels, t.block, plan=plan,
                      spans=sections(song.song, t.rate, deck.length), count_in=plan.count_in)
        voice.mixer.set_gains(self._matrix(index, plan.kinds), ramp=False)
        self.pool.add(voice)
        return voice

    def _matrix(self, index: int, kinds: list[str]) -> np.ndarray:
        assert self.transport is not None and self.rig is not None
        return self.mix.matrix(index, kinds, self.rig, self.transport.outputs)

    def next_index(self, index: int) -> int | None:
        if self.setlist is None:
            return None
        for i in range(index + 1, len(self.songs)):
            if not self.setlist.setlist.songs[i].skip and self.songs[i] is not None:
                return i
        return None

    def refresh_fill_order(self) -> None:
        t = self.transport
        if t is None:
            return
        decks = [v.deck for v in (t.current, t.pending, t.outgoing) if v is not None]
        decks += [v.deck for v in self.preloaded.values()]
        order = tuple(dict.fromkeys(decks))
        if order != self.streamer.decks:
            fresh = not set(order) <= set(self.streamer.decks)
            self.streamer.decks = order
            if fresh:
                self.streamer.kick()

    def _preload_after(self, index: int) -> None:
        wanted = []
        i: int | None = index
        for _ in range(PRELOAD_AHEAD):
            i = self.next_index(i) if i is not None else None
            if i is not None:
                wanted.append(i)
        for k in list(self.preloaded):
            if k not in wanted:
                del self.preloaded[k]
        for k in wanted:
            if k not in self.preloaded:
                voice = self.build_voice(k, preload=True)
                if voice is not None:
                    self.preloaded[k] = voice
        self.refresh_fill_order()

    def _set_current(self, voice: Voice) -> None:
        t = self.transport
        assert t is not None
        voice.deck.fill_limit = None
        if voice.plan is not None:  # not yet heard: the mix as it is now, at once
            voice.mixer.set_gains(self._matrix(voice.index, voice.plan.kinds), ramp=False)
        t.current = voice
        self._became_current(voice)

    def _became_current(self, voice: Voice) -> None:
        """A song is now current (cued here, or reached by a segue in the callback)."""
        t = self.transport
        assert t is not None and self.setlist is not None
        self._seen_current = voice
        self.health.announce = voice  # SongLoaded once its first block is decoded: "ready to play"
        self._preload_after(voice.index)
        song = self.songs[voice.index]
        for listener in self.listeners:
            listener.song_cued(voice.index, song, voice.plan.tempo if voice.plan else None, t.rate)
        self.refresh_fill_order()
        entry_mode = self.setlist.setlist.songs[voice.index].mode
        self.set_mode(entry_mode or self.mix.mode)
        self._tell_mix()

    def set_mode(self, mode: str) -> None:
        """Karaoke, instrumental or full: a set of roles muted on top of every other mute.

        It goes through the same gain matrices as any mute, so it ramps over one block and lands at
        once. Said as ``ModeChanged`` each time (and for each song cued: vocal reduction is per song).
        """
        from player.engine.vocal import reduced
        from player.setlist.rig import MODES

        mode = mode if mode in MODES else "full"
        roles = self.rig.modes.roles(mode) if self.rig is not None else frozenset()
        changed = self.mix.set_mode(mode, roles)
        if changed:
            self.apply_levels()
        t = self.transport
        voice = t.current if t is not None else None
        if changed and voice is not None and voice.plan is not None and not voice.started:
            # A song cued in its entry's mode: its first sample already has it (no ramp to hear).
            voice.mixer.set_gains(self._matrix(voice.index, voice.plan.kinds), ramp=False)
        self.emit(m.ModeChanged(mode, tuple(sorted(r.value for r in roles)),
                                voice is not None and reduced(voice.plan)))

    def replace_current(self, index: int, start: int | None = None) -> None:
        """While stopped or paused: the song cued at ``start`` (None: its beginning)."""
        t = self.transport
        voice = self.build_voice(index, start=start)
        if t is None or voice is None:
            return
        self._set_current(voice)
        t.request(0.0, 0.0, State.PAUSED if voice.deck.position > 0 else State.STOPPED)

    # --- commands --------------------------------------------------------------------------------
    def cue(self, index: int) -> None:
        t = self.transport
        if t is None:
            return
        if not (0 <= index < len(self.songs)) or self.songs[index] is None:
            self.emit(m.Problem(f"song {index + 1} cannot be cued (it did not load)."))
            return
        if t.busy:
            self.queued = index  # never cut a song the band is playing to
            return
        self.auto_at = None
        self.nav.cancel()
        self.nav.vamp = None
        voice = self.preloaded.pop(index, None) or self.build_voice(index)
        if voice is not None:
            self._set_current(voice)

    def play(self, count_in: int | None = None) -> None:
        self._rewind_pending = False
        t = self.transport
        if t is None or t.current is None:
            self.emit(m.Problem("nothing to play: load a setlist and cue a song."))
            return
        if t.rising:
            return
        voice = t.current
        fresh = not voice.started and voice.deck.position <= 0
        if fresh and count_in is not None and count_in != voice.count_in:
            rebuilt = self.build_voice(voice.index, count_in=count_in)
            if rebuilt is not None:
                self._set_current(rebuilt)
                voice = rebuilt
        if not fresh or t.busy:
            t.request(1.0, 10.0)  # from a pause: a short fade-in, no click
        else:
            t.request(1.0, 0.0, start=1.0)  # the song's first sample, exactly, at full level
        for listener in self.listeners:
            listener.transport(True, voice.deck.position)

    def pause(self, fade_ms: float, then: State = State.PAUSED) -> None:
        t = self.transport
        if t is not None and t.busy:
            t.request(0.0, fade_ms, then)
            for listener in self.listeners:
                listener.transport(False, t.current.deck.position if t.current else 0)

    def stop(self, fade_ms: float) -> None:
        t = self.transport
        if t is None:
            return
        self.nav.cancel()
        self.nav.vamp = None
        self.fading = None
        if t.busy:
            self.pause(fade_ms, State.STOPPED)
            self._rewind_pending = True  # tick() rewinds once the fade is done
        else:
            t.request(0.0, 0.0, State.STOPPED)
            self._rewind()

    def panic(self, fade_ms: float) -> None:
        """Everything out, now: a fade (no click), no pending jump, loop or auto-advance left."""
        self.nav.cancel()
        self.nav.vamp = None
        self.auto_at = None
        self.fading = None
        self.queued = None
        self.pause(fade_ms, State.PAUSED)

    def _rewind(self) -> None:
        t = self.transport
        if t is not None and t.current is not None and (t.current.started
                                                         or t.current.deck.position > 0):
            voice = self.build_voice(t.current.index)
            if voice is not None:
                self._set_current(voice)

    def set_master(self, cmd: m.SetMaster) -> None:
        self.mix.master_db = cmd.gain_db
        self.apply_levels()

    def apply_levels(self) -> None:
        """The mix changed: every voice gets its new matrix (once per batch of commands)."""
        self.mix.changed()
        self._mix_dirty = True
        if not self._batching:
            self.flush()

    def flush(self) -> None:
        t = self.transport
        if t is None or not self._mix_dirty:
            return
        self._mix_dirty = False
        # Only the voices the callback may mix; a preloaded song takes the mix when it is cued
        # (``_set_current``): a burst of mix changes rebuilds one song's matrix, not three.
        for voice in (t.current, t.pending, t.outgoing):
            if voice is not None and voice.plan is not None:
                voice.mixer.set_gains(self._matrix(voice.index, voice.plan.kinds))
        self._tell_mix()

    def _tell_mix(self) -> None:
        """Say what the mix now is, so every screen shows a change made by a pedal or a key."""
        t, rig = self.transport, self.rig
        if t is None or t.current is None or rig is None:
            return
        self.emit(self.mix.report(t.current.index, rig))

    # --- musical time --------------------------------------------------------------------------
    def landed(self, plan: Plan) -> None:
        """A pending voice took over (the callback swapped it in)."""
        for listener in self.listeners:
            listener.jumped(plan.target)

    # --- housekeeping (called every few ms) ------------------------------------------------------
    def tick(self, now: float) -> None:
        t = self.transport
        if t is None:
            return
        ended = t.ended
        if ended is not None:
            t.ended = None
            self._song_ended(ended, now)
        if self.fading is not None and not t.busy:
            fading, self.fading = self.fading, None
            self._song_ended(fading, now)
        if self._rewind_pending and not t.busy:
            self._rewind_pending = False
            if self.queued is not None:  # "next" was pressed during the song: stop lands on it
                queued, self.queued = self.queued, None
                self.cue(queued)
            else:
                self._rewind()
        if self.auto_at is not None and now >= self.auto_at:
            self.auto_at = None
            self.play()
        current = t.current
        if current is not None and current is not self._seen_current:
            previous = self._seen_current
            if previous is not None and previous.index != current.index:
                self.emit(m.SongEnded(previous.index))  # a segue the callback made
                self._became_current(current)
            elif previous is None:
                self._became_current(current)
            else:
                self._seen_current = current  # a jump or loop within the song
        self.nav.tick()
        self.health.watch(t, (t.current, t.pending, *self.preloaded.values()))
        self._free_unused(now)

    def _free_unused(self, now: float) -> None:
        """Let go of voices nothing refers to any more (see ``VoicePool``): never on the RT thread."""
        t = self.transport
        assert t is not None
        plan = self.nav.plan
        live = (t.current, t.pending, t.outgoing, t.ended, plan.voice if plan else None,
                *self.preloaded.values())
        self.refresh_fill_order()
        self.pool.collect(live, t.callbacks, now)
        for voice in (t.current, t.pending, *self.preloaded.values()):
            if voice is not None:
                voice.mixer.collect()

    def _song_ended(self, voice: Voice, now: float) -> None:
        self.emit(m.SongEnded(voice.index))
        assert self.setlist is not None
        entry = self.setlist.setlist.songs[voice.index]
        nxt = self.queued if self.queued is not None else self.next_index(voice.index)
        self.queued = None
        if nxt is None:
            self._rewind()
            return
        self.cue(nxt)
        if entry.transition in (Transition.AUTO, Transition.SEGUE):
            # A long auto-advance pause, or a segue whose next song could not be scheduled.
            self.auto_at = now + entry.pause_seconds

    def handle(self, cmd: m.Command) -> None:
        """Apply one command; bad requests become Problem events, never exceptions."""
        perform(self, cmd)

    def begin_batch(self) -> None:
        """Commands that arrived together: mix changes are applied once, at ``end_batch``."""
        self._batching = True

    def end_batch(self) -> None:
        self._batching = False
        self.flush()
