"""Privacy: everything stored about one person in one document (`export`, a subject-access request
answered), and the person erased everywhere (`forget`, the right to erasure), in one transaction.

The export document (README, "Privacy") is JSON with a format name and version, and one section
per kind of record, listed in `sections`. Sections are added as crm learns new records (`cases`
came with service cases) without changing `format_version`: a reader ignores sections it does not
know, and `sections` tells "none" (an empty list) from "not exported by this version" (absent).
A field removed or changed in meaning moves `format_version`.

`forget` erases, in the erasure's one write transaction:
- the contact row, and with it (foreign keys) its emails, phones, custom fields, tag links,
  follow-ups, service cases with their status history, campaign memberships and responses, and
  links to interactions and deals;
- the interactions that name only them; in the interactions they shared, their link, and their
  name, emails and phones in the text (each replaced by MARK);
- in the deals they were on: the link, and their name in the deal's name, note and lost reason
  (amounts, stages and stage history stay, so reports still add up), and in the follow-ups of
  those deals;
- anywhere else (any interaction, deal, follow-up, organisation, other contacts' titles and
  fields, other people's cases' titles, campaigns' names and notes, segments' names and
  descriptions): their full name, emails and phones;
- in the audit history: every change about them (their rows, their interactions' rows, their
  cases' status changes), their
  name, emails and phones in the values of every other change, and in the command lines;
- the search index's words for all of it (storage/erasure.py), and the migration backups beside
  a SQLite file (deleted: they are older copies of the whole database).

Which forms of them are looked for (`Subject`): every full name they had (as the history recorded
it too) and its accent-free form, every email address, and each phone number as stored
(+442079460000), as shown (+44 20 7946 0000), as dialled at home (020 7946 0000) and as bare
digits (but not a number another contact has too: a switchboard's); all case-insensitive, as whole
words. The words of their name alone ("Vera", "Novak") are
replaced only in the records they took part in, where they most likely mean them, and not when
another person on that record has the same word in their name.

What remains: an erasure command in the history (who ran it and when, under the command line
`crm privacy forget`, which names nobody) with one change saying a contact was erased and which
earlier commands' records it rewrote; `crm undo` refuses it and them (core/undo.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from crmcli.core.clock import as_utc
from crmcli.core.models import (AUDIT_CHANGE, AUDIT_COMMAND, CASE_STATUS_CHANGE, CONTACT_EMAIL, CONTACT_FIELD,
                                CAMPAIGN_MEMBER, CAMPAIGN_RESPONSE, CONTACT_PHONE, CONTACT_TAG, DEAL_CONTACT,
                                INTERACTION_CONTACT, STAGE_CHANGE, Campaign, Contact, Deal, FollowUp, Interaction,
                                Organization, Segment, ServiceCase)
from crmcli.core.text import counted, fold, like_pattern
from crmcli.errors import NotFound

if TYPE_CHECKING:
    from pathlib import Path

    from crmcli.storage.database import Database

FORMAT = "crmcli-subject-access"
FORMAT_VERSION = 1
SECTIONS = ("contact", "interactions", "follow_ups", "deals", "cases", "campaigns", "history")
MARK = "[erased]"
CHUNK = 500  # ids per IN list


def _when(value: Any) -> str | None:
    """A stored time as machine formats give it: ISO 8601 UTC, `...Z`."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def _chunks(ids: Sequence[Any]) -> Iterable[list[Any]]:
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


# -- export ----------------------------------------------------------------------------------------

def export(session: Session, contact: Contact, *, now: datetime) -> dict[str, Any]:
    """Everything stored about `contact`, as the documented JSON document (README: Privacy)."""
    conn = session.connection()
    cid = contact.id
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "exported_at": _when(now),
            "sections": list(SECTIONS), "contact": _card(session, contact), "interactions": _interactions(conn, cid),
            "follow_ups": _follow_ups(conn, cid), "deals": _deals(conn, cid), "cases": _cases(conn, cid),
            "campaigns": _campaigns(conn, cid), "history": _history(conn, cid)}


