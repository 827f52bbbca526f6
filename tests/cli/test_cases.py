"""`crm cases ...` as a user drives it: deadlines in business hours, waits, every command and bad input."""

from __future__ import annotations

import getpass
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, dump

FRIDAY_4PM = "2026-03-06T16:00:00Z"  # London is on UTC until the 29th; the conftest sets TZ=UTC


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_NOW", FRIDAY_4PM)


def at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("CRMCLI_NOW", moment)


def listed(ok: Run, *args: str) -> list[dict[str, Any]]:
    return json.loads(ok("cases", "list", "-f", "json", *args).stdout)  # type: ignore[no-any-return]


def shown(ok: Run, case: str = "1") -> dict[str, Any]:
    return json.loads(ok("cases", "show", case, "-f", "json").stdout)[0]  # type: ignore[no-any-return]


def fields(card: str) -> dict[str, str]:
    """A card's `key  value` lines (before its first section)."""
    found = {}
    for line in card.splitlines()[1:]:
        if not line.startswith(" ") and "  " in line:
            key, value = re.split(r"\s{2,}", line, maxsplit=1)
            found[key] = value
    return found


def one_line(result: Any, code: int, text: str) -> None:
    """A refusal: the exit code, nothing on stdout, one line on stderr saying `text`."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert text in result.stderr, result.stderr


@pytest.fixture
def office(ann: Run) -> Run:
    ann("config", "set", "business_hours", "mon-fri 09:00-17:00 Europe/London")
    return ann


def test_the_acceptance_an_urgent_complaint_on_friday_afternoon(office: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    added = office("cases", "add", "ann lee", "Invoice 1043 charged twice", "--kind", "complaint",
                   "--priority", "urgent")
    assert added.stderr == ("added case #1 for Ann Lee: urgent complaint, response due 2026-03-09 12:00, resolution "
                            "due 2026-03-09 16:00\n")
    card = office("cases", "show", "1").stdout
    assert fields(card)["resolution"] == "due 2026-03-09 16:00, in 3 d"  # the next business day, 16:00
    at(monkeypatch, "2026-03-09T09:30:00Z")
    office("cases", "note", "1", "Checking with accounts")
    at(monkeypatch, "2026-03-09T10:00:00Z")
    office("cases", "edit", "1", "--status", "waiting")
    at(monkeypatch, "2026-03-09T11:00:00Z")
    office("cases", "edit", "1", "--status", "open")
    case = shown(office)
    assert (case["resolve_due"], case["response_due"]) == ("2026-03-09T17:00:00Z", "2026-03-09T13:00:00Z")
    assert (case["first_response"], case["breached"]) == ("2026-03-09T09:30:00Z", [])
    at(monkeypatch, "2026-03-09T17:30:00Z")
    assert listed(office)[0]["breached"] == ["resolution"]
    card = office("cases", "show", "1").stdout
    assert fields(card)["resolution"] == "due 2026-03-09 17:00, 30 min late (breached)"
    assert fields(card)["waited"] == "1 h"
    assert "2026-03-09 10:00  open -> waiting" in card
    assert "2026-03-09 09:30  note  #1  Checking with accounts" in card


def test_without_business_hours_every_hour_counts(ann: Run) -> None:
    ann("cases", "add", "ann lee", "Broken login", "-p", "urgent")
    case = shown(ann)
    assert (case["response_due"], case["resolve_due"]) == ("2026-03-06T20:00:00Z", "2026-03-07T16:00:00Z")
    assert (case["status"], case["kind"], case["priority"], case["owner"]) == ("new", "request", "urgent",
                                                                                getpass.getuser())


def test_case_deadlines_setting(ann: Run) -> None:
    ann("config", "set", "case_deadlines", "normal=2h/1d")
    ann("cases", "add", "ann lee", "Question about VAT", "--kind", "question")
    assert shown(ann)["response_due"] == "2026-03-06T18:00:00Z"


def test_add_quiet_prints_the_id(ann: Run) -> None:
    result = ann("cases", "add", "bob", "Printer on fire", "-q", "--owner", "kim", "-k", "incident")
    assert (result.stdout, result.stderr) == ("1\n", "")
    assert shown(ann)["owner"] == "kim"


@pytest.mark.parametrize(("args", "code", "message"), [
    (("ann lee", "x", "--priority", "critical"), 2, "crm: unknown priority 'critical'; use one of: low, normal, "
                                                    "high, urgent"),
    (("ann lee", "x", "--kind", "praise"), 2, "unknown case kind 'praise'; use one of: request, complaint"),
    (("ann lee", "  "), 2, "a case needs a title"),
    (("nobody", "x"), 3, "no contact matches 'nobody'"),
    (("an", "x"), 4, "'an' matches several contacts"),
    (("ann lee", "x", "--deal", "nothing"), 3, "no deal matches 'nothing'"),
])
def test_add_refuses_bad_input_and_writes_nothing(ann: Run, crm: Run, db_path: Path, args: tuple[str, ...],
                                                  code: int, message: str) -> None:
    before = dump(db_path)
    one_line(crm("cases", "add", *args), code, message)
    assert dump(db_path) == before


def test_a_malformed_setting_is_named_and_nothing_is_written(ann: Run, crm: Run, db_path: Path) -> None:
    config = Path(ann("config", "path").stdout.strip())
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('business_hours = "mon-fri 17:00-09:00"\n')
    before = dump(db_path)
    result = crm("cases", "add", "ann lee", "x")
    one_line(result, 1, "crm: business_hours from config file")
    assert "17:00-09:00 closes before it opens" in result.stderr
    assert dump(db_path) == before
    one_line(crm("cases", "list"), 1, "business_hours")
    one_line(crm("config", "set", "case_deadlines", "urgent=soon/1d"), 2, "urgent: cannot read the length of time")


def test_list_filters_and_orders(ann: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    ann("deals", "add", "Support contract", "--value", "100", "--currency", "EUR", "-c", "ann lee")
    ann("cases", "add", "ann lee", "Low thing", "-p", "low", "--owner", "kim")                    # 1
    ann("cases", "add", "bob", "Urgent thing", "-p", "urgent", "--deal", "support")              # 2
    ann("cases", "add", "anna", "Done thing", "-p", "high", "--owner", "")                       # 3
    ann("cases", "close", "3")
    at(monkeypatch, "2026-03-06T21:00:00Z")  # case 2's response is an hour late
    assert [(c["id"], c["breached"]) for c in listed(ann)] == [(2, ["response"]), (1, [])]
    assert [c["id"] for c in listed(ann, "--all")] == [2, 1, 3]
    assert [c["id"] for c in listed(ann, "--status", "closed", "--status", "new")] == [2, 1, 3]
    assert [c["id"] for c in listed(ann, "--status", "closed")] == [3]
    assert [c["id"] for c in listed(ann, "--owner", "kim")] == [1]
    ann("config", "set", "me", "kim")
    assert [c["id"] for c in listed(ann, "--mine")] == [1]
    assert [c["id"] for c in listed(ann, "--owner", "", "--all")] == [3]
    assert [c["id"] for c in listed(ann, "--contact", "bob")] == [2]
    assert [c["id"] for c in listed(ann, "--deal", "support")] == [2]
    assert [c["id"] for c in listed(ann, "-n", "1")] == [2]
    assert listed(ann)[0]["deal"] == "Support contract"
    assert ann("cases", "list", "-q").stdout == "2\n1\n"
    table = ann("cases", "list").stdout.splitlines()
    assert table[0].split() == ["id", "priority", "status", "kind", "contact", "title", "owner", "due", "breached"]
    assert table[1].split()[:3] == ["2", "urgent", "new"] and table[1].endswith("response")
    assert ann("cases", "list", "-f", "csv").stdout.startswith("id,uid,status,priority,kind,title,contact_id,")


def test_list_when_there_is_nothing(ann: Run) -> None:
    result = ann("cases", "list")
    assert (result.stdout, result.stderr) == ("", "no open cases\n")
    assert ann("cases", "list", "-s", "closed").stderr == "no closed cases\n"
    assert ann("cases", "list", "-f", "json").stdout.strip() == "[]"


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--status", "done"), 2, "unknown case status 'done'; use one of: new, open, waiting, resolved, closed"),
    (("--status", "open", "--all"), 2, "--status and --all cannot be used together"),
    (("--owner", "kim", "--mine"), 2, "--owner and --mine cannot be used together"),
    (("--contact", "nobody"), 3, "no contact matches 'nobody'"),
    (("-q", "-f", "json"), 2, "--format and --quiet cannot be used together"),
])
def test_list_bad_input(ann: Run, crm: Run, args: tuple[str, ...], code: int, message: str) -> None:
    one_line(crm("cases", "list", *args), code, message)


@pytest.mark.parametrize(("ref", "code", "message"), [
    ("9", 3, "crm: no case #9; see `crm cases list --all`"),
    ("#9", 3, "crm: no case #9"),
    ("ann", 2, "crm: a case is referred to by its number, e.g. 12 or #12, not 'ann'"),
])
def test_an_unknown_case(ann: Run, crm: Run, ref: str, code: int, message: str) -> None:
    ann("cases", "add", "ann lee", "x")
    for command in (("show", ref), ("close", ref), ("reopen", ref), ("note", ref, "hi"), ("assign", ref, "kim"),
                    ("edit", ref, "--title", "y")):
        one_line(crm("cases", *command), code, message)


def test_close_reopen_and_refused_moves(ann: Run, crm: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ann("cases", "add", "ann lee", "x")
    one_line(crm("cases", "reopen", "1"), 5, "crm: case #1 is new, not resolved or closed; nothing to reopen")
    at(monkeypatch, "2026-03-06T17:00:00Z")
    assert ann("cases", "close", "1").stderr == "case #1: new -> closed\n"
    case = shown(ann)
    assert (case["status"], case["closed"], case["resolved"], case["due"]) == (
        "closed", "2026-03-06T17:00:00Z", "2026-03-06T17:00:00Z", None)
    before = dump(db_path)
    one_line(crm("cases", "close", "1"), 5, "crm: case #1 is already closed; nothing changed")
    one_line(crm("cases", "edit", "1", "--status", "waiting"), 2,
             "crm: case #1 is closed: reopen it before it can be waiting")
    one_line(crm("cases", "edit", "1", "--status", "new"), 2, "crm: case #1 cannot go back to new; it is closed")
    one_line(crm("cases", "edit", "1", "--status", "later"), 2, "unknown case status 'later'")
    assert dump(db_path) == before
    assert ann("cases", "reopen", "#1").stderr == "case #1: closed -> open\n"
    assert (shown(ann)["status"], shown(ann)["closed"], shown(ann)["resolved"]) == ("open", None, None)


def test_edit(ann: Run, crm: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    ann("deals", "add", "Support contract", "--value", "100", "--currency", "EUR", "-c", "ann lee")
    ann("cases", "add", "ann lee", "x", "-p", "low")
    ann("cases", "edit", "1", "--title", "Refund twice charged", "--kind", "complaint", "-p", "urgent",
        "--deal", "support", "--owner", "kim")
    case = shown(ann)
    assert (case["title"], case["kind"], case["priority"], case["deal_id"], case["owner"]) == (
        "Refund twice charged", "complaint", "urgent", 1, "kim")
    assert case["response_due"] == "2026-03-06T20:00:00Z"  # set again from the opening
    ann("cases", "edit", "1", "--no-deal", "--no-owner")
    assert (shown(ann)["deal_id"], shown(ann)["owner"]) == (None, None)
    one_line(crm("cases", "edit", "1"), 2, "nothing to change; see `crm cases edit --help`")
    one_line(crm("cases", "edit", "1", "--deal", "x", "--no-deal"), 2, "--deal and --no-deal cannot be used together")
    one_line(crm("cases", "edit", "1", "-p", "whenever"), 2, "unknown priority 'whenever'")
    one_line(crm("cases", "edit", "1", "--title", "y", "--if-version", "1"), 5, "case #1 was changed by")
    version = shown(ann)["version"]
    ann("cases", "edit", "1", "--title", "y", "--if-version", str(version))
    assert shown(ann)["title"] == "y"


def test_assign(ann: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    ann("cases", "add", "ann lee", "x")
    assert ann("cases", "assign", "1", "kim").stderr == "case #1 is now kim's\n"
    assert shown(ann)["owner"] == "kim"
    ann("config", "set", "me", "sam")
    ann("cases", "assign", "1", "me")
    assert shown(ann)["owner"] == "sam"
    assert ann("cases", "assign", "1", "").stderr == "case #1 is now nobody's\n"
    assert shown(ann)["owner"] is None


def test_a_note_opens_the_case_and_is_on_the_timeline(ann: Run, crm: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    ann("cases", "add", "ann lee", "Invoice question")
    at(monkeypatch, "2026-03-06T16:20:00Z")
    assert ann("cases", "note", "1", "Called back, sent a copy").stderr == "added note #1 on case #1 (new -> open)\n"
    assert ann("cases", "note", "1", "Second note", "-q").stdout == "2\n"
    case = shown(ann)
    assert (case["status"], case["first_response"]) == ("open", "2026-03-06T16:20:00Z")
    assert "Called back, sent a copy" in ann("timeline", "ann lee").stdout
    one_line(crm("cases", "note", "1", "   "), 2, "nothing to log: the text is empty")


def test_show_a_waiting_case(office: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    office("cases", "add", "ann lee", "x", "-p", "high")
    at(monkeypatch, "2026-03-09T10:00:00Z")
    office("cases", "edit", "1", "-s", "waiting")
    at(monkeypatch, "2026-03-10T12:00:00Z")
    card = office("cases", "show", "1").stdout
    assert fields(card)["status"] == "waiting since 2026-03-09 10:00"
    assert fields(card)["resolution"] == "due 2026-03-10 16:00, paused while waiting"
    assert fields(card)["waited"] == "1 d 2 h"
    assert shown(office)["waiting_since"] == "2026-03-09T10:00:00Z"
