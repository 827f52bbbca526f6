"""`crm report cases`: the service report for people (three small tables) and for scripts (one flat
row shape in every machine format)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.core.case_rows import HOUR, add_case

NOW = "2026-03-05T10:30:00Z"
HEADER = "section,kind,priority,bucket,state,count,median_minutes,clock"


@pytest.fixture
def cases(ann: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Ann's urgent complaint unanswered for 2 days; Bob's request answered in 30 min, closed on day 8
    (3 days late); Anna's question fresh."""
    from crmcli.storage.database import Database

    monkeypatch.setenv("CRMCLI_NOW", NOW)
    now = datetime.fromisoformat(NOW)
    db = Database.open(str(db_path))
    try:
        with db.connect(write=True) as conn:
            add_case(conn, 1, "Invoice charged twice", kind="complaint", priority="urgent", opened=now - 2 * timedelta(days=1),
                     response_due=now - timedelta(days=2) + 4 * HOUR, resolve_due=now - timedelta(days=1))
            opened = now - timedelta(days=9)
            add_case(conn, 3, "New laptop", kind="request", priority="low", opened=opened,
                     moves=[("open", opened + timedelta(minutes=30)), ("closed", opened + timedelta(days=8))])
            add_case(conn, 2, "VAT?", kind="question", opened=now - HOUR)
    finally:
        db.dispose()
    return ann


def test_the_report_for_people(cases: Run) -> None:
    done = cases("report", "cases")
    assert done.stderr == ""
    assert done.stdout == (
        "Open cases by age (2)\n"
        "kind       priority  <1d  1-3d  3-7d  >7d\n"
        "complaint  urgent      0     1     0    0\n"
        "question   normal      1     0     0    0\n"
        "\n"
        "Deadlines missed (3)\n"
        "kind       priority  response open  response done  resolution open  resolution done\n"
        "complaint  urgent                1              0                1                0\n"
        "request    low                   0              0                0                1\n"
        "\n"
        "Median times (clock time; waits on the customer left out)\n"
        "kind     first response  cases  resolution  resolved\n"
        "request          30 min      1         8 d         1\n"
        "all              30 min      1         8 d         1\n")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "ndjson"])
def test_every_machine_format_carries_the_same_flat_rows(cases: Run, fmt: str) -> None:
    out = cases("report", "cases", "-f", fmt).stdout
    if fmt in ("csv", "tsv"):
        rows = list(csv.DictReader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
        assert out.splitlines()[0] == HEADER.replace(",", "," if fmt == "csv" else "\t")
        rows = [{k: (v if v != "" else None) for k, v in r.items()} for r in rows]
        for r in rows:
            r["count"] = int(r["count"])  # type: ignore[arg-type]
            r["median_minutes"] = int(r["median_minutes"]) if r["median_minutes"] else None  # type: ignore[arg-type]
    else:
        rows = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    assert [(r["section"], r["kind"], r["priority"], r["bucket"], r["state"], r["count"]) for r in rows] == [
        ("open", "complaint", "urgent", "1-3d", "open", 1), ("open", "question", "normal", "<1d", "open", 1),
        ("breached", "complaint", "urgent", "response", "open", 1),
        ("breached", "complaint", "urgent", "resolution", "open", 1),
        ("breached", "request", "low", "resolution", "done", 1),
        ("times", "request", None, "first response", None, 1), ("times", "request", None, "resolution", None, 1),
        ("times", "all", None, "first response", None, 1), ("times", "all", None, "resolution", None, 1)]
    assert [(r["median_minutes"], r["clock"]) for r in rows[5:]] == [(30, "clock"), (8 * 24 * 60, "clock")] * 2


def test_since_and_business_hours(cases: Run) -> None:
    recent = cases("report", "cases", "--since", "3 days ago", "-f", "json")
    assert {r["kind"] for r in json.loads(recent.stdout)} == {"complaint", "question", "all"}
    assert cases("report", "cases", "--since", "3 days ago").stderr == "cases opened since 2026-03-02 00:00\n"
    cases("config", "set", "business_hours", "mon-fri 09:00-17:00 UTC")
    table = cases("report", "cases").stdout
    assert "Median times (business hours: mon-fri 09:00-17:00 UTC; waits on the customer left out)" in table
    rows = json.loads(cases("report", "cases", "-f", "json").stdout)
    # opened Tuesday 24 Feb 10:30, closed Wednesday 4 Mar 10:30: 6 open days of 8 hours
    assert [(r["median_minutes"], r["clock"]) for r in rows if r["kind"] == "all"] == [(30, "business"),
                                                                                   (6 * 8 * 60, "business")]


def test_no_cases_is_said_and_machine_formats_stay_well_formed(ann: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_NOW", NOW)
    empty = ann("report", "cases")
    assert (empty.stdout, empty.stderr) == ("", "no cases yet\n")
    assert ann("report", "cases", "--since", "today").stderr == "no cases opened since then\n"
    rows = json.loads(ann("report", "cases", "-f", "json").stdout)
    assert rows == [{"section": "times", "kind": "all", "priority": None, "bucket": measure, "state": None, "count": 0,
                     "median_minutes": None, "clock": "clock"} for measure in ("first response", "resolution")]


def test_bad_input_is_one_line_and_exit_2(ann: Run, crm: Run) -> None:
    bad = crm("report", "cases", "--since", "the day after never")
    assert bad.exit_code == 2 and bad.stdout == "" and len(bad.stderr.strip().splitlines()) == 1
    assert "the day after never" in bad.stderr and "Traceback" not in bad.stderr
    wrong = crm("report", "cases", "-f", "xml")
    assert wrong.exit_code == 2 and "xml" in wrong.stderr
    unknown = crm("report", "tickets")
    assert unknown.exit_code == 2 and "tickets" in unknown.stderr
    assert crm("report", "deals").exit_code == 0  # the deals report is in the same group
