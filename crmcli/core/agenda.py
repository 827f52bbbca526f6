"""The agenda: what is to be done as of one instant — follow-ups overdue and due, contacts due on
their keep-in-touch cadence, and (when asked for) service cases near or past a deadline. `crm remind`
prints it each morning; the TUI's dashboard shows it. Everything is selected in SQL; the result is
plain values that outlive the connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core import cadence
from crmcli.core.clock import as_utc
from crmcli.core.followups import Due, Window, day_key
from crmcli.core.identity import owned_by
from crmcli.core.models import Contact, FollowUp, contactable
from crmcli.core.rows import Rows

if TYPE_CHECKING:
    from crmcli.core.business_hours import BusinessHours

Section = Literal["overdue", "due", "cases", "keep in touch"]
SECTIONS: tuple[Section, ...] = ("overdue", "due", "cases", "keep in touch")
AGENDA_COLUMNS = ("section", "id", "contact_id", "contact", "what", "due", "days")


@dataclass(frozen=True)
class AgendaItem:
    """A follow-up to do (`follow_up_id`, `due` set), a case near or past a deadline (`case_id`, `due`
    the deadline), or a contact to get in touch with (neither)."""

    section: Section
    follow_up_id: int | None
    contact_id: int
    contact: str
    what: str                # the follow-up's title, the case's title and state, or the cadence ("every 30 days")
    due: Due | None          # when the follow-up is due (a day, or an instant); the case's deadline
    days: int                # days late (overdue, a case), days past the cadence (keep in touch), else 0
    case_id: int | None = None


@dataclass(frozen=True)
class Agenda:
    as_of: datetime  # the instant judged at, in the zone whose days "due" counts
    overdue: tuple[AgendaItem, ...]
    due: tuple[AgendaItem, ...]
    keep_in_touch: tuple[AgendaItem, ...]
    counts: dict[Section, int]  # every item of each section, also those a limit left out
    cases: tuple[AgendaItem, ...] = ()  # open cases near or past a deadline, when asked for (never limited)

    @property
    def items(self) -> tuple[AgendaItem, ...]:
        return self.overdue + self.due + self.cases + self.keep_in_touch

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __bool__(self) -> bool:
        return self.total > 0

    def rows(self) -> Rows:
        """The machine formats' rows: `id` is the follow-up's, the case's, or the contact's for
        keep-in-touch; `due` is local time as text (a day for an all-day one), "" for keep-in-touch."""
        zone = self.as_of.tzinfo
        shown = lru_cache(maxsize=4096)(lambda due: due.shown(zone))  # many share a due time
        return Rows(AGENDA_COLUMNS, [
            (i.section, i.follow_up_id or i.case_id or i.contact_id, i.contact_id, i.contact,
             i.what, "" if i.due is None else shown(i.due), i.days) for i in self.items],
            table_columns=AGENDA_COLUMNS)


def agenda(conn: Connection, as_of: datetime, within_days: int = 0, *, limit: int | None = None,
           cadences: bool = True, owner: str | None = None, cases: bool = False,
           hours: BusinessHours | None = None, segment: Any = None) -> Agenda:
    """Follow-ups overdue (oldest first, with days late) or due before the end of `within_days` days
    after `as_of`'s day, then contacts past their cadence, most overdue first. `as_of` must be aware
    (see clock.resolve_as_of): its zone says where a day starts and ends. `limit`: only the first
    that many items, in that order (a screen showing a page of thousands); `counts` counts them all.
    `cadences=False`: the follow-ups alone (the dashboard shows contacts past their cadence apart).
    `owner`: only the follow-ups and the contacts that owner owns (what nobody owns is nobody's).
    A contact marked "do not contact" is left out whole: neither its cadence nor its follow-ups
    (they stay in the follow-up listings, as records).
    `cases`: also the `cases` section (see `near_cases`), near meaning within one day of `hours`
    (business hours; None: every hour counts).
    `segment`: only the items about the contacts a segment holds (its SQL condition over the
    contact table: segments.condition)."""
    window = Window.around(as_of, within_days=within_days)
    people = () if segment is None else (segment,)
    overdue = tuple(_follow_ups(conn, window, "overdue", limit, owner, people))
    due = tuple(_follow_ups(conn, window, "due", _left(limit, overdue), owner, people))
    cold = tuple(_cold(conn, window.now, _left(limit, overdue, due), owner, people)) if cadences else ()
    near = tuple(near_cases(conn, window, hours, owner, people)) if cases else ()
    counts: dict[Section, int] = {"overdue": len(overdue), "due": len(due), "keep in touch": len(cold)}
    if limit is not None:
        counts = _counts(conn, window, cadences, owner, people)
    if cases:
        counts["cases"] = len(near)
    return Agenda(as_of, overdue, due, cold, counts, near)


def case_horizon(window: Window, hours: BusinessHours | None) -> datetime:
    """How far ahead a case's deadline counts as near: one business day (the same time on the next
    open day) when business hours are set, else 24 hours; or the end of the look-ahead, if later."""
    if hours is None:
        return max(window.now + timedelta(days=1), window.horizon)
    from crmcli.core.business_hours import Budget

    return max(hours.add(window.now, Budget(days=1)), window.horizon)


def near_cases(conn: Connection, window: Window, hours: BusinessHours | None, owner: str | None,
               people: tuple[Any, ...] = ()) -> list[AgendaItem]:
    """Open cases (new or open: a case waiting on the customer is paused, never late) whose response
    (while none came) or resolution deadline is past or near (case_horizon): breached first, then
    urgent first, then the nearest deadline. Contacts marked "do not contact" are not left out: a
    case is a promise made to them. One query: SQLite reads the index on (status, resolve_due_at)
    for each of its two terms (a range of it for the resolution), not the whole table; the deadline
    at stake and the order are worked out there too (a cron run may list thousands)."""
    from crmcli.core.case_deadlines import PRIORITIES
    from crmcli.core.models import ServiceCase
    from crmcli.core.text import counted

    k, c = ServiceCase.__table__, Contact.__table__  # type: ignore[attr-defined]
    rank = {p: n for n, p in enumerate(reversed(PRIORITIES))}  # urgent first, as the cases' listings
    now = sa.literal(window.now, sa.DateTime(timezone=True))
    horizon = sa.literal(case_horizon(window, hours), sa.DateTime(timezone=True))
    # The deadline it works towards: the response while none came (unless only the resolution is
    # already late), else the resolution.
    towards_response = sa.and_(k.c.first_response_at.is_(None),
                               sa.or_(k.c.response_due_at <= now, k.c.resolve_due_at > now))
    due = sa.case((towards_response, k.c.response_due_at), else_=k.c.resolve_due_at)
    stmt = sa.select(k.c.id, k.c.contact_id, c.c.name, k.c.title, k.c.priority,
                     sa.case((towards_response, "response"), else_="resolution"), due) \
        .select_from(k.join(c, c.c.id == k.c.contact_id)) \
        .where(sa.or_(sa.and_(k.c.status.in_(["new", "open"]), k.c.resolve_due_at <= horizon),
                      # no response yet is a new case (the first response moves it out of new)
                      sa.and_(k.c.status == "new", k.c.first_response_at.is_(None), k.c.response_due_at <= horizon)),
               *owned_by(k.c.owner, owner), *people) \
        .order_by(sa.case((due <= now, 0), else_=1), sa.case(rank, value=k.c.priority, else_=9), due, k.c.id)
    found = []
    for case_id, contact_id, name, title, priority, what, due_at in conn.execute(stmt):
        due_at = as_utc(due_at)
        late = due_at <= window.now
        days = int((window.now - due_at).total_seconds() // 86400) if late else 0
        state = f"{what} {counted(days, 'day')} late" if days else f"{what} late" if late else f"{what} due"
        found.append(AgendaItem("cases", None, contact_id, name, f"{title} ({priority}; {state})", Due(due_at), days,
                                case_id))
    return found


def _left(limit: int | None, *taken: tuple[AgendaItem, ...]) -> int | None:
    return None if limit is None else max(limit - sum(len(t) for t in taken), 0)


def _in_section(window: Window, section: Section, owner: str | None = None) -> Any:
    """The open follow-ups of one section, as followups.status_expression judges them, written so
    the index on (done_at, due_at) does the work: one range of it each (walked in order, a limited
    listing stops early), the rows in it tested exactly (followups.due_before). Due ones start at
    today's midnight, or at today's sort key for an all-day one, whichever is earlier."""
    f = FollowUp.__table__
    mine = owned_by(f.c.owner, owner)
    if section == "overdue":
        return sa.and_(f.c.done_at.is_(None), window.overdue(), *mine)
    return sa.and_(f.c.done_at.is_(None), f.c.due_at >= min(window.day_start, day_key(window.today)),
                   window.by_horizon(), sa.not_(window.overdue()), *mine)


def _follow_ups(conn: Connection, window: Window, section: Section, limit: int | None,
                owner: str | None, people: tuple[Any, ...] = ()) -> Iterator[AgendaItem]:
    from crmcli.storage.sql import age_days

    if limit == 0:
        return
    f, c = FollowUp.__table__, Contact.__table__
    age = age_days(f.c.due_at, sa.literal(window.now, sa.DateTime(timezone=True)))
    stmt = sa.select(f.c.id, f.c.contact_id, c.c.name, f.c.title, f.c.due_at, f.c.due_on, age) \
        .select_from(f.join(c, c.c.id == f.c.contact_id)).where(_in_section(window, section, owner), contactable(), *people) \
        .order_by(f.c.due_at, f.c.id).limit(limit)
    for fid, cid, name, title, due_at, due_on, days in conn.execute(stmt):
        due = Due.stored(due_at, due_on)
        if section != "overdue":
            late = 0
        elif due.on is not None:  # whole days since its day, in the user's calendar
            late = (window.today - due.on).days
        else:
            late = int(days)
        yield AgendaItem(section, fid, cid, name, title, due, late)


def _cadenced(as_of: datetime, owner: str | None, people: tuple[Any, ...] = ()) -> Any:
    """Contacts with a cadence, not marked "do not contact", and their days past it, computed once
    per contact in a materialised step: used in WHERE and ORDER BY, the expression would otherwise
    run three times per contact. Both conditions are named, as the partial index ix_contact_cadence
    states them, or SQLite would not read that index (a test checks the plan)."""
    c = Contact.__table__
    over = cadence.days_over(c.c.last_contact_at, c.c.created_at, c.c.cadence_days, as_of)
    return sa.select(c.c.id, c.c.name, c.c.cadence_days, over.label("over")) \
        .where(c.c.cadence_days.is_not(None), contactable(), *owned_by(c.c.owner, owner), *people) \
        .cte("cadenced").prefix_with("MATERIALIZED")


def _cold(conn: Connection, as_of: datetime, limit: int | None, owner: str | None,
          people: tuple[Any, ...] = ()) -> Iterator[AgendaItem]:
    if limit == 0:
        return
    per_contact = _cadenced(as_of, owner, people)
    stmt = sa.select(per_contact).where(per_contact.c.over > 0) \
        .order_by(per_contact.c.over.desc(), per_contact.c.id).limit(limit)
    for cid, name, days, past in conn.execute(stmt):
        yield AgendaItem("keep in touch", None, cid, name, cadence.describe(days), None, int(past))


def _counts(conn: Connection, window: Window, cadences: bool, owner: str | None,
            people: tuple[Any, ...] = ()) -> dict[Section, int]:
    """How many items each section holds, counted in SQL (no rows fetched)."""
    f, c = FollowUp.__table__, Contact.__table__

    def count(where: Any) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(f.join(c, c.c.id == f.c.contact_id))
                                .where(where, contactable(), *people)).scalar() or 0)

    per_contact = _cadenced(window.now, owner, people)
    cold = conn.execute(sa.select(sa.func.count()).select_from(per_contact).where(per_contact.c.over > 0)).scalar() \
        if cadences else 0
    return {"overdue": count(_in_section(window, "overdue", owner)), "due": count(_in_section(window, "due", owner)),
            "keep in touch": int(cold or 0)}
