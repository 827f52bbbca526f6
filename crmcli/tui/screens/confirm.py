"""A yes/no question before something is deleted: `y` deletes, `n` or escape keeps it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from crmcli.core.text import printable
from crmcli.tui import keymap


class ConfirmModal(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    #confirm { width: 64; max-width: 100%; height: auto; border: round $error; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding(k.keys, k.action, k.description) for k in keymap.SCREENS["confirm"]]

    def __init__(self, question: str) -> None:
        super().__init__(name="confirm")
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(Text(printable(self._question), style="bold"))
            yield Static(Text("y: yes   n / esc: no", style="dim"))

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
