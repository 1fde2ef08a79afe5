"""Every key binding, made from the same table as the bindings themselves (``keys.py``)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from player.ui.keys import help_rows


class HelpScreen(ModalScreen[None]):
    """Shown with ``?``; any of Esc, ``?`` or ``q`` closes it. The transport keys still work under it."""

    BINDINGS = [("escape,question_mark,q,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
        table.add_column(style="bold yellow1", no_wrap=True)
        table.add_column()
        for keys, what in help_rows():
            table.add_row(keys, what)
        with VerticalScroll(id="help-box"):
            yield Static("Keys  (the foot switch does the same: see docs/ui.md)   Esc closes",
                         id="help-title")
            yield Static(table, id="help-table")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
