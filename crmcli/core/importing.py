"""Importing contacts: rows of a file (crmcli.io.readers) read through a layout into contacts,
matched to the ones already kept so that importing the same file twice creates nothing new.

Layouts: crmcli's own listing (`crm contacts list` / `crm export contacts`, every format), the CSV
files Google Contacts and Outlook export (recognised by their header rows), or any columns mapped
by the user (`Column=field`). Matching: a row whose uid, email or phone (E.164) is an existing
contact's is that contact. What then happens is `on_duplicate`: update (fill what is empty, add new
emails, phones, tags and fields; never delete or overwrite), skip, or create a new contact anyway.

All or nothing: every row is tried and every bad row is reported with its line (a new contact is
checked in full before its batch is written, an update runs in a savepoint, so a bad row leaves
nothing behind); the caller commits only when there were none, or when told to skip them. Nothing
here commits, so a dry run is the same work rolled back. How the work is batched: import_batch.
"""

from __future__ import annotations

import functools
import gc
import itertools
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Callable, Iterable, Iterator, Literal, Sequence

from sqlmodel import Session

from crmcli.core import contacts, dates, import_batch, orgs, validate
from crmcli.core.identity import Me, login_name, owner_name
from crmcli.core.models import Contact, utcnow
from crmcli.core.text import quoted
from crmcli.errors import Conflict, CrmError, Invalid
from crmcli.io.readers import unstorable

OnDuplicate = Literal["update", "skip", "create"]
Action = Literal["create", "update", "unchanged", "skip"]
MAX_REPORTED = 20  # bad rows named one by one; past that, counted
CACHED = 65_536  # emails, and phones, remembered once checked, per import (about 10 MB each when full)

# What a column can mean (the targets of a mapping).
TARGETS = ("uid", "name", "first_name", "middle_name", "last_name", "title", "org", "email", "phone", "tags",
           "fields", "cadence", "notes", "owner", "ignore")


@dataclass
class Incoming:
    """One row as a contact, before it is checked."""

    line: int
    uid: str | None = None
    name_parts: list[str] = field(default_factory=list)  # full name, or first/middle/last in order
    title: str | None = None
    org: str | None = None
    emails: list[str] = field(default_factory=list)      # "addr" or "label:addr"
    phones: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    cadence: str | None = None
    created: str | None = None  # ISO times from crm's own export, kept on a contact it creates
    updated: str | None = None
    owner: str | None = None    # as in the file; a contact it creates without one is the importer's
    do_not_contact_at: str | None = None      # crm's own columns: marked "do not contact" (ISO time) ...
    do_not_contact_reason: str | None = None  # ... and why; either one given marks the contact

    @property
    def do_not_contact(self) -> bool:
        return bool(self.do_not_contact_at or self.do_not_contact_reason)

    @property
    def name(self) -> str:
        return " ".join(p.strip() for p in self.name_parts if p and p.strip())


@dataclass(frozen=True)
class Outcome:
    line: int
    action: Action
    contact_id: int | None
    name: str


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass
class ImportReport:
    layout: str
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for o in self.outcomes if o.action == action)


# -- layouts: a file's columns -> Incoming ----------------------------------------------------------

Reader = Callable[[int, dict[str, Any]], Incoming]


@dataclass(frozen=True)
class Layout:
    name: str                 # "crmcli", "Google Contacts", "Outlook", "mapped"
    read: Reader
    ignored: list[str]        # columns of the file nothing reads


