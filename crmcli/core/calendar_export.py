"""Open follow-ups as calendar items for `crm export ics`.

One Core select over the follow-up and contact tables (exports read rows, not ORM objects).

A calendar item is named by its follow-up's series: the occurrences of a recurring follow-up share
one `series_uid` (a follow-up that does not repeat is a series of one, named by its own uid), so a
calendar that imports a newer export moves the one repeating event on instead of keeping the
occurrence that was done beside the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from crmcli.core.dates import Recurrence, parse_recurrence
from crmcli.core.clock import as_utc
from crmcli.core.models import Contact, FollowUp


@dataclass(frozen=True)
class CalendarItem:
    """One open follow-up, as much of it as a calendar shows (crmcli.io.ics writes these)."""

    uid: str  # the calendar UID: the follow-up's series uid
    title: str
    contact_name: str
    note: str | None
    due_at: datetime  # aware UTC: when a timed one is due; an all-day one's sort key, never a time
    due_on: date | None = None  # the day an all-day one is due on (the same date in every zone)
    recurrence: Recurrence | None = None  # its repeat rule, read from the stored phrase
    updated_at: datetime | None = None  # when it last changed, if known


def open_items(conn_or_session: Connection | Session, *, contact_id: int | None = None) -> list[CalendarItem]:
    """Follow-ups not done yet (of one contact, if given), soonest first, with the contact's name.
    Each is named by its series (one open occurrence each; should a series have two, the later
    ones keep their own uid, so that no two items share a UID)."""
    f, c = FollowUp.__table__, Contact.__table__  # type: ignore[attr-defined]
    stmt = (
        sa.select(f.c.uid, f.c.series_uid, f.c.title, c.c.name, f.c.note, f.c.due_at, f.c.due_on, f.c.repeat,
                  f.c.updated_at)
        .select_from(f.join(c, c.c.id == f.c.contact_id))
        .where(f.c.done_at.is_(None))
        .order_by(f.c.due_at, f.c.id)
    )
    if contact_id is not None:
        stmt = stmt.where(f.c.contact_id == contact_id)
    # A SQLModel session warns on execute(); its connection runs the same transaction.
    conn = conn_or_session.connection() if isinstance(conn_or_session, Session) else conn_or_session
    named: set[str] = set()
    items = []
    for uid, series, title, name, note, due_at, due_on, repeat, updated_at in conn.execute(stmt):
        chosen = series if series not in named else uid
        named.add(chosen)
        items.append(CalendarItem(uid=chosen, title=title, contact_name=name, note=note, due_at=as_utc(due_at),
                                  due_on=due_on, recurrence=parse_recurrence(repeat) if repeat else None,
                                  updated_at=as_utc(updated_at)))
    return items
