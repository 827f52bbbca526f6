"""The triggers that write the audit history: every insert, update and delete of a data row, in the
writing transaction itself, so no write path (a service, an import's bulk insert, a cascade) can
forget it.

- SQLite: three triggers per table, made from the table's columns (`json_object` of OLD and NEW).
  They record only while a crm command is in progress (a row of `audit_command` with
  `in_progress = 1`, written when a crm write transaction begins: storage/audit.py): writes made
  outside crm (the sqlite3 shell) and bulk copies (`crm db copy`) are not recorded.
- PostgreSQL: one plpgsql function for every table (`to_jsonb` of OLD and NEW). The command row
  is made by the first change of a transaction, its user being the session user (a setting cannot
  claim to be somebody else); the command line and the time come from the transaction's settings
  `crmcli.command_line` and `crmcli.at`. Writes from psql are recorded too, with no command line.

An update that changes only kept copies (a contact's last contact, a deal's last activity, a
link's time), `updated_at` or `version` is not recorded: those follow from other changes.

The triggers are a derived structure (storage/migrations.py, DERIVED): a migration to the latest
version from below their definition's version drops them (`drop`) and makes them anew (`create`)
after the numbered steps. A step that changes an audited table's columns changes the SQLite
triggers (they name the columns), so it moves their version in DERIVED to itself.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, NamedTuple, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection


class Audited(NamedTuple):
    key: tuple[str, ...]  # the columns that identify a row
    contact: str | None   # the column naming the contact the row belongs to
    deal: str | None      # the column naming the deal it belongs to
    quiet: tuple[str, ...] = ("updated_at", "version")  # changes to these alone are not recorded
    # (column, table): the record this row is part of. A part added with its record by the same
    # command is not recorded apart: the record's addition says it (an undo removes the record, and
    # the part goes with it), and a 100,000-contact import writes a fifth of the history rows.
    part_of: tuple[str, str] | None = None


_OF_CONTACT = ("contact_id", "contact")


AUDITED: dict[str, Audited] = {
    "organization": Audited(("id",), None, None),
    "contact": Audited(("id",), "id", None, ("updated_at", "version", "last_contact_at")),
    "contact_email": Audited(("id",), "contact_id", None, part_of=_OF_CONTACT),
    "contact_phone": Audited(("id",), "contact_id", None, part_of=_OF_CONTACT),
    "contact_field": Audited(("id",), "contact_id", None, part_of=_OF_CONTACT),
    "tag": Audited(("id",), None, None),
    "contact_tag": Audited(("contact_id", "tag_id"), "contact_id", None, part_of=_OF_CONTACT),
    "interaction": Audited(("id",), None, None),
    "interaction_contact": Audited(("contact_id", "interaction_id"), "contact_id", None, ("occurred_at",),
                                   part_of=("interaction_id", "interaction")),
    "follow_up": Audited(("id",), "contact_id", "deal_id"),
    "deal": Audited(("id",), None, "id", ("updated_at", "version", "last_activity_at")),
    "deal_contact": Audited(("deal_id", "contact_id"), "contact_id", "deal_id", part_of=("deal_id", "deal")),
    "stage_change": Audited(("id",), None, "deal_id", part_of=("deal_id", "deal")),
    "service_case": Audited(("id",), "contact_id", "deal_id", ("updated_at", "version")),
    "case_status_change": Audited(("id",), None, None, part_of=("case_id", "service_case")),
    "segment": Audited(("id",), None, None),
    "campaign": Audited(("id",), None, None),
    "campaign_member": Audited(("campaign_id", "contact_id"), "contact_id", None, part_of=("campaign_id", "campaign")),
    "campaign_response": Audited(("id",), "contact_id", None),
}

_CURRENT = "(SELECT id FROM audit_command WHERE in_progress = 1)"


def create(conn: Connection) -> None:
    """The audit triggers of every audited table, in the caller's transaction."""
    if conn.dialect.name == "sqlite":
        for table, spec in AUDITED.items():
            for statement in _sqlite_triggers(conn, table, spec):
                conn.exec_driver_sql(statement)
    else:
        for statement in _postgres_function():
            conn.exec_driver_sql(statement)
        for table, spec in AUDITED.items():
            column, record = spec.part_of or ("", "")
            args = ", ".join(f"'{arg}'" for arg in (",".join(spec.key), spec.contact or "", spec.deal or "",
                                                    ",".join(spec.quiet), column, record))
            conn.exec_driver_sql(f"CREATE TRIGGER audit_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                                 f"FOR EACH ROW EXECUTE FUNCTION crm_audit({args})")


def drop(conn: Connection) -> None:
    """Drop the audit triggers a database has, of any earlier design (found by their names); the
    history itself stays."""
    if conn.dialect.name == "sqlite":
        for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                            "AND name GLOB 'audit_*'").all():
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        return
    # The functions go with their triggers (audit_<table>, and audit_command_actor).
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS crm_audit(), crm_audit_actor() CASCADE")


