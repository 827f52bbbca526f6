"""`crm db copy`: every row of the database in use into another, empty one — a SQLite file or a
PostgreSQL database — the way a freelancer's file becomes a team's database.

Rows are read and written table by table in parent-before-child order, streamed in chunks, in one
write transaction on the target: a copy that fails leaves the target as empty as it was. Ids and
uids are kept, so every reference holds; the search index (SQLite) is built once at the end and
PostgreSQL's id sequences are moved past the copied ids. The copy is then counted, table by table.
"""

from __future__ import annotations

from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.errors import Conflict, CrmError

CHUNK = 5_000


def _tables() -> list[sa.Table]:
    from sqlmodel import SQLModel

    import crmcli.core.models  # noqa: F401 - the tables

    # The migration registry is the target's own: it was made at the schema version the source has.
    return [t for t in SQLModel.metadata.sorted_tables if t.name != "crm_migrations"]


def _count(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def copy(source: Connection, target: Connection, *, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every table from `source` into `target` (same schema version, empty); returns the rows
    copied per table, checked against the source."""
    from crmcli.storage import search_index

    tables = _tables()
    held = [t.name for t in tables if _count(target, t)]
    if held:
        raise Conflict(f"the target already holds data (table {held[0]}); copy into an empty database")
    copied: dict[str, int] = {}
    with search_index.suspended(target):
        for table in tables:
            rows = source.execution_options(stream_results=True, yield_per=CHUNK).execute(sa.select(table))
            copied[table.name] = 0
            for chunk in rows.partitions(CHUNK):
                target.execute(sa.insert(table), [dict(row._mapping) for row in chunk])
                copied[table.name] += len(chunk)
                if progress is not None:
                    progress(table.name, copied[table.name])
    if target.dialect.name == "postgresql":
        for table in tables:
            if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                target.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                       f"COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
                                       f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)")
    for table in tables:
        there, here = _count(target, table), _count(source, table)
        if there != here:
            raise CrmError(f"the copy of {table.name} has {there} rows, the source {here}; nothing was copied")
    return copied