def _cells(value: Any, separator: str) -> list[str]:
    """Several values in one cell (a JSON list, or text joined by `separator`)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [part for part in (p.strip() for p in str(value).split(separator)) if part]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _json_fields(value: Any) -> dict[str, str]:
    import json

    from crmcli.io.readers import STRICT_NUMBERS

    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value, **STRICT_NUMBERS)
        except (ValueError, RecursionError):  # NotAJsonNumber is a ValueError  # not JSON; a 5,000-digit number; nested past Python's stack
            raise Invalid(f"fields must be a JSON object such as {{\"source\": \"website\"}}, not "
                          f"{quoted(value)}") from None
    if not isinstance(value, dict):
        raise Invalid("fields must be a JSON object such as {\"source\": \"website\"}")
    fields = {str(k): str(v) for k, v in value.items() if v is not None}
    for text in (*fields, *fields.values()):  # the cell's own JSON escapes: \u0000, a lone \ud800
        wrong = unstorable(text)
        if wrong:
            raise Invalid(f"fields: {wrong}")
    return fields


OWN_COLUMNS = {"uid", "name", "title", "org", "emails", "phones", "tags", "fields", "cadence_days", "created",
               "updated", "owner", "do_not_contact_at", "do_not_contact_reason"}
# Worked out by crm (the row number here, the history, the edits counted), not imported.
OWN_DERIVED = {"id", "last_contact", "version"}  # (`version`: in `contacts show -f json`)


def _own(line: int, values: dict[str, Any]) -> Incoming:
    cadence = _text(values.get("cadence_days"))
    return Incoming(line, uid=_text(values.get("uid")), name_parts=[_text(values.get("name")) or ""],
                    title=_text(values.get("title")), org=_text(values.get("org")),
                    emails=_cells(values.get("emails"), ";"), phones=_cells(values.get("phones"), ";"),
                    tags=_cells(values.get("tags"), ";"), fields=_json_fields(values.get("fields")),
                    cadence=f"every {cadence} days" if cadence else None,
                    created=_text(values.get("created")), updated=_text(values.get("updated")),
                    owner=_text(values.get("owner")), do_not_contact_at=_text(values.get("do_not_contact_at")),
                    do_not_contact_reason=_text(values.get("do_not_contact_reason")))


def _labelled(label: Any, value: str) -> str:
    """`label:value` for the core, Google's and Outlook's labels made plain ("* Work" -> "work")."""
    text = (_text(label) or "").lstrip("* ").strip().lower()
    text = re.sub(r"[^\w -]+", "", text).strip()
    return f"{text}:{value}" if text else value


def _numbered(columns: Sequence[str], pattern: str) -> list[tuple[str, str | None]]:
    """Google's numbered pairs: ("E-mail 1 - Value", "E-mail 1 - Label") for every n in the file."""
    found = []
    for column in columns:
        match = re.fullmatch(pattern.replace("N", r"(\d+)") + r" - Value", column)
        if match:
            stem = column[: -len(" - Value")]
            label = next((c for c in (f"{stem} - Label", f"{stem} - Type") if c in columns), None)
            found.append((column, label))
    return found


GOOGLE_SIGNS = ("E-mail 1 - Value", "Phone 1 - Value", "Given Name", "Labels", "Group Membership")


def _google(columns: Sequence[str]) -> tuple[Reader, set[str]]:
    emails, phones = _numbered(columns, "E-mail N"), _numbered(columns, "Phone N")
    org_name = next((c for c in ("Organization Name", "Organization 1 - Name") if c in columns), None)
    org_title = next((c for c in ("Organization Title", "Organization 1 - Title") if c in columns), None)
    name_columns = [c for c in ("First Name", "Middle Name", "Last Name") if c in columns] or \
        [c for c in ("Given Name", "Additional Name", "Family Name") if c in columns]
    labels = next((c for c in ("Labels", "Group Membership") if c in columns), None)
    used = {*(c for pair in emails + phones for c in pair if c), *name_columns, "Name", "Notes"}
    used |= {c for c in (org_name, org_title, labels) if c}

    def read(line: int, values: dict[str, Any]) -> Incoming:
        parts = [_text(values.get(c)) or "" for c in name_columns]  # text: a JSON file may hold anything
        if not any(parts) and _text(values.get("Name")):
            parts = [_text(values["Name"]) or ""]
        # A cell of Google's may hold several values joined by " ::: ", sharing the pair's label.
        found_emails = [_labelled(values.get(lab) if lab else None, v) for col, lab in emails
                        for v in _cells(values.get(col), ":::")]
        found_phones = [_labelled(values.get(lab) if lab else None, v) for col, lab in phones
                        for v in _cells(values.get(col), ":::")]
        tags = [t.lstrip("* ").strip() for t in _cells(values.get(labels) if labels else None, ":::")
                if t.strip() != "* myContacts" and t.strip() != "* starred"]
        notes = _text(values.get("Notes"))
        return Incoming(line, name_parts=parts, title=_text(values.get(org_title)) if org_title else None,
                        org=_text(values.get(org_name)) if org_name else None, emails=found_emails,
                        phones=found_phones, tags=[_tag_name(t) for t in tags if _tag_name(t)],
                        fields={"notes": notes} if notes else {})
    return read, used


