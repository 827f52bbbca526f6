"""Organisations: the companies contacts work for, and browsing them with their people and deals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from crmcli.core import refs, validate
from crmcli.core.models import Contact, Deal, Organization, utcnow
from crmcli.core.money import Amount
from crmcli.core.rows import LIST_SEPARATOR, Rows
from crmcli.core.stages import Stages
from crmcli.core.text import fold, like_pattern
from crmcli.errors import Conflict, NotFound
from crmcli.core.clock import as_utc
from crmcli.storage.sql import iso_utc


def label(org: Organization) -> str:
    return f"#{org.id} {org.name}"


def resolve(session: Session, ref: str) -> Organization:
    return refs.resolve(session, Organization, ref, "organisation", label)


def find_or_create(session: Session, ref: str) -> tuple[Organization, bool]:
    """The organisation a contact's --org names: an existing one (exact name or unique fragment),
    or a new one when nothing matches. Returns (org, created)."""
    try:
        return resolve(session, ref), False
    except NotFound:
        if refs.id_number(ref.strip()) is not None:
            raise
        return add(session, ref), True


def named(session: Session, name: str) -> tuple[Organization, bool]:
    """The organisation of exactly this name (case- and accent-free), or a new one: what an import
    means by a name, where a fragment or an id would link the wrong one. Returns (org, created)."""
    key = fold(validate.name(name, "organisation name"))
    found = session.exec(select(Organization).where(Organization.name_key == key)).first()
    return (found, False) if found is not None else (add(session, name), True)


def add(session: Session, name: str, website: str | None = None) -> Organization:
    name = validate.name(name, "organisation name")
    key = fold(name)
    clash = session.exec(select(Organization).where(Organization.name_key == key)).first()
    if clash is not None:
        raise Conflict(f"organisation {label(clash)} already exists")
    org = Organization(name=name, name_key=key, website=website or None)
    session.add(org)
    session.flush()
    return org


@dataclass
class OrgChanges:
    name: str | None = None
    website: str | None = None


def edit(session: Session, org: Organization, changes: OrgChanges) -> Organization:
    if changes.name is not None:
        name = validate.name(changes.name, "organisation name")
        key = fold(name)
        clash = session.exec(select(Organization).where(Organization.name_key == key,
                                                        Organization.id != org.id)).first()
        if clash is not None:
            raise Conflict(f"organisation {label(clash)} already has that name")
        org.name, org.name_key = name, key
    if changes.website is not None:
        org.website = changes.website.strip() or None
    org.updated_at = utcnow()
    session.add(org)
    session.flush()
    return org


def people(session: Session, org: Organization) -> list[Contact]:
    return list(session.exec(select(Contact).where(Contact.org_id == org.id).order_by(Contact.name_key)))


def remove(session: Session, org: Organization) -> int:
    """Delete an organisation; its people stay, unlinked. Returns how many were unlinked."""
    count = session.scalar(sa.select(sa.func.count()).select_from(Contact).where(Contact.org_id == org.id)) or 0
    session.delete(org)
    session.flush()
    return int(count)


ORG_COLUMNS = ("id", "uid", "name", "website", "people", "created", "updated")


def rows(conn: Connection, *, match: str | None = None, limit: int | None = None,
         ids: list[int] | None = None) -> Rows:
    o = Organization.__table__
    c = Contact.__table__
    people_count = sa.select(sa.func.count()).where(c.c.org_id == o.c.id).scalar_subquery()
    stmt = sa.select(o.c.id, o.c.uid, o.c.name, o.c.website, people_count,
                     iso_utc(o.c.created_at), iso_utc(o.c.updated_at)).order_by(o.c.name_key, o.c.id)
    if match:
        stmt = stmt.where(o.c.name_key.like(like_pattern(fold(match)), escape="\\"))
    if ids is not None:
        stmt = stmt.where(o.c.id.in_(ids))
    if limit is not None:
        stmt = stmt.limit(limit)
    return Rows(ORG_COLUMNS, conn.execute(stmt), time_columns=frozenset({"created", "updated"}),
                table_columns=("id", "name", "website", "people", "created"))


def card(session: Session, org: Organization) -> dict[str, Any]:
    return {
        "id": org.id, "uid": org.uid, "name": org.name, "website": org.website,
        "people": [{"id": p.id, "name": p.name, "title": p.title} for p in people(session, org)],
        "created": org.created_at, "updated": org.updated_at,
    }



# -- browsing: plain typed values a front end holds after the transaction ------------------------

class OrgLine(NamedTuple):
    """One organisation in a listing: who works there and what is open with it."""
    id: int
    name: str
    website: str | None
    people: int
    open_deals: int
    open_value: tuple[Amount, ...]  # the open deals' value per currency (never summed across them), by code


def listing(conn: Connection, *, match: str | None = None, limit: int | None = None) -> list[OrgLine]:
    """Organisations by name (`match`: part of the name, case- and accent-free), each with its
    people count and its open deals: one grouped query for the whole page."""
    found = [dict(zip(ORG_COLUMNS, r)) for r in rows(conn, match=match, limit=limit).rows]
    open_deals = _open_deals(conn, [r["id"] for r in found])
    return [OrgLine(r["id"], r["name"], r["website"], r["people"], *open_deals.get(r["id"], (0, ())))
            for r in found]


def count(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(Organization.__table__)).scalar_one())


def _open_deals(conn: Connection, ids: list[int]) -> dict[int, tuple[int, tuple[Amount, ...]]]:
    """org id -> (open deals, their value per currency)."""
    d = Deal.__table__
    counts: dict[int, int] = {}
    values: dict[int, list[Amount]] = {}
    if ids:
        for org_id, code, n, minor in conn.execute(
                sa.select(d.c.org_id, d.c.currency, sa.func.count(), sa.func.sum(d.c.value_minor))
                .where(d.c.status == "open", d.c.org_id.in_(ids))
                .group_by(d.c.org_id, d.c.currency).order_by(d.c.org_id, d.c.currency)):
            counts[org_id] = counts.get(org_id, 0) + n
            values.setdefault(org_id, []).append(Amount(int(minor), code))
    return {org_id: (n, tuple(values[org_id])) for org_id, n in counts.items()}


class OrgPerson(NamedTuple):
    id: int
    name: str
    title: str | None
    email: str | None                # the primary one
    last_contact_at: datetime | None  # aware UTC


class OrgDeal(NamedTuple):
    id: int
    name: str
    stage: str
    status: str                      # open, won, lost
    value_minor: int
    currency: str
    close_on: date | None            # the expected close day
    contacts: str | None             # the names on it, joined


@dataclass(frozen=True)
class OrgOverview:
    id: int
    uid: str
    name: str
    website: str | None
    created_at: datetime             # aware UTC
    updated_at: datetime
    people: tuple[OrgPerson, ...]    # by name, at most `limit`
    people_count: int
    deals: tuple[OrgDeal, ...]       # open, won and lost, in pipeline order, at most `limit`
    deal_count: int
    open_deals: int
    open_value: tuple[Amount, ...]   # per currency, by code


def overview(session: Session, org: Organization, stages: Stages, *, limit: int | None = None) -> OrgOverview:
    """An organisation's card with its people and its deals (each list cut at `limit`, with the
    whole count): the listings of contacts and deals, filtered to this organisation."""
    from crmcli.core import contacts, deals

    conn = session.connection()
    c, d = Contact.__table__, Deal.__table__
    people = [dict(zip(contacts.CONTACT_COLUMNS, r)) for r in contacts.rows(conn, org_id=org.id, limit=limit).rows]
    found = [dict(zip(deals.DEAL_COLUMNS, r))
             for r in deals.rows(conn, stages, deals.DealFilter(status=None, org_id=org.id), limit=limit).rows]
    people_count = conn.execute(sa.select(sa.func.count()).where(c.c.org_id == org.id)).scalar_one()
    deal_count = conn.execute(sa.select(sa.func.count()).where(d.c.org_id == org.id)).scalar_one()
    open_deals, open_value = _open_deals(conn, [org.id]).get(org.id, (0, ()))  # type: ignore[list-item]
    return OrgOverview(
        id=org.id, uid=org.uid, name=org.name, website=org.website,  # type: ignore[arg-type]
        created_at=as_utc(org.created_at), updated_at=as_utc(org.updated_at),
        people=tuple(OrgPerson(p["id"], p["name"], p["title"], (p["emails"] or "").split(LIST_SEPARATOR)[0] or None,
                               _instant(p["last_contact"])) for p in people),
        people_count=int(people_count),
        deals=tuple(OrgDeal(r["id"], r["name"], r["stage"], r["status"], r["value_minor"], r["currency"],
                            date.fromisoformat(r["close"]) if r["close"] else None, r["contacts"]) for r in found),
        deal_count=int(deal_count), open_deals=open_deals, open_value=open_value)


def _instant(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")) if iso else None
