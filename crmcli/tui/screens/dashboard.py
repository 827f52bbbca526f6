"""The home screen: what is due, who has gone cold, the pipeline, and recent activity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Footer, Header

from crmcli.tui import keymap
from crmcli.tui.format import local
from crmcli.tui.screens.base import CrmScreen, rows_of
from crmcli.tui.writes import complete
from crmcli.tui.widgets.tables import RecordTable

RECENT = 30
COLD = 50
AGENDA = 100  # rows shown; the panel's title says how many there are (the follow-ups view has them all)


@dataclass(frozen=True)
class Dashboard:
    agenda: list[tuple[str, list[Any]]]
    agenda_total: int
    pipeline: list[tuple[str, list[Any]]]
    cold: list[tuple[str, list[Any]]]
    recent: list[tuple[str, list[Any]]]
    contacts: dict[str, int]  # row key -> the contact it is about (the quick actions act on it)


def load_dashboard(context: Any) -> Dashboard:
    """Everything the dashboard shows, read in one transaction through the core services."""
    from crmcli.core import agenda as agenda_service
    from crmcli.core import contacts, interactions, sales
    from crmcli.core.contacts import Cold
    from crmcli.core.models import INTERACTION_CONTACT
    from crmcli.core.names import first_contacts

    def money(amount: Any) -> Text:  # a pipeline row's Amount
        return Text(amount.display(context.settings.money_locale, with_code=False), justify="right")

    now = context.local_now()
    with context.database.connect() as conn:
        today = agenda_service.agenda(conn, now)
        agenda = [(f"follow-up:{i.follow_up_id}" if i.follow_up_id is not None else f"contact:{i.contact_id}",
                   [_when(i, agenda_service.local_due, now.tzinfo), i.contact, i.what]) for i in today.items[:AGENDA]]
        pipeline = [(f"stage:{r[0]}:{r[2]}", [r[0], r[2], r[3], money(r[4]), money(r[6]), r[7]])
                    for r in rows_of(sales.pipeline(conn, context.settings.stages, now))]
        cold = [(f"contact:{r[0]}", [r[2], local(r[10]), r[9]])
                for r in rows_of(contacts.rows(conn, cold=Cold(now), limit=COLD))]
        recent = [(f"interaction:{r[0]}", [local(r[2]), r[3], r[5], r[6]])
                  for r in rows_of(interactions.rows(conn, limit=RECENT))]
        firsts = first_contacts(conn, INTERACTION_CONTACT, "interaction_id", [int(k.split(":")[1]) for k, _ in recent])
    about = {f"follow-up:{i.follow_up_id}": i.contact_id for i in today.items[:AGENDA] if i.follow_up_id is not None}
    about.update({f"interaction:{i}": c for i, c in firsts.items()})
    about.update({key: int(key.split(":")[1]) for key, _ in [*agenda, *cold] if key.startswith("contact:")})
    return Dashboard(agenda, len(today.items), pipeline, cold, recent, about)


def _when(item: Any, local_due: Any, zone: Any) -> Text:
    """The agenda's first column says why the row is there: late (red, with how late), due, or cold."""
    if item.section == "keep in touch":
        return Text(f"in touch ({item.days}d over)", style="italic")
    due = local_due(item.due_at, item.all_day, zone)
    if item.section == "overdue":
        return Text(f"{due} ({item.days}d late)", style="bold red")
    return Text(due)


class DashboardScreen(CrmScreen):
    BINDINGS = keymap.bindings("dashboard")
    DEFAULT_CSS = """
    #panels { grid-size: 2 2; grid-columns: 3fr 2fr; height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__(name="dashboard")
        self._contacts: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Grid(id="panels"):
            yield self._panel("agenda", "Due today and overdue", ["due", "contact", "what"])
            yield self._panel("pipeline", "Pipeline", ["stage", "cur", "deals", "value", "weighted", "rotting"])
            yield self._panel("cold", "Gone cold", ["contact", "last contact", "cadence days"])
            yield self._panel("recent", "Recent activity", ["when", "kind", "with", "text"])
        yield Footer()

    @staticmethod
    def _panel(name: str, title: str, columns: list[str]) -> RecordTable:
        table = RecordTable(columns, id=name, classes="panel")
        table.border_title = title
        return table

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["dashboard"]
        self.action_reload()

    def action_reload(self) -> None:
        for table in self.query(RecordTable):
            table.loading = not table.row_count
        self.in_thread(lambda: load_dashboard(self.context), self._show)

    def _show(self, data: Dashboard) -> None:
        self._contacts = data.contacts
        for name in ("agenda", "pipeline", "cold", "recent"):
            table = self.query_one(f"#{name}", RecordTable)
            table.fill(getattr(data, name))
            table.loading = False
        agenda = self.query_one("#agenda", RecordTable)
        shown = f"{len(data.agenda)} of {data.agenda_total}" if data.agenda_total > len(data.agenda) else data.agenda_total
        agenda.border_title = f"Due today and overdue ({shown})"

    # -- actions on the selected row -------------------------------------------------------------

    def _selected(self) -> tuple[str, str] | None:
        focused = self.focused if isinstance(self.focused, RecordTable) else self.query_one("#agenda", RecordTable)
        key = focused.selected_key()
        if key is None:
            return None
        kind, _, ref = key.partition(":")
        return kind, ref

    def selected_contact(self) -> int | None:
        """The selected row's contact: a follow-up's, a cold contact, a recent interaction's first."""
        selected = self._selected()
        return None if selected is None else self._contacts.get(":".join(selected))

    def _follow_up(self) -> int | None:
        selected = self._selected()
        if selected is None or selected[0] != "follow-up":
            self.notify("select a follow-up in the agenda first", severity="warning")
            return None
        return int(selected[1])

    def action_open(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        kind, ref = selected
        if kind == "contact":
            from crmcli.tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(int(ref)))
        elif kind == "follow-up":
            self.in_thread(lambda: _contact_of_follow_up(self.context, int(ref)), self._open_contact)
        elif kind == "stage":
            self.app.action_go("pipeline")  # type: ignore[attr-defined]
        elif kind == "interaction":
            self.in_thread(lambda: _contact_of_interaction(self.context, int(ref)), self._open_contact)

    def _open_contact(self, contact_id: int | None) -> None:
        if contact_id is not None:
            from crmcli.tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(contact_id))

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.action_open()

    def action_done(self) -> None:
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


def _contact_of_follow_up(context: Any, follow_up_id: int) -> int | None:
    from crmcli.core import followups

    with context.database.session() as session:
        return followups.get(session, follow_up_id).contact_id


def _contact_of_interaction(context: Any, interaction_id: int) -> int | None:
    from crmcli.core import interactions

    with context.database.session() as session:
        people = interactions.participants(session, interactions.get(session, interaction_id))
        return people[0].id if people else None
