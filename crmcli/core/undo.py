"""`crm undo`: revert a command from its audit history — every row it added removed, every row it
changed set back, every row it removed put back with its ids — in one transaction that is itself
recorded (so an undo can be undone).

An undo refuses, naming the record and the user, when a later command changed any row the command
touched, or added to or changed what hangs off a contact or deal it added: reverting would
overwrite or take that work with it."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.clock import as_utc, shown_local
from crmcli.core.history import ACTIONS, NOUNS, Labels, utc_text
from crmcli.core.models import AUDIT_CHANGE, AUDIT_COMMAND, DEAL_CONTACT, INTERACTION_CONTACT
from crmcli.core.rows import Rows
from crmcli.errors import Conflict, NotFound
from crmcli.storage.audit import marks_undo
from crmcli.storage.audit_triggers import AUDITED

# Kept copies and the version: an undo recomputes the copies, and moves the version on (a form
# opened before the undo must not save over it).
NOT_RESTORED = {"last_contact_at", "last_activity_at", "version"}
LIST_COLUMNS = ("command", "at", "user", "changes", "status", "command_line")


@dataclass(frozen=True)
class Command:
    id: int
    at: datetime
    actor: str
    command_line: str
    undoes: int | None
    undone_by: int | None
    changes: Counter[tuple[str, str]]  # (table, action) -> rows
    erased_by: int | None = None  # the erasure (crm privacy forget) that rewrote its record; its own id for one

    def when(self) -> str:
        return shown_local(utc_text(self.at))

    def summary(self) -> str:
        """"2 contacts added, 1 email removed": what the command did, biggest first."""
        said: Counter[tuple[str, str]] = Counter()
        for (table, action), count in self.changes.items():
            said[(NOUNS.get(table, table), ACTIONS[action])] += count
        return ", ".join(f"{count:,} {noun}{'s' if count != 1 else ''} {verb}"
                         for (noun, verb), count in said.most_common())

    def status(self) -> str:
        if self.erased_by == self.id:
            return "erasure: cannot be undone"
        if self.erased_by is not None:
            return f"rewritten by erasure #{self.erased_by}"
        if self.undone_by is not None:
            return f"undone by #{self.undone_by}"
        if self.undoes is not None:
            return f"undoes #{self.undoes}"
        return ""


def _commands(conn: Connection, where: Any, *, limit: int | None) -> list[Command]:
    cmd, ch = AUDIT_COMMAND, AUDIT_CHANGE
    undoer = cmd.alias("undoer")
    query = (sa.select(cmd.c.id, cmd.c.at, cmd.c.actor, cmd.c.command, cmd.c.undoes,
                       sa.select(sa.func.max(undoer.c.id)).where(undoer.c.undoes == cmd.c.id).scalar_subquery())
             .where(where, sa.exists().where(ch.c.command_id == cmd.c.id)).order_by(cmd.c.id.desc()))
    found = conn.execute(query.limit(limit) if limit else query).all()
    counts: dict[int, Counter[tuple[str, str]]] = {row.id: Counter() for row in found}
    if found:
        tally = conn.execute(sa.select(ch.c.command_id, ch.c.table_name, ch.c.action, sa.func.count())
                             .where(ch.c.command_id.in_(list(counts))).group_by(ch.c.command_id, ch.c.table_name,
                                                                                  ch.c.action))
        for command_id, table, action, count in tally:
            counts[command_id][(table, action)] = count
    gone = undone(conn)
    erased = erasures(conn)
    return [Command(row[0], row[1], row[2], row[3] or "(outside crm)", row[4], row[5] if row[0] in gone else None,
                    counts[row[0]], erased.get(row[0])) for row in found]


def erasures(conn: Connection) -> dict[int, int]:
    """Command -> the erasure that rewrote its record (core/privacy.py): each erasure names the
    commands whose recorded changes or command line it rewrote; an erasure maps to itself."""
    from crmcli.storage.erasure import ACTION

    ch = AUDIT_CHANGE
    found: dict[int, int] = {}
    for erasure, details in conn.execute(sa.select(ch.c.command_id, ch.c.after).where(ch.c.action == ACTION)):
        found[erasure] = erasure
        for command in (details or {}).get("commands_rewritten", []):
            found.setdefault(int(command), erasure)
    return found


def _refuse_irreversible(command: Command) -> None:
    """An erasure, or what a command changed that putting back would break the database again."""
    _refuse_erased(command)
    words = command.command_line.split()
    if words[1:3] == ["db", "repair"] and "--drop-orphans" in words:
        raise Conflict(f"cannot undo #{command.id} (`{command.command_line}`): the rows it removed pointed to records "
                       "that were gone, and putting them back would break the database again; a backup has them")


def _refuse_erased(command: Command) -> None:
    if command.erased_by == command.id:
        raise Conflict(f"#{command.id} erased a person's data (`{command.command_line}`): an erasure cannot be undone")
    if command.erased_by is not None:
        raise Conflict(f"cannot undo #{command.id}: the erasure #{command.erased_by} rewrote its record to take a "
                       "person's data out, and an erasure cannot be undone")


def listing(conn: Connection, user: str, *, limit: int | None = 20) -> Rows:
    """The user's commands that changed data, newest first, with what each did and whether it was
    undone (`crm undo --list`)."""
    commands = _commands(conn, AUDIT_COMMAND.c.actor == user, limit=limit)
    return Rows(LIST_COLUMNS, [(c.id, utc_text(c.at), c.actor, c.summary(), c.status(), c.command_line)
                               for c in commands], time_columns=frozenset({"at"}))


def target(conn: Connection, user: str, command_id: int | None = None) -> Command:
    """The command to undo: the one named (it must be the user's; an undo named is brought back),
    else the user's newest one that is neither undone nor an undo itself (so repeated undos walk
    back through the user's work)."""
    cmd = AUDIT_COMMAND
    if command_id is not None:
        found = _commands(conn, cmd.c.id == command_id, limit=1)
        if not found:
            raise NotFound(f"no command #{command_id} with changes in the history; see `crm undo --list`")
        if found[0].actor != user:
            raise Conflict(f"command #{command_id} is {found[0].actor}'s, not yours ({user}); only its author can "
                           "undo it")
        _refuse_irreversible(found[0])
        if found[0].undone_by is not None:
            raise Conflict(f"command #{command_id} was undone already by #{found[0].undone_by}; "
                           f"`crm undo {found[0].undone_by}` brings it back")
        return found[0]
    gone = undone(conn)
    own = _commands(conn, sa.and_(cmd.c.actor == user, cmd.c.undoes.is_(None), cmd.c.id.not_in(gone)), limit=1)
    if not own:
        raise NotFound(f"nothing to undo: {user} has no command that changed data and is not undone yet")
    _refuse_irreversible(own[0])
    return own[0]


def check(conn: Connection, command: Command) -> None:
    """Refuse when a later command touched what `command` changed (see the module's docstring)."""
    ch, cmd = AUDIT_CHANGE, AUDIT_COMMAND
    mine = conn.execute(sa.select(ch.c.table_name, ch.c.row_key, ch.c.action).where(ch.c.command_id == command.id)).all()
    last = conn.execute(sa.select(sa.func.max(ch.c.id)).where(ch.c.command_id == command.id)).scalar_one()
    rows = {(table, key) for table, key, _ in mine}
    added_contacts = [int(key) for table, key, action in mine if table == "contact" and action == "insert"]
    added_deals = [int(key) for table, key, action in mine if table == "deal" and action == "insert"]
    later = (sa.select(ch.c.table_name, ch.c.row_key, ch.c.contact_id, ch.c.deal_id, ch.c.before, ch.c.after,
                       cmd.c.actor, cmd.c.id.label("by"))
             .join(cmd, cmd.c.id == ch.c.command_id).where(ch.c.id > last, ch.c.command_id != command.id)
             .order_by(ch.c.id))
    neutral = _cancelled_since(conn, command.id)
    touching = [c for c in conn.execute(later)
                if (c.table_name, c.row_key) in rows or c.contact_id in added_contacts or c.deal_id in added_deals]
    for change in (*touching, *_later_records_with(conn, added_contacts, last)):
        if change.by not in neutral:
            what = f"{NOUNS.get(change.table_name, change.table_name)} {Labels(conn).record(change)}".strip()
            raise Conflict(f"cannot undo #{command.id}: {what} was changed since by {change.actor} "
                           f"(command #{change.by}); undo that first, or change it back by hand")


def undone(conn: Connection) -> set[int]:
    """The commands whose effect is undone now: undone by an undo that was not undone in turn (an
    undo of an undo brings the command back)."""
    cmd = AUDIT_COMMAND
    pairs = conn.execute(sa.select(cmd.c.id, cmd.c.undoes).where(cmd.c.undoes.isnot(None))
                         .order_by(cmd.c.id.desc())).all()
    found: set[int] = set()
    for undo_id, target_id in pairs:  # newest first: a later undo decides what an earlier one still does
        if undo_id not in found:
            found.add(target_id)
    return found


def _later_records_with(conn: Connection, contact_ids: list[int], last: int) -> list[Any]:
    """Interactions and deals added after change `last` that name one of these contacts: their links
    came with them and are not recorded apart, so they are found through the links kept now."""
    if not contact_ids:
        return []
    ch, cmd = AUDIT_CHANGE, AUDIT_COMMAND
    found = []
    for link, column in ((INTERACTION_CONTACT, "interaction_id"), (DEAL_CONTACT, "deal_id")):
        record = "interaction" if column == "interaction_id" else "deal"
        query = (sa.select(ch.c.table_name, ch.c.row_key, sa.literal(None).label("contact_id"),
                           sa.literal(None).label("deal_id"), ch.c.before, ch.c.after, cmd.c.actor, cmd.c.id.label("by"))
                 .join(cmd, cmd.c.id == ch.c.command_id)
                 .join(link, sa.cast(link.c[column], sa.String) == ch.c.row_key)
                 .where(ch.c.table_name == record, ch.c.action == "insert", ch.c.id > last,
                        link.c.contact_id.in_(contact_ids)).limit(1))
        found.extend(conn.execute(query))
    return found


def _cancelled_since(conn: Connection, command_id: int) -> set[int]:
    """The commands after `command_id` whose effects cancel out: those undone, and the undos that
    undid them."""
    cmd = AUDIT_COMMAND
    gone = undone(conn)
    undos = conn.execute(sa.select(cmd.c.id, cmd.c.undoes).where(cmd.c.id > command_id, cmd.c.undoes > command_id))
    return {c for c in gone if c > command_id} | {u for u, target_id in undos if u not in gone and target_id in gone}


def revert(conn: Connection, command: Command) -> None:
    """Undo `command` in `conn`'s write transaction (checked first)."""
    check(conn, command)
    marks_undo(conn, command.id)
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")  # stored times without an offset (from SQLite) are UTC
    ch = AUDIT_CHANGE
    changes = conn.execute(sa.select(ch).where(ch.c.command_id == command.id).order_by(ch.c.id.desc())).all()
    order = _tables_in_order()
    # The people of the interactions reverted, read before an added one goes (its links go with it,
    # unrecorded: parts of the interaction), so their last contact is worked out again after.
    linked = _linked_contacts(conn, sorted({int(c.row_key) for c in changes if c.table_name == "interaction"}))
    # Added rows go first (they may hold a unique value a removed row had), removed rows come back
    # next (a changed row may point at one of them: a merge moved the other contact's email).
    _remove_added(conn, [c for c in changes if c.action == "insert"], order)
    _put_back(conn, [c for c in changes if c.action == "delete"], order)
    for change in changes:  # newest first: a row changed twice ends as it was before the first change
        if change.action == "update":
            _restore(conn, change.table_name, change.after, change.before)
    _refresh_copies(conn, changes, linked)


def _tables_in_order() -> list[str]:
    """Parents before children."""
    from crmcli.core.db_copy import tables_in_order

    return [table.name for table in tables_in_order() if table.name in AUDITED]


# Rows that go with their contact or deal when it is deleted (ON DELETE CASCADE), by table.
_GOES_WITH_CONTACT = {"contact_email", "contact_phone", "contact_field", "contact_tag", "interaction_contact",
                      "follow_up", "deal_contact"}
_GOES_WITH_DEAL = {"deal_contact", "stage_change"}


def _remove_added(conn: Connection, added: list[Any], order: list[str]) -> None:
    """Delete what the command added, children first and in bulk; rows that go with a contact or
    deal deleted here are left to the cascade."""
    contacts = {int(c.row_key) for c in added if c.table_name == "contact"}
    deals = {int(c.row_key) for c in added if c.table_name == "deal"}
    keys: dict[str, list[str]] = {}
    for change in added:
        cascades = ((change.table_name in _GOES_WITH_CONTACT and change.contact_id in contacts)
                    or (change.table_name in _GOES_WITH_DEAL and change.deal_id in deals))
        if not cascades:
            keys.setdefault(change.table_name, []).append(change.row_key)
    for table in reversed(order):
        found = keys.get(table, [])
        if len(AUDITED[table].key) == 1:
            for start in range(0, len(found), 500):
                conn.execute(sa.text(f"DELETE FROM {table} WHERE id IN ({', '.join(str(int(k)) for k in found[start:start + 500])})"))
        elif found:
            columns = AUDITED[table].key
            conn.execute(sa.text(f"DELETE FROM {table} WHERE {' AND '.join(f'{c} = :{c}' for c in columns)}"),
                         [dict(zip(columns, map(int, key.split("/")))) for key in found])


def _put_back(conn: Connection, removed: list[Any], order: list[str]) -> None:
    """Insert what the command deleted, with its ids, parents first."""
    by_table: dict[str, list[dict[str, Any]]] = {}
    for change in sorted(removed, key=lambda c: c.id):
        by_table.setdefault(change.table_name, []).append(change.before)
    for table in order:
        rows = by_table.get(table)
        if not rows:
            continue
        rows = [_as_stored(conn, table, row) for row in rows]
        columns = list(rows[0])
        listed = ", ".join(columns)
        if conn.dialect.name == "sqlite":
            conn.execute(sa.text(f"INSERT INTO {table} ({listed}) VALUES ({', '.join(f':{c}' for c in columns)})"), rows)
        else:
            conn.execute(sa.text(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM "
                                 f"json_populate_record(NULL::{table}, CAST(:row AS json))"),
                         [{"row": json.dumps(row)} for row in rows])


def _restore(conn: Connection, table: str, after: dict[str, Any], before: dict[str, Any]) -> None:
    """Set the row back to `before`, found by its key now (`after`: a link row's key may have changed,
    as when a merge moves an interaction from one contact to the other)."""
    key = AUDITED[table].key
    where = " AND ".join(f"{c} = :k_{c}" for c in key)
    params = {f"k_{c}": after[c] for c in key}
    columns = [c for c in before if c not in NOT_RESTORED]
    bump = ", version = version + 1" if "version" in before else ""
    before = _as_stored(conn, table, before)
    if conn.dialect.name == "sqlite":
        assignments = ", ".join(f"{c} = :v_{c}" for c in columns)
        conn.execute(sa.text(f"UPDATE {table} SET {assignments}{bump} WHERE {where}"),
                     {**params, **{f"v_{c}": before[c] for c in columns}})
    else:
        listed = ", ".join(columns)
        conn.execute(sa.text(f"UPDATE {table} SET ({listed}) = (SELECT {listed} FROM "
                             f"json_populate_record(NULL::{table}, CAST(:row AS json))){bump} WHERE {where}"),
                     {**params, "row": json.dumps(before)})


def _as_stored(conn: Connection, table: str, row: dict[str, Any]) -> dict[str, Any]:
    """On SQLite, times recorded by PostgreSQL (ISO with an offset, e.g. in a copied history) as
    SQLite keeps them: UTC, '2026-03-05 10:30:00.000000'."""
    if conn.dialect.name != "sqlite":
        return row
    from sqlmodel import SQLModel

    columns = SQLModel.metadata.tables[table].c
    fixed = dict(row)
    for name, value in row.items():
        if isinstance(value, str) and "T" in value and name in columns and isinstance(columns[name].type, sa.DateTime):
            fixed[name] = as_utc(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M:%S.%f")
    return fixed


def _linked_contacts(conn: Connection, interactions: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(interactions), 500):
        listed = ", ".join(str(i) for i in interactions[start:start + 500])
        found |= set(conn.execute(sa.text("SELECT DISTINCT contact_id FROM interaction_contact "
                                          f"WHERE interaction_id IN ({listed})")).scalars())
    return found


def _refresh_copies(conn: Connection, changes: Sequence[Any], linked: set[int]) -> None:
    """The kept copies of what was reverted, worked out again: the links' times, the contacts'
    last contact (`linked`: the reverted interactions' people before the revert) and their deals'
    last activity."""
    from crmcli.core.deals import refresh_activity
    from crmcli.core.interactions import refresh_last_contact

    contacts = {c.contact_id for c in changes if c.contact_id is not None} | linked
    deals = sorted({c.deal_id for c in changes if c.deal_id is not None})
    interactions = sorted({int(c.row_key) for c in changes if c.table_name == "interaction"})
    for start in range(0, len(interactions), 500):
        listed = ", ".join(str(i) for i in interactions[start:start + 500])
        conn.execute(sa.text("UPDATE interaction_contact SET occurred_at = (SELECT i.occurred_at FROM interaction i "
                             f"WHERE i.id = interaction_contact.interaction_id) WHERE interaction_id IN ({listed})"))
    contacts |= _linked_contacts(conn, interactions)  # and after: a removed interaction put back
    if contacts:
        refresh_last_contact(conn, sorted(contacts))
    if deals:
        refresh_activity(conn, deal_ids=deals)


def describe(command: Command) -> str:
    """What an undo of `command` will revert, in one line."""
    return f"#{command.id} `{command.command_line}` ({command.actor}, {command.when()}): {command.summary()}"
