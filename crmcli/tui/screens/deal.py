"""A deal opened from the board: what `crm deals show` says, with its stage history, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from crmcli.core.text import printable
from crmcli.tui import keymap
from crmcli.tui.format import local


@dataclass(frozen=True)
class DealView:
    id: int
    name: str
    facts: list[tuple[str, str]]
    history: list[tuple[str, str, str]]  # (when, from, to)


def load_deal(context: Any, deal_id: int) -> DealView:
    """The card `crm deals show` prints (one core service), shaped for the screen."""
    from crmcli.core import deals

    locale = context.settings.money_locale
    with context.database.session() as session:
        info = deals.detail(session, context.settings.stages, deal_id)
    facts = [("stage", info.stage_shown), ("value", info.value.display(locale)),
             ("probability", f"{info.probability}%"), ("weighted", info.weighted.display(locale)),
             ("close", info.close or ""), ("org", info.org or ""), ("contacts", ", ".join(info.contacts)),
             ("owner", info.owner or ""), ("lost reason", info.lost_reason or "")]
    history = [(local(step.at), step.from_stage or "(new)", step.to_stage) for step in info.history]
    return DealView(deal_id, info.name, [(k, v) for k, v in facts if v], history)


class DealModal(ModalScreen[None]):
    DEFAULT_CSS = """
    DealModal { align: center middle; }
    #deal { width: 72; max-width: 100%; height: auto; max-height: 100%; border: round $accent;
            background: $surface; padding: 0 1; }
    #deal DataTable { height: auto; max-height: 12; }
    """
    BINDINGS = [Binding(k.keys, k.action, k.description) for k in keymap.SCREENS["deal"]]

    def __init__(self, view: DealView) -> None:
        super().__init__(name="deal")
        self.view = view

    def compose(self) -> ComposeResult:
        card = Text()
        card.append(printable(f"deal #{self.view.id}: {self.view.name}") + "\n", style="bold")
        for key, value in self.view.facts:
            card.append(f"{key:<13}", style="dim")
            card.append(printable(value) + "\n")
        card.append("stage history", style="bold")
        with Vertical(id="deal"):
            yield Static(card)
            yield DataTable(cursor_type="row", id="history")
            yield Static(Text("esc: close", style="dim"))

    def on_mount(self) -> None:
        table = self.query_one("#history", DataTable)
        table.add_columns("when", "from", "to")
        for when, before, after in self.view.history:
            table.add_row(when, before, after)
        table.focus()
        table.move_cursor(row=table.row_count - 1)  # the latest change

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(None)  # enter closes too, as the keymap says (the table takes the key first)
