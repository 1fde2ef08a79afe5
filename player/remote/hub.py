"""What every remote shares: the engine's status as plain values, and one thread that announces changes.

The hub reads ``Engine.status()`` (a copy from shared memory, never blocking) at ``hz`` and hands each
listener (OSC subscribers, websockets) the snapshot when it changed. Listeners must not block: the web
server's listener only schedules work on its own loop. ``perform`` carries out one remote request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from player.engine import messages as m
from player.engine.status import State, Status
from player.remote.commands import Context, Refused, translate

if TYPE_CHECKING:
    from player.ui.show import Show

log = logging.getLogger(__name__)

HZ = 20.0
STALE_S = 2.0  # a status older than this while playing: the engine is stuck or gone


class EngineLike(Protocol):
    """The whole of the engine a remote may use."""

    def send(self, command: m.Command) -> None: ...
    def status(self) -> Status: ...


Snapshot = dict[str, Any]
Listener = Callable[[Snapshot], None]


def _clock(seconds: float) -> str:
    s = max(int(seconds), 0)
    return f"{s // 60}:{s % 60:02d}"


def _mode_name(mode: int) -> str:
    try:
        return m.JumpMode(mode).name.lower()
    except ValueError:
        return "bar"


class Hub:
    """``locked``, ``lyric`` and ``pedal`` are read from the owner (the stage UI) on every snapshot."""

    def __init__(self, engine: EngineLike, show: Show | None = None, hz: float = HZ,
                 locked: Callable[[], bool] = lambda: False,
                 lyric: Callable[[int, float], str] | None = None,
                 pedal: Callable[[], tuple[str, bool | None]] | None = None) -> None:
        self.engine = engine
        self.show = show
        self.hz = hz
        self.locked = locked
        self.lyric = lyric
        self.pedal = pedal
        self.refused: Counter[str] = Counter()  # reason -> requests refused, over every remote
        # Link's follow mode: given a command and the engine's send, may hold a Play (True: taken).
        self.before_play: Callable[[m.Command, Callable[[m.Command], None]], bool] | None = None
        self._listeners: list[Listener] = []
        self._last: Status | None = None
        self._snapshot: Snapshot = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- requests ----------------------------------------------------------------------------
    def status(self) -> Status:
        try:
            self._last = self.engine.status()
        except TimeoutError:  # kept changing while read: the last one again
            if self._last is None:
                raise
        return self._last

    def perform(self, name: str, args: Sequence[object], source: str,
                read_only: bool = False) -> Refused | None:
        """Carry out one request; None when done, else why not (counted in ``refused``). Never raises."""
        try:
            ctx = Context(self.status(), self.show)
            commands = translate(name, args, ctx, source, locked=self.locked(), read_only=read_only)
        except Refused as exc:
            self._count(exc.reason)
            return exc
        except Exception as exc:
            log.exception("remote request %r failed", name)
            self._count("error")
            return Refused("error", f"could not do {name}: {exc}")
        stopped = ctx.status.state not in (State.PLAYING, State.COUNT_IN)
        for command in commands:
            if stopped and self.before_play is not None and self.before_play(command, self.engine.send):
                continue
            self.engine.send(command)
        return None

    def _count(self, reason: str) -> None:
        with self._lock:  # OSC's thread and the web server's loop both count
            self.refused[reason] += 1

    # --- the snapshot --------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The status as JSON-ready values: ``show`` changes with the song, ``now`` all the time."""
        st = self.status()
        show = self.show
        row = show.song(st.song) if show is not None else None
        sections = row.sections if row is not None else []
        names = {s.index: s.name for s in sections}
        seconds = st.seconds
        nxt = show.next_playable(st.song) if show is not None and st.song >= 0 else None
        port, connected = self.pedal() if self.pedal is not None else ("", None)
        pending = st.pending / st.rate if st.pending >= 0 and st.rate else None
        stale = st.state in (State.PLAYING, State.COUNT_IN) and time.time() - st.wall > STALE_S
        now = {
            "state": st.state.name.lower(), "song": st.song, "title": row.title if row else "",
            "next": nxt if nxt is not None else -1,
            "next_title": show.songs[nxt].title if show is not None and nxt is not None else "",
            "position": round(seconds, 1), "clock": _clock(seconds),  # 0.1 s: ~10 pushes a second
            "length": round(st.length / st.rate, 3) if st.rate else 0.0,
            "bar": st.bar, "beat": st.beat, "beats_in_bar": st.beats_in_bar, "bpm": round(st.bpm, 2),
            "section": st.section, "section_name": names.get(st.section, ""),
            "next_section": st.next_section, "pending_section": st.pending_section,
            "pending_name": names.get(st.pending_section, "") if pending is not None else "",
            "pending_at": round(pending, 3) if pending is not None else None,
            "jump_mode": _mode_name(st.jump_mode),
            "vamp": st.vamp, "click": st.click, "guide": st.guide, "master_db": round(st.master_db, 1),
            "count_in": st.count_in,
            "lyric": self._lyric(st.song, seconds),
            "locked": bool(self.locked()),
            # (no callback load here: it changes every block, and would push every 50 ms)
            "health": {"engine": "stuck" if stale else "ok", "device": st.device, "late": st.late,
                       "dropped": st.dropped, "pedal": port, "pedal_connected": connected},
        }
        setlist = [{"index": s.index, "title": s.title, "seconds": s.seconds, "skip": s.skip}
                   for s in show.songs] if show is not None else []
        return {
            "show": {"title": show.title if show is not None else "", "songs": setlist,
                     "sections": [{"index": s.index, "name": s.name, "start": round(s.start, 3)}
                                  for s in sections],
                     "stems": [{"index": s.index, "name": s.stem.display_name, "role": s.stem.role.value}
                               for s in (row.stems if row is not None else [])]},
            "now": now,
        }

    def _lyric(self, song: int, seconds: float) -> str:
        if self.lyric is None or song < 0:
            return ""
        try:
            return str(self.lyric(song, seconds))[:500]
        except Exception:  # noqa: BLE001 - a broken lyric file is no reason to stop reporting
            return ""

    def latest(self) -> Snapshot:
        """The last snapshot the thread made (or a new one before it started)."""
        with self._lock:
            if self._snapshot:
                return self._snapshot
        return self.snapshot()

    # --- publishing ------------------------------------------------------------------------------
    def listen(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unlisten(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="remote-hub", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)

    def publish(self) -> None:
        """Make a snapshot and hand it to every listener if it changed."""
        try:
            snap = self.snapshot()
        except Exception:  # noqa: BLE001 - the engine's status block may be closing
            return
        with self._lock:
            changed = snap != self._snapshot
            self._snapshot = snap
            listeners = list(self._listeners)
        if not changed:
            return
        for listener in listeners:
            try:
                listener(snap)
            except Exception:
                log.exception("remote listener failed")

    def _run(self) -> None:
        period = 1.0 / self.hz
        while not self._stop.wait(period):
            self.publish()
