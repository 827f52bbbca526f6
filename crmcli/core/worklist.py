"""Open follow-ups by urgency, as the TUI's follow-ups view groups them: overdue, due today, due this
week (within 7 days, as `follow-ups list --week` counts it), later. Selected and ordered in SQL by
followups.rows; the result is plain values that outlive the connection. Every open follow-up is
there, those of contacts marked "do not contact" too (flagged: reminders leave them out, but they
are still to be done, snoozed or deleted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy.engine import Connection

from crmcli.core.contacts import marked_do_not_contact
from crmcli.core.followups import Window, rows

Urgency = Literal["overdue", "today", "this week", "later"]
URGENCIES: tuple[Urgency, ...] = ("overdue", "today", "this week", "later")
WEEK_DAYS = 6  # today and the six days after it: the CLI's --week


@dataclass(frozen=True)
class OpenFollowUp:
    id: int
    urgency: Urgency
    due: str                 # local: a day (2026-11-27) or a time (2026-11-27 09:00)
    days_late: int           # whole days past due (overdue ones), else 0
    contact_id: int
    contact: str
    title: str
    repeat: str | None
    deal: str | None
    do_not_contact: bool = False  # its contact is marked "do not contact"


@dataclass(frozen=True)
class Worklist:
    items: tuple[OpenFollowUp, ...]  # overdue (oldest first), today, this week, later
    more: bool                       # more open follow-ups than `limit`

    def count(self, urgency: Urgency) -> int:
        return sum(1 for i in self.items if i.urgency == urgency)


def worklist(conn: Connection, as_of: datetime, *, limit: int | None = None) -> Worklist:
    """Open follow-ups judged at `as_of` (aware: its zone says where days start), soonest due first."""
    window = Window.around(as_of, within_days=WEEK_DAYS)
    today = as_of.date()
    found = list(rows(conn, window, scope="open", limit=None if limit is None else limit + 1).rows)
    shown = found[:limit] if limit is not None else found
    marked = marked_do_not_contact(conn, (r[5] for r in shown))
    items = []
    for r in shown:
        fid, due, all_day, status, contact_id, contact, title, repeat, deal = \
            r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[14]
        if all_day:
            day, due_shown = date.fromisoformat(due), due
        else:
            moment = datetime.fromisoformat(due.replace("Z", "+00:00"))
            local = moment.astimezone(as_of.tzinfo)
            day, due_shown = local.date(), local.strftime("%Y-%m-%d %H:%M")
        if status == "overdue":
            urgency: Urgency = "overdue"
            late = (today - day).days if all_day else int((window.now - moment).total_seconds() // 86400)
        else:
            urgency = "today" if status == "today" else "this week" if (day - today).days <= WEEK_DAYS else "later"
            late = 0
        items.append(OpenFollowUp(fid, urgency, due_shown, late, contact_id, contact, title, repeat, deal,
                                  contact_id in marked))
    # an all-day follow-up due today may sort before one timed earlier today and already late
    items.sort(key=lambda i: URGENCIES.index(i.urgency))
    return Worklist(tuple(items), limit is not None and len(found) > limit)
