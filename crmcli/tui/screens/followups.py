"""Every open follow-up by urgency: overdue (with how late), due today, this week, later. Done,
done+log, snooze (the date and duration grammar), edit (title and due, as `crm fu edit`) and delete
(after a yes) go through the core services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from crmcli.tui import keymap
from crmcli.tui.format import DO_NOT_CONTACT_MARK
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.widgets.tables import RecordTable

LIMIT = 1000  # rows mounted at most; the soonest due come first, so what is late is always there
HEADINGS = {"overdue": ("Overdue", "bold red"), "today": ("Today", "bold"), "this week": ("This week", "bold"),
            "later": ("Later", "bold dim")}


@dataclass(frozen=True)
class FollowUpsView:
    rows: list[tuple[str, list[Any]]]
    counts: dict[str, int]
    more: bool
    titles: dict[int, str]  # id -> "title (contact)", for the delete question
    contacts: dict[int, int]  # id -> its contact, for enter


def load_follow_ups(context: Any) -> FollowUpsView:
    from crmcli.core.worklist import URGENCIES, worklist

    with context.database.connect() as conn:
        found = worklist(conn, context.local_now(), limit=LIMIT)
    counts = {u: found.count(u) for u in URGENCIES}
    rows, seen = [], set()
    for item in found.items:
        heading = ""
        if item.urgency not in seen:  # the group's name on its first row: the list reads as sections
            seen.add(item.urgency)
            name, style = HEADINGS[item.urgency]
            heading = Text(f"{name} ({counts[item.urgency]}{'+' if found.more and item.urgency == 'later' else ''})",
                           style=style)
        late = Text(f"{item.days_late}d", style="red") if item.days_late else ""
        what = item.title + (f" [{item.deal}]" if item.deal else "")
        contact = (DO_NOT_CONTACT_MARK if item.do_not_contact else "") + item.contact
        rows.append((f"follow-up:{item.id}", [heading, item.due, late, contact, what, item.repeat or ""]))
    titles = {i.id: f"{i.title} ({i.contact})" for i in found.items}
    return FollowUpsView(rows, counts, found.more, titles, {i.id: i.contact_id for i in found.items})


def delete_follow_up(context: Any, follow_up_id: int) -> str:
    from crmcli.core import followups

    with context.database.session(write=True) as session:
        item = followups.get(session, follow_up_id)
        said = f"deleted follow-up #{item.id} {item.title}"
        followups.remove(session, item)
    return said


class FollowUpsScreen(CrmScreen):
    BINDINGS = keymap.bindings("followups")

    def __init__(self) -> None:
        super().__init__(name="followups")
        self._titles: dict[int, str] = {}
        self._contacts: dict[int, int] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        table = RecordTable(["", "due", "late", "contact", "what", "repeat"], id="followups", classes="panel")
        table.border_title = "Open follow-ups"
        yield table
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["followups"]
        table = self.query_one("#followups", RecordTable)
        table.focus()
        table.loading = True
        self.action_reload()

    def action_reload(self) -> None:
        self.in_thread(lambda: load_follow_ups(self.context), self._show)

    def _show(self, view: FollowUpsView) -> None:
        table = self.query_one("#followups", RecordTable)
        table.fill(view.rows)
        table.loading = False
        self._titles, self._contacts = view.titles, view.contacts
        counts = ", ".join(f"{n} {u}" for u, n in view.counts.items())
        more = f"; the first {len(view.rows)} shown" if view.more else ""
        self.query_one("#status", Static).update(f"{counts}{more}   this week: due within 7 days")

    def _follow_up(self) -> int | None:
        key = self.query_one("#followups", RecordTable).selected_key()
        if key is None:
            self.notify("no follow-up selected: none is open", severity="warning")
            return None
        return int(key.split(":")[1])

    def action_done(self) -> None:
        from crmcli.tui.writes import complete  # one "done" for both screens

        follow_up = self._follow_up()
        if follow_up is not None:
            self.write(lambda: complete(self.context, follow_up, None))

    def action_done_and_log(self) -> None:
        follow_up = self._follow_up()
        if follow_up is not None:
            self.done_and_log(follow_up)

    def action_snooze(self) -> None:
        follow_up = self._follow_up()
        if follow_up is not None:
            self.snooze_follow_up(follow_up)

    def action_edit(self) -> None:
        from crmcli.tui.screens.forms import edit_follow_up

        follow_up = self._follow_up()
        if follow_up is not None:
            edit_follow_up(self, follow_up)

    def selected_contact(self) -> int | None:
        key = self.query_one("#followups", RecordTable).selected_key()
        return self._contacts.get(int(key.split(":")[1])) if key is not None else None

    def action_delete(self) -> None:
        from crmcli.tui.screens.confirm import ConfirmModal

        follow_up = self._follow_up()
        if follow_up is None:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.write(lambda: delete_follow_up(self.context, follow_up))

        what = self._titles.get(follow_up, "")
        self.app.push_screen(ConfirmModal(f"Delete follow-up #{follow_up} {what}?"), answer)

    def action_open(self) -> None:
        follow_up = self._follow_up()
        if follow_up is not None and follow_up in self._contacts:
            from crmcli.tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(self._contacts[follow_up]))

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.action_open()
