"""`crm report deals|cases|customers|campaigns`: the reports, one group. The figures come aggregated
from the core (core/sales.py, core/case_report.py, core/customer_report.py, core/campaigns.py); this
only prints."""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.options import Format, FormatOpt, LimitOpt
from crmcli.cli.campaigns import report as campaigns_report
from crmcli.cli.sales import deals_report

if TYPE_CHECKING:
    from crmcli.core.case_report import CaseReport
    from crmcli.core.customer_report import Customer, CustomerReport

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Reports: deals, service cases, customers, campaigns.")


@app.callback()
def _reports() -> None:
    """Reports: deals, service cases, customers, campaigns. A group, so `crm report deals` reads right."""


app.command("deals")(deals_report)
app.command("campaigns")(campaigns_report)  # the same as `crm campaigns report`


@app.command("cases")
def cases_report(ctx: typer.Context,
                 since: Annotated[str | None, typer.Option("--since", metavar="WHEN",
                                                           help="Only cases opened since: '2026-01-01', '90d', "
                                                                "'last month'.")] = None,
                 fmt: FormatOpt = Format.table) -> None:
    """Open cases by age, deadlines missed, median times to respond and to resolve, by kind.

    Medians count business hours when they are set (crm config set business_hours ...), else
    clock time, and leave out the waits on the customer."""
    from crmcli.cli.output import emit, note
    from crmcli.core import case_report, dates

    context = state.context(ctx)
    now = context.local_now()
    start = dates.parse_since(since, now=now) if since else None
    hours = context.settings.business_hours
    with context.database.connect() as conn:
        found = case_report.report(conn, now, since=start, hours=hours)
    if fmt is not Format.table:
        emit(found.rows(), fmt)
        return
    if not found:
        note("no cases opened since then" if since else "no cases yet")
        return
    sys.stdout.write(render(found))
    if since:
        note(f"cases opened since {start:%Y-%m-%d %H:%M}")  # type: ignore[union-attr]


def render(found: "CaseReport") -> str:
    """Three small tables for people: ages, breaches, times."""
    from crmcli.cli.table import render_table
    from crmcli.core.case_report import AGE_BUCKETS, pivot, span_text

    blocks = []
    if found.open:
        ages = pivot(found.open, AGE_BUCKETS, lambda a: a.bucket)
        blocks.append(f"Open cases by age ({sum(a.count for a in found.open)})\n" + render_table(
            ("kind", "priority", *AGE_BUCKETS), [[k, p, *map(str, n)] for k, p, n in ages],
            right=frozenset(AGE_BUCKETS)))
    if found.breached:
        columns = ("response open", "response done", "resolution open", "resolution done")
        missed = pivot(found.breached, columns, lambda b: f"{b.deadline} {b.state}")
        blocks.append(f"Deadlines missed ({sum(b.count for b in found.breached)})\n" + render_table(
            ("kind", "priority", *columns), [[k, p, *map(str, n)] for k, p, n in missed], right=frozenset(columns)))
    by_kind: dict[str, dict[str, tuple[int, int | None]]] = {}
    for m in found.times:
        by_kind.setdefault(m.kind, {})[m.measure] = (m.count, m.minutes)
    counted = found.clock if found.clock != "clock" else "clock time"
    heads = ("kind", "first response", "cases", "resolution", "resolved")
    blocks.append(f"Median times ({counted}; waits on the customer left out)\n" + render_table(heads, [
        [kind, span_text(m["first response"][1]), str(m["first response"][0]), span_text(m["resolution"][1]),
         str(m["resolution"][0])] for kind, m in by_kind.items()], right=frozenset(heads[1:])))
    return "\n".join(blocks)


class By(str, Enum):  # core/customer_report.py ORDERS
    value = "value"
    recency = "recency"
    frequency = "frequency"
    rfm = "rfm"
    churn = "churn"


TOP = 10  # the table view's rows in each list unless --limit says
BAR = 12  # columns of the won-value bar
_TITLES = {"value": "by won value", "recency": "by last contact", "frequency": "by interactions",
           "rfm": "by RFM score (R+F+M)", "churn": "churn risk first"}


