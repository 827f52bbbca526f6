"""Optimistic versioning: a contact, deal, follow-up or organisation read at one version is not saved
over a newer one. Every ORM update of such a record says `WHERE version = <the version read>` and adds
one (models.Versioned); a save that read the record long before (a form in the TUI, a script's
`--if-version`) names the version it read, and `check` refuses when the record moved on since,
naming who changed what from the audit history. Nothing is saved then: the caller's transaction
rolls back, and the person redoes the change on what is there now."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from crmcli.core.history import NOUNS, changed_fields
from crmcli.core.models import AUDIT_CHANGE, AUDIT_COMMAND
from crmcli.errors import Conflict


def check(session: Session, record: Any, read_version: int | None) -> None:
    """Refuse (Conflict, exit 5) when `record` is no longer at `read_version` (None: no check)."""
    if read_version is None or record.version == read_version:
        return
    raise Conflict(f"{describe(session, record)} after you read it; nothing was saved: "
                   "read it again and redo your change")


def describe(session: Session, record: Any) -> str:
    """"contact #3 Ann Lee was changed by kim at 2026-12-06 10:32 (title, email)": the newest command
    that changed the record or one of its parts."""
    from crmcli.core.clock import shown_local
    from crmcli.core.history import utc_text

    table = record.__tablename__
    ch, cmd = AUDIT_CHANGE, AUDIT_COMMAND
    own = sa.and_(ch.c.table_name == table, ch.c.row_key == str(record.id))
    parts = {"contact": ch.c.contact_id == record.id, "deal": ch.c.deal_id == record.id}.get(table)
    touching = sa.or_(own, parts) if parts is not None else own
    newest = session.execute(sa.select(cmd.c.id, cmd.c.actor, cmd.c.at).join(ch, ch.c.command_id == cmd.c.id)
                             .where(touching).order_by(cmd.c.id.desc()).limit(1)).first()
    name = f"{NOUNS.get(table, table)} #{record.id}" + (f" {record.name}" if getattr(record, "name", None) else "")
    if newest is None:
        return f"{name} was changed by someone else"
    fields: list[str] = []
    for change in session.execute(sa.select(ch).where(ch.c.command_id == newest.id, touching).order_by(ch.c.id)):
        said = ([f for f, _, _ in changed_fields(change.before, change.after)] if change.action == "update"
                else [NOUNS.get(change.table_name, change.table_name)])
        fields.extend(f for f in said if f not in fields)
    what = f" ({', '.join(fields)})" if fields else ""
    return f"{name} was changed by {newest.actor} at {shown_local(utc_text(newest.at))}{what}"
