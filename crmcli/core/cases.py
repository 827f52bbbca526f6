"""Service cases: a customer's request or complaint, tracked until it is resolved, with a response
and a resolution deadline.

Statuses: new -> open -> waiting (on the customer) -> open ... -> resolved -> closed; a resolved or
closed case can be reopened (open again). Every change is kept (case_status_change) with its time;
the first row, from no status, is the opening.

Deadlines: when a case opens, `response_due_at` and `resolve_due_at` are its opening plus the budgets
of its priority (the case_deadlines setting), counted in business hours when they are set
(core/business_hours.py). Waiting on the customer stops the clock: when the wait ends, both deadlines
move later by the business time it lasted; while it lasts nothing is breached that was not before.
A new priority sets the deadlines again from the opening, plus every wait so far. Reopening keeps the
deadlines: a case reopened after its resolution deadline is late.

The first response is the first move out of new (a note on the case, an outgoing mail about it, or
any status change). Resolving sets `resolved_at`, closing `closed_at` (and `resolved_at` when it was
not resolved before); reopening clears both.

Refusals: a change to the status a case already has is a Conflict (nothing changed, exit 5, as for
a deal moved to its own stage); a change that makes no sense (back to new; a closed or resolved case
set waiting or resolved without reopening it) is Invalid (exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from crmcli.core.business_hours import AllHours, BusinessHours, clock
from crmcli.core.case_deadlines import DEFAULT as DEFAULT_DEADLINES
from crmcli.core.case_deadlines import PRIORITIES, CaseDeadlines
from crmcli.core.clock import as_utc
from crmcli.core.identity import Me, login_name, new_owner, owned_by, owner_name
from crmcli.core.models import CASE_STATUS_CHANGE, Contact, Deal, Interaction, ServiceCase, utcnow
from crmcli.core.rows import LIST_SEPARATOR, Rows
from crmcli.core.validate import one_of
from crmcli.errors import Conflict, Invalid, NotFound

KINDS = ("request", "complaint", "question", "incident")
STATUSES = ("new", "open", "waiting", "resolved", "closed")
OPEN_STATUSES = ("new", "open", "waiting")
DONE_STATUSES = ("resolved", "closed")
SOON = timedelta(hours=4)  # a deadline this close (in business time when set) is "due soon"

# Where each status may go (set_status); the same status is a Conflict, anything else Invalid.
MOVES: dict[str, tuple[str, ...]] = {
    "new": ("open", "waiting", "resolved", "closed"),
    "open": ("waiting", "resolved", "closed"),
    "waiting": ("open", "resolved", "closed"),
    "resolved": ("open", "closed"),
    "closed": ("open",),
}


@dataclass(frozen=True)
class CasePolicy:
    """How deadlines are set: the budgets per priority, and the hours they count in (None: all)."""

    deadlines: CaseDeadlines = DEFAULT_DEADLINES
    hours: BusinessHours | None = None

    @property
    def clock(self) -> BusinessHours | AllHours:
        return clock(self.hours)

    def due(self, opened_at: datetime, priority: str, paused: timedelta = timedelta(0)) -> tuple[datetime, datetime]:
        """(response due, resolution due) of a case of `priority` opened at `opened_at`, moved by `paused`
        (the business time spent waiting)."""
        budgets, counting = self.deadlines[priority], self.clock
        return (counting.add(counting.add(opened_at, budgets.response), paused),
                counting.add(counting.add(opened_at, budgets.resolution), paused))


def policy(settings: Any) -> CasePolicy:
    """The policy the settings give (crmcli.config.Settings): a broken setting stops here, named."""
    return CasePolicy(settings.case_deadline_setting or DEFAULT_DEADLINES, settings.business_hours)


def check_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise Invalid("a case needs a title: what the customer asks or complains about")
    return cleaned


def check_kind(kind: str) -> str:
    return one_of(kind, KINDS, "case kind")


def check_priority(priority: str) -> str:
    return one_of(priority, PRIORITIES, "priority")


def check_status(status: str) -> str:
    return one_of(status, STATUSES, "case status")


def add(session: Session, contact: Contact, title: str, *, kind: str = "request", priority: str = "normal",
        deal: Deal | None = None, owner: str | None = None, now: datetime, policy: CasePolicy,
        me: Me = login_name) -> ServiceCase:
    """Open a case for `contact`, status new, its deadlines counted from `now`. `owner`: a name, "me"
    or "" (nobody); None: `me`, who opens it."""
    now = now.astimezone(UTC)
    chosen_priority = check_priority(priority)
    response_due, resolve_due = policy.due(now, chosen_priority)
    case = ServiceCase(contact_id=contact.id, deal_id=deal.id if deal is not None else None,  # type: ignore[arg-type]
                       title=check_title(title), kind=check_kind(kind), priority=chosen_priority, status="new",
                       owner=new_owner(owner, me), opened_at=now, response_due_at=response_due,
                       resolve_due_at=resolve_due, created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    _record(session, case, None, "new", now)
    return case


def get(session: Session, ref: str | int) -> ServiceCase:
    """A case by its number: `12` or `#12`."""
    from crmcli.core.refs import MAX_ID, id_number

    text = str(ref).strip()
    number = id_number(text)
    if number is None:
        raise Invalid(f"a case is referred to by its number, e.g. 12 or #12, not {text!r}")
    found = session.get(ServiceCase, number) if number <= MAX_ID else None
    if found is None:
        raise NotFound(f"no case #{text.lstrip('#')}", hint="list-case")
    return found


def label(case: ServiceCase) -> str:
    return f"case #{case.id}"


def set_status(session: Session, case: ServiceCase, status: str, *, now: datetime,
               policy: CasePolicy | None) -> ServiceCase:
    """Move a case to `status` at `now` (see the module's doc for what each move keeps)."""
    target = check_status(status)
    if target == case.status:
        raise Conflict(f"{label(case)} is already {target}; nothing changed")
    if target not in MOVES[case.status]:
        if target == "new":
            raise Invalid(f"{label(case)} cannot go back to new; it is {case.status}")
        raise Invalid(f"{label(case)} is {case.status}: reopen it before it can be {target}")
    now = now.astimezone(UTC)
    before = case.status
    if before == "waiting":
        _end_wait(case, now, policy or CasePolicy())
    if before == "new" and case.first_response_at is None:
        case.first_response_at = now
    if target == "waiting":
        case.waiting_since = now
    elif target == "resolved":
        case.resolved_at = now
    elif target == "closed":
        case.closed_at = now
        case.resolved_at = case.resolved_at or now
    elif before in DONE_STATUSES:  # reopened
        case.resolved_at = case.closed_at = None
    case.status = target
    case.updated_at = now
    session.add(case)
    session.flush()
    _record(session, case, before, target, now)
    return case


def _end_wait(case: ServiceCase, now: datetime, chosen: CasePolicy) -> None:
    """The wait ends: both deadlines move later by the business time it lasted."""
    started = as_utc(case.waiting_since) if case.waiting_since is not None else now
    paused = max(chosen.clock.between(started, now), timedelta(0))
    case.response_due_at = chosen.clock.add(as_utc(case.response_due_at), paused)
    case.resolve_due_at = chosen.clock.add(as_utc(case.resolve_due_at), paused)
    case.waiting_since = None


def close(session: Session, case: ServiceCase, *, now: datetime, policy: CasePolicy | None) -> ServiceCase:
    return set_status(session, case, "closed", now=now, policy=policy)


def reopen(session: Session, case: ServiceCase, *, now: datetime, policy: CasePolicy | None) -> ServiceCase:
    """A resolved or closed case open again; its deadlines stay as they were."""
    if case.status not in DONE_STATUSES:
        raise Conflict(f"{label(case)} is {case.status}, not resolved or closed; nothing to reopen")
    return set_status(session, case, "open", now=now, policy=policy)


def assign(session: Session, case: ServiceCase, owner: str, *, me: Me = login_name) -> ServiceCase:
    """Give the case to `owner` (a name, "me", or "" for nobody)."""
    case.owner = owner_name(owner, me)
    case.updated_at = utcnow()
    session.add(case)
    session.flush()
    return case


@dataclass
class CaseChanges:
    title: str | None = None
    kind: str | None = None
    priority: str | None = None
    status: str | None = None
    deal: Deal | None = None
    clear_deal: bool = False
    owner: str | None = None  # a name, "me" or "" (nobody)


def edit(session: Session, case: ServiceCase, changes: CaseChanges, *, now: datetime, policy: CasePolicy,
         me: Me = login_name) -> ServiceCase:
    """Change a case. A new status moves it as set_status does; a new priority sets both deadlines
    again from the opening, plus the business time of every wait so far (the status first, so a wait
    it ends counts)."""
    if changes.title is not None:
        case.title = check_title(changes.title)
    if changes.kind is not None:
        case.kind = check_kind(changes.kind)
    priority = check_priority(changes.priority) if changes.priority is not None else None
    if changes.status is not None:
        set_status(session, case, changes.status, now=now, policy=policy)
    if priority is not None and priority != case.priority:
        case.priority = priority
        case.response_due_at, case.resolve_due_at = policy.due(as_utc(case.opened_at), priority,
                                                               paused(session, case, policy))
    if changes.clear_deal or changes.deal is not None:
        case.deal_id = None if changes.clear_deal else changes.deal.id  # type: ignore[union-attr]
    if changes.owner is not None:
        case.owner = owner_name(changes.owner, me)
    case.updated_at = now.astimezone(UTC)
    session.add(case)
    session.flush()
    return case


def paused(session: Session | Connection, case: ServiceCase, chosen: CasePolicy) -> timedelta:
    """The business time of the case's finished waits, from its status history."""
    total, started = timedelta(0), None
    for row in _history(session, case.id):  # type: ignore[arg-type]
        if row.to_status == "waiting":
            started = as_utc(row.changed_at)
        elif row.from_status == "waiting" and started is not None:
            total += max(chosen.clock.between(started, as_utc(row.changed_at)), timedelta(0))
            started = None
    return total


def note(session: Session, case: ServiceCase, text: str, *, now: datetime) -> Interaction:
    """A note on the case, on its contact's timeline too. The first one on a new case is its first
    response: the case becomes open."""
    from crmcli.core import interactions

    contact = session.get(Contact, case.contact_id)
    # Dated by the caller's clock, which is no typo: no check against the future.
    entry = interactions.log(session, [contact], text, kind="note", occurred_at=now.astimezone(UTC),  # type: ignore[list-item]
                             future=True)
    entry.case_id = case.id
    session.add(entry)
    if case.status == "new":
        set_status(session, case, "open", now=now, policy=None)
    session.flush()
    return entry


def on_interaction(session: Session, case: ServiceCase, *, direction: str | None, at: datetime,
                   policy: CasePolicy) -> ServiceCase:
    """An interaction (a logged mail) joined to the case at `at`: an outgoing one is a response (a new
    case opens); an incoming one ends a wait on the customer that began before it (the case is open
    again, its clock running)."""
    at = at.astimezone(UTC)
    if direction == "out":
        if case.status == "new":
            set_status(session, case, "open", now=max(at, as_utc(case.opened_at)), policy=policy)
        elif case.first_response_at is None:
            case.first_response_at = at
            session.add(case)
            session.flush()
    elif direction == "in" and case.status == "waiting" and case.waiting_since is not None \
            and at >= as_utc(case.waiting_since):
        set_status(session, case, "open", now=at, policy=policy)
    return case


def _record(session: Session, case: ServiceCase, before: str | None, after: str, at: datetime) -> None:
    session.execute(sa.insert(CASE_STATUS_CHANGE).values(case_id=case.id, from_status=before, to_status=after,
                                                         changed_at=at))


def _history(conn: Session | Connection, case_id: int) -> list[Any]:
    h = CASE_STATUS_CHANGE
    return list(conn.execute(sa.select(h.c.from_status, h.c.to_status, h.c.changed_at)
                             .where(h.c.case_id == case_id).order_by(h.c.changed_at, h.c.id)))


# -- reading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseView:
    """A case as listings show it, with its deadlines judged at a moment (`rows`'s `now`). Times aware UTC."""

    id: int
    uid: str
    contact_id: int
    contact_name: str
    deal_id: int | None
    deal_name: str | None
    title: str
    kind: str
    priority: str
    status: str
    owner: str | None
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    waiting_since: datetime | None
    response_due_at: datetime
    resolve_due_at: datetime
    updated_at: datetime
    version: int
    response_breached: bool
    resolution_breached: bool
    due_soon: bool

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def breached(self) -> bool:
        return self.response_breached or self.resolution_breached

    @property
    def next_due(self) -> datetime | None:
        """The deadline the case works towards: its response, then its resolution; none once done."""
        if not self.is_open:
            return None
        return self.response_due_at if self.first_response_at is None else self.resolve_due_at


def judge(values: dict[str, Any], now: datetime, soon_until: datetime) -> tuple[bool, bool, bool]:
    """(response breached, resolution breached, due soon) of a case's stored values at `now`; due soon:
    its next deadline is no later than `soon_until`. The clock stops while waiting: a wait is judged
    at its start; a response or resolution at when it came."""
    stopped = values["waiting_since"] if values["status"] == "waiting" else None
    until = stopped or now
    responded = values["first_response_at"] or until
    finished = values["resolved_at"] or values["closed_at"] or until
    response = responded > values["response_due_at"]
    resolution = finished > values["resolve_due_at"]
    soon = False
    if values["status"] in ("new", "open") and not (response or resolution):
        due = values["response_due_at"] if values["first_response_at"] is None else values["resolve_due_at"]
        soon = due <= soon_until
    return response, resolution, soon


_PRIORITY_RANK = {p: i for i, p in enumerate(reversed(PRIORITIES))}  # urgent first
_TIMES = ("opened_at", "first_response_at", "resolved_at", "closed_at", "waiting_since", "response_due_at",
          "resolve_due_at", "updated_at")


def _ordering(s: Any, now: datetime) -> tuple[Any, list[Any]]:
    """SQL for `judge`'s breach (as one flag) and the listing order, so a page of the most pressing
    cases is read with LIMIT instead of judging every open case in Python (the dashboard panel
    over 5,000 open cases: ~185 ms before)."""
    moment = sa.literal(now, s.c.opened_at.type)
    until = sa.case((s.c.status == "waiting", sa.func.coalesce(s.c.waiting_since, moment)), else_=moment)
    breached = sa.or_(sa.func.coalesce(s.c.first_response_at, until) > s.c.response_due_at,
                      sa.func.coalesce(s.c.resolved_at, s.c.closed_at, until) > s.c.resolve_due_at)
    is_open = s.c.status.in_(list(OPEN_STATUSES))
    rank = sa.case(*((s.c.priority == p, r) for p, r in _PRIORITY_RANK.items()), else_=9)
    next_due = sa.case((s.c.first_response_at.is_(None), s.c.response_due_at), else_=s.c.resolve_due_at)
    order = [sa.case((is_open, 0), else_=1), sa.case((breached, 0), else_=1), rank,
             sa.case((is_open, next_due), else_=None).is_(None), sa.case((is_open, next_due), else_=None), s.c.id]
    return breached, order


def rows(conn: Connection, now: datetime, *, statuses: Sequence[str] | None = OPEN_STATUSES,
         owner: str | None = None, contact_id: int | None = None, deal_id: int | None = None,
         ids: Sequence[int] | None = None, limit: int | None = None,
         policy: CasePolicy | None = None) -> list[CaseView]:
    """Cases with their deadlines judged at `now`: open ones first (new, open, waiting), of those
    breached ones first, then by priority (urgent first), then the nearest deadline. `statuses` None: every status. `owner`: an owner_filter result
    ("" only those nobody owns). `policy`: the hours "due soon" counts in (None: every hour)."""
    s, c, d = ServiceCase.__table__, Contact.__table__, Deal.__table__
    now = now.astimezone(UTC)
    _, order = _ordering(s, now)
    stmt = sa.select(s, c.c.name.label("contact_name"), d.c.name.label("deal_name")) \
        .select_from(s.join(c, c.c.id == s.c.contact_id).outerjoin(d, d.c.id == s.c.deal_id)) \
        .where(*_filters(s, statuses, owner, contact_id, deal_id, ids)).order_by(*order).limit(limit)
    soon_until = (policy or CasePolicy()).clock.add(now, SOON)  # business time is monotone: one sum for all
    views = []
    for row in conn.execute(stmt).mappings():
        values = dict(row)
        for name in _TIMES:
            values[name] = as_utc(values[name]) if values[name] is not None else None
        flags = judge(values, now, soon_until)
        views.append(CaseView(**{f: values[f] for f in _VIEW_FIELDS}, response_breached=flags[0],
                              resolution_breached=flags[1], due_soon=flags[2]))
    return views


def _filters(s: Any, statuses: Sequence[str] | None, owner: str | None, contact_id: int | None,
             deal_id: int | None, ids: Sequence[int] | None) -> list[Any]:
    found = list(owned_by(s.c.owner, owner))
    if statuses is not None:
        found.append(s.c.status.in_(list(statuses)))
    for column, value in ((s.c.contact_id, contact_id), (s.c.deal_id, deal_id)):
        if value is not None:
            found.append(column == value)
    if ids is not None:
        found.append(s.c.id.in_(list(ids)))
    return found


def count(conn: Connection, now: datetime, *, statuses: Sequence[str] | None = OPEN_STATUSES) -> tuple[int, int]:
    """(cases, of them past a deadline at `now`): what a page from `rows` with a limit leaves out."""
    s = ServiceCase.__table__
    breached, _ = _ordering(s, now.astimezone(UTC))
    stmt = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((breached, 1), else_=0)), 0)) \
        .where(*_filters(s, statuses, None, None, None, None))
    total, late = conn.execute(stmt).one()
    return int(total), int(late)


