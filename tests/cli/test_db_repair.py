"""`crm db check` and `crm db repair` as a user and a script see them: a line per problem on stdout,
exit 1 while anything is wrong, `-f json` for scripts; the repair says what it fixed and what not."""

from __future__ import annotations

import json
from pathlib import Path

from crmcli.storage.search_index import record_key
from tests.conftest import Run, sql


def _damaged(ann: Run, db_path: Path) -> None:
    ann("log", "ann", "Called about the quote")
    sql(db_path, "UPDATE contact SET last_contact_at = NULL WHERE id = 1")
    sql(db_path, f"DELETE FROM entity_fts WHERE rowid = {record_key('contact', '2')}")  # Anna Berg's index row


def test_a_sound_database_is_ok(ann: Run, crm: Run, db_path: Path) -> None:
    result = ann("db", "check")
    assert result.stdout == ""
    assert result.stderr == f"ok: {db_path} passed the integrity, foreign key, search index and copy checks\n"
    document = json.loads(ann("db", "check", "-f", "json").stdout)
    assert document == {"database": str(db_path), "ok": True, "schema_version": document["schema_version"],
                        "problems": [], "notes": []}
    repaired = ann("db", "repair")
    assert repaired.stderr == f"ok: {db_path} needed no repair\n"


def test_check_names_each_problem_and_repair_fixes_it(ann: Run, crm: Run, db_path: Path) -> None:
    _damaged(ann, db_path)
    found = crm("db", "check")
    assert found.exit_code == 1
    assert found.stdout.splitlines() == [
        "contacts: 1 last-contact time out of step with the history (e.g. #1)",
        "search index: 1 contact missing from the search index (e.g. #2)"]
    assert found.stderr == f"crm: 2 problem(s) found in {db_path}; `crm db repair` fixes 2 of them\n"
    document = json.loads(crm("db", "check", "--format", "json").stdout)
    assert document["ok"] is False
    assert [(p["check"], p["subject"], p["count"], p["examples"], p["fix"]) for p in document["problems"]] == [
        ("copy", "contact.last_contact_at", 1, ["#1"], "repair"), ("index", "contact.missing", 1, ["#2"], "repair")]

    repaired = crm("db", "repair")
    assert repaired.exit_code == 0, repaired.stderr
    assert repaired.stdout == ""
    assert repaired.stderr.splitlines() == [
        "fixed: wrote 1 last-contact time again from the data (contact.last_contact_at)",
        "fixed: rebuilt the search index", f"ok: {db_path} repaired and checked"]
    assert crm("db", "check").exit_code == 0
    assert ann("search", "anna", "-q").stdout == "2\n"


def test_repair_says_what_it_could_not_fix(ann: Run, crm: Run, db_path: Path) -> None:
    _damaged(ann, db_path)
    sql(db_path, "INSERT INTO contact_email (contact_id, address, position) VALUES (999, 'ghost@x.example', 0)")
    repaired = crm("db", "repair", "-f", "json")
    assert repaired.exit_code == 1
    document = json.loads(repaired.stdout)
    assert document["ok"] is False and len(document["before"]) == 3
    assert document["fixed"] == ["wrote 1 last-contact time again from the data (contact.last_contact_at)",
                                 "rebuilt the search index"]
    assert [p["message"] for p in document["problems"]] == ["foreign key: contact_email: 1 row points to a missing contact"]
    again = crm("db", "repair")
    assert again.exit_code == 1
    assert again.stdout == ("foreign key: contact_email: 1 row points to a missing contact (e.g. row 4): restore a "
                            "backup to bring the missing records back, or remove these rows with --drop-orphans\n")
    assert again.stderr == f"crm: 1 problem(s) left in {db_path}; nothing was changed\n"
    dropped = crm("db", "repair", "--drop-orphans")
    assert dropped.exit_code == 0
    assert dropped.stderr.splitlines()[0] == "fixed: deleted 1 contact_email row pointing to a missing contact"
    assert crm("db", "check").exit_code == 0


def test_reindex_rebuilds_a_sound_index_on_demand(ann: Run) -> None:
    repaired = ann("db", "repair", "--reindex")
    assert repaired.stderr.splitlines()[0] == "fixed: rebuilt the search index"
    assert ann("search", "bob", "-q").stdout == "3\n"
