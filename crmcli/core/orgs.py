"""Organisations: the companies contacts work for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from crmcli.core import refs, validate
from crmcli.core.models import Contact, Organization, utcnow
from crmcli.core.rows import Rows
from crmcli.core.text import fold, like_pattern
from crmcli.errors import Conflict, NotFound
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
        if ref.strip().lstrip("#").isdigit():
            raise
        return add(session, ref), True


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

