"""`crm contacts dupes` and `crm contacts merge` as a user drives them: stdout, stderr, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Run, sql


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
    assert data[2]["reasons"] == ["similar name in organisation Acme Ltd", "similar name in email domain acme.example"]
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
