"""One contact: the card and the whole timeline, newest first. A contact can have thousands of
entries: the table holds a window of at most WINDOW of them, fetched a page at a time as the cursor
nears either end of it and sliding along the history; `end` jumps to the oldest entries at once.
`h` turns to the other tab: the contact's audit history (who changed what, `crm history CONTACT`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from crmcli.core.text import one_line, printable
from crmcli.tui import keymap
from crmcli.tui.format import DO_NOT_CONTACT_MARK, cell, local
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.screens.prompt import PromptModal
from crmcli.tui.widgets.tables import RecordTable

PAGE = 100        # the first page: what a screen shows, and some
MAX_PAGE = 500    # later pages double up to this: half the window, so a slide keeps what is around the cursor
WINDOW = 1000     # rows mounted at most (a DataTable of 1,000 rows paints in ~0.3 s, 100,000 in ~17 s)


@dataclass(frozen=True)
class ContactView:
    overview: Any  # core.overview.ContactOverview
    page: Any      # core.timeline.TimelinePage: the window's entries, from its first one down
    total: int     # entries on the whole timeline
    newer: bool    # entries above the window exist: it does not start at the newest


def load_contact(context: Any, contact_id: int, start: Any = None, size: int = PAGE) -> ContactView:
    """The card, the length of the timeline and `size` entries of it: from the newest, or from the
    entry at cursor `start` on (a window that had slid down, read again in place)."""
    from crmcli.core import contacts, overview, timeline

    with context.database.session() as session:
        contact = contacts.resolve(session, str(contact_id))
        seen = overview.overview(session, contact, as_of=context.now(), recent=0)
        conn = session.connection()
        before = None
        if start is not None:  # the page ends just above `start`'s entry, so that entry leads the window
            above = timeline.newer(conn, contact_id, after=start, limit=1).entries
            before = above[0].cursor if above else None
        window = timeline.page(conn, contact_id, before=before, limit=size)
        total = timeline.count(conn, contact_id)
    return ContactView(seen, window, total, before is not None)


def load_older(context: Any, contact_id: int, before: Any, limit: int) -> Any:
    from crmcli.core import timeline

    with context.database.connect() as conn:
        return timeline.page(conn, contact_id, before=before, limit=limit)


def load_newer(context: Any, contact_id: int, after: Any, limit: int) -> Any:
    """The page above `after`; None: the oldest entries."""
    from crmcli.core import timeline

    with context.database.connect() as conn:
        return timeline.newer(conn, contact_id, after=after, limit=limit)


def timeline_rows(entries: Any) -> list[tuple[str, list[Any]]]:
    return [(f"{e.type}:{e.id}:{e.cursor.at.isoformat()}:{e.cursor.seq}",
             [local(e.when), f"{e.kind} {e.direction or ''}".strip(), _line(e.text), ", ".join(e.contacts)])
            for e in entries]


def _line(text: str, width: int = 90) -> str:
    """The first part of a long text: the timeline is read by its start; the whole is one key away."""
    flat = one_line(text or "")
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def render_card(seen: Any) -> Text:
    from crmcli.core.cadence import describe
    from crmcli.core.contacts import do_not_contact_since

    def labelled(label: str | None, value: str) -> str:
        return f"{label}: {value}" if label else value

    pairs = [("title", seen.title), ("organisation", seen.org), ("tags", ", ".join(seen.tags)),
             ("emails", ", ".join(labelled(e.label, e.address) for e in seen.emails)),
             ("phones", ", ".join(labelled(p.label, p.display) for p in seen.phones)),
             ("cadence", describe(seen.cadence_days)), ("last contact", local(seen.last_contact_at)),
             ("follow-ups", ", ".join(f"#{f.id} {f.title} ({f.status})" for f in seen.follow_ups)),
             ("deals", ", ".join(f"#{d.id} {d.name} ({d.stage})" for d in seen.deals)),
             ("open cases", ", ".join(f"#{c.id} {c.title} ({c.priority}, {c.status}{', late' if c.breached else ''})"
                                      for c in seen.cases)), *seen.fields]
    text = Text(printable(f"{seen.name}  #{seen.id}") + "\n", style="bold")
    if seen.do_not_contact_at is not None:  # first, and loud: whoever opens the card is about to reach out
        since = do_not_contact_since(seen.do_not_contact_at, seen.do_not_contact_reason)
        text.append(printable(f"{DO_NOT_CONTACT_MARK}do not contact {since}") + "\n", style="bold red")
    for key, value in pairs:
        if value:
            text.append(f"{key:<13}", style="dim")
            text.append(printable(str(value)) + "\n")
    return text


class TimelineTable(RecordTable):
    """The timeline's window. Its top and bottom keys go to the screen, which knows the whole history."""

    def action_scroll_top(self) -> None:
        raise SkipAction()

    def action_scroll_bottom(self) -> None:
        raise SkipAction()

    def action_scroll_home(self) -> None:
        raise SkipAction()

    def action_scroll_end(self) -> None:
        raise SkipAction()

    def replace(self, rows: list[tuple[str, list[Any]]], *, shift: int = 0) -> None:
        """Show `rows` instead, keeping the cursor on its record and the view `shift` rows further
        down, so the rows under the eye stay put while the window slides (rows added above: shift > 0)."""
        selected, row, y = self.selected_key(), self.cursor_row, self.scroll_y + shift
        self.clear()
        for key, values in rows:
            self.add_row(*(cell(v) for v in values), key=key)
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected), scroll=False)
        elif self.row_count:  # its record is gone: the row where it was
            self.move_cursor(row=min(row, self.row_count - 1), scroll=False)
        self.scroll_to(y=y, animate=False, immediate=True)  # clamped while the height is unknown: again after
        self.call_after_refresh(lambda: self.scroll_to(y=y, animate=False, immediate=True))


