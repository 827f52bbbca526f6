"""Logging mail: each message read (crmcli.io.mail) becomes one email interaction on the timeline
of every contact it names, the same way for one mail piped from a mail client and for a whole
mailbox imported at once.

- Who: the From, To and Cc addresses, normalised as contact emails are (crmcli.core.validate),
  matched to the contacts' emails in one query for the whole batch. The user's own addresses
  (`my_emails`) are never a contact. Addresses no contact has are reported, or become contacts
  when asked (`create`: the display name, else the part before the @, is the new contact's name).
  A mail naming no contact is skipped: nothing is written for it.
- Direction: "out" when From is one of the user's own addresses, else "in".
- What: the body is the subject, a blank line, then the text as the reader trimmed it (the
  timeline shows the first line: the subject). A mail without a subject starts "(no subject)".
- When: the Date header in UTC; a mail without one is logged at the time it is read, and a Date
  in the future (a sender's clock, a spammer's trick) also as now, as it would otherwise count
  as the last contact until then. Both are said in the outcome's notes.
- Once: the Message-ID is kept; a mail whose Message-ID is already kept (or seen earlier in the
  same batch) is a duplicate and writes nothing. A mail without one is known by a made-up id,
  `sha256:` and the hash of its From, Date, Subject and text, so re-reading it finds it too.
- Cases: `[case #12]` anywhere in the subject (case-insensitive, exactly that form: brackets, the
  word, a space, #, digits) adds the mail to case 12 (crmcli.core.cases.on_interaction: a reply
  of the user's is the case's first response, the customer's answer ends a wait). A number no case
  has is said in the notes and the mail is logged without a case. A mail without one that answers
  a mail on a case (its In-Reply-To or References name one logged) joins that case too.

Writes go in bulk (Core statements, executemany): a mailbox of 10,000 messages is a handful of
statements, not 10,000 ORM round trips. Nothing here commits: the caller's transaction keeps all
of it or none (a dry run rolls it back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, Sequence

import sqlalchemy as sa
from sqlmodel import Session

from crmcli.core import validate
from crmcli.core.identity import Me, login_name
from crmcli.core.interactions import FUTURE_SLACK, refresh_last_contact
from crmcli.core.models import CONTACT_EMAIL, INTERACTION_CONTACT, Contact, Interaction, ServiceCase, new_uid
from crmcli.errors import Invalid
from crmcli.storage.sql import insert_many

if TYPE_CHECKING:
    from crmcli.io.mail import Address, Mail

Action = Literal["logged", "duplicate", "skipped"]
CASE_REFERENCE = re.compile(r"\[case #(\d{1,18})\]", re.IGNORECASE)
CHUNK = 5_000  # values bound in one IN (...): under SQLite's limit
MAX_MESSAGE_ID = 500  # longer ids are kept as their hash: a b-tree entry has a size limit on PostgreSQL
NO_SUBJECT = "(no subject)"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # a NUL, a lone surrogate (undecodable header bytes)


@dataclass(frozen=True)
class Outcome:
    """What became of one mail. `interaction_id`: the one logged, or for a duplicate the one kept
    before. `contacts`: (id, name) of each contact it is on, in the order the mail names them."""

    position: str
    action: Action
    subject: str
    interaction_id: int | None = None
    contacts: tuple[tuple[int, str], ...] = ()
    unknown: tuple[str, ...] = ()                 # addresses no contact has (nothing created for them)
    created: tuple[tuple[int, str], ...] = ()     # contacts made for this mail's unknown addresses
    case_id: int | None = None
    notes: tuple[str, ...] = ()                   # said to the user: no Date, a case number no case has


@dataclass
class MailLogResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def contacts_created(self) -> int:
        return sum(len(o.created) for o in self.outcomes)


def storable(text: str) -> str:
    """A mail's text as crm can store it: a NUL or a lone surrogate (a header's undecodable bytes)
    becomes U+FFFD. A mail is history, not a file the user can fix: it is kept, not refused."""
    return _UNSTORABLE.sub("\ufffd", text)


def id_key(message_id: str | None) -> str | None:
    """A Message-ID as kept (without <>), None when blank; over MAX_MESSAGE_ID, its hash."""
    kept = storable((message_id or "").strip())
    if not kept:
        return None
    if len(kept) <= MAX_MESSAGE_ID:
        return kept
    import hashlib  # only when hashing: a few ms of `crm log --eml` otherwise

    return "sha256:" + hashlib.sha256(kept.encode("utf-8")).hexdigest()


def message_key(mail: "Mail") -> str:
    """The id a mail is known by: its Message-ID (id_key), or without one a hash of the mail."""
    kept = id_key(mail.message_id)
    if kept is not None:
        return kept
    import hashlib

    sender = mail.sender.email if mail.sender else ""
    date = mail.date.astimezone(UTC).isoformat() if mail.date else ""
    parts = "\0".join((sender, date, mail.subject, mail.text))
    return "sha256:" + hashlib.sha256(parts.encode("utf-8", "surrogatepass")).hexdigest()


def case_number(subject: str) -> int | None:
    """The case a subject names: `[case #12]` -> 12 (the first one, if several)."""
    found = CASE_REFERENCE.search(subject)
    return int(found.group(1)) if found else None


def body_of(mail: "Mail") -> str:
    subject = storable(mail.subject.strip()) or NO_SUBJECT
    text = storable(mail.text.strip("\n")).rstrip()
    return f"{subject}\n\n{text}" if text.strip() else subject


def normal_address(raw: str) -> str | None:
    """An address as a contact's email is stored, or None when it is not one crm would store."""
    plain = validate.plain_email(raw)
    if plain is not None:
        return plain
    try:
        return validate.email(raw)
    except Invalid:
        return None


