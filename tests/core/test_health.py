"""The database health check and repair as typed values, on both backends: each kind of damage is
made with raw SQL (as a bug, a hand edit or a crash could), the check finds exactly that (what,
how many, which ids), the repair fixes what can be fixed, and the check is clean after it."""

from __future__ import annotations

import sqlite3

import pytest

from crmcli.core import cases, contacts, deals, followups, health, interactions
from crmcli.core.stages import DEFAULT
from crmcli.storage import migrations
from crmcli.storage.database import Database
from crmcli.storage.search_index import record_key
from tests.conftest import dump
from tests.core.conftest import NOW


@pytest.fixture
def filled(db: Database) -> Database:
    """Two contacts (one with a non-ASCII name) at an organisation, three interactions, a deal
    moved twice (won at last), another open one, a follow-up."""
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee", add_emails=["ann@acme.example"],
                                                         org="Acme Ltd"))
        zoe, _ = contacts.add(s, contacts.ContactChanges(name="Zoë Øster", org="Acme Ltd"))
        interactions.log(s, [ann], "Called about the quote", kind="call")
        interactions.log(s, [ann, zoe], "Kickoff meeting", kind="meeting")
        interactions.log(s, [zoe], "Sent the contract", kind="email")
        website = deals.add(s, deals.NewDeal("Website", 1_000, "EUR", DEFAULT.get("lead"), contacts=[ann]))
        deals.move(s, website, DEFAULT.get("proposal"))
        deals.move(s, website, DEFAULT.get("won"))
        deals.add(s, deals.NewDeal("Hosting", 200, "EUR", DEFAULT.get("lead"), contacts=[zoe]))
        followups.add(s, ann, "Send the invoice", followups.Due.parse("fri", now=NOW))
    return db


def _sql(db: Database, *statements: str) -> None:
    """Change the data behind the services' back, as a bug or a hand edit would."""
    with db.connect(write=True) as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def _found(h: health.Health) -> dict[str, tuple[int, tuple[str, ...]]]:
    """{subject: (count, examples)} of the problems found."""
    return {p.subject: (p.count, p.examples) for p in h.problems}


def _repaired_and_clean(db: Database, **options: bool) -> health.Repaired:
    done = health.repair(db, **options)
    assert done.ok and done.changed, done.after.problems
    assert health.check(db).ok
    return done


def test_a_sound_database(filled: Database) -> None:
    found = health.check(filled)
    assert found == health.Health(database=filled.describe(), schema_version=migrations.LATEST,
                                  latest_version=migrations.LATEST, problems=(), notes=())
    assert found.ok and found.problem_count == 0
    done = health.repair(filled)
    assert done.ok and not done.changed and done.fixed == ()


def test_an_empty_database_is_sound_and_current(db: Database) -> None:
    found = health.check(db)
    assert found.ok and found.schema_version == migrations.LATEST  # migrated when opened