OUTLOOK_EMAILS = ("E-mail Address", "E-mail 2 Address", "E-mail 3 Address")
OUTLOOK_PHONES = (("Mobile Phone", "mobile"), ("Business Phone", "work"), ("Business Phone 2", "work"),
                  ("Home Phone", "home"), ("Home Phone 2", "home"), ("Primary Phone", None),
                  ("Company Main Phone", "work"), ("Other Phone", "other"), ("Car Phone", "car"))


def _outlook(columns: Sequence[str]) -> tuple[Reader, set[str]]:
    name_columns = [c for c in ("First Name", "Middle Name", "Last Name") if c in columns]
    used = {*name_columns, *OUTLOOK_EMAILS, *(c for c, _ in OUTLOOK_PHONES), "Company", "Job Title",
            "Categories", "Notes"}

    def read(line: int, values: dict[str, Any]) -> Incoming:
        # Outlook's "Title" is Mr./Ms.; the job title is "Job Title". Categories are joined by ";".
        notes = _text(values.get("Notes"))
        return Incoming(line, name_parts=[_text(values.get(c)) or "" for c in name_columns],
                        title=_text(values.get("Job Title")), org=_text(values.get("Company")),
                        emails=[v for c in OUTLOOK_EMAILS for v in _cells(values.get(c), ";")],
                        phones=[_labelled(label, v) for c, label in OUTLOOK_PHONES for v in _cells(values.get(c), ";")],
                        tags=[_tag_name(t) for t in _cells(values.get("Categories"), ";") if _tag_name(t)],
                        fields={"notes": notes} if notes else {})
    return read, used


def _tag_name(text: str) -> str:
    """A label or category as a tag: lower case, words joined by '-' ("VIP Clients" -> "vip-clients")."""
    return re.sub(r"[^\w-]+", "-", text.strip().lower()).strip("-")


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """`Column=field` pairs (`E-mail Address=email`, `Source=field:source`) checked."""
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, target = item.rpartition("=")
        column, target = column.strip(), target.strip().lower()
        if not sep or not column:
            raise Invalid(f"a mapping is COLUMN=FIELD (e.g. 'E-mail Address=email'), not {item!r}")
        if target not in TARGETS and not (target.startswith("field:") and len(target) > 6):
            raise Invalid(f"cannot map {column!r} to {target!r}; fields: {', '.join(TARGETS)}, or field:KEY "
                          "for a custom field")
        mapping[column] = target
    return mapping


def _mapped(columns: Sequence[str], mapping: dict[str, str]) -> tuple[Reader, set[str]]:
    missing = [c for c in mapping if c not in columns]
    if missing:
        raise Invalid(f"the file has no column {missing[0]!r}; its columns: {listed(columns)}")

    def read(line: int, values: dict[str, Any]) -> Incoming:
        row = Incoming(line)
        parts: dict[str, str] = {}
        for column, target in mapping.items():
            value = values.get(column)
            if target in ("name", "first_name", "middle_name", "last_name"):
                parts[target] = _text(value) or ""
            elif target == "email":
                row.emails += _cells(value, ";")
            elif target == "phone":
                row.phones += _cells(value, ";")
            elif target == "tags":
                row.tags += [_tag_name(t) for t in _cells(value, ";") if _tag_name(t)]
            elif target == "fields":
                row.fields.update(_json_fields(value))
            elif target.startswith("field:") or target == "notes":
                if _text(value):
                    row.fields[target.removeprefix("field:")] = str(value).strip()
            elif target == "cadence":
                row.cadence = _text(value)
            elif target in ("uid", "title", "org", "owner"):
                setattr(row, target, _text(value))
        row.name_parts = [parts[k] for k in ("name", "first_name", "middle_name", "last_name") if k in parts]
        return row
    return read, set(mapping)