def _card(session: Session, contact: Contact) -> dict[str, Any]:
    from crmcli.core import contacts

    card = contacts.card(session, contact)
    org = session.get(Organization, contact.org_id) if contact.org_id else None
    marked = contact.do_not_contact_at is not None
    return {
        "id": contact.id, "uid": contact.uid, "name": contact.name, "title": contact.title,
        "organisation": {"id": org.id, "uid": org.uid, "name": org.name, "website": org.website} if org else None,
        "owner": contact.owner,
        "emails": [{**e, "primary": n == 0} for n, e in enumerate(card["emails"])],
        "phones": [{**p, "primary": n == 0} for n, p in enumerate(card["phones"])],
        "tags": card["tags"], "fields": card["fields"], "cadence_days": contact.cadence_days,
        "last_contact": _when(contact.last_contact_at),
        "do_not_contact": {"at": _when(contact.do_not_contact_at), "reason": contact.do_not_contact_reason}
        if marked else None,
        "created": _when(contact.created_at), "updated": _when(contact.updated_at),
    }


def _others(conn: Connection, link: sa.Table, column: str, cid: int) -> dict[int, list[dict[str, Any]]]:
    """For each interaction (or deal) of the contact, the other people on it: id and name."""
    mine, other, c = link.alias("mine"), link.alias("other"), Contact.__table__
    found: dict[int, list[dict[str, Any]]] = {}
    query = (sa.select(other.c[column], c.c.id, c.c.name)
             .join(mine, sa.and_(mine.c[column] == other.c[column], mine.c.contact_id == cid))
             .join(c, c.c.id == other.c.contact_id).where(other.c.contact_id != cid)
             .order_by(other.c[column], c.c.name_key, c.c.id))
    for record, person, name in conn.execute(query):
        found.setdefault(record, []).append({"id": person, "name": name})
    return found


def _interactions(conn: Connection, cid: int) -> list[dict[str, Any]]:
    i, ic = Interaction.__table__, INTERACTION_CONTACT
    others = _others(conn, ic, "interaction_id", cid)
    rows = conn.execute(sa.select(i).join(ic, ic.c.interaction_id == i.c.id).where(ic.c.contact_id == cid)
                        .order_by(i.c.occurred_at, i.c.id))
    return [{"id": r.id, "uid": r.uid, "kind": r.kind, "direction": r.direction, "occurred": _when(r.occurred_at),
             "body": r.body, "with": others.get(r.id, []), "created": _when(r.created_at),
             "updated": _when(r.updated_at)} for r in rows]


def _follow_ups(conn: Connection, cid: int) -> list[dict[str, Any]]:
    f, d = FollowUp.__table__, Deal.__table__
    rows = conn.execute(sa.select(f, d.c.name.label("deal_name")).outerjoin(d, d.c.id == f.c.deal_id)
                        .where(f.c.contact_id == cid).order_by(f.c.due_at, f.c.id))
    # `due` as every listing gives it: the day of an all-day one (its due_at is only a sort key), else the time
    return [{"id": r.id, "uid": r.uid, "title": r.title, "note": r.note,
             "due": _day(r.due_on) if r.due_on is not None else _when(r.due_at), "due_on": _day(r.due_on), "all_day": bool(r.all_day), "repeat": r.repeat, "done": _when(r.done_at),
             "owner": r.owner, "deal": {"id": r.deal_id, "name": r.deal_name} if r.deal_id else None,
             "created": _when(r.created_at), "updated": _when(r.updated_at)} for r in rows]


def _deals(conn: Connection, cid: int) -> list[dict[str, Any]]:
    d, o, s = Deal.__table__, Organization.__table__, STAGE_CHANGE
    others = _others(conn, DEAL_CONTACT, "deal_id", cid)
    rows = conn.execute(sa.select(d, o.c.name.label("org_name")).outerjoin(o, o.c.id == d.c.org_id)
                        .join(DEAL_CONTACT, DEAL_CONTACT.c.deal_id == d.c.id)
                        .where(DEAL_CONTACT.c.contact_id == cid).order_by(d.c.id)).all()
    steps: dict[int, list[dict[str, Any]]] = {}
    for chunk in _chunks([r.id for r in rows]):
        for step in conn.execute(sa.select(s).where(s.c.deal_id.in_(chunk)).order_by(s.c.changed_at, s.c.id)):
            steps.setdefault(step.deal_id, []).append({"at": _when(step.changed_at), "from": step.from_stage,
                                                       "to": step.to_stage, "outcome": step.outcome})
    return [{"id": r.id, "uid": r.uid, "name": r.name, "stage": r.stage, "status": r.status,
             "value_minor": r.value_minor, "currency": r.currency, "probability": r.probability,
             "close_on": _day(r.close_on), "owner": r.owner, "lost_reason": r.lost_reason, "note": r.note,
             "organisation": {"id": r.org_id, "name": r.org_name} if r.org_id else None,
             "with": others.get(r.id, []), "stage_history": steps.get(r.id, []), "created": _when(r.created_at),
             "updated": _when(r.updated_at), "closed": _when(r.closed_at)} for r in rows]


