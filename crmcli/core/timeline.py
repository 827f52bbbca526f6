"""One contact's whole relationship on one timeline: interactions and follow-ups (deal changes
join when deals land), newest first, in one SQL query."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.models import Contact, FollowUp, Interaction, InteractionContact
from crmcli.core.rows import LIST_SEPARATOR, Rows

TIMELINE_COLUMNS = ("type", "id", "uid", "occurred", "kind", "direction", "contacts", "body", "created", "updated")
FOLLOW_UP_KINDS = ("follow-up", "follow-up done")


def rows(conn: Connection, contact_id: int, *, kinds: Sequence[str] = (), since: datetime | None = None,
         limit: int | None = None) -> Rows:
    """Kinds: interaction kinds (call, email...) and `follow-up` / `follow-up done`. An open follow-up
    stands at its due date (so what comes next is on top), a done one at the day it was done."""
    from crmcli.storage.sql import iso_utc

    parts = []
    wanted = set(kinds)
    if not wanted or wanted - set(FOLLOW_UP_KINDS):
        parts.append(_interactions(contact_id, [k for k in kinds if k not in FOLLOW_UP_KINDS], since))
    if not wanted or wanted & set(FOLLOW_UP_KINDS):
        parts.append(_follow_ups(contact_id, [k for k in kinds if k in FOLLOW_UP_KINDS], since))
    union = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    stmt = sa.select(union.c.type, union.c.id, union.c.uid, iso_utc(union.c.at), union.c.kind, union.c.direction,
                     union.c.contacts, union.c.body, iso_utc(union.c.created), iso_utc(union.c.updated)) \
        .order_by(union.c.at.desc(), union.c.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return Rows(TIMELINE_COLUMNS, conn.execute(stmt), list_columns=frozenset({"contacts"}),
                time_columns=frozenset({"occurred", "created", "updated"}),
                table_columns=("id", "occurred", "kind", "direction", "contacts", "body"))


def _interactions(contact_id: int, kinds: list[str], since: datetime | None) -> sa.Select:  # type: ignore[type-arg]
    i, ic, c = Interaction.__table__, InteractionContact.__table__, Contact.__table__
    names = sa.select(c.c.name.label("v")).join(ic, ic.c.contact_id == c.c.id) \
        .where(ic.c.interaction_id == i.c.id).order_by(c.c.name_key).correlate(i).subquery()
    stmt = sa.select(sa.literal("interaction").label("type"), i.c.id, i.c.uid, ic.c.occurred_at.label("at"),
                     i.c.kind, i.c.direction,
                     sa.select(sa.func.aggregate_strings(names.c.v, LIST_SEPARATOR)).scalar_subquery().label(
                         "contacts"),
                     i.c.body, i.c.created_at.label("created"), i.c.updated_at.label("updated")) \
        .select_from(ic.join(i, i.c.id == ic.c.interaction_id)).where(ic.c.contact_id == contact_id)
    if kinds:
        stmt = stmt.where(i.c.kind.in_(kinds))
    if since is not None:
        stmt = stmt.where(ic.c.occurred_at >= since)
    return stmt


def _follow_ups(contact_id: int, kinds: list[str], since: datetime | None) -> sa.Select:  # type: ignore[type-arg]
    f, c = FollowUp.__table__, Contact.__table__
    done = f.c.done_at.is_not(None)
    at = sa.case((done, f.c.done_at), else_=f.c.due_at)
    stmt = sa.select(sa.literal("follow-up").label("type"), f.c.id, f.c.uid, at.label("at"),
                     sa.case((done, "follow-up done"), else_="follow-up").label("kind"),
                     sa.null().label("direction"), c.c.name.label("contacts"), f.c.title.label("body"),
                     f.c.created_at.label("created"), f.c.updated_at.label("updated")) \
        .select_from(f.join(c, c.c.id == f.c.contact_id)).where(f.c.contact_id == contact_id)
    if kinds == ["follow-up"]:
        stmt = stmt.where(~done)
    elif kinds == ["follow-up done"]:
        stmt = stmt.where(done)
    if since is not None:
        stmt = stmt.where(at >= since)
    return stmt