@app.command("customers")
def customers_report(ctx: typer.Context,
                     since: Annotated[str | None, typer.Option(
                         "--since", metavar="WHEN", help="Count interactions since: '2026-01-01', '6 months ago' "
                                                         "(default: the last 12 months).")] = None,
                     by: Annotated[By, typer.Option("--by", case_sensitive=False,
                                                    help="Order: value, recency, frequency, rfm, churn.")] = By.value,
                     orgs: Annotated[bool, typer.Option("--orgs", help="One row per organisation, its contacts "
                                                                       "added up.")] = False,
                     limit: LimitOpt = None,
                     fmt: FormatOpt = Format.table) -> None:
    """Customer value, contact frequency and recency, RFM score and segment, churn risk.

    Per contact (or organisation): lifetime won value per currency, interactions a month, days since
    the last contact and the last won deal, R, F and M from 1 to 5 by quintile, a segment (champions,
    loyal, at risk, hibernating, new, needs attention) and a churn flag with its reason. The table
    shows the top customers and those slipping away (10 of each unless --limit); the machine
    formats one row per contact with every figure."""
    from crmcli.cli.output import emit, note
    from crmcli.core import customer_report, dates

    context = state.context(ctx)
    now = context.local_now()
    start = dates.parse_since(since, now=now) if since else None
    table = fmt is Format.table
    shown = (limit or TOP) if table else limit  # the machine formats: every row unless --limit
    with context.database.connect() as conn:
        found = customer_report.report(conn, now, since=start, orgs=orgs, by=by.value, limit=shown,
                                       slipping=(limit or TOP) if table else 0, currency=context.settings.currency)
    if not table:
        emit(found.rows(), fmt)
        return
    if not found.customers:
        note("no organisations yet" if orgs else "no contacts yet")
        return
    sys.stdout.write(render_customers(found, context.settings.money_locale))
    if since:
        note(f"interactions counted since {found.since.astimezone(now.tzinfo):%Y-%m-%d %H:%M}")


def render_customers(found: "CustomerReport", locale: str | None) -> str:
    """Two tables for people: the top customers with a bar of their won value, then those slipping
    away with the reason."""
    from crmcli.cli.table import bar, render_table

    code = found.currency or ""
    most = max((c.won_value.minor for c in found.customers if c.won_value), default=0)

    def won(c: "Customer") -> list[str]:
        main = c.won_value.display(locale, with_code=False) if c.won_value else ""
        return [main, bar(float(c.won_value.minor), float(most), BAR) if c.won_value else ""]

    def others(c: "Customer") -> str:
        return ", ".join(a.display(locale) for a in c.won_other)

    def last(c: "Customer") -> str:
        return "never" if c.days_since_contact is None else f"{c.days_since_contact} d"

    def flags(c: "Customer") -> str:
        return ", ".join(f for f, on in (("churn risk", c.churn), ("do not contact", c.do_not_contact)) if on)

    who = "organisations" if found.orgs else "customers"
    top = found.top
    heads = ["name", *([] if found.orgs else ["org"]), f"won {code}".strip(), "", "other", "a month", "last",
             "RFM", "segment", "flags"]
    blocks = [f"Top {who} {_TITLES[found.by]} ({_shown(len(top), found.total)})\n" + render_table(
        heads, [[c.name, *([] if found.orgs else [c.org or ""]), *won(c), others(c), str(c.per_month), last(c),
                 c.rfm, c.segment, flags(c)] for c in top],
        right=frozenset({heads[2 - found.orgs], "a month", "last"}), keep={""})]
    slipping = found.slipping
    if slipping:
        heads = ["name", f"won {code}".strip(), "", "last", "segment", "why"]
        blocks.append(f"Slipping away ({_shown(len(slipping), found.churned)})\n" + render_table(
            heads, [[c.name, *won(c), last(c), c.segment,
                     c.reason + ("; do not contact" if c.do_not_contact else "")] for c in slipping],
            right=frozenset({heads[1], "last"}), keep={""}))
    return "\n".join(blocks)


def _shown(count: int, total: int) -> str:
    return f"{count:,} of {total:,}" if total > count else f"{total:,}"
