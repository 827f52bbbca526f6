"""The fast path of an import: new contacts checked in Python against what the database holds
(read once), then written together with executemany, instead of one ORM round trip each.

`Known` is what matching needs, read once per import: every uid, email and phone kept, and the
organisations and tags by name. A row that is new goes into a `Batch`; the batch is written when it
is full, before a row that matches a contact still in it, and at the end. Rows that match a kept
contact take the row-by-row path (crmcli.core.importing), which reads and updates that contact.
The checks are the core's own (crmcli.core.validate, cadence), so a bad row reads the same either way.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core import validate
from crmcli.core.models import (CONTACT_EMAIL, CONTACT_FIELD, CONTACT_PHONE, CONTACT_TAG, TAG, Contact,
                                Organization, new_uid, utcnow)
from crmcli.errors import Conflict, Invalid
from crmcli.storage import search_index
from crmcli.storage.audit_triggers import added_in_bulk
from crmcli.storage.keys import fold
from crmcli.storage.sql import insert_many

BATCH = 2_000
Labelled = tuple[str | None, str]  # an email's or phone's (label, value in its stored form)


@dataclass
class Known:
    """What the database holds, by the keys a row is matched on; updated as the import writes."""

    uids: dict[str, int]
    emails: dict[str, int]          # address -> contact id (one owner each)
    phones: dict[str, int]          # E.164 -> the lowest contact id holding it
    orgs: dict[str, int]            # folded name -> id
    tags: dict[str, int]            # name -> id

    @classmethod
    def read(cls, conn: Connection) -> "Known":
        c, o = Contact.__table__, Organization.__table__
        phones: dict[str, int] = {}
        for number, contact_id in conn.execute(sa.select(CONTACT_PHONE.c.number, CONTACT_PHONE.c.contact_id)
                                               .order_by(CONTACT_PHONE.c.contact_id.desc())):
            phones[number] = contact_id  # descending: the lowest id is written last and stays
        return cls(uids=dict(conn.execute(sa.select(c.c.uid, c.c.id)).all()),  # type: ignore[arg-type]
                   emails=dict(conn.execute(sa.select(CONTACT_EMAIL.c.address, CONTACT_EMAIL.c.contact_id)).all()),  # type: ignore[arg-type]
                   phones=phones,
                   orgs=dict(conn.execute(sa.select(o.c.name_key, o.c.id)).all()),  # type: ignore[arg-type]
                   tags=dict(conn.execute(sa.select(TAG.c.name, TAG.c.id)).all()))  # type: ignore[arg-type]


@dataclass
class Checked:
    """A new contact's row, every value in its stored form."""

    line: int
    uid: str
    name: str
    title: str | None
    org: str | None
    emails: list[Labelled]
    phones: list[Labelled]
    tags: list[str]
    fields: dict[str, str]
    cadence_days: int | None
    created: datetime
    updated: datetime
    owner: str | None
    do_not_contact_at: datetime | None = None
    do_not_contact_reason: str | None = None


def labelled(raw: str, normalise: Callable[[str], str]) -> Labelled:
    """`label:value` split and the value normalised (validate.email, validate.phone in a region)."""
    label, value = validate.split_label(raw)
    return label, normalise(value)


