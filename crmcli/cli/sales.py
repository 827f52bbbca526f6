"""`crm pipeline`, `crm forecast` and `crm report deals`: where the money is, and when it comes.

Two small apps and the deals report in one module (crm's command table names them
`crmcli.cli.sales:pipeline`...; the report group is cli/report.py): they share the way amounts are shown. The figures come aggregated from core/sales.py; this only prints.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Sequence

import typer

from crmcli.cli import state
from crmcli.cli.options import Format, FormatOpt, OwnerFilterOpt
from crmcli.cli.output import emit, note

if TYPE_CHECKING:
    from datetime import datetime

pipeline = typer.Typer(add_completion=False)
forecast = typer.Typer(add_completion=False)

AsOf = Annotated[str | None, typer.Option("--as-of", metavar="WHEN", help="Judge as of this day or time "
                                                                          "(default: now): '2026-03-31', "
                                                                          "'som', 'last month'.")]


def _now(ctx: typer.Context, as_of: str | None) -> "datetime":
    from crmcli.core import clock

    return clock.resolve_as_of(as_of, state.context(ctx).local_now())


BAR_WIDTH = 30


def _show(value: Any, locale: str | None) -> str:
    """Money for people (grouped in the locale's style, with its currency); anything else as text."""
    from crmcli.core.money import Amount

    if isinstance(value, Amount):
        return value.display(locale)
    return "" if value is None else str(value)


def _table(columns: Sequence[str], records: list[Any], locale: str | None, *,
           extra: dict[str, list[str]] | None = None) -> None:
    """These columns of the records, amounts shown for people, right-aligned; `extra` adds computed
    columns."""
    from crmcli.cli.table import render_table

    cells = []
    for n, record in enumerate(records):
        cells.append([_show(getattr(record, c), locale) for c in columns]
                     + [values[n] for values in (extra or {}).values()])
    headers = [*columns, *(extra or {})]
    right = frozenset({"deals", "rotting", "probability", "value", "weighted", "id"})
    sys.stdout.write(render_table(headers, cells, right=right, keep=set(headers)))


def _owner(ctx: typer.Context, text: str | None) -> str | None:
    """`--owner` as a filter: a name ('me' is you), '' for the deals nobody owns, None for all."""
    from crmcli.core.identity import owner_filter

    return owner_filter(text, state.context(ctx).me)


@pipeline.command("pipeline")
def show_pipeline(ctx: typer.Context, as_of: AsOf = None, fmt: FormatOpt = Format.table,
                  rotting_shown: Annotated[int, typer.Option("--rotting", metavar="N", min=0,
                                                             help="List the N longest-quiet rotting deals "
                                                                  "(table view).")] = 10,
                  owner: OwnerFilterOpt = None) -> None:
    """Open deals per stage and currency: count, value, weighted value, and rotting deals."""
    from crmcli.core import sales

    context = state.context(ctx)
    settings = context.settings
    now = _now(ctx, as_of)
    whose = _owner(ctx, owner)
    with context.database.connect() as conn:
        rows = sales.pipeline(conn, settings.stages, now, owner=whose)
        if fmt is not Format.table:
            emit(rows, fmt)
            return
        found = list(rows.records())
        if not found:
            note("no open deals; add one with `crm deals add`")
            return
        _table(("stage", "probability", "currency", "deals", "value", "weighted", "rotting"), found,
               settings.money_locale)
        total_rotting = sum(r.rotting for r in found)
        if total_rotting and rotting_shown:
            quiet = list(sales.rotting(conn, settings.stages, now, limit=rotting_shown, owner=whose).records())
            sys.stdout.write(f"\nRotting ({total_rotting}): no stage change and no interaction for longer than "
                             f"their stage allows\n")
            for deal in quiet:
                shown = _show(deal.value, settings.money_locale)
                sys.stdout.write(f"  #{deal.id} {deal.name} ({deal.stage}, {shown}): quiet {deal.quiet_days} days\n")
            if total_rotting > len(quiet):
                import shlex

                mine = "" if owner is None else f" --owner {shlex.quote(owner)}"
                sys.stdout.write(f"  ... and {total_rotting - len(quiet)} more: crm deals list --rotting{mine}\n")


class By(str, Enum):
    month = "month"
    quarter = "quarter"


@forecast.command("forecast")
def show_forecast(ctx: typer.Context,
                  by: Annotated[By, typer.Option("--by", metavar="PERIOD", help="month (default) or quarter.")]
                  = By.month,
                  months: Annotated[int, typer.Option("--months", "-m", min=1, max=120, metavar="N",
                                                      help="How far ahead, from this month on.")] = 6,
                  as_of: AsOf = None, fmt: FormatOpt = Format.table, owner: OwnerFilterOpt = None) -> None:
    """Weighted expected value per month or quarter, by expected close date, per currency."""
    from crmcli.core import sales

    context = state.context(ctx)
    today = _now(ctx, as_of).date()
    whose = _owner(ctx, owner)
    with context.database.connect() as conn:
        rows = sales.forecast(conn, context.settings.stages, today, by=by.value, months=months, owner=whose)
        undated = sales.undated(conn, owner=whose)
    if fmt is not Format.table:
        emit(rows, fmt)
    else:
        _forecast_table(rows, context.settings.money_locale)
    if undated:
        note(f"{undated} open deal{'s' if undated != 1 else ''} without an expected close date "
             "(not in the forecast): crm deals edit DEAL --close WHEN")


def _forecast_table(rows: Any, locale: str | None) -> None:
    """Plain rows plus a bar per period: its weighted value against the largest in that currency."""
    found = list(rows.records())
    if not found:
        note("no open deals with an expected close date in this range")
        return
    largest: dict[str, Decimal] = {}
    for row in found:
        largest[row.currency] = max(largest.get(row.currency, Decimal(0)), Decimal(row.weighted.minor))
    bars = []
    for row in found:
        top = largest[row.currency]
        share = Decimal(row.weighted.minor) / top if top else Decimal(0)
        bar = "█" * int((share * BAR_WIDTH).to_integral_value())
        bars.append(bar + ("  ! close date passed" if row.overdue else ""))
    _table(("period", "currency", "deals", "value", "weighted"), found, locale, extra={"": bars})


def deals_report(ctx: typer.Context,
                 since: Annotated[str | None, typer.Option("--since", metavar="WHEN",
                                                           help="Deals closed since: '2026-01-01', '90d', "
                                                                "'last month'.")] = None,
                 fmt: FormatOpt = Format.table) -> None:
    """Win rate, average won deal, days to close, lost reasons ranked, top customers by won value."""
    from crmcli.core import dates, sales

    context = state.context(ctx)
    start = dates.parse_since(since, now=context.local_now()) if since else None
    with context.database.connect() as conn:
        rows = sales.report(conn, since=start)
        if fmt is not Format.table:
            emit(rows, fmt)
            return
        found = list(rows.records())
    titles = {"outcome": "Outcome", "won value": "Won value", "lost reasons": "Lost reasons",
              "top customers": "Top customers by won value"}
    blocks = []
    for section, title in titles.items():
        lines = [title]
        for row in (r for r in found if r.section == section):
            shown, count = _show(row.value, context.settings.money_locale), row.deals
            if section == "outcome":
                lines.append(f"  {row.item}: {shown if shown != '' else count}")
            elif section == "lost reasons":
                lines.append(f"  {count:>5}  {row.item}")
            else:
                lines.append(f"  {shown:>20}  {row.item} ({count} deal{'s' if count != 1 else ''})")
        if len(lines) > 1:
            blocks.append("\n".join(lines))
    sys.stdout.write("\n\n".join(blocks) + "\n")
    if since:
        note(f"deals closed since {start:%Y-%m-%d %H:%M}")  # type: ignore[union-attr]