_VIEW_FIELDS = ("id", "uid", "contact_id", "contact_name", "deal_id", "deal_name", "title", "kind", "priority",
                "status", "owner", *_TIMES, "version")


CASE_COLUMNS = ("id", "uid", "status", "priority", "kind", "title", "contact_id", "contact", "deal_id", "deal",
                "owner", "opened", "first_response", "response_due", "resolve_due", "due", "breached",
                "response_breached", "resolution_breached", "due_soon", "waiting_since", "resolved", "closed",
                "updated", "version")
_TIME_COLUMNS = frozenset({"opened", "first_response", "response_due", "resolve_due", "due", "waiting_since",
                           "resolved", "closed", "updated"})


def as_rows(views: Sequence[CaseView]) -> Rows:
    """Cases for the output layer: times as ISO 8601 UTC, `due` the deadline worked towards (none
    once resolved), `breached` the deadlines missed (a list: response, resolution)."""
    from crmcli.core.history import utc_text

    def time(value: datetime | None) -> str | None:
        return utc_text(value) if value is not None else None

    def shaped(v: CaseView) -> tuple[Any, ...]:
        missed = [n for n, flag in (("response", v.response_breached), ("resolution", v.resolution_breached)) if flag]
        return (v.id, v.uid, v.status, v.priority, v.kind, v.title, v.contact_id, v.contact_name, v.deal_id,
                v.deal_name, v.owner, time(v.opened_at), time(v.first_response_at), time(v.response_due_at),
                time(v.resolve_due_at), time(v.next_due), LIST_SEPARATOR.join(missed), v.response_breached,
                v.resolution_breached, v.due_soon, time(v.waiting_since), time(v.resolved_at), time(v.closed_at),
                time(v.updated_at), v.version)

    return Rows(CASE_COLUMNS, [shaped(v) for v in views], time_columns=_TIME_COLUMNS, list_columns=frozenset({"breached"}),
                table_columns=("id", "priority", "status", "kind", "contact", "title", "owner", "due", "breached"))


