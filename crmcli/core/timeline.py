"""One contact's whole relationship on one timeline: interactions, follow-ups, the stage changes
of the deals the contact is on, the opening and each status change of the contact's service cases,
the campaigns the contact joined and their responses to them, and the contact's do-not-contact
mark while it holds (at the time it was set, its reason as the text), newest first, in one SQL query. An interaction that belongs to a case names it (`case`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, NamedTuple, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.models import INTERACTION_CONTACT, Contact, FollowUp, Interaction
from crmcli.core.names import contact_names
from crmcli.core.rows import LIST_SEPARATOR, Rows

TIMELINE_COLUMNS = ("type", "id", "uid", "occurred", "kind", "direction", "contacts", "body", "created", "updated",
                    "case")
FOLLOW_UP_KINDS = ("follow-up", "follow-up done")
DEAL_KINDS = ("deal", "deal won", "deal lost")
MARK_KINDS = ("do not contact",)  # the contact's own entry (type `contact`, its id the contact's)
CASE_KINDS = ("case opened", "case status")  # type `case`, its id the case's
# Type `campaign` (joined it; its id the campaign's) and type `response` (its id the response's).
CAMPAIGN_KINDS = ("campaign", "campaign response")
_AT = sa.DateTime(timezone=True)
# Only an open all-day follow-up has a day; the others' is a NULL typed as a date (PostgreSQL needs the type).
_NO_DAY = sa.cast(sa.null(), sa.Date).label("day")
_NO_CASE = sa.cast(sa.null(), sa.Integer).label("case_id")


def rows(conn: Connection, contact_id: int, *, kinds: Sequence[str] = (), since: datetime | None = None,
         limit: int | None = None, only: str | None = None, marked: bool = False) -> Rows:
    """Kinds: interaction kinds (call, email...), `follow-up` / `follow-up done`, `deal` / `deal won` /
    `deal lost`, `case opened` / `case status`, `campaign` / `campaign response`, and `do not contact`. An open follow-up stands at its
    due date (so what comes next is on top), a done one at the day it was done; a deal's stage change
    and a case's status change at their time; the do-not-contact mark at the time it was set.
    `occurred` is a UTC instant, or the day (2026-11-27) of an open all-day follow-up. `case`: the
    case an interaction belongs to, or a case entry's own. `only`: one type (`interaction`,
    `follow-up`, `deal`, `case`, `contact`). `marked`: an interaction's body starts with its case
    (`[case #12] ...`), for people reading a table."""
    from crmcli.storage.sql import iso_day, iso_utc

    union = _union(contact_id, kinds, since, only)
    occurred = sa.case((union.c.day.is_not(None), iso_day(union.c.day)), else_=iso_utc(union.c.at))
    body = union.c.body
    if marked:
        on_case = sa.and_(union.c.type == "interaction", union.c.case_id.is_not(None))
        body = sa.case((on_case, "[case #" + sa.cast(union.c.case_id, sa.String) + "] " + union.c.body), else_=body)
    stmt = sa.select(union.c.type, union.c.id, union.c.uid, occurred, union.c.kind, union.c.direction,
                     union.c.contacts, body.label("body"), iso_utc(union.c.created), iso_utc(union.c.updated),
                     union.c.case_id) \
        .order_by(*_newest_first(union))
    if limit is not None:
        stmt = stmt.limit(limit)
    return Rows(TIMELINE_COLUMNS, conn.execute(stmt), list_columns=frozenset({"contacts"}),
                time_columns=frozenset({"occurred", "created", "updated"}),
                # Interactions, follow-ups and deals number apart: the type says which `id` is meant.
                table_columns=("type", "id", "occurred", "kind", "direction", "contacts", "body"))


class Cursor(NamedTuple):
    """Where a page ended: the last entry's time and sequence number, and its type, which breaks a
    tie between an interaction and a follow-up that share both (they number apart)."""

    at: datetime
    seq: int
    type: str


class TimelineEntry(NamedTuple):
    type: str            # interaction, follow-up, deal, case, contact: which numbering `id` belongs to
    id: int
    at: datetime         # aware UTC (where it stands; for `day` only its place)
    kind: str            # call, email... / follow-up, follow-up done / deal, deal won, deal lost / case opened, case status
    direction: str | None
    contacts: tuple[str, ...]
    body: str
    cursor: Cursor       # pass as `before` to continue after this entry
    day: date | None = None  # an open all-day follow-up's day: shown instead of `at`
    case_id: int | None = None  # the case an interaction belongs to; a case entry's own case

    @property
    def when(self) -> date | datetime:
        """What to show for it: the day of an open all-day follow-up, else the instant."""
        return self.day if self.day is not None else self.at

    @property
    def text(self) -> str:
        """The body as a line shows it: an interaction on a case says which first (`[case #12] ...`)."""
        if self.type == "interaction" and self.case_id is not None:
            return f"[case #{self.case_id}] {self.body}"
        return self.body


class TimelinePage(NamedTuple):
    entries: list[TimelineEntry]
    more: bool                   # older entries exist
    next_cursor: Cursor | None   # `before` for the next page; None on the last one


def page(conn: Connection, contact_id: int, *, before: Cursor | None = None, limit: int = 100,
         kinds: Sequence[str] = (), since: datetime | None = None, only: str | None = None) -> TimelinePage:
    """One page of the timeline, newest first, strictly older than `before` (None: from the top).
    Keyset paging: each page costs the same however far down it is, so a screen can scroll through
    years of history `limit` entries at a time. Filters as in `rows`."""
    entries, more = _page(conn, contact_id, before, limit, tuple(kinds), since, only, newer=False)
    return TimelinePage(entries, more, entries[-1].cursor if more else None)


def newer(conn: Connection, contact_id: int, *, after: Cursor | None = None, limit: int = 100,
          kinds: Sequence[str] = (), since: datetime | None = None, only: str | None = None) -> TimelinePage:
    """The page going up: the `limit` entries just newer than `after` (None: the oldest ones, the end
    of the timeline, in one step however long it is), listed newest first like every page. Here
    `more` says newer entries exist above them, and `next_cursor` is the `after` of the next page up."""
    entries, more = _page(conn, contact_id, after, limit, tuple(kinds), since, only, newer=True)
    return TimelinePage(entries, more, entries[0].cursor if more else None)


def count(conn: Connection, contact_id: int, *, kinds: Sequence[str] = (), since: datetime | None = None,
          only: str | None = None) -> int:
    """How many entries the whole timeline holds (from the indexes; no text is read)."""
    parts = [part.with_only_columns(part.selected_columns.seq) for part in _parts(contact_id, kinds, since, only).values()]
    every = sa.union_all(*parts).subquery()
    return int(conn.execute(sa.select(sa.func.count()).select_from(every)).scalar_one())


def _page(conn: Connection, contact_id: int, bound: Cursor | None, limit: int, kinds: tuple[str, ...],
          since: datetime | None, only: str | None, *, newer: bool) -> tuple[list[TimelineEntry], bool]:
    """The entries just past `bound` (newest first) and whether more lie beyond, in two queries: the
    keys of the page, each type's part walking its own index from `bound` for at most `limit + 1`
    keys; then the text (bodies, the names of the contacts) of those entries only. So a page costs
    the same at the top of a long history as at its end. The statements are built once per shape."""
    if limit < 1:
        raise ValueError("a page holds at least one entry")
    params: dict[str, Any] = {"contact_id": contact_id}
    if since is not None:
        params["since"] = since
    if bound is not None:
        params |= {"at": _utc(bound.at), "seq": bound.seq}
    walk = _walk(kinds, since is not None, only, None if bound is None else bound.type, newer, limit)
    found = conn.execute(walk, params).all()
    wanted: dict[str, list[int]] = {}
    for type_, seq in found[:limit]:
        wanted.setdefault(type_, []).append(seq)
    if not wanted:
        return [], False
    types = tuple(sorted(wanted))
    params |= {f"seq_{n}": wanted[t] for n, t in enumerate(types)}
    rows = conn.execute(_pick(kinds, since is not None, only, types), params)
    return [_entry(row) for row in rows], len(found) > limit


def _bound_parts(kinds: tuple[str, ...], since: bool, only: str | None) -> dict[str, Any]:
    return _parts(sa.bindparam("contact_id"), kinds, sa.bindparam("since", type_=_AT) if since else None, only)


@lru_cache(maxsize=64)
def _walk(kinds: tuple[str, ...], since: bool, only: str | None, bound_type: str | None, newer: bool,
          limit: int) -> Any:
    walks = []
    for type_, part in _bound_parts(kinds, since, only).items():
        keys = part.selected_columns
        sub = part.with_only_columns(keys.type, keys.seq, keys.at).subquery()  # same joins and filters
        walk = sa.select(sub.c.type, sub.c.seq, sub.c.at)
        if bound_type is not None:
            walk = walk.where(_beyond(sub, type_, bound_type, newer))
        walks.append(walk.order_by(*_order(sub, newer)).limit(limit + 1).subquery())
    every = sa.union_all(*(sa.select(w.c.type, w.c.seq, w.c.at) for w in walks)).subquery()
    return sa.select(every.c.type, every.c.seq).order_by(*_order(every, newer, by_type=True)).limit(limit + 1)


def _beyond(sub: Any, type_: str, bound_type: str, newer: bool) -> Any:
    """Strictly past the bound (`at`, `seq`, `bound_type`) in the total order (time, sequence, type),
    for one part whose type is known: the tie on type is settled here, so the part's time index is
    walked from the bound."""
    at, seq = sa.bindparam("at", type_=_AT), sa.bindparam("seq")
    if newer:
        seq_past = sub.c.seq >= seq if type_ > bound_type else sub.c.seq > seq
        return sa.and_(sub.c.at >= at, sa.or_(sub.c.at > at, seq_past))
    seq_past = sub.c.seq <= seq if type_ < bound_type else sub.c.seq < seq
    return sa.and_(sub.c.at <= at, sa.or_(sub.c.at < at, seq_past))


def _order(sub: Any, newer: bool, *, by_type: bool = False) -> list[Any]:
    columns = [sub.c.at, sub.c.seq] + ([sub.c.type] if by_type else [])
    return [c.asc() if newer else c.desc() for c in columns]


@lru_cache(maxsize=64)
def _pick(kinds: tuple[str, ...], since: bool, only: str | None, types: tuple[str, ...]) -> Any:
    """The whole entries of the keys in `seq_0`, `seq_1`... (one list per type of `types`), newest first."""
    parts = _bound_parts(kinds, since, only)
    chosen = [parts[t].where(parts[t].selected_columns.seq.in_(sa.bindparam(f"seq_{n}", expanding=True)))
              for n, t in enumerate(types)]
    union = sa.union_all(*chosen).subquery() if len(chosen) > 1 else chosen[0].subquery()
    return sa.select(union.c.type, union.c.id, union.c.at, union.c.kind, union.c.direction, union.c.contacts,
                     union.c.body, union.c.seq, union.c.day, union.c.case_id).order_by(*_newest_first(union))


def _entry(row: Any) -> TimelineEntry:
    type_, id_, at, kind, direction, names, body, seq, day, case_id = row
    at = _utc(at)
    return TimelineEntry(type_, id_, at, kind, direction, tuple(names.split(LIST_SEPARATOR)) if names else (),
                         body, Cursor(at, seq, type_), _day(day), case_id)


def _day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value  # SQLite hands a union's day back as text


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite gives naive UTC


def _newest_first(union: Any) -> tuple[Any, ...]:
    """One total order for listings and pages: time, then sequence, then type (see Cursor)."""
    return union.c.at.desc(), union.c.seq.desc(), union.c.type.desc()


def _union(contact_id: int, kinds: Sequence[str], since: datetime | None, only: str | None) -> Any:
    """The timeline's rows of every type wanted, as one subquery."""
    parts = list(_parts(contact_id, kinds, since, only).values())
    return sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()


