"""One contact's whole relationship on one timeline: interactions, follow-ups and the stage changes
of the deals the contact is on, newest first, in one SQL query."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.models import INTERACTION_CONTACT, Contact, FollowUp, Interaction
from crmcli.core.names import contact_names
from crmcli.core.rows import LIST_SEPARATOR, Rows

TIMELINE_COLUMNS = ("type", "id", "uid", "occurred", "kind", "direction", "contacts", "body", "created", "updated")
FOLLOW_UP_KINDS = ("follow-up", "follow-up done")
DEAL_KINDS = ("deal", "deal won", "deal lost")


def rows(conn: Connection, contact_id: int, *, kinds: Sequence[str] = (), since: datetime | None = None,
         limit: int | None = None, only: str | None = None) -> Rows:
    """Kinds: interaction kinds (call, email...), `follow-up` / `follow-up done`, and `deal` / `deal won` /
    `deal lost`. An open follow-up stands at its due date (so what comes next is on top), a done one
    at the day it was done; a deal's stage change at its time. `only`: one type (`interaction`,
    `follow-up`, `deal`)."""
    from crmcli.storage.sql import iso_utc

    union = _union(contact_id, kinds, since, only)
    stmt = sa.select(union.c.type, union.c.id, union.c.uid, iso_utc(union.c.at), union.c.kind, union.c.direction,
                     union.c.contacts, union.c.body, iso_utc(union.c.created), iso_utc(union.c.updated)) \
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
    type: str            # interaction, follow-up, deal: which numbering `id` belongs to
    id: int
    at: datetime         # aware UTC
    kind: str            # call, email... / follow-up, follow-up done / deal, deal won, deal lost
    direction: str | None
    contacts: tuple[str, ...]
    body: str
    cursor: Cursor       # pass as `before` to continue after this entry


class TimelinePage(NamedTuple):
    entries: list[TimelineEntry]
    more: bool                   # older entries exist
    next_cursor: Cursor | None   # `before` for the next page; None on the last one


def page(conn: Connection, contact_id: int, *, before: Cursor | None = None, limit: int = 100,
         kinds: Sequence[str] = (), since: datetime | None = None, only: str | None = None) -> TimelinePage:
    """One page of the timeline, newest first, strictly older than `before` (None: from the top).
    Keyset paging: each page costs the same however far down it is, so a screen can scroll through
    years of history `limit` entries at a time. Filters as in `rows`."""
    if limit < 1:
        raise ValueError("a page holds at least one entry")
    union = _union(contact_id, kinds, since, only, before=before)
    stmt = sa.select(union.c.type, union.c.id, union.c.at, union.c.kind, union.c.direction, union.c.contacts,
                     union.c.body, union.c.seq).order_by(*_newest_first(union)).limit(limit + 1)
    if before is not None:
        at = sa.literal(_utc(before.at), sa.DateTime(timezone=True))
        stmt = stmt.where(sa.or_(union.c.at < at,
                                 sa.and_(union.c.at == at, union.c.seq < before.seq),
                                 sa.and_(union.c.at == at, union.c.seq == before.seq, union.c.type < before.type)))
    found = conn.execute(stmt).all()  # one more than the page tells whether there is more
    entries = [_entry(row) for row in found[:limit]]
    more = len(found) > limit
    return TimelinePage(entries, more, entries[-1].cursor if more else None)


def _entry(row: Any) -> TimelineEntry:
    type_, id_, at, kind, direction, names, body, seq = row
    at = _utc(at)
    return TimelineEntry(type_, id_, at, kind, direction, tuple(names.split(LIST_SEPARATOR)) if names else (),
                         body, Cursor(at, seq, type_))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite gives naive UTC


def _newest_first(union: Any) -> tuple[Any, ...]:
    """One total order for listings and pages: time, then sequence, then type (see Cursor)."""
    return union.c.at.desc(), union.c.seq.desc(), union.c.type.desc()


def _union(contact_id: int, kinds: Sequence[str], since: datetime | None, only: str | None, *,
           before: Cursor | None = None) -> Any:
    """The timeline's rows of every type wanted, as one subquery. `before` bounds each part by time
    too, so each walks its index from there rather than from the newest entry."""
    parts = []
    wanted = set(kinds)
    until = None if before is None else _utc(before.at)
    if only in (None, "interaction") and (not wanted or wanted - set(FOLLOW_UP_KINDS) - set(DEAL_KINDS)):
        parts.append(_interactions(contact_id, [k for k in kinds if k not in FOLLOW_UP_KINDS + DEAL_KINDS], since,
                                   until))
    if only in (None, "follow-up") and (not wanted or wanted & set(FOLLOW_UP_KINDS)):
        parts.append(_follow_ups(contact_id, [k for k in kinds if k in FOLLOW_UP_KINDS], since, until))
    if only in (None, "deal") and (not wanted or wanted & set(DEAL_KINDS)):
        parts.append(_stage_changes(contact_id, [k for k in kinds if k in DEAL_KINDS], since, until))
    return sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()


def quiet_type(kinds: Sequence[str]) -> str:
    """The one type whose ids `-q` prints: ids of different types in one list would mean nothing
    to the command they are piped to. Follow-ups or deals when only their kinds are asked for."""
    wanted = set(kinds)
    if wanted and wanted <= set(FOLLOW_UP_KINDS):
        return "follow-up"
    if wanted and wanted <= set(DEAL_KINDS):
        return "deal"
    return "interaction"


def _interactions(contact_id: int, kinds: list[str], since: datetime | None,
                  until: datetime | None) -> sa.Select:  # type: ignore[type-arg]
    i, ic = Interaction.__table__, INTERACTION_CONTACT
    stmt = sa.select(sa.literal("interaction").label("type"), i.c.id, i.c.uid, ic.c.occurred_at.label("at"),
                     i.c.kind, i.c.direction, contact_names(ic, "interaction_id", i).label("contacts"),
                     i.c.body, i.c.created_at.label("created"), i.c.updated_at.label("updated"),
                     i.c.id.label("seq")) \
        .select_from(ic.join(i, i.c.id == ic.c.interaction_id)).where(ic.c.contact_id == contact_id)
    if kinds:
        stmt = stmt.where(i.c.kind.in_(kinds))
    if since is not None:
        stmt = stmt.where(ic.c.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(ic.c.occurred_at <= until)
    return stmt


def _follow_ups(contact_id: int, kinds: list[str], since: datetime | None,
                until: datetime | None) -> sa.Select:  # type: ignore[type-arg]
    f, c = FollowUp.__table__, Contact.__table__
    done = f.c.done_at.is_not(None)
    at = sa.case((done, f.c.done_at), else_=f.c.due_at)
    stmt = sa.select(sa.literal("follow-up").label("type"), f.c.id, f.c.uid, at.label("at"),
                     sa.case((done, "follow-up done"), else_="follow-up").label("kind"),
                     sa.null().label("direction"), c.c.name.label("contacts"), f.c.title.label("body"),
                     f.c.created_at.label("created"), f.c.updated_at.label("updated"), f.c.id.label("seq")) \
        .select_from(f.join(c, c.c.id == f.c.contact_id)).where(f.c.contact_id == contact_id)
    if kinds == ["follow-up"]:
        stmt = stmt.where(~done)
    elif kinds == ["follow-up done"]:
        stmt = stmt.where(done)
    if since is not None:
        stmt = stmt.where(at >= since)
    if until is not None:
        stmt = stmt.where(at <= until)
    return stmt


def _stage_changes(contact_id: int, kinds: list[str], since: datetime | None,
                   until: datetime | None) -> sa.Select:  # type: ignore[type-arg]
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
                     s.c.id.label("seq")) \
        .select_from(s.join(d, d.c.id == s.c.deal_id).join(DEAL_CONTACT, DEAL_CONTACT.c.deal_id == d.c.id)) \
        .where(DEAL_CONTACT.c.contact_id == contact_id)
    if kinds:
        stmt = stmt.where(kind.in_(kinds))
    if since is not None:
        stmt = stmt.where(s.c.changed_at >= since)
    if until is not None:
        stmt = stmt.where(s.c.changed_at <= until)
    return stmt