class ContactScreen(CrmScreen):
    BINDINGS = keymap.bindings("contact")
    DEFAULT_CSS = """
    #card { height: auto; max-height: 12; padding: 0 1; border: round $primary 40%; }
    """

    def __init__(self, contact_id: int) -> None:
        super().__init__(name="contact")
        self.contact_id = contact_id
        self._entries: list[Any] = []  # the window, newest first
        self._older = False            # entries below the window exist
        self._newer = False            # entries above it exist
        self._offset = 0               # how many are above it
        self._total = 0
        self._pending: tuple[str, Any] | None = None  # the page being fetched: one at a time
        self._contact_name = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="card")
        table = TimelineTable(["when", "kind", "what", "with"], id="timeline", classes="panel")
        table.border_title = "Timeline"
        yield table
        changes = RecordTable(["when", "user", "record", "change", "before", "after"], id="history", classes="panel")
        changes.border_title = "History"
        changes.display = False
        yield changes
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["contact"]
        self._table().focus()
        self.action_reload()

    def _table(self) -> TimelineTable:
        return self.query_one("#timeline", TimelineTable)

    def action_reload(self) -> None:
        """The card and the window again, where it is (the newest entries if it is at the top)."""
        start = self._entries[0].cursor if self._newer and self._entries else None
        size = max(PAGE, min(len(self._entries), WINDOW))
        self.in_thread(lambda: load_contact(self.context, self.contact_id, start, size), self._show)

    def _show(self, view: ContactView) -> None:
        self._contact_name = view.overview.name
        self.sub_title = view.overview.name
        self.query_one("#card", Static).update(render_card(view.overview))
        self._entries, self._older, self._newer = list(view.page.entries), view.page.more, view.newer
        self._total, self._pending = view.total, None
        if not self._newer:
            self._offset = 0
        self._table().replace(timeline_rows(self._entries))
        self._title()

    def _title(self) -> None:
        shown, total = len(self._entries), max(self._total, len(self._entries))
        where = f"{self._offset + 1:,}–{self._offset + shown:,} of {total:,}" if shown < total else f"{total:,}"
        self._table().border_title = f"Timeline ({where}, newest first)"

    # -- the window: pages fetched as the cursor nears an end, rows dropped at the other ----------

    def on_data_table_row_highlighted(self, event: TimelineTable.RowHighlighted) -> None:
        # Where the cursor is now, not where the event says it was: a refill passes through row 0.
        table = self._table()
        # A page-down or two ahead, but within a quarter of the window: a page is at most half of it,
        # so after a slide the cursor is never near the other end (which would slide it back).
        margin = min(max(20, 2 * table.size.height), WINDOW // 4)
        if self._older and table.cursor_row >= table.row_count - margin:
            self._fetch("older")
        elif self._newer and table.cursor_row < margin:
            self._fetch("newer")

    def _fetch(self, way: str) -> None:
        if not self._entries:
            return
        bound = self._entries[-1].cursor if way == "older" else self._entries[0].cursor
        if self._pending == (way, bound):
            return
        self._pending = (way, bound)
        limit = min(MAX_PAGE, max(PAGE, len(self._entries)))  # 100, 100, 200, 400, 500...
        load = load_older if way == "older" else load_newer
        self.in_thread(lambda: (way, bound, load(self.context, self.contact_id, bound, limit)), self._slide,
                       group="window", exclusive=False)  # one at a time already; a stale page is dropped

    def _slide(self, answer: tuple[str, Any, Any]) -> None:
        """Add the page at its end of the window and drop as many rows at the other end as it overflows.
        A page that no longer starts where the window ends (it was read again meanwhile) is dropped."""
        way, bound, page = answer
        if self._pending == (way, bound):
            self._pending = None
        if not self._entries or bound != (self._entries[-1] if way == "older" else self._entries[0]).cursor:
            return
        table = self._table()
        overflow = max(0, len(self._entries) + len(page.entries) - WINDOW)
        if way == "older":
            self._entries += page.entries
            self._older = page.more
            if not overflow:  # rows added below the cursor: nothing moves
                for key, values in timeline_rows(page.entries):
                    table.add_row(*(cell(v) for v in values), key=key)
                self._title()
                return
            self._entries, self._newer = self._entries[overflow:], True
            self._offset += overflow
            table.replace(timeline_rows(self._entries), shift=-overflow)
        else:
            self._entries = page.entries + self._entries
            self._newer = page.more
            self._offset = max(0, self._offset - len(page.entries)) if page.more else 0
            if overflow:
                self._entries, self._older = self._entries[:-overflow], True
            table.replace(timeline_rows(self._entries), shift=len(page.entries))
        self._title()

    def action_merge(self) -> None:
        """Merge a duplicate into this contact (`crm contacts merge THIS OTHER`)."""
        from crmcli.tui.screens.forms import Picked, merge_into

        merge_into(self, Picked(self.contact_id, self._contact_name or f"#{self.contact_id}"))

    def action_forget(self) -> None:
        """Erase this person everywhere (`crm privacy forget`): what goes is said, and their name must
        be typed to confirm; then back to the contacts list."""
        from crmcli.core.text import fold
        from crmcli.tui import writes

        def ask(planned: Any) -> None:
            def check(text: str) -> str | None:
                return None if fold(text) == fold(planned.name) else f"type {planned.name} to erase them"

            def answer(text: str | None) -> None:
                if text is not None:
                    self.in_thread(lambda: writes.forget(self.context, planned.contact_id), self._forgotten,
                                   group="write", exclusive=False)

            self.app.push_screen(EraseModal(f"Erase {planned.describe()}? This cannot be undone: type the name "
                                             "to confirm.", "the name, as above", check), answer)

        self.in_thread(lambda: writes.forget_plan(self.context, self.contact_id), ask, group="form")

    def _forgotten(self, said: str) -> None:
        """This screen shows nobody any more: the contacts list, read again, says what was done."""
        if self.app.screen is self:
            self.app.pop_screen()
        if getattr(self.app.screen, "name", None) != "contacts":
            self.app.action_go("contacts")  # type: ignore[attr-defined]
        below = self.app.screen
        if isinstance(below, CrmScreen):
            below.written(said)

    def action_oldest(self) -> None:
        """To the last entry of the whole timeline: the oldest page fetched directly, however long it is."""
        if not self._older:
            self._table().move_cursor(row=self._table().row_count - 1)
            return
        self._pending = ("end", None)
        self.in_thread(lambda: load_newer(self.context, self.contact_id, None, PAGE), self._show_end,
                       group="window", exclusive=False)

    def _show_end(self, page: Any) -> None:
        self._entries, self._older, self._newer, self._pending = list(page.entries), False, page.more, None
        self._offset = max(0, self._total - len(self._entries))
        table = self._table()
        table.replace(timeline_rows(self._entries))
        table.move_cursor(row=table.row_count - 1)
        self._title()

    def action_newest(self) -> None:
        """To the first entry: the newest page again when the window has slid away from it."""
        if not self._newer:
            self._table().move_cursor(row=0)
            return
        self._pending = ("top", None)
        self.in_thread(lambda: load_older(self.context, self.contact_id, None, PAGE), self._show_top,
                       group="window", exclusive=False)

    def _show_top(self, page: Any) -> None:
        self._entries, self._older, self._newer, self._pending = list(page.entries), page.more, False, None
        self._offset = 0
        table = self._table()
        table.replace(timeline_rows(self._entries))
        table.move_cursor(row=0)
        self._title()

    def selected_contact(self) -> int | None:
        return self.contact_id

    def action_open(self) -> None:
        """A case's entry on the timeline (its opening, a status change, a note or mail on it) opens the
        case; joining a campaign opens the campaign."""
        table = self._table()
        row = table.cursor_row
        if not (table.display and 0 <= row < len(self._entries)):
            return
        entry = self._entries[row]
        if entry.case_id is not None:
            from crmcli.tui.screens.cases import CaseScreen

            self.app.push_screen(CaseScreen(entry.case_id))
        elif entry.type == "campaign":  # its id is the campaign's
            from crmcli.tui.screens.marketing import CampaignScreen

            self.app.push_screen(CampaignScreen(entry.id))

    def on_data_table_row_selected(self, event: TimelineTable.RowSelected) -> None:
        if event.data_table.id == "timeline":
            self.action_open()

    # -- the history tab -------------------------------------------------------------------------

    def action_history(self) -> None:
        """Turn between the timeline and the audit history (read each time it is turned to)."""
        history = self.query_one("#history", RecordTable)
        showing = not history.display
        history.display, self._table().display = showing, not showing
        (history if showing else self._table()).focus()
        if showing:
            self.in_thread(lambda: load_history(self.context, self.contact_id), self._show_history, group="history")

    def _show_history(self, rows: Any) -> None:
        table = self.query_one("#history", RecordTable)
        table.fill(history_rows(rows))
        table.border_title = (f"History ({len(rows):,}{'+' if len(rows) >= HISTORY else ''} changes, newest first; "
                              "h: timeline)")


class EraseModal(PromptModal):
    """The erasure's question: what goes, said in full (it wraps), and the name to type."""

    DEFAULT_CSS = "EraseModal #form Label { width: 100%; }"


HISTORY = 500  # changes shown at most (`crm history CONTACT --all` has them all)


def load_history(context: Any, contact_id: int) -> list[Any]:
    """The contact's newest changes, as `crm history CONTACT` lists them."""
    from crmcli.core import history

    with context.database.connect() as conn:
        return list(history.rows(conn, history.Filter(contact_id=contact_id), limit=HISTORY).records())


def history_rows(records: list[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """A table row per changed field: when, who, which record, what was done to which field."""
    return [(f"change:{r.change}:{n}", (local(r.at), r.user, r.record, f"{r.action} {r.field}".strip(),
                                        one_line(r.before), one_line(r.after)))
            for n, r in enumerate(records)]