def _parts(contact_id: Any, kinds: Sequence[str], since: Any, only: str | None) -> dict[str, Any]:
    """One select per type wanted, each with the same columns, by type. `contact_id` and `since`
    are values or bound parameters (for statements built once)."""
    parts = {}
    wanted = set(kinds)
    others = FOLLOW_UP_KINDS + DEAL_KINDS + MARK_KINDS + CASE_KINDS + CAMPAIGN_KINDS
    if only in (None, "interaction") and (not wanted or wanted - set(others)):
        parts["interaction"] = _interactions(contact_id, [k for k in kinds if k not in others], since)
    if only in (None, "follow-up") and (not wanted or wanted & set(FOLLOW_UP_KINDS)):
        parts["follow-up"] = _follow_ups(contact_id, [k for k in kinds if k in FOLLOW_UP_KINDS], since)
    if only in (None, "deal") and (not wanted or wanted & set(DEAL_KINDS)):
        parts["deal"] = _stage_changes(contact_id, [k for k in kinds if k in DEAL_KINDS], since)
    if only in (None, "case") and (not wanted or wanted & set(CASE_KINDS)):
        parts["case"] = _case_changes(contact_id, [k for k in kinds if k in CASE_KINDS], since)
    if only in (None, "campaign") and (not wanted or CAMPAIGN_KINDS[0] in wanted):
        parts["campaign"] = _campaigns_joined(contact_id, since)
    if only in (None, "response") and (not wanted or CAMPAIGN_KINDS[1] in wanted):
        parts["response"] = _campaign_responses(contact_id, since)
    if only in (None, "contact") and (not wanted or wanted & set(MARK_KINDS)):
        parts["contact"] = _mark(contact_id, since)
    return parts


