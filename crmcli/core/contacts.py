"""Contacts: people, their emails, phones, tags and custom fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from crmcli.core import orgs, refs, validate
from crmcli.core.models import Contact, ContactEmail, ContactField, ContactPhone, ContactTag, Organization, Tag, utcnow
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
        owner = session.exec(
            select(Contact).join(ContactEmail, ContactEmail.contact_id == Contact.id)
            .where(sa.func.lower(ContactEmail.address) == address)
        ).first()
        if owner is None:
            raise NotFound(f"no contact has the email {ref.strip()!r}")
        return owner
    return refs.resolve(session, Contact, ref, "contact", lambda c: label(c, primary_email(session, c)))


def primary_email(session: Session, contact: Contact) -> str | None:
    return session.exec(select(ContactEmail.address).where(ContactEmail.contact_id == contact.id)
                        .order_by(ContactEmail.position).limit(1)).first()


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


def add(session: Session, changes: ContactChanges, *, phone_region: str | None = None) -> tuple[Contact, list[str]]:
    """Create a contact. Returns it and notes for the user (e.g. a new organisation was created)."""
    if changes.name is None:
        raise Invalid("a contact needs a name")
    name = validate.name(changes.name)
    contact = Contact(name=name, name_key=fold(name))
    session.add(contact)
    session.flush()
    notes = apply(session, contact, ContactChanges(**{**changes.__dict__, "name": None}), phone_region=phone_region)
    return contact, notes


def apply(session: Session, contact: Contact, changes: ContactChanges, *,
          phone_region: str | None = None) -> list[str]:
    """Apply every change or, on the first invalid one, raise (the caller's transaction rolls back)."""
    notes: list[str] = []
    if changes.name is not None:
        contact.name = validate.name(changes.name)
        contact.name_key = fold(contact.name)
    if changes.title is not None:
        contact.title = changes.title.strip() or None
    if changes.org is not None:
        if changes.org.strip():
            org, created = orgs.find_or_create(session, changes.org)
            contact.org_id = org.id
            if created:
                notes.append(f"created organisation {orgs.label(org)}")
        else:
            contact.org_id = None
    _remove_emails(session, contact, changes.remove_emails)
    _add_emails(session, contact, changes.add_emails)
    _remove_phones(session, contact, changes.remove_phones, phone_region)
    _add_phones(session, contact, changes.add_phones, phone_region)
    for raw in changes.set_fields:
        key, value = validate.field(raw)
        _set_field(session, contact, key, value)
    for raw in changes.unset_fields:
        key = validate.field_key(raw)
        existing = session.exec(select(ContactField).where(ContactField.contact_id == contact.id,
                                                           ContactField.key == key)).first()
        if existing is None:
            raise NotFound(f"{contact.name} has no field {key!r}")
        session.delete(existing)
    tag(session, contact, changes.tags)
    untag(session, contact, changes.untags)
    contact.updated_at = utcnow()
    session.add(contact)
    session.flush()
    return notes


def _next_position(session: Session, model: type[ContactEmail] | type[ContactPhone], contact: Contact) -> int:
    current = session.scalar(sa.select(sa.func.max(model.position)).where(model.contact_id == contact.id))
    return 0 if current is None else current + 1


def _add_emails(session: Session, contact: Contact, raws: list[str]) -> None:
    for raw in raws:
        email_label, value = validate.split_label(raw)
        address = validate.email(value)
        owner = session.exec(select(ContactEmail).where(ContactEmail.address == address)).first()
        if owner is not None:
            if owner.contact_id == contact.id:
                raise Conflict(f"{contact.name} already has the email {address}")
            other = session.get(Contact, owner.contact_id)
            raise Conflict(f"the email {address} already belongs to {label(other)}"
                           if other else f"the email {address} is taken")
        session.add(ContactEmail(contact_id=contact.id, address=address, label=email_label,
                                 position=_next_position(session, ContactEmail, contact)))
        session.flush()


def _remove_emails(session: Session, contact: Contact, raws: list[str]) -> None:
    for raw in raws:
        address = raw.strip().lower()
        row = session.exec(select(ContactEmail).where(ContactEmail.contact_id == contact.id,
                                                      sa.func.lower(ContactEmail.address) == address)).first()
        if row is None:
            raise NotFound(f"{contact.name} has no email {raw.strip()!r}")
        session.delete(row)
        session.flush()


def _add_phones(session: Session, contact: Contact, raws: list[str], region: str | None) -> None:
    for raw in raws:
        phone_label, value = validate.split_label(raw)
        number = validate.phone(value, region)
        exists = session.exec(select(ContactPhone).where(ContactPhone.contact_id == contact.id,
                                                         ContactPhone.number == number)).first()
        if exists is not None:
            raise Conflict(f"{contact.name} already has the phone {number}")
        session.add(ContactPhone(contact_id=contact.id, number=number, label=phone_label,
                                 position=_next_position(session, ContactPhone, contact)))
        session.flush()


def _remove_phones(session: Session, contact: Contact, raws: list[str], region: str | None) -> None:
    for raw in raws:
        number = validate.phone(raw, region)
        row = session.exec(select(ContactPhone).where(ContactPhone.contact_id == contact.id,
                                                      ContactPhone.number == number)).first()
        if row is None:
            raise NotFound(f"{contact.name} has no phone {raw.strip()!r}")
        session.delete(row)
        session.flush()


def _set_field(session: Session, contact: Contact, key: str, value: str) -> None:
    row = session.exec(select(ContactField).where(ContactField.contact_id == contact.id,
                                                  ContactField.key == key)).first()
    if row is None:
        session.add(ContactField(contact_id=contact.id, key=key, value=value))
    else:
        row.value = value
        session.add(row)


def _tag_ids(session: Session, names: list[str], *, create: bool) -> dict[str, int | None]:
    wanted = {validate.tag(n) for n in names}
    found = dict(session.exec(select(Tag.name, Tag.id).where(Tag.name.in_(wanted))).all())  # type: ignore[attr-defined]
    result: dict[str, int | None] = {}
    for name in sorted(wanted):
        if name not in found and create:
            tag_row = Tag(name=name)
            session.add(tag_row)
            session.flush()
            found[name] = tag_row.id
        result[name] = found.get(name)
    return result


def tag(session: Session, contact: Contact, names: list[str]) -> list[str]:
    """Add tags (creating them as needed); returns the ones that were new on this contact."""
    added = []
    for name, tag_id in _tag_ids(session, names, create=True).items():
        if session.get(ContactTag, (contact.id, tag_id)) is None:
            session.add(ContactTag(contact_id=contact.id, tag_id=tag_id))  # type: ignore[arg-type]
            added.append(name)
    session.flush()
    return added


def untag(session: Session, contact: Contact, names: list[str]) -> list[str]:
    removed = []
    for name, tag_id in _tag_ids(session, names, create=False).items():
        link = session.get(ContactTag, (contact.id, tag_id)) if tag_id is not None else None
        if link is None:
            raise NotFound(f"{contact.name} is not tagged {name!r}")
        session.delete(link)
        removed.append(name)
    session.flush()
    return removed


def touch(session: Session, contact: Contact) -> None:
    contact.updated_at = utcnow()
    session.add(contact)


def dependents(session: Session, contact: Contact) -> dict[str, int]:
    """What deleting this contact takes with it, counted, for the confirmation message."""
    counts = {}
    for what, model in (("emails", ContactEmail), ("phones", ContactPhone), ("tags", ContactTag),
                        ("custom fields", ContactField)):
        counts[what] = int(session.scalar(sa.select(sa.func.count()).select_from(model)
                                          .where(model.contact_id == contact.id)) or 0)
    return {k: v for k, v in counts.items() if v}


def remove(session: Session, contact: Contact) -> dict[str, int]:
    taken = dependents(session, contact)
    session.delete(contact)
    session.flush()
    return taken


# -- listings ------------------------------------------------------------------------------------

CONTACT_COLUMNS = ("id", "uid", "name", "title", "org", "emails", "phones", "tags", "fields", "created", "updated")
Sort = Literal["name", "created", "updated"]


def _joined(column: sa.ColumnElement[Any], where: sa.ColumnElement[bool], order: Any) -> Any:
    """Several values of one contact joined by LIST_SEPARATOR, in `order`; NULL when none."""
    inner = sa.select(column.label("v")).where(where).order_by(order).correlate(Contact.__table__).subquery()
    return sa.select(sa.func.aggregate_strings(inner.c.v, LIST_SEPARATOR)).scalar_subquery()


def rows(conn: Connection, *, tag: str | None = None, org_id: int | None = None, sort: Sort = "name",
         limit: int | None = None, ids: list[int] | None = None) -> Rows:
    """Contacts as flat rows, aggregated in SQL and streamed (no ORM objects: exports stay fast)."""
    c, o = Contact.__table__, Organization.__table__
    e, p, ct, t, f = (ContactEmail.__table__, ContactPhone.__table__, ContactTag.__table__, Tag.__table__,
                      ContactField.__table__)
    tag_names = sa.select(t.c.name.label("v")).join(ct, ct.c.tag_id == t.c.id) \
        .where(ct.c.contact_id == c.c.id).order_by(t.c.name).correlate(c).subquery()
    fields = sa.select(json_object_agg(f.c.key, f.c.value)).where(f.c.contact_id == c.c.id) \
        .having(sa.func.count() > 0).scalar_subquery()
    stmt = sa.select(
        c.c.id, c.c.uid, c.c.name, c.c.title, o.c.name,
        _joined(e.c.address, e.c.contact_id == c.c.id, e.c.position),
        _joined(p.c.number, p.c.contact_id == c.c.id, p.c.position),
        sa.select(sa.func.aggregate_strings(tag_names.c.v, LIST_SEPARATOR)).scalar_subquery(),
        fields, iso_utc(c.c.created_at), iso_utc(c.c.updated_at),
    ).select_from(c.outerjoin(o, o.c.id == c.c.org_id))
    if tag is not None:
        stmt = stmt.where(sa.exists().where(ct.c.contact_id == c.c.id, ct.c.tag_id == t.c.id,
                                            t.c.name == validate.tag(tag)))
    if org_id is not None:
        stmt = stmt.where(c.c.org_id == org_id)
    if ids is not None:
        stmt = stmt.where(c.c.id.in_(ids))
    order = {"name": (c.c.name_key, c.c.id), "created": (c.c.created_at, c.c.id),
             "updated": (c.c.updated_at.desc(), c.c.id)}[sort]
    stmt = stmt.order_by(*order)
    if limit is not None:
        stmt = stmt.limit(limit)
    return Rows(CONTACT_COLUMNS, conn.execute(stmt), list_columns=frozenset({"emails", "phones", "tags"}),
                json_columns=frozenset({"fields"}), time_columns=frozenset({"created", "updated"}),
                table_columns=("id", "name", "title", "org", "emails", "phones", "tags"))


def card(session: Session, contact: Contact) -> dict[str, Any]:
    """Everything about one contact, labels included, for `contacts show`."""
    org = session.get(Organization, contact.org_id) if contact.org_id else None
    emails = session.exec(select(ContactEmail).where(ContactEmail.contact_id == contact.id)
                          .order_by(ContactEmail.position)).all()
    phones = session.exec(select(ContactPhone).where(ContactPhone.contact_id == contact.id)
                          .order_by(ContactPhone.position)).all()
    tags = session.exec(select(Tag.name).join(ContactTag, ContactTag.tag_id == Tag.id)  # type: ignore[arg-type]
                        .where(ContactTag.contact_id == contact.id).order_by(Tag.name)).all()
    fields = session.exec(select(ContactField).where(ContactField.contact_id == contact.id)
                          .order_by(ContactField.key)).all()
    return {
        "id": contact.id, "uid": contact.uid, "name": contact.name, "title": contact.title,
        "org": org.name if org else None, "org_id": org.id if org else None,
        "emails": [{"address": e.address, "label": e.label} for e in emails],
        "phones": [{"number": p.number, "label": p.label, "display": validate.phone_display(p.number)}
                   for p in phones],
        "tags": list(tags), "fields": {f.key: f.value for f in fields},
        "created": contact.created_at, "updated": contact.updated_at,
    }
