"""Whether the search index holds what the data says it should (`crm db check`), on both databases.

The index is derived from the data (storage/search_index.py, search_pg.py), kept by triggers, and
rebuilt whole by `search_index.rebuild`. This module only compares, set-based, in SQL:

- triggers: each trigger that keeps the index is there (a missing one lets the index drift);
- per kind of record (`interaction` and the KINDS of `entity_fts`): rows of the data missing from
  the index (`missing`), index rows whose record is gone (`extra`), and rows whose indexed text
  differs from what the data gives now (`different`);
- SQLite: FTS5's own `integrity-check` of each index table (its structure, and for `entity_fts`,
  which keeps its text, that the index matches that text).

What can be compared: `entity_fts` (SQLite) and both PostgreSQL tables keep their text (tsvectors),
so they are compared with the data row by row. SQLite's `interaction_fts` is contentless (no
second copy of every interaction's text), so only which interactions it holds is compared: a
stale text there is seen by nothing short of a rebuild (`crm db repair --reindex` does one).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from crmcli.storage import search_index
from crmcli.storage.search_index import KINDS, record_key

EXAMPLES = 3  # ids shown per finding
STATES = ("missing", "extra", "different")


@dataclass(frozen=True)
class Drift:
    """One kind of record (`interaction`, `contact`, ...) in one state, and how many."""

    kind: str
    state: str                 # missing | extra | different
    count: int
    examples: tuple[int, ...]  # the first record ids


def sampled(conn: Connection, findings: str, examples: int = EXAMPLES) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Run `findings` (a SELECT of `state, id` rows, any number) and return {state: (how many, the
    first `examples` ids)}: one pass, counted and sampled in SQL (window functions, both databases)."""
    rows = conn.exec_driver_sql(
        f"SELECT state, id, n FROM (SELECT state, id, count(*) OVER (PARTITION BY state) AS n, "
        f"row_number() OVER (PARTITION BY state ORDER BY id) AS rn FROM ({findings}) found) ranked "
        f"WHERE rn <= {int(examples)} ORDER BY state, id").all()
    out: dict[str, tuple[int, tuple[int, ...]]] = {}
    for state, ident, n in rows:
        count, ids = out.get(state, (int(n), ()))
        out[state] = (count, ids + (int(ident),))
    return out


def _drifts(kind: str, found: dict[str, tuple[int, tuple[int, ...]]]) -> list[Drift]:
    return [Drift(kind, state, *found[state]) for state in STATES if state in found]


# -- SQLite ----------------------------------------------------------------------------------------

def _sqlite_tables(conn: Connection) -> set[str]:
    return set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").scalars())


def _sqlite(conn: Connection) -> list[Drift]:
    conn.connection.driver_connection.create_function(  # type: ignore[union-attr]
        "crm_spaced", 1, lambda text: None if text is None else search_index.spaced(text), deterministic=True)
    drifts: list[Drift] = []
    # Interactions: which ones the contentless index holds (its docsize table has a row per document).
    drifts += _drifts("interaction", sampled(conn, (
        "SELECT 'missing' AS state, i.id AS id FROM interaction i "
        "WHERE NOT EXISTS (SELECT 1 FROM interaction_fts_docsize d WHERE d.id = i.id) "
        "UNION ALL SELECT 'extra', d.id FROM interaction_fts_docsize d "
        "WHERE NOT EXISTS (SELECT 1 FROM interaction i WHERE i.id = d.id)")))
    # Records: the text the index keeps (its content table: c0 = name, c1 = detail) against the
    # text a rebuild would give now.
    for kind, source in search_index._RECORDS.items():  # noqa: SLF001 - the definition of what is indexed
        table, place = source.table.split()[0], KINDS.index(kind)
        now = source.select(search_index._python_spaced)  # noqa: SLF001
        drifts += _drifts(kind, sampled(conn, (
            f"SELECT CASE WHEN e.id IS NULL THEN 'missing' ELSE 'different' END AS state, s.id AS id "
            f"FROM ({now}) s LEFT JOIN entity_fts_content e ON e.id = {record_key(kind, 's.id')} "
            f"WHERE e.id IS NULL OR e.c0 IS NOT s.name OR e.c1 IS NOT s.detail "
            f"UNION ALL SELECT 'extra', (e.id - {place}) / {len(KINDS)} FROM entity_fts_content e "
            f"WHERE e.id % {len(KINDS)} = {place} AND NOT EXISTS "
            f"(SELECT 1 FROM {table} t WHERE t.id = (e.id - {place}) / {len(KINDS)})")))
    return drifts


