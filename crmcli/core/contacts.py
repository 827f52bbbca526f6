"""Contacts: people, their emails, phones, tags and custom fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator, Literal, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from crmcli.core import orgs, refs, validate
from crmcli.core.identity import Me, login_name, new_owner, owned_by, owner_name
from crmcli.core.models import (CONTACT_EMAIL, CONTACT_FIELD, CONTACT_PHONE, CONTACT_TAG, TAG, Contact, Organization,
                                contactable, utcnow)
from crmcli.core.rows import LIST_SEPARATOR, Rows
from crmcli.core.text import fold
from crmcli.errors import Conflict, Invalid, NotFound
from crmcli.storage.sql import iso_utc, json_object_agg


def label(contact: Contact, email: str | None = None) -> str:
    return f"#{contact.id} {contact.name}" + (f" <{email}>" if email else "")


def resolve(session: Session, ref: str) -> Contact:
    """A contact by id, exact email, or unique (case- and accent-insensitive) name fragment."""
    if "@" in ref:
        address = ref.strip().lower()
        # Addresses differing in case only may be on two contacts: the one written as typed, else the
        # first made (without an order PostgreSQL returns whichever row it reads first).
        owner = session.exec(
            select(Contact).join(CONTACT_EMAIL, CONTACT_EMAIL.c.contact_id == Contact.id)
            .where(sa.func.lower(CONTACT_EMAIL.c.address) == address)
            .order_by(CONTACT_EMAIL.c.address != ref.strip(), Contact.id).limit(1)
        ).first()
        if owner is None:
            raise NotFound(f"no contact has the email {ref.strip()!r}")
        return owner
    return refs.resolve(session, Contact, ref, "contact", lambda c: label(c, primary_email(session, c)))


def primary_email(session: Session, contact: Contact) -> str | None:
    return session.scalars(sa.select(CONTACT_EMAIL.c.address).where(CONTACT_EMAIL.c.contact_id == contact.id)
                           .order_by(CONTACT_EMAIL.c.position).limit(1)).first()


@dataclass
class ContactChanges:
    """What `add` and `edit` may change; `add` is a new row plus the same changes."""

    name: str | None = None
    title: str | None = None          # "" clears
    org: str | None = None            # reference or new name; "" unlinks
    add_emails: list[str] = field(default_factory=list)      # "addr" or "label:addr"
    remove_emails: list[str] = field(default_factory=list)
    add_phones: list[str] = field(default_factory=list)      # "number" or "label:number"
    remove_phones: list[str] = field(default_factory=list)
    set_fields: list[str] = field(default_factory=list)      # "key=value"
    unset_fields: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    untags: list[str] = field(default_factory=list)
    cadence: str | None = None        # "every 30 days"; "" removes it
    owner: str | None = None          # a name, "me" or "" (nobody); `add` without one: who adds it
    do_not_contact: bool | None = None          # True marks "do not contact", False clears the mark
    do_not_contact_reason: str | None = None    # with True: why ("" clears a reason held)
    do_not_contact_since: datetime | None = None  # with True: since when (default: now; an import's own)


def add(session: Session, changes: ContactChanges, *, phone_region: str | None = None,
        me: Me = login_name) -> tuple[Contact, list[str]]:
    """Create a contact, owned by `me` (who adds it) unless the changes name an owner. Returns it
    and notes for the user (e.g. a new organisation was created)."""
    if changes.name is None:
        raise Invalid("a contact needs a name")
    name = validate.name(changes.name)
    contact = Contact(name=name, name_key=fold(name), owner=new_owner(changes.owner, me))
    session.add(contact)
    session.flush()
    notes = apply(session, contact, ContactChanges(**{**changes.__dict__, "name": None, "owner": None}),
                  phone_region=phone_region, fresh=True)
    return contact, notes


def apply(session: Session, contact: Contact, changes: ContactChanges, *,
          phone_region: str | None = None, fresh: bool = False, me: Me = login_name) -> list[str]:
    """Apply every change or, on the first invalid one, raise (the caller's transaction rolls back).
    `fresh`: the contact was just created, so it has no emails, phones, fields or tags to look up.
    `me`: who an owner typed as "me" is."""
    notes: list[str] = []
    if changes.name is not None:
        contact.name = validate.name(changes.name)
        contact.name_key = fold(contact.name)
    if changes.title is not None:
        contact.title = changes.title.strip() or None
    if changes.owner is not None:
        contact.owner = owner_name(changes.owner, me)
    if changes.cadence is not None:
        from crmcli.core import cadence

        contact.cadence_days = cadence.parse(changes.cadence) if changes.cadence.strip() else None
    if (changes.do_not_contact_reason is not None or changes.do_not_contact_since is not None) \
            and changes.do_not_contact is not True:
        raise Invalid("a do-not-contact reason or time goes with the mark itself")
    if changes.do_not_contact is not None:
        _mark_do_not_contact(contact, changes.do_not_contact, changes.do_not_contact_reason,
                             since=changes.do_not_contact_since)
    if changes.org is not None:
        if changes.org.strip():
            org, created = orgs.find_or_create(session, changes.org)
            contact.org_id = org.id
            if created:
                notes.append(f"created organisation {orgs.label(org)}")
        else:
            contact.org_id = None
    _edit_channel(session, contact, EMAILS, changes.add_emails, changes.remove_emails, fresh=fresh)
    _edit_channel(session, contact, PHONES, changes.add_phones, changes.remove_phones, fresh=fresh,
                  region=phone_region)
    _edit_fields(session, contact, changes.set_fields, changes.unset_fields, fresh=fresh)
    tag(session, contact, changes.tags, fresh=fresh)
    untag(session, contact, changes.untags)
    contact.updated_at = utcnow()
    session.add(contact)
    session.flush()
    return notes


def _mark_do_not_contact(contact: Contact, mark: bool, reason: str | None, *, since: datetime | None) -> None:
    """Mark a contact "do not contact" (`mark`), or clear the mark. A marked contact stays, with
    its history, but reminders, keep-in-touch cadences, cold lists and mailing exports leave it out.
    Marked again, it keeps the time it was first marked; a `reason` given replaces the one held
    ("" clears it). `since`: when it was marked, if not now (an import keeps its file's time)."""
    if not mark:
        contact.do_not_contact_at = contact.do_not_contact_reason = None
        return
    if contact.do_not_contact_at is None:
        contact.do_not_contact_at = since or utcnow()
    if reason is not None:
        contact.do_not_contact_reason = validate.one_line(reason)


def marked_do_not_contact(conn: Connection, ids: Iterable[int]) -> set[int]:
    """Which of these contacts are marked "do not contact" (by primary key, a query per 10,000)."""
    c, wanted, found = Contact.__table__, sorted(set(ids)), set()
    for start in range(0, len(wanted), 10_000):
        found.update(conn.scalars(sa.select(c.c.id).where(c.c.id.in_(wanted[start:start + 10_000]),
                                                          c.c.do_not_contact_at.is_not(None))))
    return found


def left_out_of_reminders(contact: Contact) -> str:
    """What to tell someone who adds a follow-up for `contact` when it is marked "do not contact"
    (reminders leave such follow-ups out); "" when it is not marked."""
    if contact.do_not_contact_at is None:
        return ""
    return f"{contact.name} is marked do not contact: reminders leave out follow-ups for them"


def do_not_contact_since(at: datetime | str | None, reason: str | None) -> str:
    """What both front ends show after "do not contact": `since 2026-12-06 10:32 (asked to stop)`,
    in local time; "" for a contact that is not marked."""
    if at is None or at == "":
        return ""
    from crmcli.core.clock import shown_local

    return f"since {shown_local(at)}" + (f" ({reason})" if reason else "")


@dataclass(frozen=True)
class Channel:
    """Emails and phones work alike: labelled values in an order, the first one primary."""

    table: sa.Table
    column: str
    what: str
    unique_across_contacts: bool

    def normalise(self, raw: str, region: str | None) -> str:
        return validate.email(raw) if self.table is CONTACT_EMAIL else validate.phone(raw, region)

    def key(self, raw: str, region: str | None) -> str:
        """How a value to remove is matched against stored ones."""
        return raw.strip().lower() if self.table is CONTACT_EMAIL else validate.phone(raw, region)


EMAILS = Channel(CONTACT_EMAIL, "address", "email", unique_across_contacts=True)
PHONES = Channel(CONTACT_PHONE, "number", "phone", unique_across_contacts=False)


def _edit_channel(session: Session, contact: Contact, channel: Channel, adds: list[str], removes: list[str], *,
                  fresh: bool, region: str | None = None) -> None:
    if not adds and not removes:
        return
    table = channel.table
    rows = [] if fresh else session.execute(sa.select(table).where(table.c.contact_id == contact.id)).all()
    existing = {str(getattr(row, channel.column)).lower(): row for row in rows}
    gone = []
    for raw in removes:
        row = existing.pop(channel.key(raw, region), None)
        if row is None:
            raise NotFound(f"{contact.name} has no {channel.what} {raw.strip()!r}")
        gone.append(row.id)
    if gone:  # deleted before the adds: a value removed and added again must not collide
        session.execute(sa.delete(table).where(table.c.id.in_(gone)))
    position = max((row.position for row in existing.values()), default=-1) + 1
    new_values: list[tuple[str | None, str]] = []
    for raw in adds:
        value_label, value = validate.split_label(raw)
        value = channel.normalise(value, region)
        if value.lower() in existing or value in [v for _, v in new_values]:
            raise Conflict(f"{contact.name} already has the {channel.what} {value}")
        new_values.append((value_label, value))
    if channel.unique_across_contacts and new_values:
        column = table.c[channel.column]
        owner = session.execute(sa.select(table.c.contact_id, column)
                                .where(column.in_([v for _, v in new_values])).limit(1)).first()
        if owner is not None:
            other = session.get(Contact, owner[0])
            raise Conflict(f"the {channel.what} {owner[1]} already belongs to {label(other)}"
                           if other else f"the {channel.what} {owner[1]} is taken")
    if new_values:
        session.execute(sa.insert(table), [{"contact_id": contact.id, "label": value_label, "position": position + n,
                                            channel.column: value} for n, (value_label, value) in enumerate(new_values)])


def _edit_fields(session: Session, contact: Contact, sets: list[str], unsets: list[str], *, fresh: bool) -> None:
    if not sets and not unsets:
        return
    f = CONTACT_FIELD
    existing = set() if fresh else set(session.scalars(sa.select(f.c.key).where(f.c.contact_id == contact.id)))
    for raw in unsets:
        key = validate.field_key(raw)
        if key not in existing:
            raise NotFound(f"{contact.name} has no field {key!r}")
        existing.discard(key)
        session.execute(sa.delete(f).where(f.c.contact_id == contact.id, f.c.key == key))
    for raw in sets:
        key, value = validate.field(raw)
        if key in existing:
            session.execute(sa.update(f).where(f.c.contact_id == contact.id, f.c.key == key).values(value=value))
        else:
            session.execute(sa.insert(f).values(contact_id=contact.id, key=key, value=value))
            existing.add(key)


def _tag_ids(session: Session, names: list[str], *, create: bool) -> dict[str, int | None]:
    wanted = sorted({validate.tag(n) for n in names})
    found = dict(session.execute(sa.select(TAG.c.name, TAG.c.id).where(TAG.c.name.in_(wanted))).all())
    if create:
        for name in wanted:
            if name not in found:
                found[name] = session.execute(sa.insert(TAG).values(name=name)).inserted_primary_key[0]
    return {name: found.get(name) for name in wanted}


def _linked_tag_ids(session: Session, contact: Contact) -> set[int]:
    return set(session.scalars(sa.select(CONTACT_TAG.c.tag_id).where(CONTACT_TAG.c.contact_id == contact.id)).all())


def tag(session: Session, contact: Contact, names: list[str], *, fresh: bool = False) -> list[str]:
    """Add tags (creating them as needed); returns the ones that were new on this contact."""
    if not names:
        return []
    linked = set() if fresh else _linked_tag_ids(session, contact)
    added = []
    for name, tag_id in _tag_ids(session, names, create=True).items():
        if tag_id not in linked:
            session.execute(sa.insert(CONTACT_TAG).values(contact_id=contact.id, tag_id=tag_id))
            added.append(name)
    if added:  # a change to the contact, as any other: its updated_at moves
        touch(session, contact)
    session.flush()
    return added


def untag(session: Session, contact: Contact, names: list[str]) -> list[str]:
    if not names:
        return []
    linked = _linked_tag_ids(session, contact)
    removed = []
    for name, tag_id in _tag_ids(session, names, create=False).items():
        if tag_id is None or tag_id not in linked:
            raise NotFound(f"{contact.name} is not tagged {name!r}")
        session.execute(sa.delete(CONTACT_TAG).where(CONTACT_TAG.c.contact_id == contact.id,
                                                     CONTACT_TAG.c.tag_id == tag_id))
        removed.append(name)
    touch(session, contact)  # every name was linked (else NotFound above): something changed
    return removed


def touch(session: Session, contact: Contact) -> None:
    contact.updated_at = utcnow()
    session.add(contact)


class DealRef(NamedTuple):
    id: int
    name: str


@dataclass(frozen=True)
class Impact:
    """What deleting a contact takes with it, for a confirmation: counts of its own rows, the
    interactions that name no one else (deleted with it), and the deals that stay without it."""

    contact_id: int
    label: str                     # "#3 Ann Lee <ann@acme.example>"
    emails: int
    phones: int
    tags: int
    fields: int
    follow_ups: int
    interactions: tuple[int, ...]  # ids
    deals: tuple[DealRef, ...]     # unlinked, not deleted
    cases: int = 0                 # service cases, deleted with it

    def counts(self) -> dict[str, int]:
        """What goes, by name, in the order people are told ("2 emails, 1 phone"); none left out."""
        named = {"emails": self.emails, "phones": self.phones, "tags": self.tags, "custom fields": self.fields,
                 "follow-ups": self.follow_ups, "interactions": len(self.interactions),
                 "service cases": self.cases}
        return {what: n for what, n in named.items() if n}

    def describe(self) -> str:
        """What a confirmation says goes, in both front ends: "contact #3 Ann Lee <ann@...> with
        2 emails, 1 phone; deal #1 Website stays, without this contact"."""
        taken = ", ".join(f"{n} {what[:-1] if n == 1 else what}" for what, n in self.counts().items())
        kept = "".join(f"; deal #{deal.id} {deal.name} stays, without this contact" for deal in self.deals)
        return f"contact {self.label}" + (f" with {taken}" if taken else "") + kept


def impact(session: Session, contact: Contact) -> Impact:
    from crmcli.core import deals, interactions
    from crmcli.core.models import FollowUp, ServiceCase

    def count(table: sa.Table) -> int:
        return int(session.scalar(sa.select(sa.func.count()).select_from(table)
                                  .where(table.c.contact_id == contact.id)) or 0)

    return Impact(contact.id, label(contact, primary_email(session, contact)),  # type: ignore[arg-type]
                  count(CONTACT_EMAIL), count(CONTACT_PHONE), count(CONTACT_TAG), count(CONTACT_FIELD),
                  count(FollowUp.__table__), tuple(interactions.orphaned_by(session, contact.id)),  # type: ignore[arg-type]
                  tuple(DealRef(*row) for row in deals.of_contact(session, contact.id)),  # type: ignore[arg-type]
                  count(ServiceCase.__table__))


def remove(session: Session, contact: Contact) -> Impact:
    """Delete a contact, and the interactions that named no one else (shared ones stay)."""
    from crmcli.core import interactions

    from crmcli.core.deals import refresh_activity

    taken = impact(session, contact)
    interactions.remove_many(session, list(taken.interactions))
    session.delete(contact)
    session.flush()
    refresh_activity(session, deal_ids=[d.id for d in taken.deals])  # they lost this contact's history
    return taken


# -- listings ------------------------------------------------------------------------------------

CONTACT_COLUMNS = ("id", "uid", "name", "title", "org", "emails", "phones", "tags", "fields", "cadence_days",
                   "last_contact", "created", "updated", "owner", "do_not_contact_at", "do_not_contact_reason")
# A mailing list's rows (`mailing=True`): one per contact that may be written to, at its primary email.
MAILING_COLUMNS = ("email", "first_name", "last_name", "name", "org", "tags", "uid")
Sort = Literal["name", "created", "updated", "last-contact"]


def _joined(column: sa.ColumnElement[Any], where: sa.ColumnElement[bool], order: Any) -> Any:
    """Several values of one contact joined by LIST_SEPARATOR, in `order`; NULL when none."""
    inner = sa.select(column.label("v")).where(where).order_by(order).correlate(Contact.__table__).subquery()
    return sa.select(sa.func.aggregate_strings(inner.c.v, LIST_SEPARATOR)).scalar_subquery()


@dataclass(frozen=True)
class Cold:
    """`--cold`: contacts past their cadence at `as_of`; with `after_days`, also contacts without a
    cadence whose last contact is older than that."""

    as_of: datetime
    after_days: int | None = None


def _channel_value(table: sa.Table, column: str, labelled: bool) -> Any:
    """An email or phone as listed: the bare value, or `label:value` where a label is set (what
    `add` reads back, so an export can be imported again)."""
    value = table.c[column]
    if not labelled:
        return value
    return sa.case((sa.func.coalesce(table.c.label, "") != "", table.c.label + ":" + value), else_=value)


def rows(conn: Connection, *, tag: str | None = None, org_id: int | None = None, sort: Sort = "name",
         limit: int | None = None, ids: list[int] | None = None, cold: Cold | None = None,
         match: str | None = None, labelled: bool = False, owner: str | None = None,
         versions: bool = False, mailing: bool = False, segment: Any = None) -> Rows:
    """Contacts as flat rows, aggregated in SQL and streamed (no ORM objects: exports stay fast).
    `cold`: contacts marked "do not contact" are never cold.
    `mailing`: a mailing list instead (MAILING_COLUMNS): only the contacts that may be written to,
    neither marked "do not contact" nor without an email, each once at its primary email, with the
    name split for a greeting (split_name); the other filters narrow it as they narrow the listing.
    `match`: a fragment of the name, an email, the organisation or a tag, case- and accent-free.
    `labelled`: emails and phones as `label:value` where they have a label (exports).
    `versions`: a last column `version` (`contacts show`: what `edit --if-version` names; not in
    exports, where a copy's edit count would mean nothing).
    `owner`: only that owner's contacts; "" only those nobody owns (identity.owner_filter).
    `segment`: only the contacts a segment holds (its SQL condition: segments.condition)."""
    c, o = Contact.__table__, Organization.__table__
    e, p, ct, t, f = CONTACT_EMAIL, CONTACT_PHONE, CONTACT_TAG, TAG, CONTACT_FIELD
    last_contact = c.c.last_contact_at
    tag_names = sa.select(t.c.name.label("v")).join(ct, ct.c.tag_id == t.c.id) \
        .where(ct.c.contact_id == c.c.id).order_by(t.c.name).correlate(c).subquery()
    fields = sa.select(json_object_agg(f.c.key, f.c.value)).where(f.c.contact_id == c.c.id) \
        .having(sa.func.count() > 0).scalar_subquery()
    tags_cell = sa.select(sa.func.aggregate_strings(tag_names.c.v, LIST_SEPARATOR)).scalar_subquery()
    stmt = sa.select(
        c.c.id, c.c.uid, c.c.name, c.c.title, o.c.name,
        _joined(_channel_value(e, "address", labelled), e.c.contact_id == c.c.id, e.c.position),
        _joined(_channel_value(p, "number", labelled), p.c.contact_id == c.c.id, p.c.position),
        tags_cell, fields, c.c.cadence_days, iso_utc(last_contact), iso_utc(c.c.created_at), iso_utc(c.c.updated_at),
        c.c.owner, iso_utc(c.c.do_not_contact_at), c.c.do_not_contact_reason, *([c.c.version] if versions else []),
    ).select_from(c.outerjoin(o, o.c.id == c.c.org_id))
    if tag is not None:
        stmt = stmt.where(sa.exists().where(ct.c.contact_id == c.c.id, ct.c.tag_id == t.c.id,
                                            t.c.name == validate.tag(tag)))
    if org_id is not None:
        stmt = stmt.where(c.c.org_id == org_id)
    stmt = stmt.where(*owned_by(c.c.owner, owner))
    if ids is not None:
        stmt = stmt.where(c.c.id.in_(ids))
    if match is not None and match.strip():
        stmt = stmt.where(_matching(match))
    if segment is not None:
        stmt = stmt.where(segment)
    if mailing:  # only those that may be written to
        stmt = stmt.where(contactable(), sa.exists().where(e.c.contact_id == c.c.id))
    order = {"name": (c.c.name_key, c.c.id), "created": (c.c.created_at, c.c.id),
             "updated": (c.c.updated_at.desc(), c.c.id),
             "last-contact": (last_contact.desc().nulls_last(), c.c.name_key, c.c.id)}[sort]
    if cold is not None:
        from crmcli.core import cadence

        allowance = c.c.cadence_days if cold.after_days is None else sa.func.coalesce(c.c.cadence_days,
                                                                                        cold.after_days)
        over = cadence.days_over(last_contact, c.c.created_at, allowance, cold.as_of)
        stmt = stmt.where(allowance.is_not(None), contactable(), over > 0)
        order = (over.desc(), c.c.id)  # most overdue first
    if limit is not None and (cold is not None or sort != "name"):
        # Sorted by a worked-out value, SQLite would build every matching row (emails, phones, tags:
        # four subqueries each) before sorting; the page's ids first, then only its rows (the
        # dashboard's cold panel: ~22 ms -> ~3 ms on 10,000 contacts with a cadence).
        page = stmt.with_only_columns(c.c.id).order_by(*order).limit(limit)
        stmt = stmt.where(c.c.id.in_(page))
    stmt = stmt.order_by(*order)
    if limit is not None:
        stmt = stmt.limit(limit)
    if mailing:
        return _mailing(conn, stmt, tags_cell)
    columns = (*CONTACT_COLUMNS, "version") if versions else CONTACT_COLUMNS
    return Rows(columns, conn.execute(stmt), list_columns=frozenset({"emails", "phones", "tags"}),
                json_columns=frozenset({"fields"}),
                time_columns=frozenset({"last_contact", "created", "updated", "do_not_contact_at"}),
                table_columns=("id", "name", "title", "org", "emails", "phones", "tags", "last_contact"))


def _mailing(conn: Connection, listing: Any, tags: Any) -> Rows:
    """The contacts `listing` selects as a mailing list's rows (MAILING_COLUMNS); `tags` is the
    listing's tags cell."""
    c, o, e = Contact.__table__, Organization.__table__, CONTACT_EMAIL
    primary = sa.select(e.c.address).where(e.c.contact_id == c.c.id).order_by(e.c.position).limit(1) \
        .correlate(c).scalar_subquery()
    stmt = listing.with_only_columns(primary, c.c.name, o.c.name, tags, c.c.uid)

    def shaped(found: Any) -> Iterator[tuple[Any, ...]]:
        for email, name, org, tag_names, uid in found:
            yield (email, *split_name(name), name, org, tag_names, uid)

    return Rows(MAILING_COLUMNS, shaped(conn.execute(stmt)), list_columns=frozenset({"tags"}))


def split_name(name: str) -> tuple[str, str]:
    """A name as (first name, last name) for a greeting: the last word is the last name, the words
    before it the first (as a vCard's N); one word is a first name alone. crm keeps one name, so
    this is a guess that the whole `name` beside it corrects."""
    words = name.split()
    if len(words) < 2:
        return name.strip(), ""
    return " ".join(words[:-1]), words[-1]


def _matching(text: str) -> Any:
    """One pattern over the folded name, the emails, the organisation and the tags. Each subquery
    runs once (SQLite materialises IN lists) and the names are walked in order, so a page of a
    common fragment stops early (~10 ms on 100,000 contacts); a fragment that matches almost
    nothing walks them all (~130-250 ms). (Finding the ids first, by a union, was measured worse:
    ~300 ms for a one-letter fragment.)"""
    from crmcli.core.text import fold, like_pattern

    c, o, e, ct, t = Contact.__table__, Organization.__table__, CONTACT_EMAIL, CONTACT_TAG, TAG
    folded, lowered = like_pattern(fold(text)), like_pattern(text.strip().lower())
    return sa.or_(
        c.c.name_key.like(folded, escape="\\"),
        c.c.id.in_(sa.select(e.c.contact_id).where(e.c.address.like(lowered, escape="\\"))),
        c.c.org_id.in_(sa.select(o.c.id).where(o.c.name_key.like(folded, escape="\\"))),
        c.c.id.in_(sa.select(ct.c.contact_id).join(t, t.c.id == ct.c.tag_id).where(t.c.name.like(lowered, escape="\\"))),
    )


def count(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(Contact.__table__)).scalar_one())


TAG_COLUMNS = ("name", "contacts")


def tags(conn: Connection, *, match: str | None = None, limit: int | None = None) -> Rows:
    """Tags by name, each with how many contacts carry it: what `rows(tag=...)` can narrow to.
    `match`: part of the tag's name, case-free."""
    from crmcli.core.text import like_pattern

    t, ct = TAG, CONTACT_TAG
    stmt = sa.select(t.c.name, sa.func.count(ct.c.contact_id)).select_from(t.outerjoin(ct, ct.c.tag_id == t.c.id)) \
        .group_by(t.c.id, t.c.name).order_by(t.c.name)
    if match is not None and match.strip():
        stmt = stmt.where(t.c.name.like(like_pattern(match.strip().lower()), escape="\\"))
    if limit is not None:
        stmt = stmt.limit(limit)
    return Rows(TAG_COLUMNS, conn.execute(stmt))


def card(session: Session, contact: Contact) -> dict[str, Any]:
    """Everything about one contact, labels included, for `contacts show`."""
    org = session.get(Organization, contact.org_id) if contact.org_id else None
    e, p, f = CONTACT_EMAIL, CONTACT_PHONE, CONTACT_FIELD
    emails = session.execute(sa.select(e).where(e.c.contact_id == contact.id).order_by(e.c.position)).all()
    phones = session.execute(sa.select(p).where(p.c.contact_id == contact.id).order_by(p.c.position)).all()
    tags = session.scalars(sa.select(TAG.c.name).join(CONTACT_TAG, CONTACT_TAG.c.tag_id == TAG.c.id)
                           .where(CONTACT_TAG.c.contact_id == contact.id).order_by(TAG.c.name)).all()
    fields = session.execute(sa.select(f).where(f.c.contact_id == contact.id).order_by(f.c.key)).all()
    return {
        "id": contact.id, "uid": contact.uid, "name": contact.name, "title": contact.title,
        "org": org.name if org else None, "org_id": org.id if org else None,
        "emails": [{"address": e.address, "label": e.label} for e in emails],
        "phones": [{"number": p.number, "label": p.label, "display": validate.phone_display(p.number)}
                   for p in phones],
        "tags": list(tags), "fields": {f.key: f.value for f in fields},
        "last_contact": contact.last_contact_at,
        "cadence_days": contact.cadence_days,
        "created": contact.created_at, "updated": contact.updated_at,
        "owner": contact.owner, "version": contact.version,
        "do_not_contact_at": contact.do_not_contact_at, "do_not_contact_reason": contact.do_not_contact_reason,
    }
