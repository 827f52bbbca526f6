"""`?`: every key of the screen below and of the app, from the keymap."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from crmcli.tui import keymap


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help { width: 64; max-width: 100%; height: auto; max-height: 90%; border: round $accent; background: $surface; }
    #help DataTable { height: auto; max-height: 30; }
    """
    BINDINGS = [Binding(k.keys, k.action, k.description) for k in keymap.SCREENS["help"]]

    def __init__(self, screen: str) -> None:
        super().__init__(name="help")
        self._screen = screen

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Label(f" Keys: {keymap.TITLES.get(self._screen, self._screen)}")
            yield DataTable(cursor_type="row", id="keys")

    def on_mount(self) -> None:
        table = self.query_one("#keys", DataTable)
        table.add_columns("key", "does")
        for key in (*keymap.SCREENS.get(self._screen, ()), *keymap.GLOBAL):
            table.add_row(keymap.shown(key.keys), key.description)
        table.add_row("ctrl+p", "Command palette: every screen and action by name")