def layout_for(columns: Sequence[str], mapping: dict[str, str] | None = None) -> Layout:
    """The layout the header shows (or the user's mapping, which wins)."""
    own = OWN_COLUMNS | OWN_DERIVED
    if mapping:
        read, used = _mapped(columns, mapping)
        name = "mapped columns"
    elif "name" in columns and set(columns) <= own:
        read, used, name = _own, own, "crmcli"
    elif any(sign in columns for sign in GOOGLE_SIGNS):
        read, used = _google(columns)
        name = "Google Contacts"
    elif "E-mail Address" in columns and ("First Name" in columns or "Last Name" in columns):
        read, used = _outlook(columns)
        name = "Outlook"
    elif "name" in columns:  # crmcli's columns among others: those are named as ignored
        read, used, name = _own, own, "crmcli"
    else:
        raise Invalid(f"cannot tell which column holds the name among: {listed(columns) or 'no columns'}",
                      hint="import-map")
    return Layout(name, read, [c for c in columns if c not in used])


def _vcard(line: int, values: dict[str, Any]) -> Incoming:
    """A card (crmcli.io.vcard reads it into crm's own columns) as crm's own row, made to fit: a UID
    that is no UUID (another program's) becomes one derived from it, so importing the same card again
    finds the same contact; a category crm cannot take as a tag is made one ("VIP Clients" ->
    "vip-clients")."""
    row = _own(line, values)
    if row.uid:
        text = row.uid.removeprefix("urn:uuid:")
        try:
            row.uid = str(uuid.UUID(text))
        except ValueError:
            row.uid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"vcard-uid:{row.uid}"))
    row.tags = [t for t in (_as_tag(t) for t in row.tags) if t]
    return row


def _as_tag(text: str) -> str:
    try:
        return validate.tag(text)
    except Invalid:
        return _tag_name(text)


VCARD_LAYOUT = Layout("vCard", _vcard, [])


# -- matching and writing ---------------------------------------------------------------------------


def _additions(held: import_batch.Held, row: Incoming, emails: list[import_batch.Labelled],
               phones: list[import_batch.Labelled]) -> contacts.ContactChanges:
    """What updating a kept contact from `row` (its `emails` and `phones` labelled) adds: empty single
    values filled, new emails, phones, tags and fields; nothing it holds already is overwritten or
    removed. `org` is still a name."""
    mark = row.do_not_contact and not held.do_not_contact  # a mark is added, never taken away
    return contacts.ContactChanges(
        title=row.title if row.title and not held.has_title else None,
        owner=row.owner if row.owner and not held.has_owner else None,
        org=row.org if row.org and not held.has_org else None,
        cadence=row.cadence if row.cadence and not held.has_cadence else None,
        add_emails=_unseen(row.emails, emails, held.emails),
        add_phones=_unseen(row.phones, phones, held.phones),
        set_fields=[f"{k}={v}" for k, v in row.fields.items() if validate.field_key(k) not in held.keys],
        tags=[t for t in row.tags if validate.tag(t) not in held.tags],
        do_not_contact=True if mark else None, do_not_contact_reason=row.do_not_contact_reason if mark else None,
        do_not_contact_since=_instant(row.do_not_contact_at, "do_not_contact_at") if mark else None)


def _org_ref(session: Session, name: str | None) -> str | None:
    """A file's organisation name as the reference the contact services take: `#id` of the one of
    exactly that name, created if new (a fragment or a number would otherwise pick another)."""
    if not name:
        return None
    org, _ = orgs.named(session, name)
    return f"#{org.id}"


def _unseen(values: list[str], stored: list[import_batch.Labelled], held: set[str]) -> list[str]:
    """The values not held yet (compared as `stored`, in the same order), each once."""
    out, seen = [], set(held)
    for value, (_, k) in zip(values, stored):
        if k not in seen:
            seen.add(k)
            out.append(value)
    return out