def _cases(conn: Connection, cid: int) -> list[dict[str, Any]]:
    """The service cases they raised, each with its status history and the interactions on it
    (its notes, mails about it)."""
    k, h, i, d = ServiceCase.__table__, CASE_STATUS_CHANGE, Interaction.__table__, Deal.__table__  # type: ignore[attr-defined]
    rows = conn.execute(sa.select(k, d.c.name.label("deal_name")).outerjoin(d, d.c.id == k.c.deal_id)
                        .where(k.c.contact_id == cid).order_by(k.c.opened_at, k.c.id)).all()
    steps: dict[int, list[dict[str, Any]]] = {}
    notes: dict[int, list[dict[str, Any]]] = {}
    for chunk in _chunks([r.id for r in rows]):
        for step in conn.execute(sa.select(h).where(h.c.case_id.in_(chunk)).order_by(h.c.changed_at, h.c.id)):
            steps.setdefault(step.case_id, []).append({"at": _when(step.changed_at), "from": step.from_status,
                                                       "to": step.to_status})
        for note in conn.execute(sa.select(i).where(i.c.case_id.in_(chunk)).order_by(i.c.occurred_at, i.c.id)):
            notes.setdefault(note.case_id, []).append({"id": note.id, "uid": note.uid, "kind": note.kind,
                                                       "direction": note.direction,
                                                       "occurred": _when(note.occurred_at), "body": note.body})
    return [{"id": r.id, "uid": r.uid, "title": r.title, "kind": r.kind, "priority": r.priority, "status": r.status,
             "owner": r.owner, "deal": {"id": r.deal_id, "name": r.deal_name} if r.deal_id else None,
             "opened": _when(r.opened_at), "first_response": _when(r.first_response_at),
             "resolved": _when(r.resolved_at), "closed": _when(r.closed_at), "waiting_since": _when(r.waiting_since),
             "response_due": _when(r.response_due_at), "resolve_due": _when(r.resolve_due_at),
             "status_history": steps.get(r.id, []), "interactions": notes.get(r.id, []),
             "created": _when(r.created_at), "updated": _when(r.updated_at)} for r in rows]


def _campaigns(conn: Connection, cid: int) -> list[dict[str, Any]]:
    """The campaigns they are a member of (when they joined, whether by hand), each with their
    responses to it (the interaction that brought one, if any)."""
    k, m, r = Campaign.__table__, CAMPAIGN_MEMBER, CAMPAIGN_RESPONSE  # type: ignore[attr-defined]
    answers: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(sa.select(r).where(r.c.contact_id == cid).order_by(r.c.at, r.c.id)):
        answers.setdefault(row.campaign_id, []).append({"kind": row.kind, "at": _when(row.at),
                                                        "interaction": row.interaction_id})
    joined = {row.campaign_id: row for row in conn.execute(sa.select(m).where(m.c.contact_id == cid))}
    rows = conn.execute(sa.select(k).where(k.c.id.in_(sorted({*joined, *answers}))).order_by(k.c.id)).all()
    return [{"id": c.id, "uid": c.uid, "name": c.name, "channel": c.channel, "started": _when(c.started_at),
             "ended": _when(c.ended_at),
             "joined": _when(joined[c.id].added_at) if c.id in joined else None,
             "by_hand": bool(joined[c.id].by_hand) if c.id in joined else None,
             "responses": answers.get(c.id, [])} for c in rows]