def quiet_type(kinds: Sequence[str]) -> str:
    """The one type whose ids `-q` prints: ids of different types in one list would mean nothing
    to the command they are piped to. Follow-ups, deals or the contact when only their kinds are
    asked for."""
    wanted = set(kinds)
    if wanted and wanted <= set(FOLLOW_UP_KINDS):
        return "follow-up"
    if wanted and wanted <= set(DEAL_KINDS):
        return "deal"
    if wanted and wanted <= set(CASE_KINDS):
        return "case"
    if wanted and wanted <= set(MARK_KINDS):
        return "contact"
    if wanted == {CAMPAIGN_KINDS[0]}:
        return "campaign"
    if wanted == {CAMPAIGN_KINDS[1]}:
        return "response"
    return "interaction"


def _interactions(contact_id: Any, kinds: list[str], since: Any) -> sa.Select:  # type: ignore[type-arg]
    i, ic = Interaction.__table__, INTERACTION_CONTACT
    stmt = sa.select(sa.literal("interaction").label("type"), i.c.id, i.c.uid, ic.c.occurred_at.label("at"),
                     i.c.kind, i.c.direction, contact_names(ic, "interaction_id", i).label("contacts"),
                     i.c.body, i.c.created_at.label("created"), i.c.updated_at.label("updated"),
                     i.c.id.label("seq"), _NO_DAY, i.c.case_id) \
        .select_from(ic.join(i, i.c.id == ic.c.interaction_id)).where(ic.c.contact_id == contact_id)
    if kinds:
        stmt = stmt.where(i.c.kind.in_(kinds))
    if since is not None:
        stmt = stmt.where(ic.c.occurred_at >= since)
    return stmt


