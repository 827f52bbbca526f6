"""Pick one of many (a tag, an organisation) to narrow a list by: typing narrows the choices, Enter
picks, Esc cancels. The choices come from a core listing run in a worker as the user types (only
the newest answer is shown), at most LIMIT of them at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from crmcli.tui import keymap
from crmcli.tui.screens.base import threaded
from crmcli.tui.widgets.tables import RecordTable

LIMIT = 200


@dataclass(frozen=True)
class Choice:
    value: str   # what the list is narrowed by: a tag's name, an organisation's id
    label: str   # what the user reads
    count: int   # how many contacts it would leave


Load = Callable[[str], list[Choice]]  # typed text -> the choices matching it (a worker runs it)


class PickerModal(ModalScreen[Choice | None]):
    DEFAULT_CSS = """
    PickerModal { align: center middle; }
    #picker { width: 60; max-width: 100%; height: auto; max-height: 90%; border: round $accent;
              background: $surface; padding: 0 1; }
    #picker RecordTable { height: auto; max-height: 16; }
    #picker #note { color: $text-muted; height: auto; }
    """
    BINDINGS = keymap.bindings("picker")

    def __init__(self, title: str, noun: str, load: Load) -> None:
        super().__init__(name="picker")
        self._title, self._noun, self._load = title, noun, load
        self._choices: dict[str, Choice] = {}
        self._generation = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(self._title)
            yield Input(placeholder=f"type part of the {self._noun}'s name; enter picks, esc cancels", id="narrow")
            yield RecordTable([self._noun, "contacts"], id="choices")
            yield Static("", id="note")

    def on_mount(self) -> None:
        self.query_one("#narrow", Input).focus()
        self._ask("")

    def _ask(self, text: str) -> None:
        self._generation += 1
        generation = self._generation
        threaded(self, lambda: (generation, self._load(text)), self._show, self._failed, group="pick",
                 exclusive=True)

    def _show(self, answer: tuple[int, list[Choice]]) -> None:
        generation, choices = answer
        if generation != self._generation:
            return  # a later keystroke has asked again
        self._choices = {f"choice:{i}": c for i, c in enumerate(choices)}
        self.query_one("#choices", RecordTable).fill(
            [(key, [c.label, c.count]) for key, c in self._choices.items()])
        note = (f"no {self._noun} matches" if not choices
                else f"the first {LIMIT} shown; type to narrow" if len(choices) >= LIMIT else "")
        self.query_one("#note", Static).update(note)

    def _failed(self, message: str) -> None:
        self.query_one("#note", Static).update(message)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._ask(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_pick()

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.action_pick()

    def action_cursor_down(self) -> None:
        """Up and down move through the choices while the typing goes on."""
        self.query_one("#choices", RecordTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#choices", RecordTable).action_cursor_up()

    def action_pick(self) -> None:
        """The highlighted choice (the first, while typing)."""
        key = self.query_one("#choices", RecordTable).selected_key()
        if key is not None and key in self._choices:
            self.dismiss(self._choices[key])

    def action_cancel(self) -> None:
        self.dismiss(None)
