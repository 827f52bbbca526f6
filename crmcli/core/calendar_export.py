"""Open follow-ups as calendar items for `crm export ics`.

One Core select over the follow-up and contact tables (exports read rows, not ORM objects).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from crmcli.core.dates import Recurrence, parse_recurrence
from crmcli.core.clock import as_utc
from crmcli.core.models import Contact, FollowUp


@dataclass(frozen=True)
class CalendarItem:
    """One open follow-up, as much of it as a calendar shows (crmcli.io.ics writes these)."""

    uid: str
    title: str
    contact_name: str
    note: str | None
    due_at: datetime  # aware UTC
    all_day: bool  # due on a day: due_at is that day's local midnight
    recurrence: Recurrence | None = None  # its repeat rule, read from the stored phrase
    updated_at: datetime | None = None  # when it last changed, if known


def open_items(conn_or_session: Connection | Session, *, contact_id: int | None = None) -> list[CalendarItem]:
    """Follow-ups not done yet (of one contact, if given), soonest first, with the contact's name."""
    f, c = FollowUp.__table__, Contact.__table__  # type: ignore[attr-defined]
    stmt = (
        sa.select(f.c.uid, f.c.title, c.c.name, f.c.note, f.c.due_at, f.c.all_day, f.c.repeat, f.c.updated_at)
        .select_from(f.join(c, c.c.id == f.c.contact_id))
        .where(f.c.done_at.is_(None))
        .order_by(f.c.due_at, f.c.id)
    )
    if contact_id is not None:
        stmt = stmt.where(f.c.contact_id == contact_id)
    # A SQLModel session warns on execute(); its connection runs the same transaction.
    conn = conn_or_session.connection() if isinstance(conn_or_session, Session) else conn_or_session
    return [
        CalendarItem(uid=uid, title=title, contact_name=name, note=note, due_at=as_utc(due_at), all_day=bool(all_day),
                     recurrence=parse_recurrence(repeat) if repeat else None, updated_at=as_utc(updated_at))
        for uid, title, name, note, due_at, all_day, repeat, updated_at in conn.execute(stmt)
    ]
