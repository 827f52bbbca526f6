"""The home screen: what is due, who has gone cold, the pipeline, this month's forecast and recent
activity. Each panel is read by its own worker (its own connection), so the panels paint as their
data comes and a slow one holds no other back. Below WIDE columns the panels stack in one
scrolling column, each at full width, so nothing is cut at 80x24."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widgets import Footer, Header

from crmcli.tui import keymap
from crmcli.tui.format import local
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.writes import complete
from crmcli.tui.widgets.tables import RecordTable

RECENT = 30
COLD = 50
AGENDA = 100  # rows shown; the panel's title says how many there are (the follow-ups view has them all)
FORECAST_MONTHS = 2  # this month and the next
WIDE = 110  # columns from which the panels sit side by side


@dataclass(frozen=True)
class Panel:
    rows: list[tuple[str, list[Any]]]  # (record key, cells)
    title: str                          # the border title, with the counts where the panel has them
    contacts: dict[str, int] = field(default_factory=dict)  # row key -> the contact it is about


def _money(context: Any) -> Callable[[Any], Text]:
    def money(amount: Any) -> Text:  # a sales row's Amount, without its code (the panel has a column for it)
        return Text(amount.display(context.settings.money_locale, with_code=False), justify="right")
    return money


def _short(moment: Any, year: int) -> str:
    """A local time, without the year when it is this year's: `11-24 21:23`."""
    shown = local(moment)
    return shown[5:] if shown.startswith(f"{year}-") else shown


def load_agenda(context: Any) -> Panel:
    from crmcli.core import agenda

    now = context.local_now()
    with context.database.connect() as conn:
        today = agenda.agenda(conn, now, limit=AGENDA)
    rows = [(f"follow-up:{i.follow_up_id}" if i.follow_up_id is not None else f"contact:{i.contact_id}",
             [_when(i, agenda.local_due, now), i.contact, i.what]) for i in today.items]
    shown = f"{len(rows):,} of {today.total:,}" if today.total > len(rows) else f"{today.total:,}"
    return Panel(rows, f"Due today and overdue ({shown})",
                 {key: i.contact_id for (key, _), i in zip(rows, today.items)})


def _when(item: Any, local_due: Callable[..., str], now: Any) -> Text:
    """Why the row is there: late (red, how late), due today (at what time), or past its cadence."""
    if item.section == "keep in touch":
        return Text(f"{item.days}d cold", style="italic")
    if item.section == "overdue":
        return Text(f"{item.days}d late", style="bold red")
    due = local_due(item.due_at, item.all_day, now.tzinfo)
    today = now.date().isoformat()
    return Text("today" if due == today else due.replace(today, "today"))


def load_pipeline(context: Any) -> Panel:
    from crmcli.core import sales

    money = _money(context)
    with context.database.connect() as conn:
        found = list(sales.pipeline(conn, context.settings.stages, context.local_now()).records())
    return Panel([(f"stage:{r.stage}:{r.currency}",
                   [r.stage, r.currency, r.deals, money(r.value),
                    money(r.weighted), r.rotting or ""]) for r in found],
                 "Pipeline: open deals")


def load_forecast(context: Any) -> Panel:
    """`crm forecast` for this month and the next (and deals whose close date has passed): a month
    with no deals closing is one line, not one zero per currency."""
    from crmcli.core import sales

    money = _money(context)
    with context.database.connect() as conn:
        found = list(sales.forecast(conn, context.settings.stages, context.local_now().date(),
                                        months=FORECAST_MONTHS).records())
        undated = sales.undated(conn)
    rows: list[tuple[str, list[Any]]] = []
    for period in dict.fromkeys(r.period for r in found):
        closing = [r for r in found if r.period == period and r.deals]
        rows += [(f"forecast:{period}:{r.currency}",
                  [Text(period, style="bold red") if r.overdue else period, r.currency, r.deals,
                   money(r.value), money(r.weighted)]) for r in closing]
        if not closing:
            rows.append((f"forecast:{period}:", [period, "", 0, Text("none closing", style="dim"), ""]))
    undated_note = f", {undated:,} undated" if undated else ""
    return Panel(rows, f"Forecast by close date{undated_note}")


def load_cold(context: Any) -> Panel:
    from crmcli.core import contacts
    from crmcli.core.contacts import Cold

    now = context.local_now()
    with context.database.connect() as conn:
        found = list(contacts.rows(conn, cold=Cold(now), limit=COLD).records())
    return Panel([(f"contact:{r.id}", [r.name, _short(r.last_contact, now.year), r.cadence_days])
                  for r in found], "Gone cold", {f"contact:{r.id}": r.id for r in found})


