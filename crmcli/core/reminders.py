"""What `crm remind` tells each morning: overdue and due follow-ups, and contacts due on their
keep-in-touch cadence. Everything is selected and ordered in SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core import cadence
from crmcli.core.followups import Window, status_expression
from crmcli.core.models import Contact, FollowUp
from crmcli.core.rows import Rows

REMINDER_COLUMNS = ("section", "id", "contact_id", "contact", "what", "due", "days")
SECTIONS = ("overdue", "due", "keep in touch")


def collect(conn: Connection, window: Window) -> Rows:
    """Rows of (section, id, contact_id, contact, what, due, days): follow-ups overdue (days late) or due
    before the window's horizon, then contacts past their cadence (days over), most overdue first."""
    return Rows(REMINDER_COLUMNS, list(_follow_ups(conn, window)) + list(_cold(conn, window.now)),
                table_columns=REMINDER_COLUMNS)


def _follow_ups(conn: Connection, window: Window) -> Iterator[tuple[Any, ...]]:
    from crmcli.storage.sql import age_days

    f, c = FollowUp.__table__, Contact.__table__
    status = status_expression(window)
    late = age_days(f.c.due_at, sa.literal(window.now, sa.DateTime(timezone=True)))
    stmt = sa.select(status, f.c.id, f.c.contact_id, c.c.name, f.c.title, f.c.due_at, f.c.all_day, late) \
        .select_from(f.join(c, c.c.id == f.c.contact_id)) \
        .where(f.c.done_at.is_(None), f.c.due_at < window.horizon).order_by(f.c.due_at, f.c.id)
    shown = lru_cache(maxsize=4096)(partial(_local_due, zone=window.zone))  # many share a due time
    for state, fid, cid, name, title, due_at, all_day, days in conn.execute(stmt):
        due = shown(due_at, bool(all_day))
        overdue = state == "overdue"
        yield ("overdue" if overdue else "due", fid, cid, name, title, due, int(days) if overdue else 0)


def _local_due(due_at: datetime, all_day: bool, *, zone: Any) -> str:
    moment = due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    return local.date().isoformat() if all_day else local.strftime("%Y-%m-%d %H:%M")


def _cold(conn: Connection, as_of: datetime) -> Iterator[tuple[Any, ...]]:
    c = Contact.__table__
    # Days over computed once per contact in a materialised step: used in WHERE and ORDER BY, the
    # expression would otherwise run three times per contact.
    over = cadence.days_over(c.c.last_contact_at, c.c.created_at, c.c.cadence_days, as_of)
    per_contact = sa.select(c.c.id, c.c.name, c.c.cadence_days, over.label("over")) \
        .where(c.c.cadence_days.is_not(None)).cte("cadenced").prefix_with("MATERIALIZED")
    stmt = sa.select(per_contact).where(per_contact.c.over > 0).order_by(per_contact.c.over.desc(),
                                                                         per_contact.c.id)
    for cid, name, days, past in conn.execute(stmt):
        yield ("keep in touch", cid, cid, name, cadence.describe(days), "", int(past))