def test_each_copy_out_of_step_is_found_and_written_again(filled: Database) -> None:
    _sql(filled,
         "UPDATE interaction_contact SET occurred_at = '2020-01-01 00:00:00.000000' WHERE interaction_id = 2",
         "UPDATE contact SET last_contact_at = '2021-01-01 00:00:00.000000' WHERE id = 1",
         "UPDATE deal SET stage_changed_at = '2020-01-01 00:00:00.000000' WHERE id = 2",
         "UPDATE deal SET status = 'lost' WHERE id = 1",
         "UPDATE deal SET closed_at = NULL WHERE id = 1",
         "UPDATE deal SET last_activity_at = '2019-01-01 00:00:00.000000' WHERE id = 1",
         "UPDATE contact SET name_key = 'ann' WHERE id = 1",
         "UPDATE contact SET name_key = 'Zoë Øster' WHERE id = 2",  # not folded
         "UPDATE organization SET name_key = 'acme' WHERE id = 1",
         "UPDATE deal SET name_key = 'WEBSITE' WHERE id = 1")
    found = health.check(filled)
    assert _found(found) == {
        "contact.name_key": (2, ("#1", "#2")),
        "organization.name_key": (1, ("#1",)),
        "deal.name_key": (1, ("#1",)),
        # Interaction 2 is with both contacts: two links.
        "interaction_contact.occurred_at": (2, ("interaction #2 with contact #1", "interaction #2 with contact #2")),
        "contact.last_contact_at": (1, ("#1",)),
        "deal.stage": (1, ("#1",)),
        "deal.stage_changed_at": (1, ("#2",)),
        "deal.closed_at": (1, ("#1",)),
        "deal.last_activity_at": (1, ("#1",)),  # deal 2's is Zoë's last contact, later than its stage change
    }, found.problems
    assert {p.check for p in found.problems} == {"copy"} and all(p.fix == "repair" for p in found.problems)
    lines = [p.line for p in found.problems]
    assert "names: 2 contact name keys differ from the folded name (e.g. #1, #2)" in lines
    assert "deals: 1 stage or status out of step with the stage history (e.g. #1)" in lines
    assert ("timeline: 2 interaction links out of step with their interaction's time (e.g. interaction #2 with "
            "contact #1, interaction #2 with contact #2)") in lines

    done = _repaired_and_clean(filled)
    assert "wrote 2 contact name keys again from the names" in done.fixed
    assert "wrote 2 interaction links again from the data (interaction_contact.occurred_at)" in done.fixed
    with filled.connect() as conn:
        assert conn.exec_driver_sql("SELECT name_key FROM contact ORDER BY id").scalars().all() == ["ann lee",
                                                                                                  "zoe oster"]
        assert conn.exec_driver_sql("SELECT status FROM deal WHERE id = 1").scalar() == "won"
        assert conn.exec_driver_sql("SELECT closed_at IS NOT NULL FROM deal WHERE id = 1").scalar()
    with filled.session() as s:  # the repaired name keys find the people again
        assert contacts.resolve(s, "zoe oster").id == 2


def test_a_copy_made_from_a_repaired_one_is_repaired_too(filled: Database) -> None:
    """A link's time put right moves its contact's last contact: repaired in the same run, though the
    check found only the link."""
    _sql(filled, "UPDATE interaction SET occurred_at = '2030-01-01 00:00:00.000000' WHERE id = 3")
    assert set(_found(health.check(filled))) == {"interaction_contact.occurred_at"}  # links read the old time
    done = _repaired_and_clean(filled)
    assert any("contact.last_contact_at" in line for line in done.fixed)
    with filled.connect() as conn:
        assert str(conn.exec_driver_sql("SELECT last_contact_at FROM contact WHERE id = 2").scalar()) \
            .startswith("2030-01-01")


def _index_damage(db: Database) -> None:
    """Contact 1's index row gone, organisation 1's text changed, a row for deal 9 (none such),
    interaction 1 gone from the index, a row for interaction 9 (none such)."""
    if db.is_sqlite:
        _sql(db, f"DELETE FROM entity_fts WHERE rowid = {record_key('contact', '1')}",
             f"UPDATE entity_fts SET detail = 'stale words' WHERE rowid = {record_key('organisation', '1')}",
             f"INSERT INTO entity_fts (rowid, name, detail) VALUES ({record_key('deal', '9')}, 'ghost', '')",
             "INSERT INTO interaction_fts (interaction_fts, rowid, body, people) "
             "SELECT 'delete', id, body, people FROM search_interaction WHERE id = 1",
             "INSERT INTO interaction_fts (rowid, body, people) VALUES (9, 'ghost', '')")
    else:
        _sql(db, f"DELETE FROM entity_fts WHERE rowid = {record_key('contact', '1')}",
             f"UPDATE entity_fts SET doc = to_tsvector('simple', 'stale words') "
             f"WHERE rowid = {record_key('organisation', '1')}",
             f"INSERT INTO entity_fts (rowid, doc) VALUES ({record_key('deal', '9')}, to_tsvector('simple', 'ghost'))",
             "DELETE FROM interaction_fts WHERE rowid = 1",
             "INSERT INTO interaction_fts (rowid, doc) VALUES (9, to_tsvector('simple', 'ghost'))")


