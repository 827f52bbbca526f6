"""Follow-ups: what to do for whom, by when; recurring ones come back, counted from their due date.

A follow-up is due on a day (all-day, stored as the local midnight that starts it) or at a time.
"Due" and "overdue" are always judged against a moment `as_of` (now, or `crm remind --as-of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from crmcli.core import dates
from crmcli.core.identity import Me, login_name, new_owner, owned_by, owner_name
from crmcli.core.models import Contact, FollowUp, Interaction, utcnow
from crmcli.core.rows import Rows
from crmcli.errors import Conflict, Invalid

Scope = Literal["open", "overdue", "today", "week", "done", "all"]


@dataclass(frozen=True)
class Due:
    """When a follow-up is due: an instant, and whether it stands for a whole day."""

    at: datetime  # aware UTC
    all_day: bool

    @classmethod
    def parse(cls, text: str, *, now: datetime) -> "Due":
        """A due date as people say it, leaning to the future (`fri` = the next Friday)."""
        when = dates.parse(text, now=now, lean="future")
        return cls(when.to_utc(now.tzinfo), when.is_all_day)  # type: ignore[arg-type]


def split_follow_up(text: str) -> tuple[str, str]:
    """`"fri: send the revised quote"` -> ("fri", "send the revised quote") for `crm log --follow-up`."""
    when, sep, title = text.partition(":")
    if not sep or not when.strip() or not title.strip():
        raise Invalid(f"a follow-up is written WHEN: WHAT, e.g. \"fri: send the revised quote\", not {text!r}",
                      hint="follow_up_spec")
    return when.strip(), title.strip()


@dataclass(frozen=True)
class Planned:
    """A follow-up to add along with something else (a logged call): when it is due, and what."""

    due: Due
    title: str

    @classmethod
    def parse(cls, text: str, *, now: datetime) -> "Planned":
        """`"fri: send the revised quote"`, the due date leaning to the future."""
        when, title = split_follow_up(text)
        return cls(Due.parse(when, now=now), title)


def check_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise Invalid("a follow-up needs a title: what is to be done")
    return cleaned


def check_repeat(text: str | None) -> str | None:
    """Store a recurrence in the words crm reads back ("every 2 weeks")."""
    return None if text is None else dates.parse_recurrence(text).describe()


def add(session: Session, contact: Contact, title: str, due: Due, *, repeat: str | None = None,
        note: str | None = None, deal_id: int | None = None, owner: str | None = None,
        me: Me = login_name) -> FollowUp:
    """A follow-up for `contact`, to be done by `owner` (a name, "me" or "" for nobody), else by
    `me`, who adds it."""
    now = utcnow()
    item = FollowUp(contact_id=contact.id, title=check_title(title), due_at=due.at, all_day=due.all_day,  # type: ignore[arg-type]
                    repeat=check_repeat(repeat), note=(note or "").strip() or None, deal_id=deal_id,
                    owner=new_owner(owner, me), created_at=now, updated_at=now)
    session.add(item)
    session.flush()
    return item


def get(session: Session, ref: str | int) -> FollowUp:
    from crmcli.core.refs import by_id

    return by_id(session, FollowUp, ref, "a follow-up")


def _open(item: FollowUp) -> FollowUp:
    if item.done_at is not None:
        raise Conflict(f"follow-up #{item.id} was already done on {item.done_at:%Y-%m-%d}; nothing changed")
    return item


def done(session: Session, item: FollowUp, zone: tzinfo) -> FollowUp | None:
    """Mark done; a recurring follow-up gets its next occurrence (returned), counted from its due date."""
    _open(item)
    now = utcnow()
    item.done_at = now
    item.updated_at = now
    session.add(item)
    following = None
    if item.repeat:
        rule = dates.parse_recurrence(item.repeat)
        local_due = _as_utc(item.due_at).astimezone(zone)  # keep the local wall clock (09:00 stays 09:00)
        next_due = rule.next_after(local_due)
        following = FollowUp(contact_id=item.contact_id, title=item.title, note=item.note, deal_id=item.deal_id,
                             owner=item.owner, due_at=next_due.astimezone(UTC),  # type: ignore[union-attr]
                             all_day=item.all_day, repeat=item.repeat, created_at=now, updated_at=now)
        session.add(following)
    session.flush()
    return following


def complete(session: Session, item: FollowUp, zone: tzinfo, *, log: str | None = None,
             kind: str = "call") -> tuple[FollowUp | None, Interaction | None]:
    """`done`, and optionally log what was done with the same contact, in the caller's transaction.
    Returns the next occurrence (recurring ones) and the logged interaction."""
    from crmcli.core import interactions

    following = done(session, item, zone)
    entry = None
    if log is not None:
        contact = session.get(Contact, item.contact_id)
        entry = interactions.log(session, [contact], log, kind=kind)  # type: ignore[list-item]
    return following, entry


def within_days(text: str) -> int:
    """A look-ahead in whole days after today (`1d` = tomorrow too, `2w`, `1 month`)."""
    cleaned = text.strip().lower()
    if cleaned in ("0", "0d", "today"):
        return 0
    try:
        delta = dates.parse_duration(cleaned)  # relativedelta keeps weeks as days
    except dates.DateError:
        raise Invalid(f"cannot read the length of time {text!r}; try: 0d, 1d, 2w, 1 month") from None
    if delta.hours or delta.minutes:
        raise Invalid(f"a look-ahead counts whole days (1d, 2w, 1 month), not {text!r}")
    return delta.days + 30 * delta.months + 365 * delta.years


def snooze(session: Session, item: FollowUp, text: str, *, now: datetime) -> FollowUp:
    """Push a follow-up back, by a length of time or to a date; never into the past.

    The one rule: a length (`2 days`, `1w`, `4h`) counts from the due date, or from now once it is
    overdue. Counting from the due date keeps "snooze" meaning "later than it was" (a follow-up
    due Friday, snoozed 2 days on Wednesday, is due Sunday, not Friday again); counting from now once
    it is overdue makes the snooze land that long ahead rather than still in the past (2 days after a due
    date three weeks gone would still be overdue). An all-day follow-up stays all-day. A date (`monday`,
    `next friday 9am`) is taken as the new due, leaning to the future; one before now (before today,
    for a day) is refused and nothing changes."""
    _open(item)
    try:
        delta = dates.parse_duration(text)
    except dates.DateError:
        due = Due.parse(text, now=now)
    else:
        base = max(_as_utc(item.due_at), now.astimezone(UTC)).astimezone(now.tzinfo)
        try:
            moment = base + delta
        except (ValueError, OverflowError):  # past the year 9999
            moment = None
        if moment is None or moment.date() > dates.LAST_DAY:
            raise Invalid(f"cannot snooze follow-up #{item.id} by {text!r}: that is past the last day crm keeps "
                          f"({dates.LAST_DAY})")
        due = Due.parse(moment.date().isoformat(), now=now) if item.all_day else Due(moment.astimezone(UTC), False)
    local = due.at.astimezone(now.tzinfo)
    this_minute = now.replace(second=0, microsecond=0).astimezone(UTC)  # as bare times count it (dates.py)
    if (local.date() < now.date()) if due.all_day else (due.at < this_minute):
        shown = f"{local:%Y-%m-%d}" if due.all_day else f"{local:%Y-%m-%d %H:%M}"
        raise Invalid(f"cannot snooze follow-up #{item.id} to {shown}: that is in the past; give a later day "
                      "or a length of time such as 2 days")
    item.due_at, item.all_day = due.at, due.all_day
    item.updated_at = utcnow()
    session.add(item)
    session.flush()
    return item


@dataclass
class FollowUpChanges:
    title: str | None = None
    due: Due | None = None
    repeat: str | None = None   # "" stops repeating
    note: str | None = None     # "" clears
    contact: Contact | None = None
    owner: str | None = None    # a name, "me" or "" (nobody)


def edit(session: Session, item: FollowUp, changes: FollowUpChanges, *, me: Me = login_name) -> FollowUp:
    """Change a follow-up; `me` is who an owner typed as "me" is."""
    if changes.title is not None:
        item.title = check_title(changes.title)
    if changes.due is not None:
        item.due_at, item.all_day = changes.due.at, changes.due.all_day
    if changes.repeat is not None:
        item.repeat = check_repeat(changes.repeat) if changes.repeat.strip() else None
    if changes.note is not None:
        item.note = changes.note.strip() or None
    if changes.contact is not None:
        item.contact_id = changes.contact.id  # type: ignore[assignment]
    if changes.owner is not None:
        item.owner = owner_name(changes.owner, me)
    item.updated_at = utcnow()
    session.add(item)
    session.flush()
    return item


def remove(session: Session, item: FollowUp) -> None:
    session.delete(item)
    session.flush()


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- listings ------------------------------------------------------------------------------------

FOLLOW_UP_COLUMNS = ("id", "uid", "due", "all_day", "status", "contact_id", "contact", "title", "repeat", "note",
                     "done", "created", "updated", "deal_id", "deal", "owner")
UID_COLUMNS = ("contact_uid", "deal_uid")  # with `uids`: the contact and deal by uid (exports)


@dataclass(frozen=True)
class Window:
    """The day boundaries a listing is judged by, in UTC: start of `as_of`'s local day, its end, and
    the end of the look-ahead (`--within`, or the week)."""

    now: datetime
    day_start: datetime
    day_end: datetime
    horizon: datetime
    zone: tzinfo

    @classmethod
    def around(cls, as_of: datetime, *, within_days: int = 0) -> "Window":
        start = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
        end = _local_midnight_after(start, 1)
        horizon = _local_midnight_after(start, 1 + within_days)
        return cls(as_of.astimezone(UTC), start.astimezone(UTC), end.astimezone(UTC), horizon.astimezone(UTC),
                   as_of.tzinfo)  # type: ignore[arg-type]


def _local_midnight_after(start: datetime, days: int) -> datetime:
    """Local midnight `days` later, by the wall clock (a day may be 23 or 25 hours long)."""
    return (start.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=start.tzinfo)


def status_expression(window: Window) -> Any:
    """overdue / today / upcoming / done, judged in SQL so listings sort and filter in the database.
    An all-day follow-up is overdue from the next day on; a timed one from its minute."""
    f = FollowUp.__table__
    return sa.case(
        (f.c.done_at.is_not(None), "done"),
        (sa.and_(f.c.all_day, f.c.due_at < window.day_start), "overdue"),
        (sa.and_(~f.c.all_day, f.c.due_at < window.now), "overdue"),
        (f.c.due_at < window.day_end, "today"),
        else_="upcoming",
    )


def rows(conn: Connection, window: Window, *, scope: Scope = "open", contact_id: int | None = None,
         ids: Sequence[int] | None = None, limit: int | None = None, uids: bool = False,
         owner: str | None = None) -> Rows:
    """Follow-ups by urgency: overdue (oldest first), due today, then upcoming; done ones last.
    `uids`: also UID_COLUMNS, the references an import matches on (exports). `owner`: only that
    owner's; "" only those nobody owns (identity.owner_filter)."""
    from crmcli.storage.sql import iso_utc

    from crmcli.core.models import Deal

    f, c, d = FollowUp.__table__, Contact.__table__, Deal.__table__
    status = status_expression(window)
    stmt = sa.select(f.c.id, f.c.uid, iso_utc(f.c.due_at), f.c.all_day, status, f.c.contact_id, c.c.name, f.c.title,
                     f.c.repeat, f.c.note, iso_utc(f.c.done_at), iso_utc(f.c.created_at), iso_utc(f.c.updated_at),
                     f.c.deal_id, d.c.name, f.c.owner) \
        .select_from(f.join(c, c.c.id == f.c.contact_id).outerjoin(d, d.c.id == f.c.deal_id))
    if uids:
        stmt = stmt.add_columns(c.c.uid, d.c.uid)
    open_ = f.c.done_at.is_(None)
    if scope == "open":
        stmt = stmt.where(open_)
    elif scope == "overdue":
        stmt = stmt.where(open_, status == "overdue")
    elif scope == "today":
        stmt = stmt.where(open_, f.c.due_at < window.day_end)
    elif scope == "week":
        stmt = stmt.where(open_, f.c.due_at < window.horizon)
    elif scope == "done":
        stmt = stmt.where(~open_)
    if contact_id is not None:
        stmt = stmt.where(f.c.contact_id == contact_id)
    stmt = stmt.where(*owned_by(f.c.owner, owner))
    if ids is not None:
        stmt = stmt.where(f.c.id.in_(list(ids)))
    stmt = stmt.order_by(f.c.done_at.is_not(None), f.c.due_at, f.c.id) if scope != "done" \
        else stmt.order_by(f.c.done_at.desc(), f.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return Rows(FOLLOW_UP_COLUMNS + (UID_COLUMNS if uids else ()),
                (_day_dues(row, window.zone) for row in conn.execute(stmt)),
                time_columns=frozenset({"due", "done", "created", "updated"}),
                table_columns=("id", "due", "status", "contact", "title", "repeat", "owner"))


def _day_dues(row: Sequence[Any], zone: tzinfo) -> tuple[Any, ...]:
    """An all-day due is a date (2026-11-27), a timed one an instant (2026-11-27T09:00:00Z)."""
    values = list(row)
    if values[3]:
        values[2] = datetime.fromisoformat(values[2].replace("Z", "+00:00")).astimezone(zone).date().isoformat()
    values[3] = bool(values[3])
    return tuple(values)
