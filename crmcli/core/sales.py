"""The pipeline, the forecast and the deals report: aggregated in SQL (Core statements, GROUP BY in
the database), one row per stage or period and currency. Money is never summed across currencies,
and weighted values are exact: sum(value_minor x percent) / 100, in integers until shown.

Amount columns hold `money.Amount` values (minor units and currency): the output layer shows them
for people or writes their plain text for scripts; nothing turns text back into money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.deals import contact_names, probability_expression, rotting_expression
from crmcli.core.identity import owned_by
from crmcli.core.models import Deal, Organization
from crmcli.core.money import Amount
from crmcli.core.rows import Rows
from crmcli.core.stages import Stages

PIPELINE_COLUMNS = ("stage", "probability", "currency", "deals", "value", "value_minor", "weighted", "rotting")


def _open(d: Any, owner: str | None) -> Any:
    """Open deals; with `owner`, only theirs ("" only those nobody owns: identity.owner_filter)."""
    return sa.and_(d.c.status == "open", *owned_by(d.c.owner, owner))


def pipeline(conn: Connection, stages: Stages, as_of: datetime, *, owner: str | None = None) -> Rows:
    """Open deals per stage and currency: how many, their value, their weighted value, how many rot.
    `owner`: only that owner's deals."""
    d = Deal.__table__
    prob = probability_expression(stages, d)
    rotting = sa.case((rotting_expression(stages, d, as_of), 1), else_=0)
    stmt = sa.select(d.c.stage, d.c.currency, sa.func.count(), sa.func.sum(d.c.value_minor),
                     sa.func.sum(d.c.value_minor * prob), sa.func.sum(rotting)) \
        .where(_open(d, owner)).group_by(d.c.stage, d.c.currency)
    found = sorted(conn.execute(stmt), key=lambda r: (stages.position(r[0]), r[0], r[1]))
    rows = []
    for stage, code, count, total, weighted_x100, rot in found:
        configured = stages.find(stage)
        rows.append((stage, configured.probability if configured else None, code, count, Amount(int(total), code),
                     int(total), Amount(Decimal(weighted_x100) / 100, code), int(rot or 0)))
    return Rows(PIPELINE_COLUMNS, rows)