@contextmanager
def added_in_bulk(conn: Connection, table: str, ids: Callable[[], Sequence[int]]) -> Iterator[None]:
    """SQLite: inside, rows inserted are not recorded one by one; after, the `table` rows `ids()`
    names (the ones inserted) are recorded as added, in one statement per chunk. A trigger costs a
    big import more than its own inserts; its parts (a contact's emails) are not recorded apart
    anyway. Outside a crm command (nothing recorded), and on PostgreSQL, the triggers do the work."""
    if conn.dialect.name != "sqlite" or not conn.exec_driver_sql(f"SELECT EXISTS {_CURRENT}").scalar():
        yield
        return
    conn.exec_driver_sql("UPDATE audit_command SET in_progress = 2 WHERE in_progress = 1")  # the triggers wait
    try:
        yield
    finally:
        conn.exec_driver_sql("UPDATE audit_command SET in_progress = 1 WHERE in_progress = 2")
    spec = AUDITED[table]
    assert len(spec.key) == 1, "rows added in bulk are records with an id"
    columns = [column["name"] for column in sa.inspect(conn).get_columns(table)]
    contact = f"{table}.{spec.contact}" if spec.contact else "NULL"
    deal = f"{table}.{spec.deal}" if spec.deal else "NULL"
    added = list(ids())
    for start in range(0, len(added), 5_000):  # under SQLite's limit of bound values
        chunk = added[start:start + 5_000]
        conn.exec_driver_sql(
            f"INSERT INTO audit_change (command_id, table_name, row_key, action, contact_id, deal_id, after) "
            f"SELECT {_CURRENT}, '{table}', {table}.{spec.key[0]}, 'insert', {contact}, {deal}, "
            f"{_json_row(columns, table)} FROM {table} WHERE {spec.key[0]} IN ({', '.join('?' * len(chunk))}) "
            f"ORDER BY {spec.key[0]}", tuple(chunk))


def _json_row(columns: Sequence[str], alias: str) -> str:
    return "json_object(" + ", ".join(f"'{c}', {alias}.{c}" for c in columns) + ")"


