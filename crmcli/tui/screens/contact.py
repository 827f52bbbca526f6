"""One contact: the card and the whole timeline, newest first, fetched a page at a time as the
cursor nears the end (a contact can have thousands of entries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from crmcli.core.text import one_line, printable
from crmcli.tui import keymap
from crmcli.tui.format import cell, local
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.widgets.tables import RecordTable

PAGE = 100        # the first page: what a screen shows, and some
MAX_PAGE = 1000   # later pages double up to this: someone scrolling far wants the rest soon


@dataclass(frozen=True)
class ContactView:
    overview: Any  # core.overview.ContactOverview
    page: Any      # core.timeline.TimelinePage: the newest entries


def load_contact(context: Any, contact_id: int) -> ContactView:
    from crmcli.core import contacts, overview, timeline

    with context.database.session() as session:
        contact = contacts.resolve(session, str(contact_id))
        seen = overview.overview(session, contact, as_of=context.now(), recent=0)
        first = timeline.page(session.connection(), contact_id, limit=PAGE)
    return ContactView(seen, first)


def load_older(context: Any, contact_id: int, before: Any, limit: int) -> Any:
    from crmcli.core import timeline

    with context.database.connect() as conn:
        return timeline.page(conn, contact_id, before=before, limit=limit)


def timeline_rows(entries: Any) -> list[tuple[str, list[Any]]]:
    return [(f"{e.type}:{e.id}:{e.cursor.at.isoformat()}:{e.cursor.seq}",
             [local(e.at), f"{e.kind} {e.direction or ''}".strip(), _line(e.body), ", ".join(e.contacts)])
            for e in entries]


def _line(text: str, width: int = 90) -> str:
    """The first part of a long text: the timeline is read by its start; the whole is one key away."""
    flat = one_line(text or "")
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def render_card(seen: Any) -> Text:
    from crmcli.core.cadence import describe

    def labelled(label: str | None, value: str) -> str:
        return f"{label}: {value}" if label else value

    pairs = [("title", seen.title), ("organisation", seen.org), ("tags", ", ".join(seen.tags)),
             ("emails", ", ".join(labelled(e.label, e.address) for e in seen.emails)),
             ("phones", ", ".join(labelled(p.label, p.display) for p in seen.phones)),
             ("cadence", describe(seen.cadence_days)), ("last contact", local(seen.last_contact_at)),
             ("follow-ups", ", ".join(f"#{f.id} {f.title} ({f.status})" for f in seen.follow_ups)),
             ("deals", ", ".join(f"#{d.id} {d.name} ({d.stage})" for d in seen.deals)), *seen.fields]
    text = Text(printable(f"{seen.name}  #{seen.id}") + "\n", style="bold")
    for key, value in pairs:
        if value:
            text.append(f"{key:<13}", style="dim")
            text.append(printable(str(value)) + "\n")
    return text


class ContactScreen(CrmScreen):
    BINDINGS = keymap.bindings("contact")
    DEFAULT_CSS = """
    #card { height: auto; max-height: 12; padding: 0 1; border: round $primary 40%; }
    """

    def __init__(self, contact_id: int) -> None:
        super().__init__(name="contact")
        self.contact_id = contact_id
        self._next = None  # where the next (older) page starts; None: everything is shown
        self._entries: list[Any] = []
        self._contact_name = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="card")
        table = RecordTable(["when", "kind", "what", "with"], id="timeline", classes="panel")
        table.border_title = "Timeline"
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["contact"]
        self.query_one("#timeline", RecordTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        """The card and the newest page again (what is further down is fetched as the cursor nears it)."""
        self.in_thread(lambda: load_contact(self.context, self.contact_id), self._show)

    def _show(self, view: ContactView) -> None:
        self._contact_name = view.overview.name
        self.sub_title = view.overview.name
        self.query_one("#card", Static).update(render_card(view.overview))
        self._entries, self._next = list(view.page.entries), view.page.next_cursor
        self.query_one("#timeline", RecordTable).fill(timeline_rows(self._entries))
        self._title()

    def _title(self) -> None:
        more = "+" if self._next is not None else ""
        self.query_one("#timeline", RecordTable).border_title = f"Timeline ({len(self._entries)}{more}, newest first)"

    def on_data_table_row_highlighted(self, event: RecordTable.RowHighlighted) -> None:
        table = self.query_one("#timeline", RecordTable)
        if self._next is not None and event.cursor_row >= table.row_count - 20:
            before, self._next = self._next, None  # one page at a time
            limit = min(MAX_PAGE, len(self._entries))  # 100, 100, 200, 400, 800, 1000...
            self.in_thread(lambda: load_older(self.context, self.contact_id, before, limit), self._append,
                           group="older")

    def _append(self, older: Any) -> None:
        self._entries += older.entries
        self._next = older.next_cursor
        table = self.query_one("#timeline", RecordTable)
        for key, values in timeline_rows(older.entries):
            table.add_row(*(cell(v) for v in values), key=key)
        self._title()

    def selected_contact(self) -> int | None:
        return self.contact_id
