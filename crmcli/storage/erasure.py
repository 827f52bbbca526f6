"""What erasing a person (core/privacy.py, `crm privacy forget`) asks of the storage, in the
erasure's own write transaction:

- `begin`: nothing is recorded in the audit history from here on (the triggers would copy the
  person's rows into it as the `before` of every delete); on SQLite, deleted content is
  overwritten with zeros (`secure_delete`), so a page freed by the erasure keeps nothing of it.
  On PostgreSQL only the tables' owner may turn the history off, and rewriting the history is
  theirs alone too (the `add-user` grants): anyone else is refused before anything is written.
- `compact_index`: SQLite's full-text segments keep a deleted row's words until they are merged;
  'optimize' merges every segment, so no segment keeps hers (PostgreSQL's index tables forget a
  row with it).
- `record`: the erasure's command (who and when, under a fixed command line that names nobody)
  and one change saying an erasure happened; its last step (SQLite's `secure_delete` as it was).

After the commit, `checkpoint` writes SQLite's WAL back into the file and empties it (the WAL held
earlier versions of the erased pages).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Sequence

from crmcli.errors import CrmError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crmcli.storage.database import Database

COMMAND_LINE = "crm privacy forget"  # what the history records of every erasure: never whom
ACTION = "erase"  # the action of the one change an erasure records (table `contact`, no row key)


def begin(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.info["crm_secure_delete"] = conn.exec_driver_sql("PRAGMA secure_delete").scalar()  # `record` puts it back
        conn.exec_driver_sql("PRAGMA secure_delete = ON")
        conn.exec_driver_sql("UPDATE audit_command SET in_progress = 2 WHERE in_progress = 1")  # the triggers wait
        return
    allowed, owner = conn.exec_driver_sql(
        "SELECT pg_has_role(session_user, c.relowner, 'MEMBER'), pg_get_userbyid(c.relowner) FROM pg_class c "
        "WHERE c.oid = 'audit_change'::regclass").one()
    if not allowed:
        raise CrmError(f"only the database's owner ({owner}) can erase a person: an erasure rewrites the audit "
                       "history, which other users may add to but never change; nothing was erased")
    conn.exec_driver_sql("SELECT set_config('crmcli.audit', 'off', true)")


def command_id(conn: Connection) -> int | None:
    """SQLite: the erasure's own command row (made when its transaction began), else None."""
    if conn.dialect.name != "sqlite":
        return None
    found = conn.exec_driver_sql("SELECT id FROM audit_command WHERE in_progress = 2").scalar()
    return int(found) if found is not None else None


def matching(conn: Connection, columns: Sequence[Any], likes: Sequence[str]) -> Any:
    """SQL: any of `columns` is LIKE any of `likes` (escaped with a backslash), ASCII case aside.
    SQLite's LIKE folds ASCII itself: the lower() that ILIKE becomes there tripled a scan of 1M
    interactions (6.4 s against 2.2 s)."""
    import sqlalchemy as sa

    if not likes:
        return sa.false()
    sqlite = conn.dialect.name == "sqlite"
    return sa.or_(*((column.like(like, escape="\\") if sqlite else column.ilike(like, escape="\\"))
                    for column in columns for like in likes))


def compact_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for table in ("interaction_fts", "entity_fts"):
            conn.exec_driver_sql(f"INSERT INTO {table} ({table}) VALUES ('optimize')")


def record(conn: Connection, details: dict[str, Any]) -> int:
    """Record the erasure: its command (the current user, the transaction's time) and one change,
    action 'erase', whose `after` holds `details` (nothing that names the person). Returns the
    command's id."""
    after = json.dumps(details)
    if conn.dialect.name == "sqlite":
        command = command_id(conn)
        if command is None:
            raise CrmError("the erasure's command is not in the audit history; nothing was erased")
        conn.exec_driver_sql("UPDATE audit_command SET in_progress = 1, command = ? WHERE id = ?",
                             (COMMAND_LINE, command))
        conn.exec_driver_sql("INSERT INTO audit_change (command_id, table_name, row_key, action, after) "
                             "VALUES (?, 'contact', '', ?, ?)", (command, ACTION, after))
        # Every delete is done: the pooled connection's later ones (a TUI session's) go at the usual cost.
        conn.exec_driver_sql(f"PRAGMA secure_delete = {int(conn.info.pop('crm_secure_delete', 0))}")
        return command
    command = conn.exec_driver_sql(
        "INSERT INTO audit_command (at, actor, command) VALUES (coalesce(nullif(current_setting('crmcli.at', true), "
        "'')::timestamptz, now()), session_user, %s) RETURNING id", (COMMAND_LINE,)).scalar_one()
    conn.exec_driver_sql("INSERT INTO audit_change (command_id, table_name, row_key, action, after) "
                         "VALUES (%s, 'contact', '', %s, CAST(%s AS json))", (command, ACTION, after))
    return int(command)


def checkpoint(db: Database) -> None:
    """SQLite: the WAL written into the file and truncated (best effort: a reader holding an old
    snapshot keeps part of it until it is done; the next checkpoint finishes the job)."""
    if db.path is None:
        return
    raw = db.engine.raw_connection()  # outside any transaction: a checkpoint cannot pass its own snapshot
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        raw.close()
