"""Open follow-ups as calendar items for `crm export ics`.

One Core select over the follow-up and contact tables (exports read rows, not ORM objects).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from crmcli.core.models import Contact, FollowUp
from crmcli.io.ics import IcsItem


def open_items(conn_or_session: Connection | Session, *, contact_id: int | None = None) -> list[IcsItem]:
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
        IcsItem(uid=uid, title=title, contact_name=name, note=note, due_at=_aware(due_at), all_day=bool(all_day),
                repeat=repeat, updated_at=_aware(updated_at))
        for uid, title, name, note, due_at, all_day, repeat, updated_at in conn.execute(stmt)
    ]


def _aware(moment: datetime) -> datetime:
    """SQLite gives stored UTC times back naive; PostgreSQL gives them aware."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