@dataclass
class _Pending:
    """One mail on its way: what it names, before the batch is written."""

    position: str
    mail: "Mail"
    key: str
    addresses: list[tuple[str, str]]  # (normalised or as written, display name), mine left out, in order
    direction: str
    occurred_at: datetime
    notes: list[str]
    uid: str = ""
    contact_ids: list[int] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    created: list[tuple[int, str]] = field(default_factory=list)
    case_id: int | None = None


def log_mails(session: Session, mails: Iterable[tuple[str, "Mail"]], *, my_emails: Sequence[str], create: bool,
              now: datetime, policy: Callable[[], Any] | None = None, me: Me = login_name) -> MailLogResult:
    """Log each (position, mail): see the module's doc. `now`: aware, the time a mail without a
    (believable) Date is logged at; `policy`: asked for the case policy (crmcli.core.cases.policy)
    only when a mail is added to a case; `me`: who owns the contacts `create` makes."""
    conn = session.connection()
    mine = {a.lower() for a in my_emails}
    now = now.astimezone(UTC)
    pending = [_prepare(position, mail, mine, now) for position, mail in mails]
    kept = _kept_message_ids(conn, {p.key for p in pending})
    owners = _owners(conn, {a for p in pending for a, _ in p.addresses})
    first_seen: dict[str, _Pending] = {}
    duplicates: dict[int, _Pending | int] = {}  # index -> the earlier mail of this batch, or the id kept
    to_log: list[_Pending] = []
    for n, p in enumerate(pending):
        if p.key in kept:
            duplicates[n] = kept[p.key]
        elif p.key in first_seen:
            duplicates[n] = first_seen[p.key]
        else:
            first_seen[p.key] = p
            to_log.append(p)
    if create:
        _create_contacts(session, to_log, owners, me)
    for p in to_log:
        for address, _name in p.addresses:
            owner = owners.get(address)
            if owner is None:
                if address not in p.unknown:
                    p.unknown.append(address)
            elif owner not in p.contact_ids:
                p.contact_ids.append(owner)
    logged = [p for p in to_log if p.contact_ids]
    _link_cases(conn, logged)
    ids = _write(conn, logged, now)
    names = _names(conn, {c for p in logged for c in p.contact_ids})
    if any(p.case_id for p in logged):
        _tell_cases(session, logged, policy)
    touched = sorted({c for p in logged for c in p.contact_ids})
    for start in range(0, len(touched), CHUNK):
        refresh_last_contact(session, touched[start:start + CHUNK])

    result = MailLogResult()
    for n, p in enumerate(pending):
        subject = storable(p.mail.subject)
        earlier = duplicates.get(n)
        if isinstance(earlier, _Pending) and not earlier.contact_ids:  # the same mail again, skipped again
            result.outcomes.append(Outcome(p.position, "skipped", subject, unknown=tuple(earlier.unknown)))
        elif earlier is not None:
            kept_id = earlier if isinstance(earlier, int) else ids[earlier.uid]
            result.outcomes.append(Outcome(p.position, "duplicate", subject, kept_id))
        elif p.contact_ids:
            result.outcomes.append(Outcome(p.position, "logged", subject, ids[p.uid],
                                           tuple((c, names[c]) for c in p.contact_ids), tuple(p.unknown),
                                           tuple(p.created), p.case_id, tuple(p.notes)))
        else:
            result.outcomes.append(Outcome(p.position, "skipped", subject, unknown=tuple(p.unknown),
                                           notes=tuple(p.notes)))
    return result