def _is_empty(changes: contacts.ContactChanges) -> bool:
    return not (changes.title or changes.org or changes.cadence or changes.add_emails or changes.add_phones
                or changes.set_fields or changes.tags or changes.owner or changes.do_not_contact)


def _instant(text: str | None, what: str) -> Any:
    """An ISO time as crm writes it (`2026-03-06T23:10:37Z`), aware UTC; None when not given."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)  # reads crm's own `...Z` (Python 3.11), and fast
    except ValueError:
        from dateutil.parser import isoparse

        try:
            moment = isoparse(text)
        except (ValueError, OverflowError):
            raise Invalid(f"{what} {quoted(text)} is not an ISO time such as 2026-03-06T23:10:37Z") from None
    try:
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00: before the year 1 in UTC
        moment = None
    if moment is None or not dates.FIRST_DAY <= moment.date() <= dates.LAST_DAY:
        raise Invalid(f"{what} {quoted(text)} is not a time from {dates.FIRST_DAY} to {dates.LAST_DAY}")
    return moment


def listed(columns: Sequence[str], most: int = 20) -> str:
    """A file's columns in a message: the first `most` of them, and how many more."""
    shown = ", ".join(c if len(c) <= 60 else c[:60] + "…" for c in columns[:most])
    return shown + (f" and {len(columns) - most:,} more" if len(columns) > most else "")


def _matched(known: import_batch.Known, uid: str | None, emails: list[import_batch.Labelled],
             phones: list[import_batch.Labelled]) -> int | None:
    """The contact a row is: by uid, then by any of its emails (one owner each), then, for a row
    without emails, by any of its phones (a phone beside emails may be a shared switchboard)."""
    if uid and uid in known.uids:
        return known.uids[uid]
    for _, address in emails:
        if address in known.emails:
            return known.emails[address]
    if not emails:
        for _, number in phones:
            if number in known.phones:
                return known.phones[number]
    return None


def _update(session: Session, found: int, row: Incoming, on_duplicate: OnDuplicate, region: str | None,
            emails: list[import_batch.Labelled], phones: list[import_batch.Labelled], known: import_batch.Known,
            held: dict[int, import_batch.Held]) -> Outcome:
    """A row that is a kept contact: left alone (skip), compared in memory and, when it adds
    something, applied through the contact services in a savepoint (update)."""
    conn = session.connection()
    if found not in held:  # created or changed since the chunk's contacts were read
        held.update(import_batch.read_held(conn, {found}))
    mine = held[found]
    if on_duplicate == "skip":
        return Outcome(row.line, "skip", found, mine.name)
    changes = _additions(mine, row, emails, phones)
    if _is_empty(changes):
        return Outcome(row.line, "unchanged", found, mine.name)
    with session.begin_nested():
        contact = session.get(Contact, found)
        assert contact is not None
        changes.org = _org_ref(session, changes.org)
        contacts.apply(session, contact, changes, phone_region=region)
    held.update(import_batch.read_held(conn, {found}))  # what it holds now is matched by the rows after it
    known.emails.update({a: found for a in held[found].emails})
    for number in held[found].phones:
        known.phones.setdefault(number, found)
    return Outcome(row.line, "update", found, mine.name)


def _new(row: Incoming, emails: list[import_batch.Labelled], phones: list[import_batch.Labelled],
         known: import_batch.Known, batch: import_batch.Batch, now: datetime, importer: str) -> import_batch.Checked:
    """A row that is nobody kept, checked; what it would take from another contact is a conflict."""
    checked = import_batch.check(row, emails, phones, _instant(row.created, "created") or now,
                                 _instant(row.updated, "updated") or now, row.owner or importer,
                                 (_instant(row.do_not_contact_at, "do_not_contact_at") or now)
                                 if row.do_not_contact else None)
    if checked.uid in known.uids or checked.uid in batch.uids:
        raise Conflict(f"the uid {checked.uid} already belongs to another contact")
    for _, address in checked.emails:
        owner = known.emails.get(address)
        if owner is not None or address in batch.emails:
            raise Conflict(f"the email {address} already belongs to " + (f"contact #{owner}" if owner else
                                                                           "a contact of an earlier row"))
    return checked


