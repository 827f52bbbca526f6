"""`crm history`: the audit history read back — who changed what, when, with which command, and the
values before and after, field by field, newest first. The triggers that write it are in
storage/audit_triggers.py.

One row per changed field of an update; one row per created or deleted record, its value a short
label (a contact's name, an email's address, a note's first line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.clock import as_utc, local_zone
from crmcli.core.models import AUDIT_CHANGE, AUDIT_COMMAND, DEAL_CONTACT, INTERACTION_CONTACT
from crmcli.core.rows import Rows

COLUMNS = ("change", "at", "user", "record", "action", "field", "before", "after", "command")

# What a record of each table is called, for people.
NOUNS = {"organization": "organisation", "contact": "contact", "contact_email": "email", "contact_phone": "phone",
         "contact_field": "field", "tag": "tag name", "contact_tag": "tag", "interaction": "interaction",
         "interaction_contact": "participant", "follow_up": "follow-up", "deal": "deal",
         "deal_contact": "deal contact", "stage_change": "stage", "service_case": "case",
         "case_status_change": "case status", "segment": "segment", "campaign": "campaign",
         "campaign_member": "campaign member", "campaign_response": "campaign response"}
ACTIONS = {"insert": "added", "update": "changed", "delete": "removed", "erase": "erased"}  # erase: core/privacy
# Fields not shown: bookkeeping, or kept copies of other changes.
HIDDEN = {"id", "uid", "name_key", "created_at", "updated_at", "version", "last_contact_at", "last_activity_at",
          "stage_changed_at"}


@dataclass(frozen=True)
class Filter:
    contact_id: int | None = None
    deal_id: int | None = None
    since: datetime | None = None  # aware
    user: str | None = None
    command_id: int | None = None


def rows(conn: Connection, where: Filter, *, limit: int | None = 100) -> Rows:
    """The changes that match, newest first, one row per field changed."""
    return Rows(COLUMNS, list(_lines(conn, changes(conn, where, limit=limit))), time_columns=frozenset({"at"}))


def changes(conn: Connection, where: Filter, *, limit: int | None = 100) -> list[Any]:
    """The recorded changes that match, newest first: each audit_change row with its command's
    `at`, `actor` and `command_line`."""
    ch, cmd = AUDIT_CHANGE, AUDIT_COMMAND
    query = (sa.select(ch, cmd.c.at, cmd.c.actor, cmd.c.command.label("command_line"))
             .join(cmd, cmd.c.id == ch.c.command_id).order_by(ch.c.id.desc()))
    if where.contact_id is not None:
        cid = where.contact_id
        query = query.where(sa.or_(
            ch.c.contact_id == cid,
            sa.and_(ch.c.table_name == "interaction",
                    ch.c.row_key.in_(_linked_keys(conn, cid, INTERACTION_CONTACT, "interaction_id"))),
            sa.and_(ch.c.table_name == "deal", ch.c.row_key.in_(_linked_keys(conn, cid, DEAL_CONTACT, "deal_id")))))
    if where.deal_id is not None:
        query = query.where(ch.c.deal_id == where.deal_id)
    if where.since is not None:
        query = query.where(cmd.c.at >= where.since)
    if where.user is not None:
        query = query.where(cmd.c.actor == where.user)
    if where.command_id is not None:
        query = query.where(ch.c.command_id == where.command_id)
    if limit:
        query = query.limit(limit)
    return list(conn.execute(query))


def _linked_keys(conn: Connection, contact_id: int, link: Any, column: str) -> list[str]:
    """The interactions (or deals) the contact ever took part in: linked now, or by a link recorded
    since (a link added with its interaction or deal is not recorded apart)."""
    ch = AUDIT_CHANGE
    recorded = conn.execute(sa.select(ch.c.after, ch.c.before).where(ch.c.contact_id == contact_id,
                                                                     ch.c.table_name == link.name)).all()
    linked = conn.execute(sa.select(link.c[column]).where(link.c.contact_id == contact_id)).scalars()
    return sorted({str((after or before)[column]) for after, before in recorded} | {str(i) for i in linked})


def _lines(conn: Connection, changes: list[Any]) -> Iterator[tuple[Any, ...]]:
    labels = Labels(conn)
    # A record added and then filled in by the same command (an add with its details) is one "added".
    added = {(c.command_id, c.table_name, c.row_key) for c in changes if c.action == "insert"}
    for change in changes:
        if change.action == "update" and (change.command_id, change.table_name, change.row_key) in added:
            continue
        at = utc_text(change.at)
        record = f"{NOUNS.get(change.table_name, change.table_name)} {labels.record(change)}"
        head = (change.id, at, change.actor, record.strip(), ACTIONS.get(change.action, change.action))
        if change.action == "erase":  # an erasure names nobody
            yield (*head, "", "", "personal data", change.command_line or "")
        elif change.action == "update":
            for field, before, after in changed_fields(change.before, change.after):
                yield (*head, field, _shown(before), _shown(after), change.command_line or "")
        else:
            value = labels.value(change.table_name, change.after or change.before or {})
            before, after = (value, "") if change.action == "delete" else ("", value)
            yield (*head, "", before, after, change.command_line or "")


def utc_text(moment: Any) -> str:
    """A stored time as ISO 8601 UTC (what machine formats carry; the table shows it local)."""
    return as_utc(_moment(moment)).strftime("%Y-%m-%dT%H:%M:%SZ")


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each shown field whose value differs. A follow-up due on a day
    shows its day (`due_on`): its `due_at` is then only a sort key (followups.Due)."""
    before, after = before or {}, after or {}
    hidden = HIDDEN | ({"due_at"} if before.get("due_on") or after.get("due_on") else set())
    return [(field, before.get(field), after.get(field)) for field in after
            if field not in hidden and _comparable(before.get(field)) != _comparable(after.get(field))]


