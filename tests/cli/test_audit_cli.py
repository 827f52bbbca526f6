"""`crm history` and `crm undo` as a user meets them: what is shown, what is asked, what is refused."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Run


@pytest.fixture
def sam(ok: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("CRMCLI_ME", "sam")
    return ok


def test_history_shows_who_changed_what_with_before_and_after(sam: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    sam("contacts", "add", "Ann Lee", "--title", "CTO", "--email", "ann@acme.example")
    monkeypatch.setenv("CRMCLI_ME", "kim")
    sam("contacts", "edit", "ann", "--title", "CEO")
    shown = sam("history", "ann", "-f", "json").stdout
    rows = json.loads(shown)
    assert [(r["user"], r["action"], r["field"], r["before"], r["after"], r["command"]) for r in rows] == [
        ("kim", "changed", "title", "CTO", "CEO", "crm contacts edit ann --title CEO"),
        ("sam", "added", "", "", "Ann Lee", "crm contacts add 'Ann Lee' --title CTO --email ann@acme.example"),
    ]
    table = sam("history", "--user", "kim").stdout.splitlines()
    assert len(table) == 2 and "kim" in table[1] and "CEO" in table[1]


def test_history_of_nobody_and_of_a_bad_date_are_one_line_each(sam: Run, crm: Run) -> None:
    sam("contacts", "add", "Ann Lee")
    assert "no changes recorded that match" in sam("history", "--user", "nobody").stderr
    bad = crm("history", "--since", "the day after never")
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1
    unknown = crm("history", "zed")
    assert unknown.exit_code == 3 and "no contact matches 'zed'" in unknown.stderr


def test_undo_says_what_it_reverts_and_needs_yes_without_a_terminal(sam: Run, crm: Run) -> None:
    sam("contacts", "add", "Ann Lee", "--title", "CTO")
    sam("contacts", "edit", "ann", "--title", "CEO")
    refused = crm("undo")
    assert refused.exit_code == 2 and "refused without --yes" in refused.stderr
    assert "crm contacts edit ann --title CEO" in refused.stderr and "1 contact changed" in refused.stderr
    done = sam("undo", "--yes")
    assert done.stderr.startswith("undone #2 `crm contacts edit ann --title CEO` (sam, ")
    card = sam("contacts", "show", "ann").stdout
    assert "CTO" in card and "CEO" not in card
    listed = json.loads(sam("undo", "--list", "-f", "json").stdout)
    assert [(r["command"], r["status"]) for r in listed] == [(3, "undoes #2"), (2, "undone by #3"), (1, "")]


def test_undo_after_an_import_removes_exactly_what_it_added(sam: Run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sam("contacts", "add", "Kept Before", "--email", "kept@example.com")
    big = tmp_path / "big.csv"
    big.write_text("name,emails\n" + "".join(f"Person {i},p{i}@example.com\n" for i in range(50)), encoding="utf-8")
    sam("import", "contacts", str(big))
    assert len(json.loads(sam("contacts", "list", "-f", "json").stdout)) == 51
    done = sam("undo", "--yes")
    assert done.stderr.rstrip().endswith(": 50 contacts added")  # their emails came with them
    assert [r["name"] for r in json.loads(sam("contacts", "list", "-f", "json").stdout)] == ["Kept Before"]


def test_undo_of_someone_elses_command_and_over_their_change_is_refused(sam: Run, crm: Run,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    sam("contacts", "add", "Ann Lee")
    monkeypatch.setenv("CRMCLI_ME", "kim")
    sam("log", "ann", "Called about the offer")
    not_mine = crm("undo", "1", "--yes")
    assert not_mine.exit_code == 5 and "command #1 is sam's, not yours (kim)" in not_mine.stderr
    monkeypatch.setenv("CRMCLI_ME", "sam")
    over = crm("undo", "--yes")
    assert over.exit_code == 5
    assert over.stderr.startswith("crm: cannot undo #1: ") and "changed since by kim (command #2)" in over.stderr
    assert len(over.stderr.strip().splitlines()) == 1
    assert "Ann Lee" in sam("contacts", "list").stdout


def test_nothing_to_undo(crm: Run) -> None:
    result = crm("undo", "--yes")
    assert result.exit_code == 3 and "nothing to undo" in result.stderr


def test_kims_edit_over_sams_newer_change_is_refused_and_history_shows_both(sam: Run, crm: Run,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    sam("contacts", "add", "Ann Lee", "--title", "CTO")
    monkeypatch.setenv("CRMCLI_ME", "kim")
    read = json.loads(sam("contacts", "show", "ann", "-f", "json").stdout)[0]["version"]  # kim reads
    monkeypatch.setenv("CRMCLI_ME", "sam")
    sam("contacts", "edit", "ann", "--title", "CEO", "--if-version", str(read))  # sam saves first
    monkeypatch.setenv("CRMCLI_ME", "kim")
    late = crm("contacts", "edit", "ann", "--title", "Founder", "--if-version", str(read))
    assert late.exit_code == 5 and late.stdout == ""
    assert late.stderr.startswith("crm: contact #1 Ann Lee was changed by sam at ")
    assert "(title) after you read it; nothing was saved" in late.stderr
    fresh = json.loads(sam("contacts", "show", "ann", "-f", "json").stdout)[0]
    assert fresh["title"] == "CEO" and fresh["version"] > read
    sam("contacts", "edit", "ann", "--title", "Founder", "--if-version", str(fresh["version"]))  # read again: saved
    changes = json.loads(sam("history", "ann", "-f", "json").stdout)
    assert [(c["user"], c["before"], c["after"]) for c in changes if c["field"] == "title"] == [
        ("kim", "CEO", "Founder"), ("sam", "CTO", "CEO")]


def test_a_contacts_history_has_its_deals_and_the_command_line_leaves_the_database_out(sam: Run, db_path) -> None:  # type: ignore[no-untyped-def]
    sam("contacts", "add", "Ann Lee")
    sam("--db", str(db_path), "deals", "add", "Website", "-c", "ann", "-v", "100", "--currency", "EUR")
    newest = json.loads(sam("history", "ann", "-f", "json").stdout)[0]
    assert (newest["record"], newest["action"], newest["after"]) == ("deal #1 Website", "added", "Website")
    assert newest["command"] == "crm deals add Website -c ann -v 100 --currency EUR"


def test_undo_of_a_repair_that_dropped_orphans_is_refused_and_changes_nothing(sam: Run, crm: Run, db_path) -> None:  # type: ignore[no-untyped-def]
    """Putting back rows that point to records that are gone would break the database again."""
    from tests.conftest import dump, sql

    sam("contacts", "add", "Ann Lee", "-e", "ann@acme.example")
    sql(db_path, "INSERT INTO contact_email (contact_id, address, position) VALUES (999, 'ghost@x.example', 0)")
    sam("db", "repair", "--drop-orphans")
    before = dump(db_path)
    for args in (("undo", "--yes"), ("undo", "2", "--yes")):
        refused = crm(*args)
        assert (refused.exit_code, refused.stdout) == (5, "")
        assert refused.stderr == ("crm: cannot undo #2 (`crm db repair --drop-orphans`): the rows it removed pointed "
                                  "to records that were gone, and putting them back would break the database "
                                  "again; a backup has them\n")
    assert dump(db_path) == before
    assert crm("db", "check").exit_code == 0
    assert sam("undo", "1", "--yes").stderr.startswith("undone #1 ")  # the commands before it still can be