@contextmanager
def _rarer_collections() -> Iterator[None]:
    """Inside: the cyclic garbage collector runs ~30 times less often. An import makes millions of
    small objects that reference counting frees, and keeps ever more (Known, the report): at the
    default pace the collector's passes took a fifth of a 100,000-row import. Cycles are still collected."""
    thresholds = gc.get_threshold()
    gc.set_threshold(20_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@_rarer_collections()
def import_contacts(session: Session, records: Iterable[Any], layout: Layout, *,
                    on_duplicate: OnDuplicate = "update", extra_tags: Sequence[str] = (),
                    phone_region: str | None = None, progress: Callable[[int], None] | None = None,
                    me: Me = login_name) -> ImportReport:
    """Try every record (crmcli.io.readers.Record); the report says what each did or what was wrong
    with it, in file order. A bad row leaves nothing behind: a new contact is checked before it is
    written (in batches), an update runs in a savepoint. Whether to keep the rest is the caller's
    (commit, or roll back on problems or for a dry run). An owner in the file is read as typed
    ("me" is `me`); a contact created without one is owned by `me`, who imports it."""
    tags = [validate.tag(t) for t in extra_tags]
    importer = me()  # asked once: on PostgreSQL it is a query
    report = ImportReport(layout.name, ignored_columns=layout.ignored)
    conn = session.connection()
    known = import_batch.Known.read(conn)
    batch = import_batch.Batch()
    now = utcnow()  # one time for the contacts the file creates without their own (one transaction)
    # Each value checked once per row (matching and storing both take the result), and a value that
    # recurs (a switchboard on many rows, far apart) once per import: phonenumbers is slow.
    email = functools.lru_cache(maxsize=CACHED)(validate.email)
    phone = functools.lru_cache(maxsize=CACHED)(lambda raw: validate.phone(raw, phone_region))

    def write_batch() -> None:
        ids = batch.write(conn, known)
        report.outcomes.extend(Outcome(r.line, "create", i, r.name) for r, i in zip(written, ids))
        written.clear()

    written: list[import_batch.Checked] = []
    done = 0
    for chunk in _chunks(records, import_batch.BATCH):
        parsed: list[tuple[Any, Incoming, list[import_batch.Labelled], list[import_batch.Labelled]]] = []
        for record in chunk:
            try:
                row = layout.read(record.line, record.values)
                row.tags = [*row.tags, *tags]
                if row.owner is not None:
                    row.owner = owner_name(row.owner, lambda: importer)
                parsed.append((record, row, [import_batch.labelled(e, email) for e in row.emails],
                               [import_batch.labelled(p, phone) for p in row.phones]))
            except CrmError as err:
                report.problems.append(Problem(record.line, str(err)))
        # The kept contacts this chunk's rows match, read together (later matches are read one by one).
        matches = {_matched(known, row.uid, emails, phones) for _, row, emails, phones in parsed}
        held = import_batch.read_held(conn, {m for m in matches if m is not None}) \
            if on_duplicate != "create" else {}
        for record, row, emails, phones in parsed:
            try:
                if on_duplicate != "create" and batch.holds(row.uid, emails, [] if emails else phones):
                    write_batch()  # the row is a contact still waiting in the batch: write it, then match it
                found = None if on_duplicate == "create" else _matched(known, row.uid, emails, phones)
                if found is None:
                    checked = _new(row, emails, phones, known, batch, now, importer)
                    batch.add(checked)
                    written.append(checked)
                    if len(batch.rows) >= import_batch.BATCH:
                        write_batch()
                else:
                    report.outcomes.append(_update(session, found, row, on_duplicate, phone_region, emails, phones,
                                                   known, held))
            except CrmError as err:
                report.problems.append(Problem(record.line, str(err)))
        done += len(chunk)
        if progress is not None:
            progress(done)
    write_batch()
    report.outcomes.sort(key=lambda o: o.line)
    report.problems.sort(key=lambda p: p.line)
    return report


def _chunks(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(records)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