def rotting(conn: Connection, stages: Stages, as_of: datetime, *, limit: int | None = None,
            owner: str | None = None) -> Rows:
    """Open deals quiet for longer than their stage allows, the longest quiet first (`owner`: theirs only)."""
    from crmcli.storage.sql import age_days, iso_utc

    d = Deal.__table__
    quiet = age_days(d.c.last_activity_at, sa.literal(as_of, sa.DateTime(timezone=True)))
    inner = sa.select(d.c.id, d.c.name, d.c.stage, d.c.value_minor, d.c.currency, d.c.last_activity_at.label("last"),
                      quiet.label("quiet")) \
        .where(_open(d, owner), rotting_expression(stages, d, as_of)).subquery()
    stmt = sa.select(inner.c.id, inner.c.name, inner.c.stage, inner.c.value_minor, inner.c.currency,
                     iso_utc(inner.c["last"]), sa.cast(inner.c.quiet, sa.Integer)) \
        .order_by(inner.c.quiet.desc(), inner.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    shaped = [(i, name, stage, Amount(minor, code), code, last, int(days))
              for i, name, stage, minor, code, last, days in conn.execute(stmt)]
    return Rows(("id", "name", "stage", "value", "currency", "last_activity", "quiet_days"), shaped,
                time_columns=frozenset({"last_activity"}))


# -- forecast ------------------------------------------------------------------------------------

Period = Literal["month", "quarter"]
FORECAST_COLUMNS = ("period", "start", "currency", "deals", "value", "weighted", "weighted_minor", "overdue")
OVERDUE = "overdue"


@dataclass(frozen=True)
class Bucket:
    label: str
    start: date


def buckets(today: date, by: Period, months: int) -> list[Bucket]:
    """The periods from the current one on, covering `months` months (whole quarters for --by quarter)."""
    out: list[Bucket] = []
    year, month = today.year, today.month
    if by == "quarter":
        month = 3 * ((month - 1) // 3) + 1
    step = 3 if by == "quarter" else 1
    covered = 0
    while covered < months:
        label = f"{year}-Q{(month - 1) // 3 + 1}" if by == "quarter" else f"{year}-{month:02d}"
        out.append(Bucket(label, date(year, month, 1)))
        covered += step
        month += step
        if month > 12:
            year, month = year + 1, month - 12
    return out


def _end(last: Bucket, by: Period) -> date:
    month = last.start.month + (3 if by == "quarter" else 1)
    return date(last.start.year + (month > 12), (month - 1) % 12 + 1, 1)


def forecast(conn: Connection, stages: Stages, today: date, *, by: Period = "month", months: int = 6,
             owner: str | None = None) -> Rows:
    """Weighted expected value per period by expected close date, per currency. Open deals whose
    close date has passed come first, flagged `overdue`; deals with no close date are left out.
    `owner`: only that owner's deals."""
    from crmcli.storage.sql import month_of

    d = Deal.__table__
    periods = buckets(today, by, months)
    end = _end(periods[-1], by)
    prob = probability_expression(stages, d)
    month = sa.case((d.c.close_on < today, OVERDUE), else_=month_of(d.c.close_on))
    stmt = sa.select(month, d.c.currency, sa.func.count(), sa.func.sum(d.c.value_minor),
                     sa.func.sum(d.c.value_minor * prob)) \
        .where(_open(d, owner), d.c.close_on.is_not(None), d.c.close_on < end) \
        .group_by(month, d.c.currency)
    totals: dict[tuple[str, str], list[int]] = {}
    for key, code, count, value, weighted_x100 in conn.execute(stmt):
        label = key if key == OVERDUE else _label(key, by)
        acc = totals.setdefault((label, code), [0, 0, 0])
        for i, amount in enumerate((count, value, weighted_x100)):
            acc[i] += int(amount)
    currencies = sorted({code for _, code in totals})
    rows = []
    for label, first in [(OVERDUE, None), *((b.label, b.start) for b in periods)]:
        for code in currencies:
            count, value, weighted_x100 = totals.get((label, code), (0, 0, 0))
            if label == OVERDUE and not count:
                continue
            weighted = Decimal(weighted_x100) / 100
            rows.append((label, first.isoformat() if first else "", code, count, Amount(value, code),
                         Amount(weighted, code), int(weighted.quantize(Decimal(1), ROUND_HALF_EVEN)),
                         label == OVERDUE))
    return Rows(FORECAST_COLUMNS, rows, table_columns=("period", "currency", "deals", "value", "weighted"))


def _label(month: str, by: Period) -> str:
    if by == "month":
        return month
    year, m = month.split("-")
    return f"{year}-Q{(int(m) - 1) // 3 + 1}"


def undated(conn: Connection, *, owner: str | None = None) -> int:
    """Open deals (of `owner`) with no expected close date: the forecast cannot place them."""
    d = Deal.__table__
    return int(conn.execute(sa.select(sa.func.count()).where(_open(d, owner), d.c.close_on.is_(None)))
               .scalar() or 0)


# -- the deals report ----------------------------------------------------------------------------

REPORT_COLUMNS = ("section", "item", "currency", "deals", "value")
TOP_CUSTOMERS = 10


def report(conn: Connection, *, since: datetime | None = None) -> Rows:
    """Deals closed since a moment: win rate, average won deal, days to close, lost reasons ranked,
    top customers by won value. Rows of (section, item, currency, deals, value); a value is an Amount
    where it is money, else text (the win rate, the average days)."""
    from crmcli.storage.sql import age_days

    d, o = Deal.__table__, Organization.__table__
    closed = [d.c.status.in_(("won", "lost"))] + ([d.c.closed_at >= since] if since is not None else [])
    won = sa.and_(*closed, d.c.status == "won")
    rows: list[tuple[Any, ...]] = []

    counts = dict(conn.execute(sa.select(d.c.status, sa.func.count()).where(*closed).group_by(d.c.status)).all())
    n_won, n_lost = int(counts.get("won", 0)), int(counts.get("lost", 0))
    rate = f"{Decimal(100 * n_won) / (n_won + n_lost):.1f}%" if n_won + n_lost else ""
    rows += [("outcome", "won", "", n_won, ""), ("outcome", "lost", "", n_lost, ""),
             ("outcome", "win rate", "", n_won + n_lost, rate)]

    days = conn.execute(sa.select(sa.func.avg(age_days(d.c.created_at, d.c.closed_at))).where(won)).scalar()
    rows.append(("outcome", "average days to close (won)", "", n_won, "" if days is None else f"{days:.1f}"))

    for code, count, total in conn.execute(sa.select(d.c.currency, sa.func.count(), sa.func.sum(d.c.value_minor))
                                           .where(won).group_by(d.c.currency).order_by(d.c.currency)):
        average = (Decimal(int(total)) / count).quantize(Decimal(1), ROUND_HALF_EVEN)
        rows.append(("won value", "total", code, count, Amount(int(total), code)))
        rows.append(("won value", "average deal", code, count, Amount(average, code)))

    reason = sa.func.coalesce(d.c.lost_reason, "(no reason given)")
    for why, count in conn.execute(sa.select(reason, sa.func.count()).where(*closed, d.c.status == "lost")
                                   .group_by(reason).order_by(sa.func.count().desc(), reason)):
        rows.append(("lost reasons", why, "", count, ""))

    customer = sa.func.coalesce(o.c.name, contact_names(d), "(no customer)")
    ranked = sa.select(customer.label("customer"), d.c.currency, sa.func.count().label("n"),
                       sa.func.sum(d.c.value_minor).label("total"),
                       sa.func.row_number().over(partition_by=d.c.currency,
                                                 order_by=(sa.func.sum(d.c.value_minor).desc(), customer))
                       .label("rank")) \
        .select_from(d.outerjoin(o, o.c.id == d.c.org_id)).where(won).group_by(customer, d.c.currency).subquery()
    for name, code, count, total in conn.execute(
            sa.select(ranked.c.customer, ranked.c.currency, ranked.c.n, ranked.c.total)
            .where(ranked.c.rank <= TOP_CUSTOMERS).order_by(ranked.c.currency, ranked.c.rank)):
        rows.append(("top customers", name, code, count, Amount(int(total), code)))
    return Rows(REPORT_COLUMNS, rows)