def _follow_ups(contact_id: Any, kinds: list[str], since: Any) -> sa.Select:  # type: ignore[type-arg]
    f, c = FollowUp.__table__, Contact.__table__
    done = f.c.done_at.is_not(None)
    at = sa.case((done, f.c.done_at), else_=f.c.due_at)
    day = sa.case((done, sa.null()), else_=f.c.due_on)  # an open all-day one is its day
    stmt = sa.select(sa.literal("follow-up").label("type"), f.c.id, f.c.uid, at.label("at"),
                     sa.case((done, "follow-up done"), else_="follow-up").label("kind"),
                     sa.null().label("direction"), c.c.name.label("contacts"), f.c.title.label("body"),
                     f.c.created_at.label("created"), f.c.updated_at.label("updated"), f.c.id.label("seq"),
                     day.label("day"), _NO_CASE) \
        .select_from(f.join(c, c.c.id == f.c.contact_id)).where(f.c.contact_id == contact_id)
    if kinds == ["follow-up"]:
        stmt = stmt.where(~done)
    elif kinds == ["follow-up done"]:
        stmt = stmt.where(done)
    if since is not None:
        stmt = stmt.where(at >= since)
    return stmt


def _stage_changes(contact_id: Any, kinds: list[str], since: Any) -> sa.Select:  # type: ignore[type-arg]
    """Each stage change of the contact's deals: `Website redesign: lead -> proposal`."""
    from crmcli.core.models import DEAL_CONTACT, STAGE_CHANGE, Deal

    d, s = Deal.__table__, STAGE_CHANGE
    kind = sa.case((s.c.outcome == "won", "deal won"), (s.c.outcome == "lost", "deal lost"), else_="deal")
    body = d.c.name + ": " + sa.case((s.c.from_stage.is_(None), "new deal in " + s.c.to_stage),
                                     else_=s.c.from_stage + " -> " + s.c.to_stage)
    stmt = sa.select(sa.literal("deal").label("type"), d.c.id, d.c.uid, s.c.changed_at.label("at"),
                     kind.label("kind"), sa.null().label("direction"),
                     contact_names(DEAL_CONTACT, "deal_id", d).label("contacts"),
                     body.label("body"), s.c.changed_at.label("created"), s.c.changed_at.label("updated"),
                     s.c.id.label("seq"), _NO_DAY, _NO_CASE) \
        .select_from(s.join(d, d.c.id == s.c.deal_id).join(DEAL_CONTACT, DEAL_CONTACT.c.deal_id == d.c.id)) \
        .where(DEAL_CONTACT.c.contact_id == contact_id)
    if kinds:
        stmt = stmt.where(kind.in_(kinds))
    if since is not None:
        stmt = stmt.where(s.c.changed_at >= since)
    return stmt


