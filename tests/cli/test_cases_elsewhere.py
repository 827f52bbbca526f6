"""Service cases on the contact's card (`crm contacts show`) and timeline (`crm timeline`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_remind import _case_at
from tests.conftest import Run


@pytest.fixture
def cased(ann: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Ann with a late urgent complaint (answered, then a mail logged on it), a fresh question and a
    closed case; Bob with one of his own. Judged on Monday 2026-03-09 12:00 UTC, every hour counting."""
    _case_at(db_path, "2026-03-06T09:00:00Z", "ann lee", "Invoice 1043 charged twice", priority="urgent", hours=None,
             moves=(("open", "2026-03-06T10:00:00Z"),))
    _case_at(db_path, "2026-03-09T11:00:00Z", "ann lee", "Question about VAT", priority="normal", hours=None)
    _case_at(db_path, "2026-03-01T09:00:00Z", "ann lee", "Old one", priority="low", hours=None,
             moves=(("closed", "2026-03-02T09:00:00Z"),))
    _case_at(db_path, "2026-03-09T11:00:00Z", "bob", "Bob's refund", priority="high", hours=None)
    monkeypatch.setenv("CRMCLI_NOW", "2026-03-09T12:00:00Z")
    ann("log", "ann lee", "Re: invoice 1043", "--kind", "email", "--at", "2026-03-06 11:00")
    from tests.conftest import sql

    sql(db_path, "UPDATE interaction SET case_id = 1 WHERE id = 1")
    return ann


def test_the_card_lists_open_cases_with_where_each_stands(cased: Run) -> None:
    card = cased("contacts", "show", "ann lee").stdout
    assert card.split("open cases (crm cases show N)\n")[1] == (
        "  #1  urgent  open     Invoice 1043 charged twice  (resolution late)\n"
        "  #2  normal  new      Question about VAT  (response due 2026-03-10 11:00)\n")
    assert "open cases" not in cased("contacts", "show", "anna").stdout  # none: no heading


def test_the_timeline_shows_the_cases_and_which_case_a_mail_is_on(cased: Run) -> None:
    table = cased("timeline", "ann lee").stdout.splitlines()
    assert table[0].split() == ["type", "id", "occurred", "kind", "direction", "contacts", "body"]
    bodies = [line.split("Ann Lee", 1)[1].strip() for line in table[1:]]
    assert bodies == ["#2 Question about VAT (complaint, normal)",
                      "[case #1] Re: invoice 1043",
                      "#1 Invoice 1043 charged twice: new -> open",
                      "#1 Invoice 1043 charged twice (complaint, urgent)",
                      "#3 Old one: new -> closed", "#3 Old one (complaint, low)"]
    rows = json.loads(cased("timeline", "ann lee", "-f", "json").stdout)
    assert [(r["type"], r["id"], r["kind"], r["case"]) for r in rows] == [
        ("case", 2, "case opened", 2), ("interaction", 1, "email", 1), ("case", 1, "case status", 1),
        ("case", 1, "case opened", 1), ("case", 3, "case status", 3), ("case", 3, "case opened", 3)]
    assert rows[1]["body"] == "Re: invoice 1043"  # the machine formats keep the text as logged
    assert cased("timeline", "ann lee", "-k", "case opened", "-q").stdout == "2\n1\n3\n"
    assert cased("timeline", "ann lee", "-k", "case status", "-f", "csv").stdout.splitlines()[0].endswith(",case")


def test_privacy_export_counts_the_cases_and_forget_says_it_takes_them(cased: Run, tmp_path: Path) -> None:
    target = tmp_path / "ann.json"
    written = cased("privacy", "export", "ann lee", "-o", str(target))
    assert written.stderr.startswith(f"wrote everything stored about contact #1 Ann Lee to {target} "
                                     "(1 interaction, 0 follow-ups, 0 deals, 3 cases, ")
    document = json.loads(target.read_text())
    assert [c["title"] for c in document["cases"]] == ["Old one", "Invoice 1043 charged twice", "Question about VAT"]
    assert document["cases"][1]["interactions"][0]["body"] == "Re: invoice 1043"
    gone = cased("privacy", "forget", "ann lee", "--yes")
    assert gone.stderr.startswith("erased contact #1, 1 email, 1 phone, 1 custom field, 2 tags, 3 cases, 1 interaction;")
    assert cased("cases", "list", "-f", "json").stdout.count('"title"') == 1  # Bob's alone
