"""The song as a row of coloured sections, the playhead under it, and the pending jump or vamp."""

from __future__ import annotations

from rich.text import Text

from player.engine.messages import JumpMode
from player.engine.status import Status
from player.setlist.tempo import Span
from player.ui.changing import Changing
from player.ui.musical import Where
from player.ui.show import TEMPO_RATE, SongRow, span_position

MODES = {JumpMode.NOW: "now", JumpMode.BEAT: "next beat", JumpMode.BAR: "next bar",
         JumpMode.SECTION_END: "section end"}


def _column(seconds: float, length: float, width: int) -> int:
    return min(max(int(seconds / length * width), 0), width - 1) if length > 0 else 0


class SectionTimeline(Changing):
    """Three lines: sections, playhead (▲) with jump target (◆) and vamp loop (⟲), then words."""

    def update_from(self, status: Status, song: SongRow | None, where: Where) -> None:
        width = max(self.size.width, 10)
        spans = song.sections if song else []
        length = (status.length / status.rate if status.rate and status.length else
                  (song.seconds or 0.0) if song else 0.0)
        rate = status.rate or 48000
        head = _column(status.seconds, length, width)
        pending = _column(status.pending / rate, length, width) if status.pending >= 0 else -1
        loop = ((_column(status.vamp_start / rate, length, width),
                 _column(status.vamp_end / rate, length, width)) if status.vamp else None)
        key = (width, id(song), head, pending, loop, where.section, where.next_section,
               status.pending_section, status.jump_mode, status.vamp)
        self.show(key, lambda: self._paint(width, spans, length, head, pending, loop, status, where))

    def _paint(self, width: int, spans: list[Span], length: float, head: int, pending: int,
                loop: tuple[int, int] | None, status: Status, where: Where) -> Text:
        bar = Text()
        if not spans or length <= 0:
            bar.append("─" * width, style="grey50")
        else:
            cells = [(" ", "on grey15")] * width
            for i, span in enumerate(spans):
                start, end = span.start / TEMPO_RATE, span.end / TEMPO_RATE
                a, b = _column(start, length, width), _column(end, length, width)
                b = width if end >= length else max(b, a + 1)
                style = f"bold black on {span.color}" if i == where.section else f"black on {span.color}"
                label = span.name[: max(b - a - 1, 0)]
                for c in range(a, min(b, width)):
                    k = c - a
                    ch = label[k] if 0 < k + 1 <= len(label) else " "
                    cells[c] = (ch, style)
                if a < width:
                    cells[a] = ("▏" if not label else label[0], style)
            for ch, style in cells:
                bar.append(ch, style=style)
        marks = [" "] * width
        if loop:
            for c in range(loop[0], min(loop[1] + 1, width)):
                marks[c] = "═"
        if 0 <= pending < width:
            marks[pending] = "◆"
        marks[head] = "▲"
        line2 = Text("".join(marks), style="bold yellow1")
        names = [s.name for s in spans] if spans else []
        now = names[where.section] if 0 <= where.section < len(names) else "-"
        nxt = names[where.next_section] if 0 <= where.next_section < len(names) else "-"
        words = Text()
        words.append("Now ", style="grey70")
        words.append(now, style="bold white")
        words.append("   Next ", style="grey70")
        words.append(nxt, style="bold")
        mode = MODES.get(JumpMode(status.jump_mode), "?") if status.jump_mode in (0, 1, 2, 3) else "?"
        if status.vamp:
            words.append("   ⟲ VAMP: v releases", style="bold black on magenta")
        if status.pending >= 0:
            k = span_position(spans, status.pending_section)
            target = names[k] if k >= 0 else "jump"
            words.append(f"   ◆ → {target} at {mode} (Esc cancels)", style="bold black on yellow1")
        else:
            words.append(f"   jumps at {mode}", style="grey70")
        return Text("\n").join([bar, line2, words])