def _case_changes(contact_id: Any, kinds: list[str], since: Any) -> sa.Select:  # type: ignore[type-arg]
    """Each status change of the contact's cases, at its time: the opening (`#12 Invoice charged
    twice (complaint, urgent)`), then each move (`#12 Invoice charged twice: waiting -> open`)."""
    from crmcli.core.models import CASE_STATUS_CHANGE, ServiceCase

    k, s, c = ServiceCase.__table__, CASE_STATUS_CHANGE, Contact.__table__  # type: ignore[attr-defined]
    opened = s.c.from_status.is_(None)
    kind = sa.case((opened, CASE_KINDS[0]), else_=CASE_KINDS[1])
    head = "#" + sa.cast(k.c.id, sa.String) + " " + k.c.title
    body = head + sa.case((opened, " (" + k.c.kind + ", " + k.c.priority + ")"),
                          else_=": " + s.c.from_status + " -> " + s.c.to_status)
    stmt = sa.select(sa.literal("case").label("type"), k.c.id, k.c.uid, s.c.changed_at.label("at"),
                     kind.label("kind"), sa.null().label("direction"), c.c.name.label("contacts"),
                     body.label("body"), s.c.changed_at.label("created"), s.c.changed_at.label("updated"),
                     s.c.id.label("seq"), _NO_DAY, k.c.id.label("case_id")) \
        .select_from(s.join(k, k.c.id == s.c.case_id).join(c, c.c.id == k.c.contact_id)) \
        .where(k.c.contact_id == contact_id)
    if kinds:
        stmt = stmt.where(kind.in_(kinds))
    if since is not None:
        stmt = stmt.where(s.c.changed_at >= since)
    return stmt