def test_a_search_index_out_of_step_is_found_and_rebuilt(filled: Database) -> None:
    from crmcli.core import search

    _index_damage(filled)
    found = health.check(filled)
    assert _found(found) == {"contact.missing": (1, ("#1",)), "organisation.different": (1, ("#1",)),
                             "deal.extra": (1, ("#9",)), "interaction.missing": (1, ("#1",)),
                             "interaction.extra": (1, ("#9",))}, found.problems
    lines = [p.line for p in found.problems]
    assert "search index: 1 contact missing from the search index (e.g. #1)" in lines
    assert "search index: 1 organisation indexed with out-of-date text (e.g. #1)" in lines
    assert "search index: 1 deal gone from the data but still in the search index (e.g. #9)" in lines
    done = _repaired_and_clean(filled)
    assert done.fixed == ("rebuilt the search index",)
    with filled.connect() as conn:
        assert [(r.type, r.id) for r in search.search(conn, "quote").records()] == [("interaction", 1)]


def test_a_case_missing_from_the_search_index_is_found_and_rebuilt(filled: Database) -> None:
    from crmcli.core import search

    with filled.session(write=True) as s:
        cases.add(s, contacts.resolve(s, "ann lee"), "Invoice 1043 charged twice", now=NOW, policy=cases.CasePolicy())
    assert health.check(filled).ok  # a new database with a case: nothing to report
    _sql(filled, f"DELETE FROM entity_fts WHERE rowid = {record_key('case', '1')}")
    found = health.check(filled)
    assert _found(found) == {"case.missing": (1, ("#1",))}, found.problems
    assert [p.line for p in found.problems] == ["search index: 1 case missing from the search index (e.g. #1)"]
    assert _repaired_and_clean(filled).fixed == ("rebuilt the search index",)
    with filled.connect() as conn:
        assert [(r.type, r.id) for r in search.search(conn, "charged").records()] == [("case", 1)]


def test_counts_are_exact_and_examples_few(filled: Database) -> None:
    with filled.session(write=True) as s:
        for n in range(7):
            contacts.add(s, contacts.ContactChanges(name=f"Extra {n}"))
    _sql(filled, "UPDATE contact SET last_contact_at = '2021-01-01 00:00:00.000000' WHERE id >= 3")
    assert _found(health.check(filled)) == {"contact.last_contact_at": (7, ("#3", "#4", "#5"))}


def _drop_deal_trigger(db: Database) -> None:
    _sql(db, "DROP TRIGGER entity_fts_deal_ai" if db.is_sqlite else "DROP TRIGGER entity_fts_deal ON deal")


def test_a_missing_index_trigger_is_made_again(filled: Database) -> None:
    from crmcli.storage import search_check

    name = "entity_fts_deal_ai" if filled.is_sqlite else "entity_fts_deal"
    _drop_deal_trigger(filled)
    try:
        if not filled.is_sqlite:  # PostgreSQL's one trigger also keeps updates and deletes: an edit goes unseen
            _sql(filled, "UPDATE deal SET note = 'renewal' WHERE id = 2")
        else:
            with filled.session(write=True) as s:
                deals.add(s, deals.NewDeal("Support", 50, "EUR", DEFAULT.get("lead")))
        found = health.check(filled)
        unseen = "deal.different" if not filled.is_sqlite else "deal.missing"
        assert _found(found) == {"search index": (1, (name,)), unseen: (1, ("#2" if not filled.is_sqlite else "#3",))}
        assert found.problems[0].line == f"search index: 1 trigger keeping it missing (e.g. {name})"
        done = _repaired_and_clean(filled)
        assert done.fixed == ("made 1 search index trigger again", "rebuilt the search index")
        with filled.session(write=True) as s:  # the trigger works again
            deals.add(s, deals.NewDeal("Training", 80, "EUR", DEFAULT.get("lead")))
        assert health.check(filled).ok
    finally:  # the PostgreSQL service database is shared by the session's tests
        with filled.connect(write=True) as conn:
            if missing := search_check.missing_triggers(conn):
                search_check.restore_triggers(conn, missing)


