"""Merging two records of one person: OTHER's details and history move to KEEP, then OTHER goes.

Emails, phones, tags and custom fields are united. A single value both have (title, organisation,
cadence, owner, a field of the same key) keeps KEEP's and is reported as a clash; one only OTHER has is
taken. A do-not-contact mark on either holds for the merged contact (KEEP's, else OTHER's). Interactions, follow-ups, service cases and deal links move to KEEP; where both were on the same
interaction or deal, KEEP's link stays and OTHER's goes with OTHER (no second link row). KEEP's
last-contact copy is worked out again. The search index follows by itself: its triggers see the
moved emails, the changed contact row and OTHER's deletion (core/search.py reads PostgreSQL directly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from crmcli.core import contacts
from crmcli.core.clock import as_utc
from crmcli.core.contacts import DealRef
from crmcli.core.models import (CONTACT_EMAIL, CONTACT_FIELD, CONTACT_PHONE, CONTACT_TAG, DEAL_CONTACT,
                                INTERACTION_CONTACT, TAG, Contact, FollowUp, Organization, ServiceCase)
from crmcli.core.text import counted
from crmcli.errors import Invalid


class Clash(NamedTuple):
    """A single value both contacts had, differently: KEEP's stays."""

    what: str     # "title", "organisation", "cadence", "field source"
    kept: str
    dropped: str

    def describe(self) -> str:
        return f"kept the {self.what} {self.kept!r}, not {self.dropped!r}"


@dataclass(frozen=True)
class Merge:
    """What a merge moves (or moved) from OTHER to KEEP, as plain values for any front end."""

    keep_id: int
    other_id: int
    keep: str                                 # labels: "#4 John Smith <john@acme.example>"
    other: str
    emails: tuple[str, ...] = ()              # moved to KEEP (ones KEEP had already go with OTHER)
    phones: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()                # added to KEEP
    fields: tuple[str, ...] = ()              # keys of the custom fields moved
    taken: tuple[tuple[str, str], ...] = ()   # single values only OTHER had: ("title", "CTO")
    interactions: int = 0                     # moved; shared ones stay once, on KEEP
    follow_ups: int = 0
    cases: int = 0                            # service cases moved (they would go with OTHER otherwise)
    deals: tuple[DealRef, ...] = ()           # linked to KEEP instead
    clashes: tuple[Clash, ...] = ()

    def counts(self) -> dict[str, int]:
        named = {"email": len(self.emails), "phone": len(self.phones), "tag": len(self.tags),
                 "custom field": len(self.fields), "interaction": self.interactions, "follow-up": self.follow_ups,
                 "case": self.cases, "deal": len(self.deals)}
        return {what: n for what, n in named.items() if n}

    def describe(self) -> str:
        """"contact #5 Jon Smith into #4 John Smith, moving 1 email, 3 interactions"."""
        moving = ", ".join(counted(n, what) for what, n in self.counts().items())
        return f"contact {self.other} into {self.keep}" + (f", moving {moving}" if moving else "")


@dataclass
class _Plan:
    """The merge and the rows it moves (ids), worked out before anything is written."""

    merge: Merge
    email_rows: list[int] = field(default_factory=list)
    phone_rows: list[int] = field(default_factory=list)
    field_rows: list[int] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)
    single: dict[str, Any] = field(default_factory=dict)  # Contact attributes KEEP takes from OTHER


def plan(session: Session, keep: Contact, other: Contact) -> Merge:
    """What merging `other` into `keep` would do; nothing is written (for a confirmation)."""
    return _plan(session, keep, other).merge


def merge(session: Session, keep: Contact, other: Contact) -> Merge:
    """Merge `other` into `keep` and delete `other`, in the caller's transaction."""
    work = _plan(session, keep, other)
    _move_values(session, keep, other, work)
    for name, value in work.single.items():
        setattr(keep, name, value)
    for link, key in ((INTERACTION_CONTACT, "interaction_id"), (DEAL_CONTACT, "deal_id")):
        session.execute(sa.update(link).where(_only_other(link, key, keep, other)).values(contact_id=keep.id))
    for owned in (FollowUp.__table__, ServiceCase.__table__):
        session.execute(sa.update(owned).where(owned.c.contact_id == other.id).values(contact_id=keep.id))
    keep.created_at = min(as_utc(keep.created_at), as_utc(other.created_at))  # the relationship began with the older record
    session.delete(other)  # what stayed behind (values KEEP had, shared links) goes with it
    session.flush()
    from crmcli.core.interactions import refresh_last_contact

    refresh_last_contact(session, [keep.id])  # type: ignore[list-item]
    contacts.touch(session, keep)
    session.flush()
    return work.merge


def _plan(session: Session, keep: Contact, other: Contact) -> _Plan:
    if keep.id == other.id:
        raise Invalid(f"both references name {contacts.label(keep)}: a contact cannot be merged into itself")
    emails, email_rows = _channel(session, CONTACT_EMAIL, "address", keep, other)
    phones, phone_rows = _channel(session, CONTACT_PHONE, "number", keep, other)
    tags, tag_ids = _tags(session, keep, other)
    keys, field_rows, field_clashes = _fields(session, keep, other)
    taken, single, clashes = _single_values(session, keep, other)
    keep_deals = {deal_id for deal_id, _ in _deals_of(session, keep)}
    merged = Merge(
        keep.id, other.id,  # type: ignore[arg-type]
        contacts.label(keep, contacts.primary_email(session, keep)),
        contacts.label(other, contacts.primary_email(session, other)),
        emails=emails, phones=phones, tags=tags, fields=keys, taken=taken,
        interactions=_count(session, _only_other(INTERACTION_CONTACT, "interaction_id", keep, other)),
        follow_ups=_count(session, FollowUp.__table__.c.contact_id == other.id, FollowUp.__table__),
        cases=_count(session, ServiceCase.__table__.c.contact_id == other.id, ServiceCase.__table__),
        deals=tuple(DealRef(*d) for d in _deals_of(session, other) if d[0] not in keep_deals),
        clashes=clashes + field_clashes)
    return _Plan(merged, email_rows, phone_rows, field_rows, tag_ids, single)