def _sqlite_triggers(conn: Connection, table: str, spec: Audited) -> list[str]:
    columns = [column["name"] for column in sa.inspect(conn).get_columns(table)]

    def row(alias: str) -> str:
        return _json_row(columns, alias)

    def values(alias: str, action: str, before: str, after: str) -> str:
        key = " || '/' || ".join(f"{alias}.{c}" for c in spec.key)
        contact = f"{alias}.{spec.contact}" if spec.contact else "NULL"
        deal = f"{alias}.{spec.deal}" if spec.deal else "NULL"
        return (f"INSERT INTO audit_change (command_id, table_name, row_key, action, contact_id, deal_id, before, after) "
                f"VALUES ({_CURRENT}, '{table}', {key}, '{action}', {contact}, {deal}, {before}, {after});")

    recording = f"EXISTS {_CURRENT}"
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns if c not in spec.quiet)
    adding = recording
    if spec.part_of is not None:
        column, record = spec.part_of
        # `+command_id`: looked up by the row's key, not by the command (whose changes grow with each
        # row a big command writes: by command_id the check made a 10,000-mail import quadratic).
        adding += (f" AND NOT EXISTS (SELECT 1 FROM audit_change WHERE table_name = '{record}' "
                   f"AND row_key = CAST(NEW.{column} AS TEXT) AND +command_id = {_CURRENT} AND action = 'insert')")
    return [
        f"CREATE TRIGGER audit_{table}_insert AFTER INSERT ON {table} WHEN {adding} BEGIN "
        f"{values('NEW', 'insert', 'NULL', row('NEW'))} END",
        f"CREATE TRIGGER audit_{table}_update AFTER UPDATE ON {table} WHEN {recording} AND ({changed}) BEGIN "
        f"{values('NEW', 'update', row('OLD'), row('NEW'))} END",
        f"CREATE TRIGGER audit_{table}_delete AFTER DELETE ON {table} WHEN {recording} BEGIN "
        f"{values('OLD', 'delete', row('OLD'), 'NULL')} END",
    ]


def _postgres_function() -> list[str]:
    return [
        # The user of a command row is the session user, whoever inserts it: nobody can record a
        # change under somebody else's name. Only the tables' owner copying a history in (crm db
        # copy, import all: `crmcli.audit` off) keeps the users it records.
        """CREATE OR REPLACE FUNCTION crm_audit_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('crmcli.audit', true) = 'off'
     AND pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
    RETURN NEW;
  END IF;
  NEW.actor := session_user;
  RETURN NEW;
END $$""",
        "CREATE TRIGGER audit_command_actor BEFORE INSERT ON audit_command FOR EACH ROW "
        "EXECUTE FUNCTION crm_audit_actor()",
        # Arguments: the key columns, the contact column, the deal column, the quiet columns (each
        # comma-separated, '' for none), and the column and table of the record the row is part of.
        """CREATE OR REPLACE FUNCTION crm_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  subject jsonb := coalesce(new_row, old_row);
  quiet text[] := string_to_array(TG_ARGV[3], ',');
  command integer;
BEGIN
  -- A bulk copy by the tables' owner (crm db copy) is not history.
  IF current_setting('crmcli.audit', true) = 'off'
     AND pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND (old_row - quiet) = (new_row - quiet) THEN
    RETURN NULL;
  END IF;
  command := nullif(current_setting('crmcli.command', true), '')::integer;
  IF TG_OP = 'INSERT' AND TG_ARGV[4] <> '' AND command IS NOT NULL AND EXISTS (
       SELECT 1 FROM audit_change WHERE table_name = TG_ARGV[5] AND row_key = subject ->> TG_ARGV[4]
          AND command_id = command AND action = 'insert') THEN
    RETURN NULL;  -- a part added with its record: the record's addition says it
  END IF;
  IF command IS NULL THEN
    INSERT INTO audit_command (at, actor, command, undoes)
    VALUES (coalesce(nullif(current_setting('crmcli.at', true), '')::timestamptz, now()), session_user,
            nullif(current_setting('crmcli.command_line', true), ''),
            nullif(current_setting('crmcli.undoes', true), '')::integer)
    RETURNING id INTO command;
    PERFORM set_config('crmcli.command', command::text, true);
  END IF;
  INSERT INTO audit_change (command_id, table_name, row_key, action, contact_id, deal_id, before, after)
  VALUES (command, TG_TABLE_NAME,
          (SELECT string_agg(subject ->> k, '/' ORDER BY n)
             FROM unnest(string_to_array(TG_ARGV[0], ',')) WITH ORDINALITY AS keys(k, n)),
          lower(TG_OP), (subject ->> nullif(TG_ARGV[1], ''))::integer, (subject ->> nullif(TG_ARGV[2], ''))::integer,
          old_row::json, new_row::json);
  RETURN NULL;
END $$""",
    ]
