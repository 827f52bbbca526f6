"""Follow-ups: what to do for whom, by when; recurring ones come back, counted from their due date.

A follow-up is due on a day (all-day) or at a time. A day is a date, `due_on`: the same day in every
zone, so a move to another zone never shifts it; it is due today when `due_on` is today where the
user is, overdue from the next day on. Its `due_at` (kept NOT NULL, the column listings sort by and
the index `(done_at, due_at)` covers) is then only a sort key, `day_key(due_on)`: 12:00 UTC of that
date, which falls on that same date in every zone within 12 hours of UTC (so days sort in their
order among timed dues), and which nothing reads as a time. A timed follow-up's `due_at` is its
instant, `due_on` NULL. `Due` is that pair as one value; every reader goes through it.

"Due" and "overdue" are always judged against a moment `as_of` (now, or `crm remind --as-of`) and
its zone's calendar day.

The occurrences of a recurring follow-up share one `series_uid` (a new follow-up's is its own uid):
the calendar export names the series by it, so a calendar that imports the export again moves the
one event forward instead of keeping the occurrence that was done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from crmcli.core import dates
from crmcli.core.clock import as_utc
from crmcli.core.identity import Me, login_name, new_owner, owned_by, owner_name
from crmcli.core.models import Contact, FollowUp, Interaction, new_uid, utcnow
from crmcli.core.rows import Rows
from crmcli.errors import Conflict, Invalid

Scope = Literal["open", "overdue", "today", "week", "done", "all"]


def day_key(day: date) -> datetime:
    """The `due_at` of a follow-up due on `day` (all-day): 12:00 UTC of that date. A sort key only."""
    return datetime.combine(day, time(12), UTC)


@dataclass(frozen=True)
class Due:
    """When a follow-up is due: at an instant, or on a day (`all_day`).

    A day is a date, the same in every zone (`on`); `at` is then its sort key, `day_key(on)`. Made
    from an instant with `all_day`, the day is that instant's UTC date: `Due(datetime(2026, 11, 27,
    tzinfo=UTC), True)` is due on 2026-11-27, as is `Due.day(date(2026, 11, 27))`."""

    at: datetime  # aware UTC: the instant, or the day's sort key (naive is read as UTC)
    all_day: bool = False

    def __post_init__(self) -> None:
        at = as_utc(self.at)
        object.__setattr__(self, "at", day_key(at.date()) if self.all_day else at)

    @classmethod
    def day(cls, on: date) -> "Due":
        return cls(day_key(on), True)

    @classmethod
    def stored(cls, due_at: datetime, due_on: date | None) -> "Due":
        """A follow-up's due as its row keeps it: the day when it has one, else the instant."""
        return cls.day(due_on) if due_on is not None else cls(due_at)

    @classmethod
    def parse(cls, text: str, *, now: datetime) -> "Due":
        """A due date as people say it, leaning to the future (`fri` = the next Friday); a date
        without a time is that day, in now's zone."""
        when = dates.parse(text, now=now, lean="future")
        return cls.day(when.day) if when.is_all_day else cls(when.to_utc(now.tzinfo))  # type: ignore[arg-type]

    @property
    def on(self) -> date | None:
        """The day of an all-day due; None for a timed one."""
        return self.at.date() if self.all_day else None

    def shown(self, zone: tzinfo | None = None) -> str:
        """As people read and type it, in `zone` (None: the local one): the day `2026-11-27`, or the
        time `2026-11-27 09:00`."""
        return self.at.date().isoformat() if self.all_day else self._local(zone).strftime("%Y-%m-%d %H:%M")

    def _local(self, zone: tzinfo | None) -> datetime:
        from crmcli.core.clock import to_local

        return to_local(self.at) if zone is None else self.at.astimezone(zone)


def due_of(item: FollowUp) -> Due:
    """A follow-up's due, as its row keeps it."""
    return Due.stored(item.due_at, item.due_on)


def _set_due(item: FollowUp, due: Due) -> None:
    """Write a due into its three columns together (the day, its flag, and the sort key or instant)."""
    item.due_at, item.all_day, item.due_on = due.at, due.all_day, due.on


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
    uid = new_uid()  # a new follow-up starts its own series
    item = FollowUp(uid=uid, series_uid=uid, contact_id=contact.id, title=check_title(title),  # type: ignore[arg-type]
                    due_at=due.at, all_day=due.all_day, due_on=due.on, repeat=check_repeat(repeat),
                    note=(note or "").strip() or None, deal_id=deal_id, owner=new_owner(owner, me), created_at=now,
                    updated_at=now)
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
    """Mark done; a recurring follow-up gets its next occurrence (returned), counted from its due date
    (a day from its day; a time on the same local wall clock of `zone`), in the same series."""
    _open(item)
    now = utcnow()
    item.done_at = now
    item.updated_at = now
    session.add(item)
    following = None
    if item.repeat:
        rule = dates.parse_recurrence(item.repeat)
        due = due_of(item)
        if due.on is not None:
            next_due = Due.day(rule.next_after(due.on))  # type: ignore[arg-type]
        else:  # keep the local wall clock (09:00 stays 09:00)
            next_due = Due(rule.next_after(due.at.astimezone(zone)))  # type: ignore[arg-type]
        following = FollowUp(uid=new_uid(), series_uid=item.series_uid, contact_id=item.contact_id, title=item.title,
                             note=item.note, deal_id=item.deal_id, owner=item.owner, due_at=next_due.at,
                             all_day=next_due.all_day, due_on=next_due.on, repeat=item.repeat, created_at=now,
                             updated_at=now)
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
    current = due_of(item)
    try:
        delta = dates.parse_duration(text)
    except dates.DateError:
        due = Due.parse(text, now=now)
    else:
        # A day counts from the local midnight that starts it: `4h` keeps it on its day.
        start = datetime.combine(current.on, time(), now.tzinfo) if current.on is not None else current.at
        base = max(start, now).astimezone(now.tzinfo)
        try:
            moment = base + delta
        except (ValueError, OverflowError):  # past the year 9999
            moment = None
        if moment is None or moment.date() > dates.LAST_DAY:
            raise Invalid(f"cannot snooze follow-up #{item.id} by {text!r}: that is past the last day crm keeps "
                          f"({dates.LAST_DAY})")
        due = Due.day(moment.date()) if current.all_day else Due(moment)
    this_minute = now.replace(second=0, microsecond=0).astimezone(UTC)  # as bare times count it (dates.py)
    if (due.on < now.date()) if due.on is not None else (due.at < this_minute):
        raise Invalid(f"cannot snooze follow-up #{item.id} to {due.shown(now.tzinfo)}: that is in the past; give a "
                      "later day or a length of time such as 2 days")
    _set_due(item, due)
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
        _set_due(item, changes.due)
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


# -- listings ------------------------------------------------------------------------------------

FOLLOW_UP_COLUMNS = ("id", "uid", "due", "all_day", "status", "contact_id", "contact", "title", "repeat", "note",
                     "done", "created", "updated", "deal_id", "deal", "owner")
# With `uids` (exports): the contact and deal by uid, and the series the follow-up belongs to (the
# uid its occurrences share, when it repeats).
UID_COLUMNS = ("contact_uid", "deal_uid", "series_uid")


@dataclass(frozen=True)
class Window:
    """The day boundaries a listing is judged by: in UTC, the start of `as_of`'s local day, its end,
    and the end of the look-ahead (`--within`, or the week), for timed dues; and the same as
    calendar days (`today`, `horizon_day`: the first day past the look-ahead), for all-day ones."""

    now: datetime
    day_start: datetime
    day_end: datetime
    horizon: datetime
    zone: tzinfo
    today: date
    horizon_day: date

    @classmethod
    def around(cls, as_of: datetime, *, within_days: int = 0) -> "Window":
        start = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
        end = _local_midnight_after(start, 1)
        horizon = _local_midnight_after(start, 1 + within_days)
        return cls(as_of.astimezone(UTC), start.astimezone(UTC), end.astimezone(UTC), horizon.astimezone(UTC),
                   as_of.tzinfo, as_of.date(), horizon.date())  # type: ignore[arg-type]

    def overdue(self) -> Any:
        """Due before now: a timed one from its minute, an all-day one from the day after its day."""
        return due_before(self.now, self.today)

    def by_today(self) -> Any:
        """Due by the end of today (overdue ones too)."""
        return due_before(self.day_end, self.today + timedelta(days=1))

    def by_horizon(self) -> Any:
        """Due by the end of the look-ahead (overdue ones too)."""
        return due_before(self.horizon, self.horizon_day)


def _local_midnight_after(start: datetime, days: int) -> datetime:
    """Local midnight `days` later, by the wall clock (a day may be 23 or 25 hours long)."""
    return (start.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=start.tzinfo)


def _before(moment: datetime, day: date) -> Any:
    """Due before `moment` (a timed one) or on a day before `day` (an all-day one)."""
    f = FollowUp.__table__
    return sa.or_(sa.and_(f.c.all_day, f.c.due_on < day), sa.and_(~f.c.all_day, f.c.due_at < moment))


def due_before(moment: datetime, day: date) -> Any:
    """`_before`, as one range of the index on (done_at, due_at): bounded by the later of `moment`
    and `day`'s sort key (an all-day due before `day` sits below that key), then tested exactly."""
    return sa.and_(FollowUp.__table__.c.due_at < max(moment, day_key(day)), _before(moment, day))


def status_expression(window: Window) -> Any:
    """overdue / today / upcoming / done, judged in SQL so listings sort and filter in the database.
    An all-day follow-up is overdue from the day after its day (in the window's zone); a timed one
    from its minute."""
    f = FollowUp.__table__
    return sa.case(
        (f.c.done_at.is_not(None), "done"),
        (_before(window.now, window.today), "overdue"),
        (_before(window.day_end, window.today + timedelta(days=1)), "today"),
        else_="upcoming",
    )


def rows(conn: Connection, window: Window, *, scope: Scope = "open", contact_id: int | None = None,
         ids: Sequence[int] | None = None, limit: int | None = None, uids: bool = False,
         owner: str | None = None) -> Rows:
    """Follow-ups by urgency: overdue (oldest first), due today, then upcoming; done ones last.
    `due` is a day (2026-11-27) for an all-day one, else a UTC instant (2026-11-27T09:00:00Z).
    `uids`: also UID_COLUMNS, the references an import matches on (exports). `owner`: only that
    owner's; "" only those nobody owns (identity.owner_filter)."""
    from crmcli.storage.sql import iso_utc

    from crmcli.core.models import Deal

    f, c, d = FollowUp.__table__, Contact.__table__, Deal.__table__
    stmt = sa.select(f.c.id, f.c.uid, iso_utc(f.c.due_at), f.c.all_day, status_expression(window), f.c.contact_id,
                     c.c.name, f.c.title, f.c.repeat, f.c.note, iso_utc(f.c.done_at), iso_utc(f.c.created_at),
                     iso_utc(f.c.updated_at), f.c.deal_id, d.c.name, f.c.owner) \
        .select_from(f.join(c, c.c.id == f.c.contact_id).outerjoin(d, d.c.id == f.c.deal_id))
    if uids:
        stmt = stmt.add_columns(c.c.uid, d.c.uid, f.c.series_uid)
    stmt = stmt.add_columns(f.c.due_on)  # read by _day_dues, not a column of the listing
    open_ = f.c.done_at.is_(None)
    if scope == "open":
        stmt = stmt.where(open_)
    elif scope == "overdue":
        stmt = stmt.where(open_, window.overdue())
    elif scope == "today":
        stmt = stmt.where(open_, window.by_today())
    elif scope == "week":
        stmt = stmt.where(open_, window.by_horizon())
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
                (_day_dues(row) for row in conn.execute(stmt)),
                time_columns=frozenset({"due", "done", "created", "updated"}),
                table_columns=("id", "due", "status", "contact", "title", "repeat", "owner"))


def _day_dues(row: Sequence[Any]) -> tuple[Any, ...]:
    """An all-day due is its day (2026-11-27), a timed one its instant (2026-11-27T09:00:00Z)."""
    *values, due_on = row
    if values[3]:
        values[2] = due_on.isoformat()
    values[3] = bool(values[3])
    return tuple(values)