def _move_values(session: Session, keep: Contact, other: Contact, work: _Plan) -> None:
    """OTHER's emails, phones and fields that KEEP lacks become KEEP's (after KEEP's own, in order)."""
    for table, ids in ((CONTACT_EMAIL, work.email_rows), (CONTACT_PHONE, work.phone_rows)):
        after = session.scalar(sa.select(sa.func.max(table.c.position)).where(table.c.contact_id == keep.id))
        for position, row_id in enumerate(ids, start=0 if after is None else after + 1):
            session.execute(sa.update(table).where(table.c.id == row_id).values(contact_id=keep.id, position=position))
    if work.field_rows:
        session.execute(sa.update(CONTACT_FIELD).where(CONTACT_FIELD.c.id.in_(work.field_rows))
                        .values(contact_id=keep.id))
    if work.tag_ids:
        session.execute(sa.insert(CONTACT_TAG), [{"contact_id": keep.id, "tag_id": t} for t in work.tag_ids])


def _channel(session: Session, table: sa.Table, column: str, keep: Contact,
             other: Contact) -> tuple[tuple[str, ...], list[int]]:
    """OTHER's values of an email or phone table that KEEP lacks (compared case-free): (values, row ids)."""
    have = {str(v).lower() for v in session.scalars(sa.select(table.c[column]).where(table.c.contact_id == keep.id))}
    values, ids = [], []
    for row_id, value in session.execute(sa.select(table.c.id, table.c[column])
                                         .where(table.c.contact_id == other.id).order_by(table.c.position)):
        if value.lower() not in have:
            have.add(value.lower())
            values.append(value)
            ids.append(row_id)
    return tuple(values), ids


def _tags(session: Session, keep: Contact, other: Contact) -> tuple[tuple[str, ...], list[int]]:
    ct = CONTACT_TAG
    kept = sa.select(ct.c.tag_id).where(ct.c.contact_id == keep.id)
    found = session.execute(sa.select(TAG.c.name, TAG.c.id).join(ct, ct.c.tag_id == TAG.c.id)
                            .where(ct.c.contact_id == other.id, ct.c.tag_id.not_in(kept)).order_by(TAG.c.name)).all()
    return tuple(name for name, _ in found), [tag_id for _, tag_id in found]


def _fields(session: Session, keep: Contact,
            other: Contact) -> tuple[tuple[str, ...], list[int], tuple[Clash, ...]]:
    """OTHER's custom fields: keys KEEP lacks move (keys, row ids); a differing value is a clash."""
    f = CONTACT_FIELD
    have = dict(session.execute(sa.select(f.c.key, f.c.value).where(f.c.contact_id == keep.id)).all())
    keys, ids, clashes = [], [], []
    for row_id, key, value in session.execute(sa.select(f.c.id, f.c.key, f.c.value)
                                              .where(f.c.contact_id == other.id).order_by(f.c.key)):
        if key not in have:
            keys.append(key)
            ids.append(row_id)
        elif have[key] != value:
            clashes.append(Clash(f"field {key}", have[key], value))
    return tuple(keys), ids, tuple(clashes)


def _single_values(session: Session, keep: Contact, other: Contact) -> tuple[tuple[tuple[str, str], ...],
                                                                             dict[str, Any], tuple[Clash, ...]]:
    """Title, organisation, cadence and owner: taken when only OTHER has one, a clash when they differ."""
    from crmcli.core.cadence import describe

    def org_name(org_id: int | None) -> str:
        org = session.get(Organization, org_id) if org_id else None
        return org.name if org else ""

    shown = {"title": ("title", lambda v: v), "org_id": ("organisation", org_name),
             "cadence_days": ("cadence", describe), "owner": ("owner", lambda v: v)}
    taken, single, clashes = [], {}, []
    for attribute, (what, show) in shown.items():
        mine, theirs = getattr(keep, attribute), getattr(other, attribute)
        if theirs is None or theirs == mine:
            continue
        if mine is None:
            single[attribute] = theirs
            taken.append((what, show(theirs)))
        else:
            clashes.append(Clash(what, show(mine), show(theirs)))
    if other.do_not_contact_at is not None and keep.do_not_contact_at is None:  # the person asked: it holds
        single |= {"do_not_contact_at": other.do_not_contact_at, "do_not_contact_reason": other.do_not_contact_reason}
        taken.append(("do not contact", contacts.do_not_contact_since(other.do_not_contact_at,
                                                                      other.do_not_contact_reason)))
    return tuple(taken), single, tuple(clashes)


def _only_other(link: sa.Table, key: str, keep: Contact, other: Contact) -> Any:
    """OTHER's link rows to interactions or deals KEEP is not on already."""
    kept = sa.select(link.c[key]).where(link.c.contact_id == keep.id)
    return sa.and_(link.c.contact_id == other.id, link.c[key].not_in(kept))


def _count(session: Session, where: Any, table: sa.Table = INTERACTION_CONTACT) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(table).where(where)) or 0)


def _deals_of(session: Session, contact: Contact) -> list[tuple[int, str]]:
    from crmcli.core import deals

    return deals.of_contact(session, contact.id)  # type: ignore[arg-type]