def fts5_errors(conn: Connection) -> list[str]:
    """FTS5's `integrity-check` of each index table (SQLite): '' for none, else what FTS5 said.
    It is written as an INSERT, so it needs the write lock: run it first in its own transaction."""
    from sqlalchemy import exc

    errors = []
    for table in ("interaction_fts", "entity_fts"):
        try:
            conn.exec_driver_sql(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
        except exc.DBAPIError as err:
            message = str(err.orig)
            if "locked" in message or "readonly" in message or "read-only" in message or "busy" in message:
                raise  # not a finding: the check could not run
            errors.append(f"{table}: {message}")
    return errors


# -- PostgreSQL ------------------------------------------------------------------------------------

def _postgres(conn: Connection) -> list[Drift]:
    from crmcli.storage import search_pg

    drifts = _drifts("interaction", sampled(conn, (
        "SELECT CASE WHEN f.rowid IS NULL THEN 'missing' WHEN v.id IS NULL THEN 'extra' ELSE 'different' END "
        "AS state, coalesce(v.id, f.rowid) AS id FROM search_interaction v FULL JOIN interaction_fts f "
        "ON f.rowid = v.id WHERE f.rowid IS NULL OR v.id IS NULL OR f.doc <> v.doc")))
    for kind, (view, _, _, _) in search_pg._RECORDS.items():  # noqa: SLF001 - the definition of what is indexed
        place = KINDS.index(kind)
        drifts += _drifts(kind, sampled(conn, (
            f"SELECT CASE WHEN f.rowid IS NULL THEN 'missing' WHEN v.id IS NULL THEN 'extra' ELSE 'different' END "
            f"AS state, coalesce(v.id, (f.rowid - {place}) / {len(KINDS)}) AS id FROM {view} v "
            f"FULL JOIN (SELECT rowid, doc FROM entity_fts WHERE rowid %% {len(KINDS)} = {place}) f "
            f"ON f.rowid = {record_key(kind, 'v.id')} WHERE f.rowid IS NULL OR v.id IS NULL OR f.doc <> v.doc")))
    return drifts


# -- both ------------------------------------------------------------------------------------------

def missing_triggers(conn: Connection) -> list[str]:
    """The triggers keeping the index that the database lacks (by name)."""
    if conn.dialect.name == "sqlite":
        have = _sqlite_tables(conn)
        return [name for name in search_index.TRIGGERS if name not in have]
    from crmcli.storage import search_pg

    have = set(conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
    return [name for name in search_pg.TRIGGERS if name not in have]


def restore_triggers(conn: Connection, names: list[str]) -> None:
    """Create the named index triggers again (their definitions are the code's); a rebuild follows."""
    if conn.dialect.name == "sqlite":
        for name in names:
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {search_index.TRIGGERS[name]}")
        return
    from crmcli.storage import search_pg

    for name in names:
        function, trigger = search_pg.TRIGGERS[name]
        conn.exec_driver_sql(function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
        conn.exec_driver_sql(trigger)


def out_of_step(conn: Connection) -> list[Drift]:
    """Every kind of record whose index rows differ from the data, and how (empty: in step)."""
    return _sqlite(conn) if conn.dialect.name == "sqlite" else _postgres(conn)