def _prepare(position: str, mail: "Mail", mine: set[str], now: datetime) -> _Pending:
    notes: list[str] = []
    if mail.date is None:
        occurred = now
        notes.append("no readable Date: logged as now")
    elif mail.date.astimezone(UTC) > now + FUTURE_SLACK:
        occurred = now
        notes.append(f"dated {mail.date.astimezone(UTC):%Y-%m-%d %H:%M} UTC, in the future: logged as now")
    else:
        occurred = mail.date.astimezone(UTC)
    sender = _normal(mail.sender) if mail.sender else None
    outgoing = sender is not None and sender[0] in mine
    addresses: list[tuple[str, str]] = []
    for named in ((mail.sender,) if mail.sender else ()) + tuple(mail.to) + tuple(mail.cc):
        address, name = _normal(named)
        if address not in mine and all(address != a for a, _ in addresses):
            addresses.append((address, name))
    return _Pending(position, mail, message_key(mail), addresses, "out" if outgoing else "in", occurred, notes)


def _normal(address: "Address") -> tuple[str, str]:
    """(the address as stored, else as written; the display name)."""
    written = storable(address.email.strip())
    return normal_address(written) or written.lower(), storable(address.name)


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _kept_message_ids(conn: sa.Connection, keys: set[str]) -> dict[str, int]:
    i = Interaction.__table__
    kept: dict[str, int] = {}
    for chunk in _chunks(keys):
        kept.update(conn.execute(sa.select(i.c.message_id, i.c.id).where(i.c.message_id.in_(chunk))).all())  # type: ignore[arg-type]
    return kept


def _owners(conn: sa.Connection, addresses: set[str]) -> dict[str, int]:
    """address -> the contact holding it (one owner per address)."""
    owners: dict[str, int] = {}
    for chunk in _chunks(addresses):
        owners.update(conn.execute(sa.select(CONTACT_EMAIL.c.address, CONTACT_EMAIL.c.contact_id)
                                   .where(CONTACT_EMAIL.c.address.in_(chunk))).all())  # type: ignore[arg-type]
    return owners


def _names(conn: sa.Connection, ids: set[int]) -> dict[int, str]:
    c = Contact.__table__
    names: dict[int, str] = {}
    for chunk in _chunks(ids):
        names.update(conn.execute(sa.select(c.c.id, c.c.name).where(c.c.id.in_(chunk))).all())  # type: ignore[arg-type]
    return names


def _create_contacts(session: Session, to_log: list[_Pending], owners: dict[str, int], me: Me) -> None:
    """A contact for each address no contact has (that crm can store), through the contact
    service: named by the first display name the batch gives it, else by its local part."""
    from crmcli.core import contacts

    for p in to_log:
        for address, display in p.addresses:
            if address in owners or normal_address(address) is None:
                continue
            name = " ".join(display.split()) or address.partition("@")[0]
            if "@" in name:
                name = address.partition("@")[0]  # a display name that is an address says no more
            made, _ = contacts.add(session, contacts.ContactChanges(name=name, add_emails=[address]), me=me)
            owners[address] = made.id  # type: ignore[assignment]
            p.created.append((made.id, made.name))  # type: ignore[arg-type]


