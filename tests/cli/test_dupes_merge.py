"""`crm contacts dupes` and `crm contacts merge` as a user drives them: stdout, stderr, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
from pathlib import Path

import pytest

from tests.conftest import Run, dump, run_crm, sql


@pytest.fixture
def twins(ok: Run, db_path: Path) -> Run:
    """#1 Jon Smith / #2 John Smith at Acme; #3 María García / #4 Maria Garcia sharing a phone written
    two ways; #5 Ann Lee at Acme, #6 Ann Smith at Acme; #7 A. Lee holding Ann's email in another case."""
    ok("config", "set", "phone_region", "GB")
    ok("contacts", "add", "Jon Smith", "-e", "jon@acme.example", "-o", "Acme Ltd")
    ok("contacts", "add", "John Smith", "-e", "john@acme.example", "-o", "Acme Ltd")
    ok("contacts", "add", "María García", "-p", "+44 20 7946 0018", "-o", "Berg AB")
    ok("contacts", "add", "Maria Garcia", "-p", "020 7946 0018")
    ok("contacts", "add", "Ann Lee", "-e", "ann@acme.example", "-o", "Acme Ltd")
    ok("contacts", "add", "Ann Smith", "-e", "ann.smith@acme.example", "-o", "Acme Ltd")
    ok("contacts", "add", "A. Lee")
    sql(db_path, "INSERT INTO contact_email (contact_id, address, position) VALUES (7, 'Ann@ACME.example', 0)")
    return ok


def test_dupes_lists_the_pairs_best_first(twins: Run) -> None:
    result = twins("contacts", "dupes")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "name", "other_id", "other_name", "score", "reasons"]
    assert [line.split()[0] for line in lines[1:]] == ["3", "5", "1"]
    assert "same phone +442079460018" in lines[1] and "same email ann@acme.example" in lines[2]
    assert "similar name in organisation Acme Ltd" in lines[3]
    assert "Ann Smith" not in result.stdout and result.stderr == ""


def test_dupes_machine_formats_and_quiet(twins: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(twins("contacts", "dupes", "-f", "csv").stdout, newline="")))
    assert [(r["id"], r["other_id"], r["score"]) for r in rows] == [("3", "4", "100"), ("5", "7", "98"),
                                                                    ("1", "2", "95")]
    data = json.loads(twins("contacts", "dupes", "-f", "json").stdout)
    assert data[0]["reasons"] == ["same phone +442079460018"]
    assert data[2]["reasons"] == ["similar name in organisation Acme Ltd"]
    assert twins("contacts", "dupes", "-q").stdout == "3 4\n5 7\n1 2\n"


def test_dupes_threshold(twins: Run, crm: Run) -> None:
    assert twins("contacts", "dupes", "--threshold", "100", "-q").stdout == "3 4\n"
    assert "5 6" in twins("contacts", "dupes", "--threshold", "50", "-q").stdout.splitlines()  # Ann Lee / Ann Smith
    wrong = crm("contacts", "dupes", "--threshold", "101")
    assert wrong.exit_code == 2 and wrong.stdout == "" and "--threshold" in wrong.stderr


def test_dupes_on_no_duplicates_says_so(ok: Run) -> None:
    ok("contacts", "add", "Ann Lee")
    result = ok("contacts", "dupes")
    assert result.stdout == "" and result.stderr == "no likely duplicates\n"
    assert ok("contacts", "dupes", "-f", "json").stdout.strip() == "[]"


@pytest.fixture
def history(twins: Run) -> Run:
    """Jon Smith (#1, Founder) has a call, a meeting shared with John Smith (#2, CTO), a follow-up and a
    deal; John has a deal with both of them on it."""
    twins("contacts", "edit", "jon smith", "--title", "Founder", "--tag", "vip", "--add-phone", "+44 7700 900123")
    twins("contacts", "edit", "john smith", "--title", "CTO", "--tag", "client")
    twins("log", "jon smith", "Called Jon about the quote", "--at", "2026-01-10 10:00")
    twins("log", "jon smith", "john smith", "Met both", "-k", "meeting", "--at", "2026-01-05 10:00")
    twins("fu", "add", "jon smith", "Send the quote")
    twins("deals", "add", "Website", "-c", "jon smith", "--currency", "EUR")
    twins("deals", "add", "Logo", "-c", "john smith", "-c", "jon smith", "--currency", "EUR")
    return twins


def test_merge_with_yes_moves_everything_and_lists_the_clashes(history: Run, crm: Run) -> None:
    result = history("contacts", "merge", "john smith", "jon smith", "--yes")
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "merged contact #1 Jon Smith <jon@acme.example> into #2 John Smith <john@acme.example>, moving 1 email, "
        "1 phone, 1 tag, 1 interaction, 1 follow-up, 1 deal",
        "kept the title 'CTO', not 'Founder'"]
    shown = json.loads(history("contacts", "show", "2", "-f", "json").stdout)[0]
    assert shown["emails"] == ["john@acme.example", "jon@acme.example"] and shown["phones"] == ["+447700900123"]
    assert shown["tags"] == ["client", "vip"] and shown["title"] == "CTO"
    assert shown["last_contact"] == "2026-01-10T10:00:00Z"
    assert history("timeline", "2", "-k", "call", "-k", "meeting", "-q").stdout == "1\n2\n"
    assert history("fu", "list", "-c", "2", "-q").stdout == "1\n"
    assert sorted(history("deals", "list", "-c", "2", "-q").stdout.split()) == ["1", "2"]
    gone = crm("contacts", "show", "1")
    assert gone.exit_code == 3 and gone.stdout == ""
    assert crm("db", "check").exit_code == 0


@pytest.mark.parametrize("keep, other, code, message", [
    ("john smith", "nobody", 3, "no contact matches 'nobody'"),
    ("99", "jon smith", 3, "no contact with id 99"),
    ("smith", "jon smith", 4, "'smith' matches several contacts"),
    ("1", "jon@acme.example", 2, "both references name #1 Jon Smith: a contact cannot be merged into itself"),
    ("john smith", "jon smith", 2, "Merge contact #1 Jon Smith <jon@acme.example> into #2 John Smith "
                                   "<john@acme.example>, moving 1 email, 1 phone, 1 tag, 1 interaction, 1 follow-up, "
                                   "1 deal: refused without --yes (no terminal to confirm on)"),
])
def test_a_refused_merge_changes_nothing(history: Run, crm: Run, db_path: Path, keep: str, other: str, code: int,
                                         message: str) -> None:
    before = dump(db_path)
    result = crm("contacts", "merge", keep, other, *(() if code == 2 and "refused" in message else ("--yes",)))
    assert (result.exit_code, result.stdout) == (code, "")
    assert result.stderr.startswith(f"crm: {message}") and len(result.stderr.splitlines()) == 1
    assert dump(db_path) == before


@pytest.mark.parametrize("answer, code, merged", [("y", 0, True), ("n", 1, False)])
def test_on_a_terminal_merge_asks_first(history: Run, db_path: Path, answer: str, code: int, merged: bool) -> None:
    controller, terminal = pty.openpty()
    try:
        os.write(controller, f"{answer}\n".encode())
        done = run_crm("contacts", "merge", "john smith", "jon smith", stdin=terminal)
    finally:
        os.close(controller)
        os.close(terminal)
    assert done.returncode == code, done.stderr
    assert "Merge contact #1 Jon Smith <jon@acme.example> into #2 John Smith" in done.stderr
    assert ("merged contact #1" in done.stderr) is merged
    assert (history("contacts", "list", "-q").stdout.split().count("1") == 0) is merged
