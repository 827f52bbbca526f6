"""`crm db copy`: every row of the database in use into another, empty one — a SQLite file or a
PostgreSQL database — the way a freelancer's file becomes a team's database.

Rows are read and written table by table in parent-before-child order, streamed in chunks, in one
write transaction on the target: a copy that fails leaves the target as empty as it was. Ids and
uids are kept, so every reference holds; the search index (SQLite) is built once at the end and
PostgreSQL's id sequences are moved past the copied ids. The copy is then counted, table by table.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.errors import Conflict, CrmError
from crmcli.storage.sql import insert_many, reset_sequences

CHUNK = 5_000


def tables_in_order() -> list[sa.Table]:
    """Every table of the data, parents before children (the migration registry is the target's own)."""
    from sqlmodel import SQLModel

    import crmcli.core.models  # noqa: F401 - the tables

    return [t for t in SQLModel.metadata.sorted_tables if t.name != "crm_migrations"]


def _count(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


# (table, its columns named, a chunk of its rows as tuples of those columns' values), parents first
Feed = Iterable[tuple[sa.Table, Sequence[str], list[tuple[Any, ...]]]]


@contextmanager
def indexes_built_after(conn: Connection) -> Iterator[None]:
    """SQLite: the tables' own indexes dropped while rows pour in, each made again once at the end
    (a sort, not a million random inserts): the whole dataset copies in about half the time. The
    indexes behind UNIQUE constraints stay, so duplicates are still refused as they come."""
    if conn.dialect.name != "sqlite":
        yield
        return
    made = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                "AND tbl_name NOT LIKE '%fts%'").all()
    for name, _ in made:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB while the tables and indexes are built
    try:
        yield
    finally:
        for _, sql in made:
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql("PRAGMA cache_size = -2000")


def load(target: Connection, feed: Feed, *, progress: Callable[[str, int], None] | None = None,
         described: str = "the target") -> dict[str, int]:
    """Write every chunk of `feed` into `target`, an empty database at the same schema version, in
    the caller's transaction: ids and uids as given, the search index built once at the end,
    PostgreSQL's id sequences moved past the ids written. Returns the rows written per table,
    counted again in the target. What `db copy` and `import all` share."""
    from crmcli.storage import audit, search_index

    audit.suspend(target)  # the copy is the rows as they were, their history included: not new history
    tables = tables_in_order()
    # A data table named first: the audit history alone means little to the person copying.
    held = sorted((t.name for t in tables if _count(target, t)), key=lambda name: name.startswith("audit_"))
    if held:
        raise Conflict(f"{described} already holds data (table {held[0]}); use an empty database")
    written = {t.name: 0 for t in tables}
    with search_index.suspended(target), indexes_built_after(target):
        for table, columns, chunk in feed:
            insert_many(target, table, columns, chunk)
            written[table.name] += len(chunk)
            if progress is not None:
                progress(table.name, written[table.name])
    reset_sequences(target, [t.name for t in tables if "id" in t.c and t.c.id.primary_key])
    for table in tables:
        there = _count(target, table)
        if there != written[table.name]:
            raise CrmError(f"{table.name} holds {there} rows after writing {written[table.name]}; nothing was written")
    return written


def copy(source: Connection, target: Connection, *, progress: Callable[[str, int], None] | None = None,
         described: str = "the target") -> dict[str, int]:
    """Copy every table from `source` into `target` (same schema version, empty); returns the rows
    copied per table, checked against the source."""

    def feed() -> Feed:
        for table in tables_in_order():
            columns = [c.name for c in table.columns]
            rows = source.execution_options(stream_results=True, yield_per=CHUNK).execute(sa.select(table))
            for chunk in rows.partitions(CHUNK):
                yield table, columns, [tuple(row) for row in chunk]

    copied = load(target, feed(), progress=progress, described=described)
    for table in tables_in_order():
        here = _count(source, table)
        if copied[table.name] != here:
            raise CrmError(f"the copy of {table.name} has {copied[table.name]} rows, the source {here}; "
                           "nothing was copied")
    return copied
