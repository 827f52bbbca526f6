"""Service cases: the list (open ones, or all with `t`), most pressing first as `crm cases list`
orders them, and a case's own screen with what `crm cases show` says: its facts and deadlines,
its status history and the notes and mails on it. Both act on the case through case_forms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from crmcli.core.text import printable
from crmcli.tui import keymap
from crmcli.tui.case_format import CELLS, against, cells, priority, waited
from crmcli.tui.format import local
from crmcli.tui.screens.case_forms import CaseActions
from crmcli.tui.widgets.tables import RecordTable

LIMIT = 1000  # rows mounted at most; the most pressing come first


@dataclass(frozen=True)
class CasesView:
    rows: list[tuple[str, list[Any]]]
    contacts: dict[int, int]  # case id -> its contact
    statuses: dict[int, str]  # case id -> its status
    total: int
    late: int


def load_cases(context: Any, everything: bool) -> CasesView:
    from crmcli.core import cases

    now, policy = context.now(), cases.policy(context.settings)
    with context.database.connect() as conn:
        found = cases.rows(conn, now, statuses=None if everything else cases.OPEN_STATUSES, policy=policy)
    shown = found[:LIMIT]
    return CasesView([(f"case:{c.id}", cells(c, now)) for c in shown], {c.id: c.contact_id for c in shown},
                     {c.id: c.status for c in shown}, len(found), sum(1 for c in found if c.breached))


def _id(key: str | None) -> int | None:
    return int(key.split(":")[1]) if key is not None and key.startswith("case:") else None


class CasesScreen(CaseActions):
    BINDINGS = keymap.bindings("cases")

    def __init__(self) -> None:
        super().__init__(name="cases")
        self.everything = False  # t: every case, the resolved and closed ones too
        self._contacts: dict[int, int] = {}
        self._statuses: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        table = RecordTable(CELLS, id="cases", classes="panel")
        table.border_title = "Open cases"
        yield table
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["cases"]
        table = self.query_one("#cases", RecordTable)
        table.focus()
        table.loading = True
        self.action_reload()

    def action_reload(self) -> None:
        everything = self.everything
        self.in_thread(lambda: load_cases(self.context, everything), self._show)

    def _show(self, view: CasesView) -> None:
        table = self.query_one("#cases", RecordTable)
        table.fill(view.rows)
        table.loading = False
        self._contacts, self._statuses = view.contacts, view.statuses
        which = "All cases" if self.everything else "Open cases"
        more = f", the first {len(view.rows):,} shown" if len(view.rows) < view.total else ""
        table.border_title = f"{which} ({view.total:,}{more})"
        late = f"{view.late:,} past a deadline; " if view.late else ""
        self.query_one("#status", Static).update(f"{late}t: {'open ones only' if self.everything else 'every case'}")

    def selected_case(self) -> int | None:
        return _id(self.query_one("#cases", RecordTable).selected_key())

    def selected_contact(self) -> int | None:
        case_id = self.selected_case()
        return None if case_id is None else self._contacts.get(case_id)

    def status_of(self, case_id: int) -> str | None:
        return self._statuses.get(case_id)

    def action_toggle_all(self) -> None:
        self.everything = not self.everything
        self.action_reload()

    def action_add(self) -> None:
        """A new case, for whoever is typed (`C`, the quick action, starts with the selected case's contact)."""
        from crmcli.tui.screens.case_forms import CaseForm

        self.app.push_screen(CaseForm(None), self.written)

    def action_open(self) -> None:
        case_id = self.selected_case()
        if case_id is not None:
            self.app.push_screen(CaseScreen(case_id))

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.action_open()


def load_case(context: Any, case_id: int) -> Any:
    """`crm cases show N`: the core's CaseDetail."""
    from crmcli.core import cases

    policy = cases.policy(context.settings)
    with context.database.connect() as conn:
        return cases.detail(conn, case_id, context.now(), policy=policy)


def render_case(detail: Any) -> Group:
    """The case's card: what it is and whose on the left, where it stands and its times on the right."""
    case = detail.view
    who: list[tuple[str, Any]] = [
        ("contact", case.contact_name), ("deal", case.deal_name), ("kind", case.kind),
        ("priority", priority(case.priority)), ("status", case.status), ("owner", case.owner)]
    when: list[tuple[str, Any]] = [
        ("opened", local(case.opened_at)), ("response", against(case, "response", detail.now)),
        ("first response", local(case.first_response_at)),
        ("resolution", against(case, "resolution", detail.now)), ("waiting since", local(case.waiting_since)),
        ("waited", waited(detail.waited)), ("resolved", local(case.resolved_at)), ("closed", local(case.closed_at))]
    left, right = [(k, v) for k, v in who if v], [(k, v) for k, v in when if v]
    grid = Table.grid(padding=(0, 2), expand=True)
    for ratio in (None, 1):  # the times on the right take the room left
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=ratio)
    for n in range(max(len(left), len(right))):
        cells: list[Any] = []
        for pairs in (left, right):
            key, value = pairs[n] if n < len(pairs) else ("", "")
            cells += [key, value if isinstance(value, Text) else Text(printable(str(value)))]
        grid.add_row(*cells)
    return Group(Text(printable(f"case #{case.id}: {case.title}"), style="bold"), grid)


class EntriesTable(RecordTable):
    """The notes and mails on a case: with none, enter goes on to the screen (it opens the contact)."""

    def action_select_cursor(self) -> None:
        if not self.row_count:
            raise SkipAction()
        super().action_select_cursor()


class CaseScreen(CaseActions):
    BINDINGS = keymap.bindings("case")
    # CSS, not DEFAULT_CSS: these sizes must win over the app's `.panel` rule.
    CSS = """
    CaseScreen #card { height: auto; max-height: 12; padding: 0 1; border: round $primary 40%; }
    CaseScreen #history { height: auto; max-height: 10; }
    """

    def __init__(self, case_id: int) -> None:
        super().__init__(name="case")
        self.case_id = case_id
        self._contact: int | None = None
        self._status: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="card")
        history = RecordTable(["when", "from", "to"], id="history", classes="panel")
        history.border_title = "Status history"
        yield history
        entries = EntriesTable(["when", "kind", "what"], id="entries", classes="panel")
        entries.border_title = "Notes and mails on the case"
        yield entries
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{keymap.TITLES['case']} #{self.case_id}"
        self.query_one("#entries", RecordTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.in_thread(lambda: load_case(self.context, self.case_id), self._show)

    def _show(self, detail: Any) -> None:
        self._contact, self._status = detail.view.contact_id, detail.view.status
        self.query_one("#card", Static).update(render_case(detail))
        self.query_one("#history", RecordTable).fill(
            [(f"change:{n}", [local(h.at), h.from_status or "(opened)", h.to_status])
             for n, h in enumerate(detail.history)])
        self.query_one("#entries", RecordTable).fill(
            [(f"interaction:{i.id}", [local(i.occurred_at), f"{i.kind} {i.direction or ''}".strip(), i.body])
             for i in detail.interactions])

    def selected_case(self) -> int | None:
        return self.case_id

    def status_of(self, case_id: int) -> str | None:
        return self._status

    def selected_contact(self) -> int | None:
        return self._contact

    def action_open_contact(self) -> None:
        if self._contact is not None:
            from crmcli.tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(self._contact))

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.action_open_contact()
