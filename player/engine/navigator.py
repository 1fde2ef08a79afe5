"""Musical navigation on the control thread: quantized jumps, vamps, segues, and the musical status.

It decides where a jump lands (a frame of the current voice's timeline: the next beat, bar or
section end) and builds the target voice so that the callback can hand over on that exact frame.
A target needs a few ms to be opened and decoded, so a boundary closer than ``MARGIN`` is skipped
for the one after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from player.engine import messages as m
from player.engine.status import State
from player.engine.transport import MUSIC_FIELDS, NOW, Voice
from player.setlist.setlist import Transition
from player.setlist.tempo import Span, section_at

if TYPE_CHECKING:
    from player.engine.core import EngineCore

MARGIN_SECONDS = 0.05  # time to build and decode a jump target before its landing frame
SCHEDULE_AHEAD = 8.0  # segues and short auto-advances are prepared this long before they land
_MODES = (m.JumpMode.NOW, m.JumpMode.BEAT, m.JumpMode.BAR, m.JumpMode.SECTION_END)


@dataclass
class Plan:
    """What the pending voice is for, for the status and for what happens after it lands."""

    voice: Voice
    at: int  # landing frame on the current timeline (NOW: when ready)
    target: int  # frame of the target timeline it lands on
    kind: str  # "jump", "loop", "release", "segue", "auto"


class Navigator:
    def __init__(self, core: EngineCore) -> None:
        self.core = core
        self.mode = m.JumpMode.BAR
        self.vamp: tuple[int, int] | None = None  # loop [start, end) frames while vamping
        self.plan: Plan | None = None
        self._section_heard: tuple[int, int] = (-1, -1)  # (song, section) last told to listeners

    # --- where things are ------------------------------------------------------------------------
    @staticmethod
    def section_at(voice: Voice, frame: int) -> int:
        """Index into ``voice.spans`` of the section playing at ``frame`` (-1 before the first)."""
        return section_at(voice.spans, frame)

    def _boundary(self, voice: Voice, mode: m.JumpMode, earliest: int) -> int | None:
        """The first landing frame >= ``earliest`` for ``mode`` (None: the song cannot say)."""
        tempo = voice.plan.tempo if voice.plan is not None else None
        if mode is m.JumpMode.BEAT and tempo is not None:
            return tempo.next_beat(earliest)
        if mode is m.JumpMode.BAR and tempo is not None:
            return tempo.next_bar(earliest)
        if mode is m.JumpMode.SECTION_END:
            ends = [s.end for s in voice.spans if s.end >= earliest and s.end > s.start]
            return min(ends) if ends else None
        return None

    # --- scheduling ------------------------------------------------------------------------------
    def schedule(self, target: int, at: int, kind: str, index: int | None = None,
                 count_in: int = 0) -> bool:
        """Land on ``target`` (of song ``index``, default the current one) at frame ``at``."""
        t = self.core.transport
        if t is None or t.current is None:
            return False
        index = t.current.index if index is None else index
        block = t.block
        k = 0 if at == NOW else (at - t.current.deck.start) % block
        voice = self.core.build_voice(index, start=target - k, count_in=count_in)
        if voice is None:
            return False
        if at != NOW and at < t.current.deck.position + block:
            return False  # too late for this boundary: the caller picks the next one
        t.pending = None
        t.pending_at = at
        t.pending_cut = kind in ("segue", "auto")
        t.pending = voice
        self.plan = Plan(voice, at, target, kind)
        self.core.refresh_fill_order()
        return True

    def jump(self, cmd: m.Jump) -> str:
        """Schedule a jump in the current song; returns what it will do, in words."""
        core, t = self.core, self.core.transport
        if t is None or t.current is None:
            return "nothing is cued"
        voice = t.current
        position = voice.deck.position
        target = self._target(voice, cmd, position)
        if target is None:
            return "no such place in this song"
        mode = cmd.mode if cmd.mode is not None else self.mode
        if not t.busy:
            core.replace_current(voice.index, target)
            return f"cued at {self.describe(voice, target)}"
        self.vamp = None
        margin = round(MARGIN_SECONDS * t.rate) + t.block
        earliest = position + margin
        for _ in range(4):
            at = NOW if mode is m.JumpMode.NOW else self._boundary(voice, mode, earliest)
            if at is None:
                at = NOW
            if self.schedule(target, at, "jump"):
                when = "now" if at == NOW else f"at {mode.name.lower().replace('_', ' ')}"
                return f"to {self.describe(voice, target)} {when}"
            earliest = at + 1 if at != NOW else earliest
        return "too close to the boundary; try again"

    def _target(self, voice: Voice, cmd: m.Jump, position: int) -> int | None:
        tempo = voice.plan.tempo if voice.plan is not None else None
        spans: list[Span] = voice.spans
        if cmd.section is not None:
            matching = [s for s in spans if s.index == cmd.section]
            return matching[0].start if matching else None
        if cmd.relative is not None:
            here = self.section_at(voice, max(0, position))
            if cmd.relative > 0:
                i = here + cmd.relative
            else:
                into = position - spans[here].start if here >= 0 else 0
                bar = (tempo.frame_at(2) - tempo.frame_at(1)) if tempo else 2 * voice.deck.rate
                i = here + cmd.relative + (1 if into > bar else 0)
            return spans[i].start if 0 <= i < len(spans) else None
        if cmd.bar is not None:
            return tempo.frame_at(cmd.bar) if tempo is not None else None
        if cmd.seconds is not None:
            return max(0, round(cmd.seconds * voice.deck.rate))
        return None

    def describe(self, voice: Voice, frame: int) -> str:
        i = self.section_at(voice, frame)
        if i >= 0 and voice.spans[i].start == frame:
            return voice.spans[i].name
        tempo = voice.plan.tempo if voice.plan is not None else None
        if tempo is not None:
            where = tempo.locate(frame)
            return f"bar {where.bar}.{where.beat}"
        return f"{frame / voice.deck.rate:.1f} s"

    def cancel(self) -> bool:
        t = self.core.transport
        if t is None or t.pending is None:
            return False
        t.pending = None
        self.plan = None
        self.core.refresh_fill_order()
        return True

    def cycle_mode(self, mode: m.JumpMode | None) -> m.JumpMode:
        self.mode = mode if mode is not None else _MODES[(_MODES.index(self.mode) + 1) % len(_MODES)]
        return self.mode

    # --- vamp ------------------------------------------------------------------------------------
    def set_vamp(self, cmd: m.Vamp) -> str:
        t = self.core.transport
        if t is None or t.current is None:
            return "nothing is playing"
        voice = t.current
        on = cmd.on if cmd.on is not None else self.vamp is None
        if not on:
            loop, self.vamp = self.vamp, None
            if loop is None:
                return "not vamping"
            if self.plan is not None and self.plan.kind == "loop":
                self.cancel()
            tempo = voice.plan.tempo if voice.plan is not None else None
            if cmd.release_now and tempo is not None:
                at = tempo.next_bar(voice.deck.position + round(MARGIN_SECONDS * t.rate) + t.block)
                if at < loop[1]:
                    self.schedule(loop[1], at, "release")
                return "vamp released at the next bar"
            return "vamp released at the end of the loop"
        tempo = voice.plan.tempo if voice.plan is not None else None
        position = max(0, voice.deck.position)
        if cmd.start_bar is not None and cmd.end_bar is not None and tempo is not None:
            loop = (tempo.frame_at(cmd.start_bar), tempo.frame_at(cmd.end_bar + 1))
        else:
            i = self.section_at(voice, position)
            if i < 0:
                return "no section here to vamp"
            loop = (voice.spans[i].start, voice.spans[i].end)
        if loop[1] <= position + t.block:
            return "the loop has already ended"
        self.vamp = loop
        self.cancel()
        self._loop_again()
        return f"vamping {self.describe(voice, loop[0])}"

    def _loop_again(self) -> None:
        t = self.core.transport
        if self.vamp is None or t is None or t.current is None or t.pending is not None:
            return
        start, end = self.vamp
        if t.current.deck.position < end:
            self.schedule(start, end, "loop")

    def prepare_transition(self, ahead_seconds: float) -> None:
        """Schedule this song's segue or short auto-advance, sample-exact, when it is near."""
        core = self.core
        t, setlist = core.transport, core.setlist
        if t is None or setlist is None or t.current is None:
            return
        voice = t.current
        if voice is core.transition_done:
            return
        entry = setlist.setlist.songs[voice.index]
        position, rate = voice.deck.position, t.rate
        if entry.transition is Transition.FADE and entry.fade_seconds and core.fading is None:
            fade = round(entry.fade_seconds * rate)
            if position >= voice.deck.length - fade:
                core.fading = voice
                core.transition_done = voice
                left_ms = max(10.0, (voice.deck.length - position) * 1000 / rate)
                t.request(0.0, left_ms, State.STOPPED)
            return
        nxt = core.queued if core.queued is not None else core.next_index(voice.index)
        if nxt is None or entry.transition not in (Transition.SEGUE, Transition.AUTO):
            return
        if entry.transition is Transition.SEGUE:
            at = self._segue_frame(voice)
        elif entry.pause_seconds <= ahead_seconds:
            at = voice.deck.length + round(entry.pause_seconds * rate)
        else:
            return  # a long pause: the song ends, the next is cued and starts on the clock
        if at - position > ahead_seconds * rate:
            return
        core.transition_done = voice
        plan_start = 0
        if entry.transition is Transition.AUTO:
            probe = core.preloaded.get(nxt)
            plan_start = probe.deck.start if probe is not None else 0
        kind = "segue" if entry.transition is Transition.SEGUE else "auto"
        if self.schedule(plan_start, max(at, position + t.block * 2), kind, index=nxt):
            core.queued = None

    def _segue_frame(self, voice: Voice) -> int:
        """The bar line where the music ends: ``end_bar``, else the file's end to the nearest bar."""
        song = self.core.songs[voice.index]
        tempo = voice.plan.tempo if voice.plan is not None else None
        if song is None or tempo is None:
            return voice.deck.length
        if song.song.end_bar is not None:
            return tempo.frame_at(song.song.end_bar)
        where = tempo.locate(voice.deck.length)
        bar = where.bar + (1 if where.fraction + where.beat - 1 >= where.beats_in_bar / 2 else 0)
        return tempo.frame_at(bar)

    # --- every tick ------------------------------------------------------------------------------
    def tick(self) -> None:
        """Keep loops going, prepare transitions, and publish the musical status."""
        t = self.core.transport
        if t is None:
            return
        if self.plan is not None and t.pending is None:
            landed = self.plan
            self.plan = None
            if t.current is landed.voice:
                self.core.landed(landed)
        if t.busy and t.pending is None:
            if self.vamp is not None:
                self._loop_again()
            else:
                self.prepare_transition(SCHEDULE_AHEAD)
        self.publish()

    def publish(self) -> None:
        t = self.core.transport
        if t is None:
            return
        values = dict.fromkeys(MUSIC_FIELDS, 0.0)
        values.update(section=-1, next_section=-1, pending=-1, pending_section=-1,
                      jump_mode=float(self.mode), master_db=self.core.mix.master_db,
                      click=float(self.core.mix.click_on), guide=float(self.core.mix.guide_on))
        voice = t.current
        if voice is not None:
            position = voice.deck.position
            tempo = voice.plan.tempo if voice.plan is not None else None
            if tempo is not None:
                where = tempo.locate(position)
                values.update(bar=where.bar, beat=where.beat, beats_in_bar=where.beats_in_bar,
                              bpm=where.bpm, tick=min(959, int(where.fraction * 960)))
                if position < 0:
                    values["count_in"] = len(tempo.beats(position, 0))
            i = self.section_at(voice, max(0, position))
            values["section"] = i
            values["next_section"] = voice.spans[i + 1].index if i + 1 < len(voice.spans) else -1
            if i >= 0:
                values["section"] = voice.spans[i].index
                heard = (voice.index, voice.spans[i].index)
                if t.busy and heard != self._section_heard:
                    self._section_heard = heard
                    for listener in self.core.listeners:
                        listener.section_started(voice.spans[i].index, voice.spans[i].name)
            plan = self.plan
            # Loop points and song changes have their own status (vamp, transition): "pending"
            # is a jump the performer asked for and may cancel.
            if plan is not None and t.pending is plan.voice and plan.kind in ("jump", "release"):
                values["pending"] = plan.at if plan.at != NOW else position
                if plan.voice.index == voice.index:
                    j = self.section_at(voice, plan.target)
                    values["pending_section"] = voice.spans[j].index if j >= 0 else -1
            if self.vamp is not None:
                values.update(vamp=1.0, vamp_start=self.vamp[0], vamp_end=self.vamp[1])
        t.music = np.array([values[f] for f in MUSIC_FIELDS], dtype=np.float64)
