"""Service cases written straight into their tables, in any state a test needs (a breach long ago,
a wait, a late close), without going through the cases service's rules: the readers under test
(timeline, card, remind, report, privacy) must read whatever the tables hold."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.models import CASE_STATUS_CHANGE, ServiceCase, new_uid

HOUR = timedelta(hours=1)


def add_case(conn: Connection, contact_id: int, title: str, *, opened: datetime, kind: str = "request",
             priority: str = "normal", response_due: datetime | None = None, resolve_due: datetime | None = None,
             moves: Sequence[tuple[str, datetime]] = (), owner: str | None = None,
             deal_id: int | None = None) -> int:
    """A case opened at `opened` (status new), then moved through `moves` ((status, at), in order):
    each move is a status change row, and sets the times a move sets (first response on leaving
    new, resolved/closed, waiting since). Deadlines default to 8 h / 5 days after opening."""
    k = ServiceCase.__table__  # type: ignore[attr-defined]
    response_due = response_due or opened + 8 * HOUR
    resolve_due = resolve_due or opened + timedelta(days=5)
    times: dict[str, datetime | None] = {"first_response_at": None, "resolved_at": None, "closed_at": None,
                                         "waiting_since": None}
    status, history = "new", [(None, "new", opened)]
    for to, at in moves:
        if status == "new" and to != "new":
            times["first_response_at"] = times["first_response_at"] or at
        if to == "resolved":
            times["resolved_at"] = at
        if to == "closed":
            times["closed_at"] = at
            times["resolved_at"] = times["resolved_at"] or at
        times["waiting_since"] = at if to == "waiting" else None
        history.append((status, to, at))
        status = to
    case_id = conn.execute(sa.insert(k).values(
        uid=new_uid(), contact_id=contact_id, deal_id=deal_id, title=title, kind=kind, priority=priority,
        status=status, owner=owner, opened_at=opened, response_due_at=response_due, resolve_due_at=resolve_due,
        created_at=opened, updated_at=history[-1][2], version=1, **times).returning(k.c.id)).scalar_one()
    conn.execute(sa.insert(CASE_STATUS_CHANGE), [{"case_id": case_id, "from_status": before, "to_status": after,
                                                 "changed_at": at} for before, after, at in history])
    return int(case_id)