def _campaigns_joined(contact_id: Any, since: Any) -> sa.Select:  # type: ignore[type-arg]
    """Each campaign the contact is a member of, when they joined: `added to campaign Spring offer`
    (by hand: `added by hand to campaign ...`)."""
    from crmcli.core.models import CAMPAIGN_MEMBER, Campaign

    m, k, c = CAMPAIGN_MEMBER, Campaign.__table__, Contact.__table__  # type: ignore[attr-defined]
    body = sa.case((m.c.by_hand == 1, "added by hand to campaign "), else_="added to campaign ") + k.c.name
    stmt = sa.select(sa.literal("campaign").label("type"), k.c.id, k.c.uid, m.c.added_at.label("at"),
                     sa.literal(CAMPAIGN_KINDS[0]).label("kind"), sa.null().label("direction"),
                     c.c.name.label("contacts"), body.label("body"), m.c.added_at.label("created"),
                     m.c.added_at.label("updated"), k.c.id.label("seq"), _NO_DAY, _NO_CASE) \
        .select_from(m.join(k, k.c.id == m.c.campaign_id).join(c, c.c.id == m.c.contact_id)) \
        .where(m.c.contact_id == contact_id)
    if since is not None:
        stmt = stmt.where(m.c.added_at >= since)
    return stmt


def _campaign_responses(contact_id: Any, since: Any) -> sa.Select:  # type: ignore[type-arg]
    """Each response the contact gave a campaign, at its time: `replied (campaign Spring offer)`. A
    response has no uid of its own (no export names it alone)."""
    from crmcli.core.models import CAMPAIGN_RESPONSE, Campaign

    r, k, c = CAMPAIGN_RESPONSE, Campaign.__table__, Contact.__table__  # type: ignore[attr-defined]
    stmt = sa.select(sa.literal("response").label("type"), r.c.id, sa.cast(sa.null(), sa.String).label("uid"),
                     r.c.at.label("at"),
                     sa.literal(CAMPAIGN_KINDS[1]).label("kind"), sa.null().label("direction"),
                     c.c.name.label("contacts"), (r.c.kind + " (campaign " + k.c.name + ")").label("body"),
                     r.c.at.label("created"), r.c.at.label("updated"), r.c.id.label("seq"), _NO_DAY, _NO_CASE) \
        .select_from(r.join(k, k.c.id == r.c.campaign_id).join(c, c.c.id == r.c.contact_id)) \
        .where(r.c.contact_id == contact_id)
    if since is not None:
        stmt = stmt.where(r.c.at >= since)
    return stmt


def _mark(contact_id: Any, since: Any) -> sa.Select:  # type: ignore[type-arg]
    """The contact's do-not-contact mark, while it holds: one entry at the time it was set, the
    reason its text (none: empty)."""
    c = Contact.__table__
    at = c.c.do_not_contact_at
    stmt = sa.select(sa.literal("contact").label("type"), c.c.id, c.c.uid, at.label("at"),
                     sa.literal(MARK_KINDS[0]).label("kind"), sa.null().label("direction"),
                     c.c.name.label("contacts"), sa.func.coalesce(c.c.do_not_contact_reason, "").label("body"),
                     at.label("created"), at.label("updated"), c.c.id.label("seq"), _NO_DAY, _NO_CASE) \
        .where(c.c.id == contact_id, at.is_not(None))
    if since is not None:
        stmt = stmt.where(at >= since)
    return stmt