# The canonical form str(uuid.UUID(text)) gives: a uid in it (crm's own exports) needs no parse.
_CANONICAL_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def check(row: Any, emails: list[Labelled], phones: list[Labelled], created: datetime,
          updated: datetime, owner: str | None, do_not_contact_at: datetime | None = None) -> Checked:
    """A row (importing.Incoming) as it would be stored, or Invalid: the checks `contacts.add` makes.
    `emails` and `phones` are the row's, each already `labelled` (the caller matched on them);
    `owner` is the contact's (the row's, else the importer's); `do_not_contact_at`: when it was
    marked "do not contact" (None: it is not), the row's reason kept with it."""
    from crmcli.core import cadence

    given = row.name or row.org
    if not given:
        raise Invalid("no name: a contact needs one")
    name = validate.name(given, "name")
    _unique(emails, "email", name)
    _unique(phones, "phone", name)
    fields = dict(validate.field(f"{k}={v}") for k, v in row.fields.items())
    if not row.uid:
        uid = new_uid()
    elif _CANONICAL_UID.fullmatch(row.uid):
        uid = row.uid
    else:
        try:
            uid = str(uuid.UUID(row.uid))
        except ValueError:
            raise Invalid(f"uid {row.uid!r} is not a UUID") from None
    return Checked(row.line, uid, name, (row.title or "").strip() or None,
                   validate.name(row.org, "organisation name") if row.org else None, emails, phones,
                   sorted({validate.tag(t) for t in row.tags}), fields,
                   cadence.parse(row.cadence) if row.cadence and row.cadence.strip() else None,
                   created, updated, owner, do_not_contact_at,
                   validate.one_line(row.do_not_contact_reason) if do_not_contact_at else None)


def _unique(values: list[Labelled], what: str, name: str) -> None:
    seen: set[str] = set()
    for _, value in values:
        if value.lower() in seen:
            raise Conflict(f"{name} already has the {what} {value}")
        seen.add(value.lower())


@dataclass
class Batch:
    """New contacts waiting to be written; their uids, emails and phones already count as taken."""

    rows: list[Checked] = field(default_factory=list)
    uids: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)

    def holds(self, uid: str | None, emails: list[Labelled], phones: list[Labelled]) -> bool:
        if uid is not None and uid in self.uids:
            return True
        for _, address in emails:  # loops, not any(): asked for every row of an import
            if address in self.emails:
                return True
        for _, number in phones:
            if number in self.phones:
                return True
        return False

    def add(self, row: Checked) -> None:
        self.rows.append(row)
        self.uids.add(row.uid)
        self.emails.update(a for _, a in row.emails)
        self.phones.update(p for _, p in row.phones)

    def write(self, conn: Connection, known: Known) -> list[int]:
        """Insert every contact of the batch with its emails, phones, tags and fields; ids in order."""
        if not self.rows:
            return []
        _ensure_orgs(conn, known, [r.org for r in self.rows if r.org])
        _ensure_tags(conn, known, {t for r in self.rows for t in r.tags})
        org_ids = [known.orgs[fold(r.org)] if r.org else None for r in self.rows]
        ids: list[int] = []
        with search_index.indexed_once(conn, "contact", lambda: ids), added_in_bulk(conn, "contact", lambda: ids):
            ids.extend(self._insert(conn, known, org_ids))
        for i, r in zip(ids, self.rows):
            known.uids[r.uid] = i
            for _, a in r.emails:
                known.emails[a] = i
            for _, p in r.phones:
                known.phones.setdefault(p, i)
        self.rows, self.uids, self.emails, self.phones = [], set(), set(), set()
        return ids

    def _insert(self, conn: Connection, known: Known, org_ids: list[int | None]) -> list[int]:
        """The contacts' rows, then their emails, phones, tags and fields; their ids in order."""
        c = Contact.__table__
        insert_many(conn, c, ("uid", "name", "name_key", "title", "org_id", "cadence_days", "created_at", "updated_at",
                              "owner", "do_not_contact_at", "do_not_contact_reason"),
                    [(r.uid, r.name, fold(r.name), r.title, org, r.cadence_days, r.created, r.updated, r.owner,
                      r.do_not_contact_at, r.do_not_contact_reason) for r, org in zip(self.rows, org_ids)])
        # The ids by uid in one query: RETURNING in row order would make SQLite insert row by row.
        by_uid = dict(conn.execute(sa.select(c.c.uid, c.c.id).where(c.c.uid.in_([r.uid for r in self.rows]))).all())
        ids = [by_uid[r.uid] for r in self.rows]
        pairs = list(zip(ids, self.rows))
        insert_many(conn, CONTACT_EMAIL, ("contact_id", "address", "label", "position"),
                    [(i, a, lab, n) for i, r in pairs for n, (lab, a) in enumerate(r.emails)])
        insert_many(conn, CONTACT_PHONE, ("contact_id", "number", "label", "position"),
                    [(i, p, lab, n) for i, r in pairs for n, (lab, p) in enumerate(r.phones)])
        insert_many(conn, CONTACT_TAG, ("contact_id", "tag_id"), [(i, known.tags[t]) for i, r in pairs for t in r.tags])
        insert_many(conn, CONTACT_FIELD, ("contact_id", "key", "value"),
                    [(i, k, v) for i, r in pairs for k, v in r.fields.items()])
        return ids


