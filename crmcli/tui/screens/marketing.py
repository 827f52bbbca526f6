"""Segments and campaigns (`m` on the dashboard, F8): the saved segments with their conditions in
words and how many contacts they hold now (each evaluated as it is read, never stale), and the
campaigns with what `crm campaigns report` says of them. Enter on a segment opens the contacts
browser filtered by it; on a campaign, the campaign's own screen: its figures and its members with
their responses. The actions and forms are in marketing_forms.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from crmcli.core.text import printable
from crmcli.tui import keymap
from crmcli.core.money import Amount
from crmcli.core.rows import LIST_SEPARATOR
from crmcli.tui.format import DO_NOT_CONTACT_MARK, local
from crmcli.tui.screens.marketing_forms import MarketingActions
from crmcli.tui.screens.picker import Choice
from crmcli.tui.widgets.tables import RecordTable

MEMBERS = 1000  # members mounted at most on a campaign's screen


@dataclass(frozen=True)
class MarketingView:
    segments: list[tuple[str, list[Any]]]
    campaigns: list[tuple[str, list[Any]]]
    names: dict[str, str]  # row key -> the segment's or campaign's name


def right(value: Any) -> Text:
    return Text("" if value is None else str(value), justify="right")


def money(values: Any, locale: str | None) -> str:
    """An amount, or several (one per currency, never added up), as `crm campaigns show` writes them."""
    found = [] if values is None else [values] if isinstance(values, Amount) else list(values)
    return "; ".join(value.display(locale) for value in found)


def load_marketing(context: Any) -> MarketingView:
    """Every segment with its count now, and every campaign's report figures (members, responses, won value)."""
    from crmcli.core import campaigns, segments

    locale = context.settings.money_locale
    with context.database.connect() as conn:
        found = list(segments.rows(conn, now=context.now()).records())
        report = campaigns.report(conn)
    segment_rows = [(f"segment:{s.id}", [s.name, right(f"{s.contacts:,}"), s.conditions]) for s in found]
    campaign_rows = [(f"campaign:{f.id}", [f.name, f.channel, f.status, right(f.members), right(f.responders),
                                            right(campaigns.percent_text(f.response_rate)),
                                            right(money(f.won, locale))]) for f in report]
    names = {**{f"segment:{s.id}": s.name for s in found}, **{f"campaign:{f.id}": f.name for f in report}}
    return MarketingView(segment_rows, campaign_rows, names)


class MarketingScreen(MarketingActions):
    BINDINGS = keymap.bindings("marketing")
    # CSS, not DEFAULT_CSS: these sizes must win over the app's `.panel` rule.
    CSS = """
    MarketingScreen #segments { height: auto; max-height: 45%; }
    MarketingScreen #campaigns { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__(name="marketing")
        self._names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        segments = RecordTable(["segment", "contacts", "conditions"], id="segments", classes="panel")
        segments.border_title = "Segments"
        yield segments
        campaigns = RecordTable(["campaign", "channel", "status", "members", "responded", "rate", "won"],
                                id="campaigns", classes="panel")
        campaigns.border_title = "Campaigns"
        yield campaigns
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["marketing"]
        self.query_one("#segments", RecordTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.in_thread(lambda: load_marketing(self.context), self._show)

    def _show(self, view: MarketingView) -> None:
        segments, campaigns = self.query_one("#segments", RecordTable), self.query_one("#campaigns", RecordTable)
        segments.fill(view.segments or [("none:segment", ["", "", Text("no segment yet: a adds one", style="dim")])])
        campaigns.fill(view.campaigns or [("none:campaign", [Text("no campaign yet: a adds one", style="dim")])])
        segments.border_title = f"Segments ({len(view.segments)})"
        campaigns.border_title = f"Campaigns ({len(view.campaigns)})"
        self._names = view.names
        self.query_one("#status", Static).update(
            "enter opens   tab: the other list   a/e/d: add, edit, delete")

    # -- what is selected ------------------------------------------------------------------------

    def _panel(self) -> str:
        """The list the actions are about: the one with the focus (segments when neither has it)."""
        focused = self.focused
        return "campaigns" if isinstance(focused, RecordTable) and focused.id == "campaigns" else "segments"

    def _selected(self, kind: str) -> tuple[int, str] | None:
        key = self.query_one(f"#{kind}s", RecordTable).selected_key()
        if key is None or key not in self._names:
            return None
        return int(key.split(":")[1]), self._names[key]

    def selected_segment(self) -> tuple[int, str] | None:
        return self._selected("segment") if self._panel() == "segments" else None

    def selected_campaign(self) -> tuple[int, str] | None:
        return self._selected("campaign") if self._panel() == "campaigns" else None

    def action_open(self) -> None:
        if self._panel() == "segments":
            segment = self.selected_segment()
            if segment is not None:
                from crmcli.tui.screens.contacts import ContactsScreen

                self.app.push_screen(ContactsScreen(segment=Choice(str(segment[0]), segment[1], 0)))
        else:
            campaign = self.selected_campaign()
            if campaign is not None:
                self.app.push_screen(CampaignScreen(campaign[0]))

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.action_open()

    def action_add(self) -> None:
        self.add_segment() if self._panel() == "segments" else self.add_campaign()

    def action_edit(self) -> None:
        self.edit_segment() if self._panel() == "segments" else self.edit_campaign()

    def action_delete(self) -> None:
        self.delete_segment() if self._panel() == "segments" else self.delete_campaign()


# -- a campaign -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignView:
    card: Group
    members: list[tuple[str, list[Any]]]
    total: int
    name: str
    started: bool
    names: dict[int, str]  # member (contact id) -> name


def load_campaign(context: Any, campaign_id: int) -> CampaignView:
    """`crm campaigns show` and `members`: the campaign, its report's figures, its members and their responses."""
    from crmcli.core import campaigns

    with context.database.session() as session:
        campaign = campaigns.get(session, str(campaign_id))
        conn = session.connection()
        [facts] = campaigns.rows(conn, ids=[campaign_id]).records()
        [figures] = campaigns.report(conn, [campaign_id])
        members = list(campaigns.members(conn, campaign, limit=MEMBERS + 1).records())
        total = len(campaigns.member_ids(session, campaign)) if len(members) > MEMBERS else len(members)
    # m[0]: the member's contact id (the listing's first column)
    rows = [(f"contact:{m[0]}", [(DO_NOT_CONTACT_MARK if m.do_not_contact else "  ") + m.name,
                                  ", ".join((m.responses or "").split(LIST_SEPARATOR)),
                                  "by hand" if m.by_hand else "segment", local(m.added), m.email or ""])
            for m in members[:MEMBERS]]
    card = render_campaign(facts, figures, context.settings.money_locale)
    return CampaignView(card, rows, total, facts.name, facts.status != "draft",
                        {m[0]: m.name for m in members[:MEMBERS]})


