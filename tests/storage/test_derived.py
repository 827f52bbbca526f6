"""The rule for what the migrations do not migrate (storage/migrations.py): the derived structures
(the search index, the audit triggers) are made anew by the current code, after the numbered
steps, when a database comes from below their definition's version; ordinary commands only read
the schema version; the steps run no live code and their writes are not history.

That a migrated database ends with the same index and triggers as a new one, from every earlier
version, is test_migrations_every_version.py's."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from typing import Iterator

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from crmcli.storage import migrations
from crmcli.storage.database import Database
from crmcli.storage.keys import fold

# Each derived structure's definition as its `create` states it on a new database (every CREATE it
# runs), under the version DERIVED gives it. When a definition changes, or the columns it is made
# from, this fails: add a numbered step (it may do nothing but carry the change's name), move the
# structure's version in DERIVED to it, and put the new fingerprints under the new version here.
DEFINITIONS = {
    "full-text search index": {14: {"sqlite": "434b6b5f68b445eb", "postgresql": "bca1b81e16f80ac1"}},  # 14: cases
    "audit triggers": {13: {"sqlite": "8960fa17f82bab62", "postgresql": "9dab40ce3f2a0ed2"}},
}


@pytest.fixture
def db(db_target: str) -> Iterator[Database]:
    """A new database, on each backend."""
    database = Database.open(db_target)
    yield database
    database.dispose()


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    """The statements run through `db`'s engine while the caller works, as a list filled as they run."""
    ran: list[str] = []

    def seen(_conn, _cursor, statement, *_):  # type: ignore[no-untyped-def]
        ran.append(" ".join(statement.split()))

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield ran
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)


def _definition(db: Database, derived: migrations.Derived) -> str:
    """A fingerprint of the CREATE statements `derived` runs on a new database (in a transaction
    rolled back: the database keeps its own)."""
    with db.engine.connect() as conn, conn.begin() as transaction:
        code = derived.code()
        code.drop(conn)
        with _statements(db) as ran:
            code.create(conn)
        transaction.rollback()
    made = [s for s in ran if s.upper().startswith("CREATE") and not s.upper().startswith("CREATE TEMP")]
    assert made, derived.name
    return hashlib.sha256("\n".join(made).encode()).hexdigest()[:16]


def test_each_derived_definition_is_the_one_its_version_names(db: Database) -> None:
    found = {derived.name: {derived.version: _definition(db, derived)} for derived in migrations.DERIVED}
    expected = {name: {version: by_backend[db.engine.dialect.name] for version, by_backend in versions.items()}
                for name, versions in DEFINITIONS.items()}
    assert found == expected, ("a derived structure's definition changed: it takes a new numbered step and "
                               "its version in migrations.DERIVED moved to it (see DEFINITIONS)")
    assert all(derived.version <= migrations.LATEST for derived in migrations.DERIVED)


def test_an_up_to_date_database_is_opened_with_one_query(db_target: str) -> None:
    Database.open(db_target).dispose()
    db = Database.open(db_target, migrate=False)
    try:
        with _statements(db) as ran:
            assert db.ensure_schema() == []
        assert [s for s in ran if s not in ("BEGIN", "ROLLBACK")] == ["SELECT max(version) FROM crm_migrations"]
    finally:
        db.dispose()


def test_the_steps_writes_are_not_history(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A later step that changes rows, run over the audit triggers a database keeps (its version
    does not ask for them anew), records nothing; afterwards writes are recorded again."""
    def later(conn: sa.Connection) -> None:
        conn.exec_driver_sql("UPDATE organization SET website = 'acme.example'")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("a later step", later)])
    with db.engine.connect() as conn, conn.begin() as transaction:
        if conn.dialect.name == "postgresql":  # a write from psql: recorded
            conn.exec_driver_sql("INSERT INTO organization (uid, name, name_key, created_at, updated_at) "
                                 "VALUES ('o-1', 'Acme', 'acme', now(), now())")
        else:  # no crm command in progress: nothing recorded on SQLite, by design
            conn.exec_driver_sql("INSERT INTO organization (uid, name, name_key, created_at, updated_at) "
                                 "VALUES ('o-1', 'Acme', 'acme', '2026-03-01 09:00:00.000000', "
                                 "'2026-03-01 09:00:00.000000')")

        def recorded() -> int:
            return int(conn.exec_driver_sql("SELECT count(*) FROM audit_change").scalar_one())

        before = recorded()
        assert before == (1 if conn.dialect.name == "postgresql" else 0)
        assert migrations.apply(conn, migrations.LATEST, migrations.LATEST + 1) == [
            f"{migrations.LATEST + 1:04d} a later step"]
        assert conn.exec_driver_sql("SELECT website FROM organization").scalar_one() == "acme.example"
        assert recorded() == before
        conn.exec_driver_sql("UPDATE organization SET name = 'Acme Ltd'")
        assert recorded() == before + (1 if conn.dialect.name == "postgresql" else 0)
        transaction.rollback()


@given(st.text())
def test_step_2s_frozen_fold_gives_the_keys_of_todays(name: str) -> None:
    """Were they ever to differ, a new step would have to compute the stored name keys again."""
    assert migrations._v2_fold(name) == fold(name)
