"""`crm report deals|cases`: the reports, one group (`crm report customers` will join it). The
figures come aggregated from the core (core/sales.py, core/case_report.py); this only prints."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.options import Format, FormatOpt
from crmcli.cli.sales import deals_report

if TYPE_CHECKING:
    from crmcli.core.case_report import CaseReport

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Reports: deals, service cases.")


@app.callback()
def _reports() -> None:
    """Reports: deals, service cases. A group, so `crm report deals` reads right."""


app.command("deals")(deals_report)


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
