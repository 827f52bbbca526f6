"""Organisations, browsed like contacts: a list searched as you type (name, people, open deals and
their value per currency), and one organisation's card with its people and its deals; enter opens
a person's contact screen or a deal's stage history. At most PAGE rows per list are mounted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Footer, Header, Input, Static

from crmcli.core.text import counted, printable
from crmcli.tui import keymap
from crmcli.tui.format import local
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.widgets.tables import RecordTable

PAGE = 200        # organisations in the list
ORG_PAGE = 500    # people, and deals, of one organisation


def money(values: Sequence[Any], locale: str | None) -> str:
    """Amounts in several currencies side by side: never added up across them."""
    return ", ".join(value.display(locale) for value in values)


def right(text: str) -> Text:
    return Text(text, justify="right")


@dataclass(frozen=True)
class OrgsPage:
    rows: list[tuple[str, list[Any]]]
    total: int
    more: bool


def load_orgs(context: Any, match: str) -> OrgsPage:
    from crmcli.core import orgs

    locale = context.settings.money_locale
    with context.database.connect() as conn:
        found = orgs.listing(conn, match=match or None, limit=PAGE + 1)
        total = orgs.count(conn)
    rows = [(f"org:{o.id}", [o.name, right(str(o.people)), right(str(o.open_deals) if o.open_deals else ""),
                             right(money(o.open_value, locale)), o.website or ""]) for o in found[:PAGE]]
    return OrgsPage(rows, total, len(found) > PAGE)


class OrgsScreen(CrmScreen):
    BINDINGS = keymap.bindings("orgs")
    DEFAULT_CSS = """
    #match { margin: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__(name="orgs")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="search: part of an organisation's name", id="match")
        table = RecordTable(["organisation", "people", "open deals", "open value", "website"], id="orgs",
                            classes="panel")
        table.border_title = "Organisations"
        yield table
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["orgs"]
        self.query_one("#match", Input).focus()

    def on_screen_resume(self) -> None:
        self.action_reload()  # first shown, or back on top: what changed meanwhile shows

    def action_reload(self) -> None:
        match = self.query_one("#match", Input).value
        self.newest(lambda: load_orgs(self.context, match), self._show)

    def _show(self, page: OrgsPage) -> None:
        self.query_one("#orgs", RecordTable).fill(page.rows)
        hint = "; type to narrow" if page.more else ""
        self.query_one("#status", Static).update(
            f"{len(page.rows)}{'+' if page.more else ''} of {counted(page.total, 'organisation')}{hint}")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.action_reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#orgs", RecordTable).focus()

    def action_search(self) -> None:
        self.query_one("#match", Input).focus()

    def action_open(self) -> None:
        key = self.query_one("#orgs", RecordTable).selected_key()
        if key is not None:
            self.app.push_screen(OrgScreen(int(key.split(":")[1])))

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.action_open()


def load_org(context: Any, org_id: int) -> Any:
    from crmcli.core import orgs

    with context.database.session() as session:
        return orgs.overview(session, orgs.resolve(session, str(org_id)), context.settings.stages, limit=ORG_PAGE)


def render_card(seen: Any, locale: str | None) -> Text:
    """Name, website, how many people and deals (the open ones' value), since when: four lines at most."""
    open_deals = f" ({seen.open_deals} open: {money(seen.open_value, locale)})" if seen.open_deals else ""
    lines = [[("website", seen.website or "")],
             [("people", str(seen.people_count)), ("deals", f"{seen.deal_count}{open_deals}")],
             [("created", local(seen.created_at)), ("updated", local(seen.updated_at))]]
    text = Text()
    text.append(printable(f"{seen.name}  #{seen.id}"), style="bold")
    for line in lines:
        if any(value for _, value in line):
            text.append("\n")
            for k, (key, value) in enumerate(line):
                text.append(f"{'   ' if k else ''}{key:<{9 if not k else 0}}" + (" " if k else ""), style="dim")
                text.append(printable(value))
    return text


def listed(title: str, shown: int, total: int) -> str:
    return f"{title} ({shown}{f' of {total}' if shown < total else ''})"


class OrgScreen(CrmScreen):
    BINDINGS = keymap.bindings("org")
    DEFAULT_CSS = """
    #card { height: auto; padding: 0 1; border: round $primary 40%; }
    """

    def __init__(self, org_id: int) -> None:
        super().__init__(name="org")
        self.org_id = org_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="card")
        people = RecordTable(["name", "title", "last contact", "email"], id="people", classes="panel")
        people.border_title = "People"
        yield people
        deals = RecordTable(["deal", "stage", "value", "close", "contacts"], id="deals", classes="panel")
        deals.border_title = "Deals"
        yield deals
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["org"]
        self.query_one("#people", RecordTable).focus()

    def on_screen_resume(self) -> None:
        self.action_reload()  # first shown, or back from a person or a deal

    def action_reload(self) -> None:
        self.in_thread(lambda: load_org(self.context, self.org_id), self._show)

    def _show(self, seen: Any) -> None:
        locale = self.context.settings.money_locale
        self.sub_title = seen.name
        self.query_one("#card", Static).update(render_card(seen, locale))
        people = self.query_one("#people", RecordTable)
        people.fill([(f"contact:{p.id}", [p.name, p.title or "", local(p.last_contact_at), p.email or ""])
                     for p in seen.people])
        people.border_title = listed("People", len(seen.people), seen.people_count)
        deals = self.query_one("#deals", RecordTable)
        deals.fill([(f"deal:{d.id}", [d.name, d.stage, right(_amount(d, locale)),
                                      d.close_on.isoformat() if d.close_on else "",
                                      (d.contacts or "").replace("; ", ", ")]) for d in seen.deals])
        deals.border_title = listed("Deals", len(seen.deals), seen.deal_count)

    def action_open(self) -> None:
        focused = self.focused
        if isinstance(focused, RecordTable) and (key := focused.selected_key()) is not None:
            self.open(key)

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.open(str(event.row_key.value))

    def open(self, key: str) -> None:
        kind, rid = key.split(":")[0], int(key.split(":")[1])
        if kind == "contact":
            from crmcli.tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(rid))
        else:
            from crmcli.tui.screens.deal import DealModal, load_deal

            self.in_thread(lambda: load_deal(self.context, rid), lambda view: self.app.push_screen(DealModal(view)),
                           group="open")


def _amount(deal: Any, locale: str | None) -> str:
    from crmcli.core.money import Amount

    return Amount(deal.value_minor, deal.currency).display(locale)