def _link_cases(conn: sa.Connection, logged: list[_Pending]) -> None:
    """Each mail's case: its subject's `[case #N]` when a case N exists (else a note), or else the
    case of the mail it answers (In-Reply-To, then References, nearest first), logged before or
    earlier in this batch."""
    named = {p.key: n for p in logged if (n := case_number(p.mail.subject)) is not None}
    threads = {p.key: _thread(p.mail) for p in logged if p.key not in named}
    s, i = ServiceCase.__table__, Interaction.__table__
    found: set[int] = set()
    for chunk in _chunks(set(named.values())):
        found.update(conn.execute(sa.select(s.c.id).where(s.c.id.in_(chunk))).scalars())
    answered: dict[str, int] = {}  # a Message-ID logged -> its case
    for chunk in _chunks({k for keys in threads.values() for k in keys}):
        answered.update(conn.execute(sa.select(i.c.message_id, i.c.case_id)
                                     .where(i.c.message_id.in_(chunk), i.c.case_id.is_not(None))).all())  # type: ignore[arg-type]
    for p in logged:
        if p.key in named:
            number = named[p.key]
            if number in found:
                p.case_id = number
            else:
                p.notes.append(f"no case #{number}: logged without a case")
        else:
            p.case_id = next((answered[k] for k in threads[p.key] if k in answered), None)
        if p.case_id is not None:
            answered[p.key] = p.case_id  # a reply to it later in the batch joins the case too


def _thread(mail: "Mail") -> list[str]:
    """The Message-IDs a mail answers, nearest first, as kept (id_key)."""
    ids = [mail.in_reply_to, *reversed(mail.references)]
    return [k for k in dict.fromkeys(id_key(m) for m in ids) if k is not None]


def _write(conn: sa.Connection, logged: list[_Pending], now: datetime) -> dict[str, int]:
    """The interactions and their links, in bulk; uid -> new id."""
    if not logged:
        return {}
    from crmcli.storage import search_index
    from crmcli.storage.audit_triggers import added_in_bulk

    i = Interaction.__table__
    for p in logged:
        p.uid = new_uid()
    ids: dict[str, int] = {}
    # Each mail indexed for search once, with its people, after its links (not once per link); and
    # recorded in the history in one statement (the links, part of an interaction added, are not
    # recorded apart either way): per row, each link's check of the history grew with the command.
    with added_in_bulk(conn, "interaction", lambda: list(ids.values())), \
            search_index.indexed_once(conn, "interaction", lambda: list(ids.values())):
        insert_many(conn, i, ("uid", "kind", "direction", "body", "occurred_at", "created_at", "updated_at",
                              "case_id", "message_id"),
                    [(p.uid, "email", p.direction, body_of(p.mail), p.occurred_at, now, now, p.case_id, p.key)
                     for p in logged])
        # The ids by uid: RETURNING in row order would make SQLite insert row by row.
        for chunk in _chunks(p.uid for p in logged):
            ids.update(conn.execute(sa.select(i.c.uid, i.c.id).where(i.c.uid.in_(chunk))).all())  # type: ignore[arg-type]
        insert_many(conn, INTERACTION_CONTACT, ("interaction_id", "contact_id", "occurred_at"),
                    [(ids[p.uid], c, p.occurred_at) for p in logged for c in p.contact_ids])
    return ids


def _tell_cases(session: Session, logged: list[_Pending], policy: Callable[[], Any] | None) -> None:
    """Each case a mail was added to hears of it, oldest mail first (crmcli.core.cases.on_interaction)."""
    from crmcli.core import cases

    chosen = policy() if policy is not None else cases.CasePolicy()  # the default deadlines, every hour
    for p in sorted((p for p in logged if p.case_id is not None), key=lambda p: p.occurred_at):
        case = session.get(ServiceCase, p.case_id)
        if case is not None:
            cases.on_interaction(session, case, direction=p.direction, at=p.occurred_at, policy=chosen)