@dataclass(frozen=True)
class StatusChange:
    from_status: str | None
    to_status: str
    at: datetime


@dataclass(frozen=True)
class CaseInteraction:
    id: int
    kind: str
    direction: str | None
    occurred_at: datetime
    body: str


@dataclass(frozen=True)
class CaseDetail:
    view: CaseView
    now: datetime  # the moment the view is judged at
    history: tuple[StatusChange, ...]
    interactions: tuple[CaseInteraction, ...] = field(default_factory=tuple)

    @property
    def waited(self) -> timedelta:
        """Clock time spent waiting on the customer, a wait still running counted up to `now`."""
        total, started = timedelta(0), None
        for change in self.history:
            if change.to_status == "waiting":
                started = change.at
            elif change.from_status == "waiting" and started is not None:
                total += change.at - started
                started = None
        return total + (self.now - started if started is not None else timedelta(0))


def detail(conn: Connection, case_id: int, now: datetime, *, policy: CasePolicy | None = None) -> CaseDetail:
    """One case in full: its view at `now`, its status history, and the interactions on it."""
    found = rows(conn, now, statuses=None, ids=[case_id], policy=policy)
    if not found:
        raise NotFound(f"no case #{case_id}", hint="list-case")
    history = tuple(StatusChange(r.from_status, r.to_status, as_utc(r.changed_at)) for r in _history(conn, case_id))
    i = Interaction.__table__
    entries = tuple(CaseInteraction(r.id, r.kind, r.direction, as_utc(r.occurred_at), r.body) for r in conn.execute(
        sa.select(i.c.id, i.c.kind, i.c.direction, i.c.occurred_at, i.c.body)
        .where(i.c.case_id == case_id).order_by(i.c.occurred_at, i.c.id)))
    return CaseDetail(found[0], now.astimezone(UTC), history, entries)


# -- words for people (both front ends) ----------------------------------------------------------

def span_text(length: timedelta) -> str:
    """A length of clock time as people read it: `2 d 3 h`, `3 h 20 min`, `20 min`, `0 min`."""
    minutes = max(int(length.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"


def deadline_text(view: CaseView, which: str, now: datetime) -> str:
    """How a case stands against one of its deadlines ("response" or "resolution") at `now`:
    `in 3 h`, `2 h late (breached)`, `met`, `missed by 1 h`, `paused while waiting`."""
    if which == "response":
        due, done, breached = view.response_due_at, view.first_response_at, view.response_breached
    else:
        due, done, breached = view.resolve_due_at, view.resolved_at or view.closed_at, view.resolution_breached
    if done is not None:
        return f"missed by {span_text(done - due)}" if done > due else "met"
    if view.status == "waiting":
        return "paused while waiting" + (" (breached before)" if breached else "")
    now = now.astimezone(UTC)
    return f"{span_text(now - due)} late (breached)" if now > due else f"in {span_text(due - now)}"
