"""Importing history: interactions from a file (crm's own `export interactions`, a phone's call log,
another CRM's notes), each matched to the contacts it names, all or nothing like the contact import.

Columns are crm's own (`occurred`, `kind`, `direction`, `contacts`, `body`, `uid`, `contact_uids`,
`created`, `updated`) or their everyday names (`when`/`date`, `text`/`note`/`subject`,
`contact`/`with`/`email`/`phone`/`name`). A row names its people by uid (`contact_uids`, as crm
exports them) or by reference: an id (`#12`), an email, a phone, or a unique part of a name, as on
the command line. A row whose uid is already kept is that interaction: importing the same file
twice logs nothing twice.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Iterable

import sqlalchemy as sa
from sqlmodel import Session

from crmcli.core import contacts, dates, interactions, validate
from crmcli.core.importing import ImportReport, Outcome, Problem, _cells, _instant, _text, listed
from crmcli.core.models import CONTACT_PHONE, Contact, Interaction
from crmcli.errors import CrmError, Invalid, NotFound

OWN = ("uid", "occurred", "kind", "direction", "contacts", "body", "created", "updated", "contact_uids")
DERIVED = ("id",)  # the row number in the database it came from
ALIASES = {"when": "occurred", "date": "occurred", "time": "occurred", "text": "body", "note": "body",
           "notes": "body", "subject": "body", "contact": "contacts", "with": "contacts", "email": "contacts",
           "phone": "contacts", "name": "contacts", "type": "kind"}


def column_targets(columns: Iterable[str]) -> dict[str, str]:
    """Each column the import reads -> what it means; needs a time, a text and the people."""
    targets: dict[str, str] = {}
    for column in columns:
        key = column.strip().lower()
        target = key if key in OWN else ALIASES.get(key)
        if target is not None and target not in targets.values():
            targets[column] = target
    wanted = {"occurred": "a time (occurred, when or date)", "body": "a text (body, text, note or subject)"}
    missing = [words for what, words in wanted.items() if what not in targets.values()]
    if not {"contacts", "contact_uids"} & set(targets.values()):
        missing.append("the people (contacts, contact, with, email, phone or name)")
    if missing:
        raise Invalid(f"an interaction needs {', '.join(missing)}; the columns: {listed(list(columns)) or 'none'}")
    return targets


def _person(session: Session, ref: str, region: str | None) -> Contact:
    """A contact named as on the command line, or by a phone number."""
    try:
        return contacts.resolve(session, ref)
    except NotFound:
        if sum(ch.isdigit() for ch in ref) < 5:
            raise
        number = validate.phone(ref, region)
        owner = session.execute(sa.select(CONTACT_PHONE.c.contact_id).where(CONTACT_PHONE.c.number == number)
                                .order_by(CONTACT_PHONE.c.contact_id).limit(1)).scalar()
        if owner is None:
            raise NotFound(f"no contact has the phone {number}") from None
        found = session.get(Contact, owner)
        assert found is not None
        return found


def _people(session: Session, values: dict[str, Any], region: str | None) -> list[Contact]:
    uids = _cells(values.get("contact_uids"), ";")
    if uids:
        c = Contact.__table__
        found = dict(session.execute(sa.select(c.c.uid, c.c.id).where(c.c.uid.in_(uids))).all())
        unknown = [u for u in uids if u not in found]
        if unknown:
            raise NotFound(f"no contact has the uid {unknown[0]}")
        return [session.get(Contact, found[u]) for u in uids]  # type: ignore[misc]
    refs = _cells(values.get("contacts"), ";")
    if not refs:
        raise Invalid("no contact: an interaction needs at least one")
    return [_person(session, ref, region) for ref in refs]


def _one(session: Session, line: int, values: dict[str, Any], kinds: interactions.Kinds, now: Any,
         region: str | None) -> Outcome:
    uid = _text(values.get("uid"))
    if uid:
        try:
            uid = str(uuid.UUID(uid))
        except ValueError:
            raise Invalid(f"uid {uid!r} is not a UUID") from None
        kept = session.execute(sa.select(Interaction.__table__.c.id).where(Interaction.__table__.c.uid == uid)).scalar()
        if kept is not None:
            return Outcome(line, "unchanged", kept, f"interaction #{kept}")
    when = _text(values.get("occurred"))
    if not when:
        raise Invalid("no time: say when it happened")
    occurred = dates.parse_moment(when, now=now, lean="past")
    kind = kinds.check(_text(values.get("kind")))
    people = _people(session, values, region)
    logged = interactions.log(session, people, str(values.get("body") or ""), kind=kind,
                              direction=_text(values.get("direction")), occurred_at=occurred, future=True)
    logged.uid = uid or logged.uid
    logged.created_at = _instant(_text(values.get("created")), "created") or logged.created_at
    logged.updated_at = _instant(_text(values.get("updated")), "updated") or logged.updated_at
    session.add(logged)
    session.flush()
    return Outcome(line, "create", logged.id, f"{kind} with {', '.join(p.name for p in people)}")


def import_interactions(session: Session, columns: list[str], records: Iterable[Any], *, kinds: interactions.Kinds,
                        now: Any, phone_region: str | None = None,
                        progress: Callable[[int], None] | None = None) -> ImportReport:
    """Log every record's interaction (each in a savepoint: a bad row leaves nothing); the report
    says what each did or what was wrong. Whether to keep them is the caller's, as for contacts."""
    targets = column_targets(columns)
    report = ImportReport("interactions", ignored_columns=[c for c in columns if c not in targets
                                                           and c.strip().lower() not in DERIVED])
    for n, record in enumerate(records, start=1):
        values = {target: record.values.get(column) for column, target in targets.items()}
        try:
            with session.begin_nested():
                report.outcomes.append(_one(session, record.line, values, kinds, now, phone_region))
        except CrmError as err:
            report.problems.append(Problem(record.line, str(err)))
        if progress is not None:
            progress(n)
    return report
