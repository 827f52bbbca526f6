"""The dashboard's panels as data: what each shows and the loader that reads it through the core.
No textual here, so the panels can be read while the app is still starting (`prefetch`): the
database work then overlaps the UI's start instead of following it."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from rich.text import Text

from crmcli.tui.format import local

RECENT = 30
COLD = 50
AGENDA = 100  # rows shown; the panel's title says how many there are (the follow-ups view has them all)
FORECAST_MONTHS = 2  # this month and the next
CASES = 20  # open cases listed, the most pressing first; the title counts them all (the cases view lists them)
CUSTOMERS = 3  # the top customers by won value, and as many of those slipping away (crm report customers)


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
        today = agenda.agenda(conn, now, limit=AGENDA, cadences=False)  # the cold panel has those
    rows = [(f"follow-up:{i.follow_up_id}", [_when(i, now), i.contact, i.what])
            for i in today.items]
    shown = f"{len(rows):,} of {today.total:,}" if today.total > len(rows) else f"{today.total:,}"
    return Panel(rows, f"Due today and overdue ({shown})",
                 {key: i.contact_id for (key, _), i in zip(rows, today.items)})


def _when(item: Any, now: Any) -> Text:
    """Why the row is there: late (red, how late), or due today (at what time)."""
    if item.section == "overdue":
        return Text(f"{item.days}d late", style="bold red")
    due = item.due.shown(now.tzinfo)
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


def load_cases(context: Any) -> Panel:
    """Open cases as `crm cases list` orders them: breaches first, then by priority, nearest deadline."""
    from crmcli.core import cases
    from crmcli.tui.case_format import deadline, priority

    now, policy = context.now(), cases.policy(context.settings)
    with context.database.connect() as conn:
        found = cases.rows(conn, now, policy=policy, limit=CASES)
        total, late = cases.count(conn, now) if len(found) == CASES else (len(found), sum(c.breached for c in found))
    if not found:
        return Panel([("none:", ["", "", "", Text("no open case", style="dim")])], "Open cases (none)")
    shown = f"{CASES} of {total:,}" if total > CASES else f"{total:,}"
    return Panel([(f"case:{c.id}", [deadline(c, now, short=True), priority(c.priority), c.contact_name,
                                     f"#{c.id} {c.title}"])
                  for c in found],
                 f"Open cases ({shown}{f', {late:,} past a deadline' if late else ''})",
                 {f"case:{c.id}": c.contact_id for c in found})


def load_customers(context: Any) -> Panel:
    """`crm report customers` in brief: the top customers by won value (their segment), then those
    slipping away, the most valuable first (the reason). A contact in both lists has a row in each."""
    from crmcli.core import customer_report

    money = _money(context)
    with context.database.connect() as conn:
        found = customer_report.report(conn, context.now(), limit=CUSTOMERS, slipping=CUSTOMERS,
                                       currency=context.settings.currency)
    if not found.customers:
        return Panel([("none:", ["", "", "", Text("no customers yet", style="dim")])], "Top and at-risk customers")
    rows: list[tuple[str, list[Any]]] = []
    about: dict[str, int] = {}
    for key, group in (("top", found.top), ("risk", found.slipping)):
        for c in group:
            rows.append((f"customer-{key}:{c.id}", [
                c.name, money(c.won_value) if c.won_value else "", c.rfm,
                Text(_why(c), style="red") if key == "risk" else c.segment]))
            about[f"customer-{key}:{c.id}"] = c.id
    at_risk = f", {found.churned:,} at risk" if found.churned else ""
    return Panel(rows, f"Top and at-risk customers ({found.currency or 'no won deals'}{at_risk})", about)


def _why(customer: Any) -> str:
    """The churn reason in the panel's room: `contacts 1.0→0.3 a month; 20 d past cadence`."""
    parts = [f"contacts {customer.before_per_month}→{customer.recent_per_month} a month"] if customer.falling else []
    if customer.overdue_days is not None and customer.overdue_days > 0:
        parts.append(f"{customer.overdue_days} d past cadence")
    return "; ".join(parts)


# Panel id -> its columns and its loader, in the order they are laid out (and stacked when narrow).
PANELS: dict[str, tuple[list[str], Callable[[Any], Panel]]] = {
    "agenda": (["due", "contact", "what"], load_agenda),
    "cases": (["due", "priority", "contact", "case"], load_cases),
    "cold": (["contact", "last contact", "cadence"], load_cold),
    "pipeline": (["stage", "cur", "deals", "value", "weighted", "rotting"], load_pipeline),
    "forecast": (["closing", "cur", "deals", "value", "weighted"], load_forecast),
    "recent": (["when", "kind", "with", "text"], load_recent),
    "customers": (["customer", "won", "RFM", "segment or why"], load_customers),
}
# Read after the app has started, in a worker, never before the first paint: the customer figures
# take a second over 100,000 contacts (bench/README.md) and the start must not wait for them.
LATE = frozenset({"customers"})


Prefetched = dict[str, "Future[Panel]"]


def prefetch(context: Any) -> Prefetched:
    """Every panel read now, one after another, before the app starts; each a future holding its
    panel or its error (a CrmError is the dashboard's notification, as on any reload)."""
    futures: Prefetched = {}
    for name, (_, load) in PANELS.items():
        if name in LATE:
            continue
        futures[name] = Future()
        try:
            futures[name].set_result(load(context))
        except Exception as err:  # noqa: BLE001 - handed to the dashboard, which shows it as its own
            futures[name].set_exception(err)
    return futures
