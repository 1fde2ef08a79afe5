"""The setlist: reorder (keys and mouse), skip, add a song folder, open another setlist, save atomically;
``player check`` results per song with the problems of the selected one listed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Static

from player.setlist.check import ShowReport, SongReport, check_show
from player.setlist.problems import Severity
from player.setlist.saving import add_song, save_order
from player.ui.changing import Changing
from player.ui.path_prompt import PathPrompt

if TYPE_CHECKING:
    from player.ui.app import StageApp

BUTTONS = (("up", "▲ Up"), ("down", "▼ Down"), ("skip", "Skip"), ("add", "Add song"),
           ("open", "Open setlist"), ("save", "Save"))


class SetlistScreen(Screen):
    """Keys: ↑/↓ choose, [ / ] move the song, x skip, a add, o open, w save, c check again, e back."""

    app: StageApp
    BINDINGS = [
        Binding("left_square_bracket,shift+up", "move(-1)", "Move up"),
        Binding("right_square_bracket,shift+down", "move(1)", "Move down"),
        Binding("x", "skip", "Skip"),
        Binding("a", "add", "Add"),
        Binding("o", "open", "Open"),
        Binding("w", "save", "Save"),
        Binding("c", "check", "Check"),
        Binding("escape,e,f2", "app.screen('performance')", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.order: list[int] = []
        self.skips: dict[int, bool] = {}
        self.dirty = False
        self.report: ShowReport | None = None
        self._checking = False
        self._partial: dict[int, SongReport] = {}  # songs checked so far, by 1-based index

    def compose(self) -> ComposeResult:
        yield Changing("", id="setlist-title")
        yield DataTable(id="songs", cursor_type="row", zebra_stripes=False)
        yield Static("", id="problems")
        with Horizontal(id="setlist-buttons"):
            for name, label in BUTTONS:
                yield Button(label, id=f"b-{name}", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#songs", DataTable)
        table.add_columns("#", "Title", "Length", "Key", "Tempo", "Check")
        self.reset()

    def on_screen_resume(self) -> None:
        if not self.dirty:
            self.reset()
        if self.report is None and not self._checking:
            self.action_check()

    # --- the table -------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget unsaved changes: show the setlist as it is on disk."""
        self.order = list(range(len(self.app.show.songs)))
        self.skips = {}
        self.dirty = False
        self.refresh_table()

    def refresh_table(self, cursor: int | None = None) -> None:
        table = self.query_one("#songs", DataTable)
        row = table.cursor_row if cursor is None else cursor
        table.clear()
        songs = self.app.show.songs
        for place, old in enumerate(self.order):
            song = songs[old]
            skip = self.skips.get(old, song.skip)
            style = "grey50 strike" if skip else ""
            tempo = f"{song.bpm:g} {song.meter}" if song.bpm else ""
            table.add_row(Text(str(place + 1), style=style), Text(song.title, style=style),
                          Text(song.length, style=style), song.key, tempo, self._check_cell(old, skip),
                          key=str(old))
        if songs:
            table.move_cursor(row=max(0, min(row, len(songs) - 1)))
        mark = " (unsaved changes: w saves)" if self.dirty else ""
        title = f"Setlist · {self.app.show.title} · {self.app.show.path.name}{mark}"
        self.query_one("#setlist-title", Changing).show(title, lambda: title)
        self._show_problems()

    def _check_cell(self, old: int, skip: bool) -> Text:
        if skip:
            return Text("skipped", style="grey50")
        if self.report is None and old + 1 not in self._partial:
            return Text("checking…" if self._checking else "-", style="grey70")
        songs = self.report.songs if self.report is not None else [self._partial[old + 1]]
        song = next((s for s in songs if s.index == old + 1), None)
        if song is None:
            return Text("-")
        errors = sum(p.severity is Severity.ERROR for p in song.problems)
        warnings = sum(p.severity is Severity.WARNING for p in song.problems)
        if errors:
            return Text(f"✖ {errors} error(s)", style="bold white on red")
        if warnings:
            return Text(f"! {warnings} warning(s)", style="bold black on yellow1")
        return Text("✓ ok", style="bold green1")

    def _selected_old(self) -> int | None:
        table = self.query_one("#songs", DataTable)
        if not self.order:
            return None
        return self.order[max(0, min(table.cursor_row, len(self.order) - 1))]

    def _show_problems(self) -> None:
        old = self._selected_old()
        lines: list[str] = []
        if self.report is not None:
            lines += [f"setlist: {p}" for p in self.report.problems if p.severity is not Severity.INFO]
            song = next((s for s in self.report.songs if old is not None and s.index == old + 1), None)
            if song is not None:
                lines += [f"{p.severity.value}: {p}" for p in song.problems
                          if p.severity is not Severity.INFO]
        row = self.app.show.song(old) if old is not None else None
        if row is not None:
            lines += [str(p) for p in row.problems]
        self.query_one("#problems", Static).update("\n".join(lines) or "No problems for this song.")

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_problems()

    # --- editing ---------------------------------------------------------------------------------
    def action_move(self, step: int) -> None:
        table = self.query_one("#songs", DataTable)
        i = table.cursor_row
        j = i + step
        if not self.app.editing_allowed() or not 0 <= j < len(self.order):
            return
        self.order[i], self.order[j] = self.order[j], self.order[i]
        self.dirty = True
        self.refresh_table(cursor=j)

    def action_skip(self) -> None:
        old = self._selected_old()
        if old is None or not self.app.editing_allowed():
            return
        self.skips[old] = not self.skips.get(old, self.app.show.songs[old].skip)
        self.dirty = True
        self.refresh_table()

    def action_save(self) -> None:
        if not self.app.editing_allowed():
            return
        if not self.dirty:
            self.app.notify("Nothing to save.", timeout=2)
            return
        path, order, skips = self.app.show.path, list(self.order), dict(self.skips)
        self.app.save(lambda: save_order(path, order, skips), self._after_save)

    def _after_save(self, said: str) -> None:
        self.app.reload_show()
        self.app.apply_setlist()
        self.report = None
        self.reset()
        self.app.notify(said, timeout=4)
        self.action_check()

    def action_add(self) -> None:
        if not self.app.editing_allowed():
            return

        def added(path: str | None) -> None:
            if not path:
                return
            setlist, order, skips, dirty = self.app.show.path, list(self.order), dict(self.skips), self.dirty

            def save() -> str:
                if dirty:
                    save_order(setlist, order, skips)
                return add_song(setlist, Path(path))

            self.app.save(save, self._after_save)

        self.app.push_screen(PathPrompt("Song folder to add (a folder with song.toml, or just stems):",
                                        "path/to/song-folder"), added)

    def action_open(self) -> None:
        if not self.app.editing_allowed():
            return

        def opened(path: str | None) -> None:
            if path:
                if self.app.open_setlist(Path(path).expanduser()):
                    self.report = None
                    self.reset()
                    self.action_check()

        self.app.push_screen(PathPrompt("Setlist file to open:", "setlists/NAME.toml",
                                        str(self.app.show.path)), opened)

    def action_check(self) -> None:
        self._checking = True
        self.refresh_table()
        self._run_check(self.app.show.path, self.app.rig)

    @work(thread=True, exclusive=True)
    def _run_check(self, path: Path, rig: str | None) -> None:
        """``player check`` off the UI thread: it reads every stem. No device lookup (PortAudio is the
        engine's)."""
        from player.engine.bus_peaks import bus_peaks

        # Songs are read in worker processes (check_show's choice for big setlists) and cached by file
        # identity, so this thread mostly waits and the keyboard stays live; each row fills as its
        # song is done.
        report = check_show(path, rig, "not looked for from the stage screen.", mix=bus_peaks,
                            progress=lambda song: self.app.call_from_thread(self._song_checked, song))
        self.app.call_from_thread(self._checked, report)

    def _song_checked(self, song: SongReport) -> None:
        self._partial[song.index] = song
        self.refresh_table()

    def _checked(self, report: ShowReport) -> None:
        self._checking = False
        self._partial = {}
        self.report = report
        self.refresh_table()

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        name = (event.button.id or "")[2:]
        {"up": lambda: self.action_move(-1), "down": lambda: self.action_move(1),
         "skip": self.action_skip, "add": self.action_add, "open": self.action_open,
         "save": self.action_save}[name]()