def _first(names: str | None) -> str:
    """Several names as the first and how many more (`Ann Lee +2`): the text keeps its room."""
    from crmcli.core.rows import LIST_SEPARATOR

    every = (names or "").split(LIST_SEPARATOR)
    return every[0] + (f" +{len(every) - 1}" if len(every) > 1 else "")


def load_recent(context: Any) -> Panel:
    from crmcli.core import interactions
    from crmcli.core.models import INTERACTION_CONTACT
    from crmcli.core.names import first_contacts

    year = context.local_now().year
    with context.database.connect() as conn:
        found = list(interactions.rows(conn, limit=RECENT).records())
        firsts = first_contacts(conn, INTERACTION_CONTACT, "interaction_id", [r.id for r in found])
    return Panel([(f"interaction:{r.id}", [_short(r.occurred, year), r.kind, _first(r.contacts), r.body])
                  for r in found], "Recent activity", {f"interaction:{i}": c for i, c in firsts.items()})


# Panel id -> its columns and its loader, in the order they are laid out (and stacked when narrow).
PANELS: dict[str, tuple[list[str], Callable[[Any], Panel]]] = {
    "agenda": (["due", "contact", "what"], load_agenda),
    "cold": (["contact", "last contact", "cadence"], load_cold),
    "pipeline": (["stage", "cur", "deals", "value", "weighted", "rotting"], load_pipeline),
    "forecast": (["closing", "cur", "deals", "value", "weighted"], load_forecast),
    "recent": (["when", "kind", "with", "text"], load_recent),
}
COLUMNS = (("left", ("agenda", "cold")), ("right", ("pipeline", "forecast", "recent")))


class DashboardScreen(CrmScreen):
    BINDINGS = keymap.bindings("dashboard")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    # CSS, not DEFAULT_CSS: these sizes must win over the app's `.panel` rule.
    CSS = """
    DashboardScreen #panels { height: 1fr; }
    DashboardScreen #left { width: 1fr; }
    DashboardScreen #right { width: 1fr; min-width: 62; }
    DashboardScreen .panel { overflow-x: hidden; }
    DashboardScreen #cold, DashboardScreen #pipeline { height: auto; max-height: 50%; }
    DashboardScreen #forecast { height: auto; max-height: 30%; }
    DashboardScreen #recent { height: 1fr; min-height: 7; }
    DashboardScreen.-narrow #panels { layout: vertical; overflow-y: auto; }
    DashboardScreen.-narrow #left, DashboardScreen.-narrow #right { width: 1fr; min-width: 0; height: auto; }
    DashboardScreen.-narrow .panel { height: auto; max-height: 12; }
    DashboardScreen.-narrow #pipeline, DashboardScreen.-narrow #forecast { max-height: 16; }
    """

    def __init__(self) -> None:
        super().__init__(name="dashboard")
        self._contacts: dict[str, int] = {}
        self._about: dict[str, dict[str, int]] = {}
        self.waiting: set[str] = set()  # panels whose data has not come yet

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panels"):
            for column, names in COLUMNS:
                with Vertical(id=column):
                    for name in names:
                        table = RecordTable(PANELS[name][0], id=name, classes="panel")
                        table.border_title = name.capitalize()
                        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["dashboard"]
        self.action_reload()

    def on_resize(self, event: Resize) -> None:
        footer = self.query_one(Footer)  # narrow: the keys close up and ctrl+p goes unsaid, so they fit 80 columns
        footer.compact, footer.show_command_palette = event.size.width < WIDE, event.size.width >= WIDE

    def action_reload(self) -> None:
        self.waiting = set(PANELS)
        for name, (_, load) in PANELS.items():
            self.in_thread(lambda load=load: load(self.context),  # type: ignore[misc]
                           lambda panel, name=name: self._show(name, panel), group=f"panel-{name}")

    def _show(self, name: str, panel: Panel) -> None:
        table = self.query_one(f"#{name}", RecordTable)
        table.fill(panel.rows)
        table.border_title = panel.title
        self._about[name] = panel.contacts
        self._contacts = {key: contact for about in self._about.values() for key, contact in about.items()}
        self.waiting.discard(name)

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
        """The full view behind the row: the pipeline board for the money, else the row's contact."""
        selected = self._selected()
        if selected is None:
            return
        if selected[0] in ("stage", "forecast"):
            self.app.action_go("pipeline")  # type: ignore[attr-defined]
            return
        contact = self.selected_contact()
        if contact is not None:
            from crmcli.tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(contact))

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
