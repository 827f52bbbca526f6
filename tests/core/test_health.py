"""The database health check as typed values: the storage's own checks, the schema version and the
copies kept in step with the history."""

from __future__ import annotations

import sqlite3

import pytest

from crmcli.core import contacts, deals, health, interactions
from crmcli.core.stages import DEFAULT
from crmcli.storage import migrations
from crmcli.storage.database import Database


@pytest.fixture
def filled(db: Database) -> Database:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"))
        interactions.log(s, [ann], "Called about the quote", kind="call")
        deals.add(s, deals.NewDeal("Website", 1_000, "EUR", DEFAULT.get("lead"), contacts=[ann]))
    return db


def _sql(db: Database, statement: str) -> None:
    """Change the data behind the services' back, as a bug or a hand edit would."""
    with db.connect(write=True) as conn:
        conn.exec_driver_sql(statement)


def test_a_sound_database(filled: Database) -> None:
    found = health.check(filled)
    assert found == health.Health(database=filled.describe(), schema_version=migrations.LATEST,
                                  latest_version=migrations.LATEST, storage=(), drifted_links=0,
                                  stale_last_contacts=0, drifted_stage_times=0, drifted_deal_activity=0)
    assert found.ok and found.problem_count == 0


def test_each_copy_out_of_step_is_counted(filled: Database) -> None:
    _sql(filled, "UPDATE interaction_contact SET occurred_at = '2020-01-01 00:00:00.000000'")
    _sql(filled, "UPDATE contact SET last_contact_at = '2021-01-01 00:00:00.000000'")  # neither time
    _sql(filled, "UPDATE deal SET stage_changed_at = '2020-01-01 00:00:00.000000'")
    found = health.check(filled)
    assert (found.drifted_links, found.stale_last_contacts, found.drifted_stage_times,
            found.drifted_deal_activity) == (1, 1, 1, 1)
    assert found.storage == () and not found.ok and found.problem_count == 4


@pytest.mark.sqlite_only("PostgreSQL enforces foreign keys always: no row can point nowhere")
def test_a_broken_foreign_key_is_the_storage_s_finding(filled: Database) -> None:
    con = sqlite3.connect(filled.path)  # type: ignore[arg-type]  # foreign keys off: a hand edit
    con.execute("INSERT INTO contact_email (contact_id, address, position) VALUES (999, 'ghost@x.example', 0)")
    con.commit()
    con.close()
    found = health.check(filled)
    assert len(found.storage) == 1 and found.storage[0].startswith("foreign key: contact_email")
    assert not found.ok and found.problem_count == 1


def test_an_empty_database_is_sound_and_current(db: Database) -> None:
    found = health.check(db)
    assert found.ok and found.schema_version == migrations.LATEST  # migrated when opened