def _ensure_orgs(conn: Connection, known: Known, names: list[str]) -> None:
    """Every organisation named known by id: looked up together (an update row may have made one
    since the import began), the missing ones created together, as orgs.named would."""
    o = Organization.__table__
    missing = {key: n for key, n in ((fold(n), n) for n in names) if key not in known.orgs}
    if not missing:
        return
    known.orgs.update(conn.execute(sa.select(o.c.name_key, o.c.id).where(o.c.name_key.in_(list(missing)))).all())  # type: ignore[arg-type]
    new = [(key, name) for key, name in missing.items() if key not in known.orgs]
    if new:
        now = utcnow()
        made: list[int] = []
        with search_index.indexed_once(conn, "organisation", lambda: made):
            conn.execute(sa.insert(o), [{"uid": new_uid(), "name": name, "name_key": key, "created_at": now,
                                         "updated_at": now} for key, name in new])
            found = conn.execute(sa.select(o.c.name_key, o.c.id).where(o.c.name_key.in_([key for key, _ in new]))).all()
            made.extend(i for _, i in found)
        known.orgs.update(found)  # type: ignore[arg-type]


def _ensure_tags(conn: Connection, known: Known, names: set[str]) -> None:
    missing = [n for n in names if n not in known.tags]
    if not missing:
        return
    known.tags.update(conn.execute(sa.select(TAG.c.name, TAG.c.id).where(TAG.c.name.in_(missing))).all())  # type: ignore[arg-type]
    new = [n for n in missing if n not in known.tags]
    if new:
        conn.execute(sa.insert(TAG), [{"name": n} for n in new])
        known.tags.update(conn.execute(sa.select(TAG.c.name, TAG.c.id).where(TAG.c.name.in_(new))).all())  # type: ignore[arg-type]


@dataclass
class Held:
    """What a kept contact holds, as far as an import's update compares it (read in bulk)."""

    name: str
    has_title: bool
    has_org: bool
    has_cadence: bool
    has_owner: bool
    do_not_contact: bool = False
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)


def read_held(conn: Connection, ids: set[int]) -> dict[int, Held]:
    """Held for each contact id, in a handful of queries per BATCH ids."""
    c = Contact.__table__
    held: dict[int, Held] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), BATCH):
        part = ordered[start:start + BATCH]
        for i, name, title, org_id, cadence_days, owner, marked in conn.execute(
                sa.select(c.c.id, c.c.name, c.c.title, c.c.org_id, c.c.cadence_days, c.c.owner, c.c.do_not_contact_at)
                .where(c.c.id.in_(part))):
            held[i] = Held(name, bool(title), org_id is not None, cadence_days is not None, owner is not None,
                           marked is not None)
        for table, column, attribute in ((CONTACT_EMAIL, "address", "emails"), (CONTACT_PHONE, "number", "phones"),
                                         (CONTACT_FIELD, "key", "keys")):
            for i, value in conn.execute(sa.select(table.c.contact_id, table.c[column])
                                         .where(table.c.contact_id.in_(part))):
                getattr(held[i], attribute).add(value)
        for i, tag in conn.execute(sa.select(CONTACT_TAG.c.contact_id, TAG.c.name)
                                   .join(TAG, TAG.c.id == CONTACT_TAG.c.tag_id).where(CONTACT_TAG.c.contact_id.in_(part))):
            held[i].tags.add(tag)
    return held