def render_campaign(facts: Any, figures: Any, locale: str | None) -> Group:
    """The campaign's card: what it is on the left, what it brought on the right (the report's figures)."""
    from crmcli.core.campaigns import percent_text

    what: list[tuple[str, Any]] = [
        ("channel", facts.channel), ("status", facts.status), ("segment", facts.segment), ("owner", facts.owner),
        ("started", local(facts.started)), ("ended", local(facts.ended)), ("cost", money(figures.cost, locale)),
        ("note", facts.note)]
    rate = percent_text(figures.response_rate)
    brought: list[tuple[str, Any]] = [
        ("members", figures.members),
        ("responded", f"{figures.responders}" + (f" ({rate})" if rate else "")),
        ("responses", ", ".join(f"{n} {kind}" for kind, n in figures.responses.items() if n)),
        ("deals", f"{figures.deals_opened} opened, {figures.deals_won} won"), ("won", money(figures.won, locale)),
        ("per response", money(figures.cost_per_response, locale)),
        ("per won deal", money(figures.cost_per_won_deal, locale)),
        ("return on cost", percent_text(figures.return_on_cost))]
    left, right_side = [(k, v) for k, v in what if v], [(k, v) for k, v in brought if v not in (None, "")]
    grid = Table.grid(padding=(0, 2), expand=True)
    for ratio in (None, 1):
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=ratio)
    for n in range(max(len(left), len(right_side))):
        cells: list[Any] = []
        for pairs in (left, right_side):
            key, value = pairs[n] if n < len(pairs) else ("", "")
            cells += [key, Text(printable(str(value)))]
        grid.add_row(*cells)
    return Group(Text(printable(f"campaign #{facts.id}: {facts.name}"), style="bold"), grid)


class CampaignScreen(MarketingActions):
    BINDINGS = keymap.bindings("campaign")
    CSS = "CampaignScreen #card { height: auto; max-height: 10; padding: 0 1; border: round $primary 40%; }"

    def __init__(self, campaign_id: int) -> None:
        super().__init__(name="campaign")
        self.campaign_id = campaign_id
        self._campaign_name = ""
        self._names: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="card")
        members = RecordTable(["member", "responses", "joined", "added", "email"], id="members", classes="panel")
        members.border_title = "Members"
        yield members
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["campaign"]
        self.query_one("#members", RecordTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.in_thread(lambda: load_campaign(self.context, self.campaign_id), self._show)

    def _show(self, view: CampaignView) -> None:
        self._campaign_name, self._names = view.name, view.names
        self.sub_title = f"{keymap.TITLES['campaign']}: {view.name}"
        self.query_one("#card", Static).update(view.card)
        members = self.query_one("#members", RecordTable)
        members.fill(view.members)
        more = f", the first {len(view.members):,} shown" if len(view.members) < view.total else ""
        hint = "" if view.started else "; s starts it (members from its segment)"
        members.border_title = f"Members ({view.total:,}{more}){hint}"

    def selected_campaign(self) -> tuple[int, str] | None:
        return self.campaign_id, self._campaign_name

    def selected_contact(self) -> int | None:
        key = self.query_one("#members", RecordTable).selected_key()
        return int(key.split(":")[1]) if key is not None else None

    def member_name(self, contact_id: int) -> str | None:
        return self._names.get(contact_id)

    def action_open_contact(self) -> None:
        contact = self.selected_contact()
        if contact is not None:
            from crmcli.tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(contact))

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        self.action_open_contact()