def _history(conn: Connection, cid: int) -> list[dict[str, Any]]:
    """The audit history about them, as `crm history CONTACT` reads it (their rows, and those of
    the interactions and deals they were on), oldest first, each change with its whole rows."""
    from crmcli.core import history

    return [{"change": c.id, "command": c.command_id, "at": _when(c.at), "user": c.actor,
             "command_line": c.command_line, "table": c.table_name, "record": c.row_key, "action": c.action,
             "before": c.before, "after": c.after}
            for c in reversed(history.changes(conn, history.Filter(contact_id=cid), limit=None))]


# -- what to look for ----------------------------------------------------------------------------

class Eraser:
    """Replaces any of `terms` (case-insensitive, whole words, longest first) by MARK."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = tuple(sorted({t.strip() for t in terms if t and t.strip()}, key=lambda t: (-len(t), t)))
        alternatives = "|".join(re.escape(t) for t in self.terms)
        self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if self.terms else None

    def text(self, value: Any) -> Any:
        if not isinstance(value, str) or self._pattern is None:
            return value
        return self._pattern.sub(MARK, value)

    def values(self, row: dict[str, Any] | None) -> dict[str, Any] | None:
        """A recorded row (the history's before or after) with every text value erased."""
        return {k: self.text(v) for k, v in row.items()} if isinstance(row, dict) else row

    def likes(self, *, escaped: bool = False) -> list[str]:
        """LIKE patterns that any text holding a term matches (ILIKE folds ASCII only, so non-ASCII
        terms come in their usual cases too); `escaped`: also as JSON writes them with \\u escapes."""
        forms: dict[str, str] = {}
        for term in self.terms:
            for form in (term, term.lower(), term.upper(), term.title()):
                forms.setdefault(form.encode("ascii", "backslashreplace").lower().decode(), form)
                if escaped and not form.isascii():
                    forms.setdefault(json.dumps(form)[1:-1].lower(), json.dumps(form)[1:-1])
        return [like_pattern(form) for form in forms.values()]

    def mentioned(self, conn: Connection, columns: Sequence[Any], *, escaped: bool = False) -> Any:
        """SQL: any of `columns` may hold a term (checked exactly in Python afterwards)."""
        from crmcli.storage.erasure import matching

        return matching(conn, columns, self.likes(escaped=escaped))


_WORD = re.compile(r"\w+(?:['’-]\w+)*")


def name_words(name: str) -> set[str]:
    """The words of a name that may stand for the person alone ("Vera", "Novak"; not initials)."""
    return {word for word in _WORD.findall(name) if len(word) >= 2}


def phone_forms(e164: str) -> set[str]:
    """A stored number as people write it: stored, shown, dialled at home, bare digits."""
    import phonenumbers

    forms = {e164, e164.lstrip("+")}
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return forms
    formats = phonenumbers.PhoneNumberFormat
    for kind in (formats.INTERNATIONAL, formats.NATIONAL, formats.RFC3966):  # +44 20 7946 0000, 020 7946 0000, +44-20-...
        forms.add(phonenumbers.format_number(number, kind).removeprefix("tel:"))
    forms.add(re.sub(r"\D", "", phonenumbers.format_number(number, formats.NATIONAL)))  # 02079460000
    return {form for form in forms if len(re.sub(r"\D", "", form)) >= 5}  # never a short run of digits


@dataclass(frozen=True)
class Subject:
    """The person to erase: every form of them to look for (see the module's docstring)."""

    contact_id: int
    names: frozenset[str]
    emails: frozenset[str]
    phones: frozenset[str]
    since_change: int  # the first history change about them (ids are reused on SQLite: an earlier
    # contact with the same id, deleted, is not them)
    case_steps: tuple[str, ...] = ()  # the status changes of their cases, as the history keys them

    def terms(self) -> set[str]:
        folded = {fold(name) for name in self.names}
        return {*self.names, *folded, *self.emails, *(form for number in self.phones for form in phone_forms(number))}

    def words(self) -> set[str]:
        return {word for name in self.names for word in name_words(name)}


def _subject(conn: Connection, cid: int) -> Subject:
    c, ch = Contact.__table__, AUDIT_CHANGE
    row = conn.execute(sa.select(c.c.name, c.c.uid).where(c.c.id == cid)).first()
    if row is None:
        raise NotFound(f"no contact #{cid}")
    names, uid = {row.name}, row.uid
    emails = set(conn.scalars(sa.select(CONTACT_EMAIL.c.address).where(CONTACT_EMAIL.c.contact_id == cid)))
    phones = set(conn.scalars(sa.select(CONTACT_PHONE.c.number).where(CONTACT_PHONE.c.contact_id == cid)))
    recorded = conn.execute(sa.select(ch.c.id, ch.c.table_name, ch.c.before, ch.c.after)
                            .where(ch.c.contact_id == cid,
                                   ch.c.table_name.in_(["contact", "contact_email", "contact_phone"]))
                            .order_by(ch.c.id)).all()
    born = next((r.id for r in recorded if r.table_name == "contact" and (r.after or {}).get("uid") == uid), 0)
    for change in recorded:
        if change.id < born:
            continue
        for values in (change.before, change.after):
            if not values:
                continue
            if change.table_name == "contact" and values.get("uid") == uid and values.get("name"):
                names.add(values["name"])
            elif change.table_name == "contact_email" and values.get("address"):
                emails.add(values["address"])
            elif change.table_name == "contact_phone" and values.get("number"):
                phones.add(values["number"])
    p = CONTACT_PHONE  # a number someone else has too (a switchboard's) is theirs as well: it stays
    phones -= set(conn.scalars(sa.select(p.c.number).where(p.c.number.in_(phones), p.c.contact_id != cid)))
    k, h = ServiceCase.__table__, CASE_STATUS_CHANGE  # type: ignore[attr-defined]
    steps = conn.scalars(sa.select(h.c.id).join(k, k.c.id == h.c.case_id).where(k.c.contact_id == cid).order_by(h.c.id))
    return Subject(cid, frozenset(names), frozenset(emails), frozenset(phones), born, tuple(str(s) for s in steps))


# -- forget ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """What erasing a contact does, in counts, for the confirmation (both front ends say it)."""

    contact_id: int
    label: str                # "#3 Vera Novak <vera@novak.example>"
    name: str
    own: dict[str, int]       # their rows deleted with them: "emails": 2, ...
    shared_interactions: int  # kept, without them and their name
    deals: int                # kept with their amounts, without them
    history: int              # audit entries about them, deleted
    backups: tuple[str, ...]  # migration backups beside the database file, deleted

    def describe(self) -> str:
        own = ", ".join(counted(n, what[:-1], what) for what, n in self.own.items() if n)
        kept = [f"their name taken out of {counted(self.shared_interactions, 'shared interaction')}"
                if self.shared_interactions else "",
                f"{counted(self.deals, 'deal')} kept without them" if self.deals else "",
                f"{counted(self.history, 'history entry', 'history entries')} about them"
                if self.history else "",
                f"{counted(len(self.backups), 'migration backup')} deleted" if self.backups else ""]
        return f"contact {self.label}" + (f" with {own}" if own else "") + "".join(f"; {k}" for k in kept if k)


def plan(session: Session, contact: Contact, db: Database | None = None) -> Plan:
    """What `forget` would erase (a read; nothing is written)."""
    from crmcli.core import contacts

    impact = contacts.impact(session, contact)
    conn = session.connection()
    subject = _subject(conn, contact.id)  # type: ignore[arg-type]
    shared = len(_linked(conn, INTERACTION_CONTACT, "interaction_id", contact.id)) - len(impact.interactions)  # type: ignore[arg-type]
    history = sum(int(conn.execute(sa.select(sa.func.count()).select_from(AUDIT_CHANGE).where(condition)).scalar_one())
                  for condition in _about(subject, impact.interactions))
    own = {"emails": impact.emails, "phones": impact.phones, "custom fields": impact.fields, "tags": impact.tags,
           "follow-ups": impact.follow_ups, "cases": impact.cases, "interactions": len(impact.interactions),
           **_campaign_rows(conn, contact.id)}  # type: ignore[arg-type]
    backups = tuple(str(p) for p in db.migration_backups()) if db is not None else ()
    return Plan(contact.id, impact.label, contact.name, own, shared, len(impact.deals), history, backups)  # type: ignore[arg-type]


def _campaign_rows(conn: Connection, cid: int) -> dict[str, int]:
    """Their campaign memberships and responses: deleted with them (the campaigns' figures drop them)."""
    return {what: int(conn.execute(sa.select(sa.func.count()).select_from(t).where(t.c.contact_id == cid)).scalar_one())
            for what, t in (("campaign memberships", CAMPAIGN_MEMBER), ("campaign responses", CAMPAIGN_RESPONSE))}


@dataclass(frozen=True)
class Forgotten:
    """What an erasure did, in counts (nothing that names the person)."""

    command_id: int                # the erasure's command in the history
    deleted: dict[str, int]        # rows deleted, by what they were
    rewritten: dict[str, int]      # rows that named them, by table: their name taken out
    history_deleted: int
    history_rewritten: int
    commands_rewritten: int        # earlier commands whose recorded changes or command line were rewritten
    backups_deleted: tuple[str, ...] = field(default=())


def _linked(conn: Connection, link: sa.Table, column: str, cid: int) -> list[int]:
    return list(conn.scalars(sa.select(link.c[column]).where(link.c.contact_id == cid).order_by(link.c[column])))


def _near(conn: Connection, link: sa.Table, column: str, cid: int, records: Sequence[int], subject: Subject,
          terms: set[str]) -> dict[int, Eraser]:
    """An eraser for each record they were on: their forms and the words of their name, but not
    a word that another person on the record has in their name too."""
    words = subject.words()
    others: dict[int, set[str]] = {record: set() for record in records}
    c = Contact.__table__
    for chunk in _chunks(records):
        for record, name in conn.execute(sa.select(link.c[column], c.c.name).join(c, c.c.id == link.c.contact_id)
                                         .where(link.c[column].in_(chunk), link.c.contact_id != cid)):
            others[record] |= {w.casefold() for w in name_words(name)}
    made: dict[frozenset[str], Eraser] = {}
    near = {}
    for record, taken in others.items():
        kept = frozenset(w for w in words if w.casefold() not in taken)
        if kept not in made:
            made[kept] = Eraser(terms | kept)
        near[record] = made[kept]
    return near


# Text that may name them, by table: the columns; a `name` column's `name_key` is folded again.
_TEXTS: tuple[tuple[sa.Table, tuple[str, ...]], ...] = (
    (Interaction.__table__, ("body",)),  # type: ignore[has-type]
    (Deal.__table__, ("name", "note", "lost_reason")),  # type: ignore[has-type]
    (FollowUp.__table__, ("title", "note")),  # type: ignore[has-type]
    (Contact.__table__, ("title", "do_not_contact_reason")),  # type: ignore[has-type]
    (CONTACT_FIELD, ("value",)),
    (Organization.__table__, ("name", "website")),  # type: ignore[has-type]
    (ServiceCase.__table__, ("title",)),  # type: ignore[attr-defined] # someone else's case about them
    (Campaign.__table__, ("name", "note")),  # type: ignore[attr-defined] # "Lunch with Vera Novak's team"
    (Segment.__table__, ("name", "description")),  # type: ignore[attr-defined]
)


def _rewrite(conn: Connection, table: sa.Table, columns: Sequence[str], row: Any, eraser: Eraser) -> bool:
    values = {name: eraser.text(getattr(row, name)) for name in columns}
    values = {name: value for name, value in values.items() if value != getattr(row, name)}
    if not values:
        return False
    if "name" in values and "name_key" in table.c:
        values["name_key"] = fold(values["name"])
    stmt = sa.update(table).where(table.c.id == row.id).values(**values)
    if "version" in table.c:  # an edit opened before this one must not save their name back
        stmt = stmt.values(version=table.c.version + 1)
    conn.execute(stmt)
    return True


def _rewrite_records(conn: Connection, everywhere: Eraser, near: dict[str, dict[int, Eraser]]) -> dict[str, int]:
    """Their name, emails and phones taken out of every text column that holds one (with `near`'s
    erasers for the records they were on, by table)."""
    rewritten: dict[str, int] = {}
    for table, columns in _TEXTS:
        mine = near.get(table.name, {})
        cols = [table.c[name] for name in columns]
        count = 0
        for row in conn.execute(sa.select(table.c.id, *cols).where(everywhere.mentioned(conn, cols))).all():
            if row.id not in mine:
                count += _rewrite(conn, table, columns, row, everywhere)
        for chunk in _chunks(sorted(mine)):
            for row in conn.execute(sa.select(table.c.id, *cols).where(table.c.id.in_(chunk))).all():
                count += _rewrite(conn, table, columns, row, mine[row.id])
        if count:
            rewritten[table.name] = count
    return rewritten


def forget(db: Database, contact_id: int) -> Forgotten:
    """Erase contact `contact_id` everywhere (see the module's docstring), in one write transaction;
    the migration backups beside a SQLite file are deleted just before it commits. Not undoable."""
    from crmcli.core.interactions import orphaned_by
    from crmcli.storage import erasure

    with db.connect(write=True) as conn:
        erasure.begin(conn)
        subject = _subject(conn, contact_id)
        terms = subject.terms()
        everywhere = Eraser(terms)
        interactions = _linked(conn, INTERACTION_CONTACT, "interaction_id", contact_id)
        deals = _linked(conn, DEAL_CONTACT, "deal_id", contact_id)
        alone = sorted(orphaned_by(conn, contact_id))  # type: ignore[arg-type] # a Connection reads alike
        shared = sorted(set(interactions) - set(alone))
        near_interactions = _near(conn, INTERACTION_CONTACT, "interaction_id", contact_id, shared, subject, terms)
        near_deals = _near(conn, DEAL_CONTACT, "deal_id", contact_id, deals, subject, terms)
        f = FollowUp.__table__
        deal_follow_ups: dict[int, Eraser] = {}
        for chunk in _chunks(deals):
            for item, deal in conn.execute(sa.select(f.c.id, f.c.deal_id).where(f.c.deal_id.in_(chunk),
                                                                                f.c.contact_id != contact_id)):
                deal_follow_ups[item] = near_deals[deal]
        deleted = _delete(conn, contact_id, alone)
        rewritten = _rewrite_records(conn, everywhere, {"interaction": near_interactions, "deal": near_deals,
                                                        "follow_up": deal_follow_ups})
        from crmcli.core.deals import refresh_activity

        refresh_activity(conn, deal_ids=deals)  # they lost this contact's interactions
        command = erasure.command_id(conn)
        scrubbed = _rewrite_history(conn, subject, everywhere, Eraser(terms | subject.words()),
                                    near_interactions, near_deals, alone, skip=command)
        erasure.compact_index(conn)
        command = erasure.record(conn, {"commands_rewritten": sorted(scrubbed.commands)})
        backups = _delete_backups(db)
    erasure.checkpoint(db)
    return Forgotten(command, deleted, rewritten, scrubbed.deleted, scrubbed.rewritten, len(scrubbed.commands),
                     backups)


def _delete(conn: Connection, cid: int, alone: Sequence[int]) -> dict[str, int]:
    """The contact and what goes with it (the foreign keys take its own rows), and the interactions
    that named only them."""
    def count(table: sa.Table) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)
                                .where(table.c.contact_id == cid)).scalar_one())

    counts = {"contacts": 1, "emails": count(CONTACT_EMAIL), "phones": count(CONTACT_PHONE),
              "custom fields": count(CONTACT_FIELD), "tags": count(CONTACT_TAG),
              "follow-ups": count(FollowUp.__table__), "cases": _count_cases(conn, cid),  # type: ignore[arg-type]
              "interactions": len(alone), **_campaign_rows(conn, cid)}
    i = Interaction.__table__
    for chunk in _chunks(alone):
        conn.execute(sa.delete(i).where(i.c.id.in_(chunk)))
    conn.execute(sa.delete(Contact.__table__).where(Contact.__table__.c.id == cid))  # tags stay: words many share
    return {what: n for what, n in counts.items() if n}


