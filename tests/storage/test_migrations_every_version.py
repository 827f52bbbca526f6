"""From every earlier schema version, on SQLite and on PostgreSQL, the migrations arrive at the
schema of a new database, and the services work on it. On PostgreSQL that schema is compared with
the one the models describe (tables made by `create_all`): types, nullability, index names, foreign
keys and their ON DELETE. On SQLite the models' comparison is test_migrations.py's (reflection
misses ON DELETE on a column added by ALTER TABLE; it reads PRAGMA foreign_key_list)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crmcli.core import contacts, deals, interactions, search
from crmcli.core.stages import DEFAULT
from crmcli.storage import migrations
from crmcli.storage.database import Database

EARLIER = range(1, migrations.LATEST)


def _schema(db: Database) -> dict[str, Any]:
    """Every table's columns (type, nullable), indexes and foreign keys, as the database reports them."""
    inspector = sa.inspect(db.engine)
    found = {}
    for table in inspector.get_table_names():
        if "fts" in table:  # the full-text index: SQLite's FTS5 tables, PostgreSQL's tsvector tables (search_pg)
            continue
        found[table] = (
            {c["name"]: (str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)},
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)),
            sorted((tuple(f["constrained_columns"]), f["referred_table"], (f.get("options") or {}).get("ondelete"))
                   for f in inspector.get_foreign_keys(table)))
    return found


def _from(target: str, version: int) -> Database:
    """A database made by crmcli at `version`, then opened by this crmcli (which migrates it)."""
    old = Database.open(target, migrate=False)
    with old.connect(write=True) as conn:
        migrations.apply(conn, 0, target=version)
    old.dispose()
    return Database.open(target)


def _works(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Zoë Øster", add_emails=["zoe@oster.example"]))
        interactions.log(s, [ann], "Sent the discount offer", kind="email")
        deals.add(s, deals.NewDeal("Stand at the fair", 2_400, "EUR", DEFAULT.get("lead"), contacts=[ann]))
    with db.connect() as conn:
        assert [r.title for r in search.search(conn, "oster").records()][:1] == ["Zoë Øster"]
        assert deals.drifted_activity(conn) == 0


def _same_as_new(db: Database, fresh: Database) -> None:
    assert db.schema_version() == migrations.LATEST
    schema = _schema(db)
    assert schema == _schema(fresh) and len(schema) == 16
    _works(db)


@pytest.mark.parametrize("version", EARLIER)
def test_every_earlier_version_migrates_to_the_new_schema_on_sqlite(tmp_path: Path, version: int) -> None:
    fresh, db = Database.open(str(tmp_path / "new.db")), _from(str(tmp_path / "old.db"), version)
    try:
        _same_as_new(db, fresh)
    finally:
        fresh.dispose(), db.dispose()


@pytest.mark.parametrize("version", EARLIER)
def test_every_earlier_version_migrates_to_the_new_schema_on_postgres(pg_url: str, version: int) -> None:
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    fresh_url = pg_url + "_models"
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{fresh_url.rsplit("/", 1)[1]}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{fresh_url.rsplit("/", 1)[1]}"')
    engine.dispose()
    from crmcli.core.models import SQLModel

    models = sa.create_engine(fresh_url)
    SQLModel.metadata.create_all(models)  # the schema the models describe, made without migrations
    models.dispose()
    fresh, db = Database.open(fresh_url, migrate=False), _from(pg_url, version)
    try:
        _same_as_new(db, fresh)
    finally:
        fresh.dispose(), db.dispose()