def _comparable(value: Any) -> Any:
    """Stored times compare as instants: SQLite keeps '2026-03-05 10:30:00.000000', PostgreSQL ISO."""
    moment = _moment(value) if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" else None
    return as_utc(moment) if moment is not None else value


def _moment(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    moment = _comparable(value)
    if isinstance(moment, datetime):
        return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")
    return str(value)


class Labels:
    """Short names for the records the history mentions, looked up once each."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._names: dict[tuple[str, int], str] = {}

    def name(self, table: str, row_id: Any) -> str:
        """`#12 Ann Lee`: a contact's, deal's, organisation's or tag's id and current name."""
        if row_id is None:
            return ""
        key = (table, int(row_id))
        if key not in self._names:
            found = self._conn.execute(sa.text(f"SELECT name FROM {table} WHERE id = :id"), {"id": key[1]}).scalar()
            self._names[key] = f"#{key[1]} {found}" if found else f"#{key[1]}"
        return self._names[key]

    def record(self, change: Any) -> str:
        """Which record: the owner for a contact's or deal's own rows, else the row itself."""
        values = change.after or change.before or {}
        table = change.table_name
        if not change.row_key:  # an erasure's change: no record named
            return ""
        if table == "contact" or table == "deal":
            return f"#{change.row_key} {values.get('name', '')}".strip()
        if table in ("organization", "tag", "campaign", "segment"):
            return f"#{change.row_key} {values.get('name', '')}".strip()
        if table == "interaction" or table == "follow_up":
            return f"#{change.row_key}"
        if table == "stage_change" or table == "deal_contact":
            return f"of deal {self.name('deal', values.get('deal_id'))}"
        if table == "interaction_contact":
            return f"of interaction #{values.get('interaction_id')}"
        return f"of contact {self.name('contact', values.get('contact_id'))}"

    def value(self, table: str, values: dict[str, Any]) -> str:
        """What was added or removed, in a few words."""
        if table in ("contact", "organization", "deal", "tag", "campaign", "segment"):
            return str(values.get("name", ""))
        if table in ("campaign_member", "campaign_response"):  # `replied to #3 Spring offer`, `#3 Spring offer`
            campaign = self.name("campaign", values.get("campaign_id"))
            return f"{values['kind']} to {campaign}" if values.get("kind") else campaign
        if table == "contact_email":
            return str(values.get("address", ""))
        if table == "contact_phone":
            return str(values.get("number", ""))
        if table == "contact_field":
            return f"{values.get('key')}={values.get('value')}"
        if table == "contact_tag":
            return self.name("tag", values.get("tag_id")).split(" ", 1)[-1]
        if table == "interaction":
            first = str(values.get("body", "")).strip().splitlines()
            return f"{values.get('kind')}: {first[0][:60] if first else ''}"
        if table == "interaction_contact":
            return self.name("contact", values.get("contact_id"))
        if table == "follow_up":
            return str(values.get("title", ""))
        if table == "deal_contact":
            return self.name("contact", values.get("contact_id"))
        if table == "stage_change":
            return f"{values.get('from_stage') or '-'} -> {values.get('to_stage')}"
        return ""