@pytest.mark.sqlite_only("an audit command is left open only on SQLite, which marks the running one in a row")
def test_an_audit_command_left_open_is_closed_first(filled: Database) -> None:
    _hand_edit(filled, "INSERT INTO audit_command (at, actor, command, in_progress) "  # outside crm: not closed
                       "VALUES ('2026-01-01 00:00:00.000000', 'ghost', 'crm ghost', 1)")
    found = health.check(filled)
    ghost = [p.examples for p in found.problems]
    assert [p.message for p in found.problems] == ["audit: 1 command left open"] and len(ghost[0]) == 1
    _hand_edit(filled, "UPDATE contact SET last_contact_at = NULL WHERE id = 1")  # something for the repair to record
    done = _repaired_and_clean(filled)
    assert done.fixed[0] == "closed 1 audit command left open"
    with filled.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_command WHERE actor = 'ghost'").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_command WHERE in_progress IS NOT NULL").scalar() == 0


def _hand_edit(db: Database, *statements: str) -> None:
    con = sqlite3.connect(db.path)  # type: ignore[arg-type]  # foreign keys off: a hand edit
    for statement in statements:
        con.execute(statement)
    con.commit()
    con.close()


@pytest.mark.sqlite_only("PostgreSQL enforces foreign keys always: no row can point nowhere")
def test_rows_pointing_nowhere_are_reported_and_dropped_only_when_asked(filled: Database) -> None:
    _hand_edit(filled, "INSERT INTO contact_email (contact_id, address, position) VALUES (999, 'ghost@x.example', 0)",
               "INSERT INTO contact_email (contact_id, address, position) VALUES (998, 'ghost2@x.example', 0)",
               "UPDATE contact SET org_id = 77 WHERE id = 2")
    found = health.check(filled)
    assert [p.line for p in found.problems] == [
        "foreign key: contact: 1 row points to a missing organization (e.g. row 2)",
        "foreign key: contact_email: 2 rows point to a missing contact (e.g. row 2, row 3)"]
    assert found.storage == tuple(p.line for p in found.problems)
    assert all(p.fix == "drop-orphans" for p in found.problems)
    untouched = dump(filled.path)  # type: ignore[arg-type]
    done = health.repair(filled)
    assert not done.ok and not done.changed and len(done.left) == 2
    assert dump(filled.path) == untouched  # type: ignore[arg-type]
    done = _repaired_and_clean(filled, drop_orphans=True)
    assert done.fixed == ("unlinked 1 contact row pointing to a missing organization",
                          "deleted 2 contact_email rows pointing to a missing contact")
    with filled.connect() as conn:  # Zoë stays, without an organisation, as deleting it would have left her
        assert conn.exec_driver_sql("SELECT name, org_id FROM contact WHERE id = 2").one() == ("Zoë Øster", None)
        assert conn.exec_driver_sql("SELECT count(*) FROM contact_email").scalar() == 1


@pytest.mark.sqlite_only("PostgreSQL keeps its pages whole itself")
def test_a_damaged_file_is_reported_and_left_untouched(filled: Database) -> None:
    filled.dispose()
    _hand_edit(filled, "PRAGMA writable_schema = ON",  # the index's definition no longer matches its rows
               "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_contact_email_contact_id ON contact_email (position)' "
               "WHERE name = 'ix_contact_email_contact_id'")
    found = health.check(filled)
    assert [p.line for p in found.problems] == ["integrity: row 1 missing from index ix_contact_email_contact_id"]
    assert found.problems[0].fix == "backup" and found.notes == ("the other checks were not run: the file is damaged",)
    untouched = dump(filled.path)  # type: ignore[arg-type]
    done = health.repair(filled)
    assert not done.ok and not done.changed and done.left == found.problems
    assert dump(filled.path) == untouched  # type: ignore[arg-type]


def test_names_and_text_in_any_script_are_in_step(db: Database) -> None:
    """No false alarm: the check works out names, keys and index text as the writers do, for
    accents, letters that do not decompose, scripts without spaces and odd spacing alike."""
    with db.session(write=True) as s:
        for name in ("李先生", "Łukasz Żółć", "  Ægir   Þór ", "สมชาย ใจดี", "O'Brien-Smith", "ÅSA\tLUND"):
            person, _ = contacts.add(s, contacts.ContactChanges(name=name, org="和李先生开会 GmbH"))
            interactions.log(s, [person], f"Met {name} — 会议记录 about the Q3 quote", kind="meeting")
        deals.add(s, deals.NewDeal("Ünïcode déal 案件", 10, "EUR", DEFAULT.get("lead"), note="ทดสอบ note"))
    found = health.check(db)
    assert found.ok, found.problems
