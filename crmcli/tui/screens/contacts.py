"""The contacts browser: search as you type (name, email, organisation, tag; case- and
accent-free), sort by name or last contact, cold contacts marked. At most PAGE rows are mounted:
a search narrows 100,000 contacts to what fits, and the status line says how many there are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Input, Static

from crmcli.tui import keymap
from crmcli.tui.format import local
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.widgets.tables import RecordTable

PAGE = 200
SORTS = ("name", "last-contact")
COLD_MARK = "● "


@dataclass(frozen=True)
class ContactPage:
    rows: list[tuple[str, list[Any]]]
    total: int
    more: bool


def load_contacts(context: Any, match: str, sort: str) -> ContactPage:
    from crmcli.core import cadence, contacts

    now = context.now()
    with context.database.connect() as conn:
        found = [tuple(r) for r in contacts.rows(conn, match=match or None, sort=sort, limit=PAGE + 1).rows]
        total = contacts.count(conn)
    shown = []
    for r in found[:PAGE]:
        cid, name, title, org, emails, last, cadence_days, created = r[0], r[2], r[3], r[4], r[5], r[10], r[9], r[11]
        cold = cadence.is_cold(_when(last), _when(created), cadence_days, now)  # type: ignore[arg-type]
        shown.append((f"contact:{cid}", [(COLD_MARK if cold else "  ") + name, title or "", org or "",
                                         (emails or "").split("; ")[0], local(last)]))
    return ContactPage(shown, total, len(found) > PAGE)


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


class ContactsScreen(CrmScreen):
    BINDINGS = keymap.bindings("contacts")
    DEFAULT_CSS = """
    #search { margin: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__(name="contacts")
        self._sort = "name"
        self._generation = 0  # only the newest search's answer is shown

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="search: part of a name, an email, an organisation or a tag", id="search")
        table = RecordTable(["name", "title", "organisation", "email", "last contact"], id="contacts", classes="panel")
        table.border_title = "Contacts"
        yield table
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["contacts"]
        self.query_one("#search", Input).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._generation += 1
        generation, match, sort = self._generation, self.query_one("#search", Input).value, self._sort
        self.in_thread(lambda: (generation, load_contacts(self.context, match, sort)), self._show)

    def _show(self, answer: tuple[int, ContactPage]) -> None:
        generation, page = answer
        if generation != self._generation:
            return  # a later keystroke has asked again
        self.query_one("#contacts", RecordTable).fill(page.rows)
        shown = f"{len(page.rows)}{'+' if page.more else ''} of {page.total} contacts"
        hint = "; type to narrow" if page.more else ""
        self.query_one("#status", Static).update(f"{shown}, sorted by {self._sort}{hint}   {COLD_MARK}past cadence")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.action_reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#contacts", RecordTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_sort(self) -> None:
        self._sort = SORTS[(SORTS.index(self._sort) + 1) % len(SORTS)]
        self.action_reload()

    def selected_contact(self) -> int | None:
        key = self.query_one("#contacts", RecordTable).selected_key()
        return int(key.split(":")[1]) if key is not None else None

    def action_open(self) -> None:
        key = self.query_one("#contacts", RecordTable).selected_key()
        if key is not None:
            from crmcli.tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(int(key.split(":")[1])))

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.action_open()
