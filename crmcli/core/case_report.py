"""The service report (`crm report cases`): how the open cases are ageing, which deadlines were
missed, and how long customers wait for a first response and for a resolution — by kind.

- `open`: the open cases (new, open, waiting) by kind, priority and age since they were opened
  (AGE_BUCKETS, clock time), counted in SQL.
- `breached`: the cases that missed their response or resolution deadline, by kind, priority and
  whether they are still open (`open`) or were done late (`done`: resolved or closed), counted in
  SQL and judged as the case listings judge them (a case waiting on the customer at the moment its
  wait began: its clock is stopped).
- `times`: the median time from opening to the first response, and to the resolution, by kind and
  for all kinds (`all`), over the cases that have one. Counted in business hours when they are set
  (the `business_hours` setting), else in clock time; a resolution's time leaves out the waits on
  the customer (counted the same way), as its deadline does. Medians are taken in Python over the
  selected durations, in whole minutes.

`since`: only the cases opened since then (every section). One flat row shape for every machine
format: REPORT_COLUMNS (README, "crm report cases").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median_low
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.business_hours import AllHours, BusinessHours, clock
from crmcli.core.cases import OPEN_STATUSES
from crmcli.core.clock import as_utc
from crmcli.core.models import CASE_STATUS_CHANGE, ServiceCase
from crmcli.core.rows import Rows

AGE_BUCKETS = ("<1d", "1-3d", "3-7d", ">7d")  # an open case's age: under 1 day, 1 to 3 days...
_AGE_LIMITS = (1, 3, 7)  # days: the upper bounds of all but the last bucket
DEADLINES = ("response", "resolution")
MEASURES = ("first response", "resolution")
ALL = "all"  # the `times` rows over every kind
REPORT_COLUMNS = ("section", "kind", "priority", "bucket", "state", "count", "median_minutes", "clock")


@dataclass(frozen=True)
class Ageing:
    kind: str
    priority: str
    bucket: str  # one of AGE_BUCKETS
    count: int


@dataclass(frozen=True)
class Breach:
    kind: str
    priority: str
    deadline: str  # response, resolution
    state: str     # open (still open), done (resolved or closed late)
    count: int


@dataclass(frozen=True)
class Median:
    kind: str             # a kind, or ALL
    measure: str          # first response, resolution
    count: int            # cases measured
    minutes: int | None   # their median (the lower middle of an even count), whole minutes


@dataclass(frozen=True)
class CaseReport:
    now: datetime
    since: datetime | None
    clock: str                      # "business hours: mon-fri 09:00-17:00 UTC" or "clock"
    open: tuple[Ageing, ...]        # by kind, priority, age bucket; only non-zero counts
    breached: tuple[Breach, ...]    # by kind, priority, deadline, state; only non-zero counts
    times: tuple[Median, ...]       # by kind (those with cases), then ALL

    def __bool__(self) -> bool:
        return any(m.count for m in self.times if m.kind == ALL) or bool(self.open) or bool(self.breached)

    def rows(self) -> Rows:
        """The flat rows of every machine format: `bucket` is the age bucket (open), the deadline
        (breached) or the measure (times); `state` open/done (breached); `median_minutes` and
        `clock` for times only; `priority` empty for times (every priority)."""
        counted = "business" if self.clock != "clock" else "clock"
        return Rows(REPORT_COLUMNS, [
            *(("open", a.kind, a.priority, a.bucket, "open", a.count, None, None) for a in self.open),
            *(("breached", b.kind, b.priority, b.deadline, b.state, b.count, None, None) for b in self.breached),
            *(("times", m.kind, None, m.measure, None, m.count, m.minutes, counted) for m in self.times),
        ], table_columns=REPORT_COLUMNS)


def report(conn: Connection, now: datetime, *, since: datetime | None = None,
           hours: BusinessHours | None = None) -> CaseReport:
    """The report as of `now` (aware), over the cases opened since `since` (None: all)."""
    now = now.astimezone(UTC)
    counting = clock(hours)
    k = ServiceCase.__table__  # type: ignore[attr-defined]
    scope = [k.c.opened_at >= since.astimezone(UTC)] if since is not None else []
    return CaseReport(now, since, f"business hours: {hours}" if hours is not None else "clock",
                      tuple(_ageing(conn, now, scope)), tuple(_breaches(conn, now, scope)),
                      tuple(_medians(conn, scope, counting)))


def _at(moment: datetime) -> Any:
    return sa.literal(moment, sa.DateTime(timezone=True))


def _ageing(conn: Connection, now: datetime, scope: list[Any]) -> list[Ageing]:
    k = ServiceCase.__table__  # type: ignore[attr-defined]
    bucket = sa.case(*((k.c.opened_at > _at(now - timedelta(days=days)), name)
                       for days, name in zip(_AGE_LIMITS, AGE_BUCKETS)), else_=AGE_BUCKETS[-1]).label("bucket")
    stmt = sa.select(k.c.kind, k.c.priority, bucket, sa.func.count()) \
        .where(k.c.status.in_(OPEN_STATUSES), *scope).group_by(k.c.kind, k.c.priority, bucket)
    found = [Ageing(*row) for row in conn.execute(stmt)]
    return sorted(found, key=lambda a: (a.kind, _priority_rank(a.priority), AGE_BUCKETS.index(a.bucket)))


def _breaches(conn: Connection, now: datetime, scope: list[Any]) -> list[Breach]:
    """Each deadline missed, as cases.judge judges it: a response (or resolution) that came after its
    deadline, or none yet and the deadline past — at the start of a wait for a case waiting."""
    k = ServiceCase.__table__  # type: ignore[attr-defined]
    until = sa.case((k.c.status == "waiting", k.c.waiting_since), else_=_at(now))
    missed = {"response": sa.func.coalesce(k.c.first_response_at, until) > k.c.response_due_at,
              "resolution": sa.func.coalesce(k.c.resolved_at, k.c.closed_at, until) > k.c.resolve_due_at}
    state = sa.case((k.c.status.in_(OPEN_STATUSES), "open"), else_="done").label("state")
    stmt = sa.select(k.c.kind, k.c.priority, state,
                     *(sa.func.sum(sa.case((late, 1), else_=0)).label(name) for name, late in missed.items())) \
        .where(*scope).group_by(k.c.kind, k.c.priority, state)
    found = [Breach(kind, priority, deadline, state_, int(n))
             for kind, priority, state_, *counts in conn.execute(stmt)
             for deadline, n in zip(DEADLINES, counts) if n]
    return sorted(found, key=lambda b: (b.kind, _priority_rank(b.priority), DEADLINES.index(b.deadline),
                                        b.state != "open"))


def _medians(conn: Connection, scope: list[Any], counting: BusinessHours | AllHours) -> list[Median]:
    k = ServiceCase.__table__  # type: ignore[attr-defined]
    done = sa.func.coalesce(k.c.resolved_at, k.c.closed_at)
    stmt = sa.select(k.c.id, k.c.kind, k.c.opened_at, k.c.first_response_at, done) \
        .where(sa.or_(k.c.first_response_at.is_not(None), done.is_not(None)), *scope)
    cases = conn.execute(stmt).all()
    waits = _waits(conn, sa.select(k.c.id).where(done.is_not(None), *scope), counting)
    durations: dict[tuple[str, str], list[timedelta]] = {}
    for case_id, kind, opened, responded, resolved in cases:
        opened = as_utc(opened)
        if responded is not None:
            spent = counting.between(opened, as_utc(responded))
            for group in (kind, ALL):
                durations.setdefault((group, MEASURES[0]), []).append(spent)
        if resolved is not None:
            spent = counting.between(opened, as_utc(resolved)) - waits.get(case_id, timedelta(0))
            for group in (kind, ALL):
                durations.setdefault((group, MEASURES[1]), []).append(spent)
    kinds = sorted({kind for kind, _ in durations if kind != ALL}) + [ALL]
    return [Median(kind, measure, len(spent), _minutes(median_low(spent)) if spent else None)
            for kind in kinds for measure in MEASURES for spent in [durations.get((kind, measure), [])]]


def _waits(conn: Connection, cases: Any, counting: BusinessHours | AllHours) -> dict[int, timedelta]:
    """Per case of `cases` (a select of ids), the time spent waiting on the customer, in `counting`'s
    time: from each move to waiting to the move out of it (a wait not ended counts nothing: the case
    is resolved or closed, which ended it)."""
    h = CASE_STATUS_CHANGE
    changes = conn.execute(sa.select(h.c.case_id, h.c.from_status, h.c.to_status, h.c.changed_at)
                           .where(h.c.case_id.in_(cases)).order_by(h.c.case_id, h.c.changed_at, h.c.id))
    total: dict[int, timedelta] = {}
    started: dict[int, datetime] = {}
    for case_id, before, after, at in changes:
        at = as_utc(at)
        if after == "waiting":
            started[case_id] = at
        elif before == "waiting" and case_id in started:
            total[case_id] = total.get(case_id, timedelta(0)) + counting.between(started.pop(case_id), at)
    return total


def _minutes(span: timedelta) -> int:
    return max(0, int(span.total_seconds() // 60))


def _priority_rank(priority: str) -> int:
    from crmcli.core.cases import PRIORITIES

    return -PRIORITIES.index(priority) if priority in PRIORITIES else 1  # urgent first


def span_text(minutes: int | None) -> str:
    """A duration for people: `45 min`, `3 h 20 min`, `2 d 4 h` (a day of 24 hours, or of business
    hours' time counted as hours: `11 h`)."""
    if minutes is None:
        return ""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (mins, "min")) if n]
    return " ".join(parts[:2]) or "0 min"


def pivot(items: Sequence[Any], columns: Sequence[str], column_of: Any) -> list[tuple[str, str, list[int]]]:
    """(kind, priority, counts by column) rows of a table: `column_of(item)` names its column."""
    table: dict[tuple[str, str], list[int]] = {}
    for item in items:
        row = table.setdefault((item.kind, item.priority), [0] * len(columns))
        row[columns.index(column_of(item))] += item.count
    return [(kind, priority, counts) for (kind, priority), counts in table.items()]