def _count_cases(conn: Connection, cid: int) -> int:
    k = ServiceCase.__table__  # type: ignore[attr-defined]
    return int(conn.execute(sa.select(sa.func.count()).select_from(k).where(k.c.contact_id == cid)).scalar_one())


def _about(subject: Subject, alone: Sequence[int]) -> list[Any]:
    """SQL conditions naming the history's changes about them: their own rows since they were
    added (their cases' rows too: a case names its contact), the status changes of their cases
    since then, and the rows of the interactions that were theirs alone."""
    ch = AUDIT_CHANGE
    return [sa.and_(ch.c.contact_id == subject.contact_id, ch.c.id >= subject.since_change),
            *(sa.and_(ch.c.table_name == "case_status_change", ch.c.row_key.in_(chunk),
                      ch.c.id >= subject.since_change) for chunk in _chunks(subject.case_steps)),
            *(sa.and_(ch.c.table_name == "interaction", ch.c.row_key.in_([str(i) for i in chunk]))
              for chunk in _chunks(alone))]


@dataclass
class _Scrubbed:
    deleted: int = 0
    rewritten: int = 0
    commands: set[int] = field(default_factory=set)


def _rewrite_history(conn: Connection, subject: Subject, everywhere: Eraser, near_commands: Eraser,
                     near_interactions: dict[int, Eraser], near_deals: dict[int, Eraser], alone: Sequence[int],
                     *, skip: int | None) -> _Scrubbed:
    """The audit history without them: their changes deleted (their own rows since they were added,
    the rows of the interactions that were theirs alone), their forms taken out of every other
    change's values (with the words of their name in the records they were on) and of the command
    lines. Returns what was done, and which commands' records it touched."""
    ch, cmd = AUDIT_CHANGE, AUDIT_COMMAND
    done = _Scrubbed()
    for condition in _about(subject, alone):
        done.commands |= set(conn.scalars(sa.select(ch.c.command_id).where(condition).distinct()))
        done.deleted += conn.execute(sa.delete(ch).where(condition)).rowcount or 0

    def rewrite(row: Any, eraser: Eraser) -> None:
        before, after = eraser.values(row.before), eraser.values(row.after)
        if (before, after) != (row.before, row.after):
            conn.execute(sa.update(ch).where(ch.c.id == row.id).values(before=before, after=after))
            done.rewritten += 1
            done.commands.add(row.command_id)

    columns = (ch.c.id, ch.c.command_id, ch.c.table_name, ch.c.row_key, ch.c.deal_id, ch.c.before, ch.c.after)
    near_rows: list[Any] = []
    for chunk in _chunks([str(i) for i in near_interactions]):
        near_rows += conn.execute(sa.select(*columns).where(ch.c.table_name == "interaction", ch.c.row_key.in_(chunk)))
    for chunk in _chunks(list(near_deals)):
        near_rows += conn.execute(sa.select(*columns).where(ch.c.deal_id.in_(chunk)))
    handled = set()
    for row in near_rows:
        if row.id not in handled:
            handled.add(row.id)
            by_interaction = near_interactions.get(int(row.row_key)) if row.table_name == "interaction" else None
            rewrite(row, by_interaction or near_deals[row.deal_id])
    texts = [sa.cast(ch.c.before, sa.Text), sa.cast(ch.c.after, sa.Text)]
    for row in conn.execute(sa.select(*columns).where(everywhere.mentioned(conn, texts, escaped=True))).all():
        if row.id not in handled:
            rewrite(row, everywhere)
    touched = set(done.commands)
    lines = conn.execute(sa.select(cmd.c.id, cmd.c.command).where(everywhere.mentioned(conn, [cmd.c.command]))).all()
    for chunk in _chunks(sorted(touched)):
        lines += conn.execute(sa.select(cmd.c.id, cmd.c.command).where(cmd.c.id.in_(chunk))).all()
    for command_id, line in dict(lines).items():
        erased = (near_commands if command_id in touched else everywhere).text(line)
        if erased != line:
            conn.execute(sa.update(cmd).where(cmd.c.id == command_id).values(command=erased))
            done.commands.add(command_id)
    done.commands.discard(skip)  # type: ignore[arg-type]
    return done


def _delete_backups(db: Database) -> tuple[str, ...]:
    """The migration backups beside a SQLite file (older copies of the whole database, them
    included), with any journal left beside them."""
    deleted = []
    for backup in db.migration_backups():
        for path in (backup, *(backup.with_name(backup.name + s) for s in ("-wal", "-shm", "-journal"))):
            _unlink(path)
        deleted.append(str(backup))
    return tuple(deleted)


def _unlink(path: Path) -> None:
    from crmcli.errors import CrmError

    try:
        path.unlink(missing_ok=True)
    except OSError as err:
        raise CrmError(f"cannot delete the backup {path}, which holds the person too: {err.strerror}; "
                       "nothing was erased") from None
