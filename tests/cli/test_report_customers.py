"""`crm report customers`: the top customers and those slipping away for people (a bar of won value,
the reasons), one row per contact with every figure for scripts, and every kind of bad request.
The figures themselves are worked out by hand in tests/core/test_customer_report.py."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Run

NOW = "2026-03-05T10:30:00Z"  # tests/core/conftest.py's NOW, which the data is placed around
HEADER = ("id,name,org,do_not_contact,currency,won_value,won_other,won_deals,interactions,per_month,last_contact,"
          "days_since_contact,last_won,days_since_won,r,f,m,rfm,segment,churn,recent_per_month,before_per_month,"
          "cadence_days,overdue_days,reason")


@pytest.fixture
def people(ok: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """tests/core/customer_rows.py's ten contacts, the clock at NOW."""
    from crmcli.storage.database import Database
    from tests.core.customer_rows import fill

    monkeypatch.setenv("CRMCLI_NOW", NOW)
    ok("contacts", "list")  # creates the database where crm looks for it
    db = Database.open(str(db_path))
    try:
        fill(db)
    finally:
        db.dispose()
    return ok


def test_the_report_for_people(people: Run) -> None:
    done = people("report", "customers")
    assert done.stderr == ""
    assert done.stdout == (
        "Top customers by won value (10)\n"
        "name  org    won EUR                other       a month   last  RFM  segment          flags\n"
        "Dan   Dune  8,000.00  ████████████                  0.2  200 d  235  at risk          churn risk\n"
        "Ann   Acme  5,000.00  ███████▌                      0.6    5 d  455  champions\n"
        "Ben   Acme  2,000.00  ███                           0.8   30 d  354  loyal            churn risk\n"
        "Ivy         2,000.00  ███                           0.2   12 d  344  loyal\n"
        "Gus         1,000.00  █▌                            0.0  400 d  112  hibernating\n"
        "Joe           100.00  ▏             500.00 USD      0.1    2 d  515  new\n"
        "Fay                                 300.00 USD      0.5    3 d  543  loyal            do not contact\n"
        "Cat                                                 0.2   10 d  431  needs attention  churn risk\n"
        "Eve                                                 0.0  never  111  hibernating\n"
        "Hal                                                 0.2   80 d  231  at risk\n"
        "\n"
        "Slipping away (3)\n"
        "name   won EUR                 last  segment          why\n"
        "Dan   8,000.00  ████████████  200 d  at risk          contacts fell from 0.2 to 0.0 a month\n"
        "Ben   2,000.00  ███            30 d  loyal            contacts fell from 1.0 to 0.3 a month\n"
        "Cat                            10 d  needs attention  cadence 7 d overdue by 3 d\n")


def test_limit_shows_that_many_of_each_list_and_says_of_how_many(people: Run) -> None:
    done = people("report", "customers", "--limit", "2", "--by", "frequency")
    lines = done.stdout.splitlines()
    assert lines[0] == "Top customers by interactions (2 of 10)"
    assert [line.split()[0] for line in lines[2:4]] == ["Ben", "Ann"] and lines[4] == ""
    assert lines[5] == "Slipping away (2 of 3)"
    assert [line.split()[0] for line in lines[7:]] == ["Dan", "Ben"]


def test_organisations(people: Run) -> None:
    done = people("report", "customers", "--orgs", "--by", "RFM")
    lines = done.stdout.splitlines()
    assert lines[0] == "Top organisations by RFM score (R+F+M) (2)"
    assert lines[1].split() == ["name", "won", "EUR", "other", "a", "month", "last", "RFM", "segment", "flags"]
    assert lines[2].split()[:2] == ["Acme", "7,000.00"] and lines[3].split()[:2] == ["Dune", "8,000.00"]
    assert lines[-1].endswith("contacts fell from 0.2 to 0.0 a month")


def test_csv_one_row_per_contact_with_every_figure(people: Run) -> None:
    done = people("report", "customers", "--format", "csv")
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == HEADER and len(lines) == 11  # ten rows: every row, no --limit
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["name"] for r in rows][:3] == ["Dan", "Ann", "Ben"]
    assert lines[1] == ("4,Dan,Dune,False,EUR,8000.00,,1,2,0.2,2025-08-17T10:30:00Z,200,2025-06-28T10:30:00Z,250,"
                        "2,3,5,235,at risk,True,0.0,0.2,,,contacts fell from 0.2 to 0.0 a month")
    cat = next(r for r in rows if r["name"] == "Cat")
    assert (cat["cadence_days"], cat["overdue_days"], cat["won_value"], cat["last_won"]) == ("7", "3", "", "")


def test_json_and_ndjson_types(people: Run) -> None:
    found = json.loads(people("report", "customers", "-f", "json", "--by", "recency").stdout)
    assert [r["name"] for r in found][:3] == ["Joe", "Fay", "Ann"]
    joe, fay = found[0], found[1]
    assert (joe["won_value"], joe["won_other"], joe["churn"], joe["r"]) == ("100.00", ["500.00 USD"], False, 5)
    assert (fay["do_not_contact"], fay["won_value"], fay["won_other"]) == (True, None, ["300.00 USD"])
    lines = people("report", "customers", "-f", "ndjson", "-n", "3", "--by", "churn").stdout.splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["Dan", "Ben", "Cat"]
    tsv = people("report", "customers", "-f", "tsv", "-n", "1").stdout.splitlines()
    assert tsv[0] == HEADER.replace(",", "\t") and tsv[1].split("\t")[:3] == ["4", "Dan", "Dune"]


def test_since_counts_the_interactions_from_then(people: Run) -> None:
    done = people("report", "customers", "--since", "2026-02-04", "-f", "csv")
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    # From 4 Feb 00:00, 29.44 days: Fay's five calls are 5 x 30 / 29.44 = 5.1 a month.
    assert (rows["Fay"]["interactions"], rows["Fay"]["per_month"], rows["Fay"]["f"]) == ("5", "5.1", "5")
    assert rows["Ben"]["interactions"] == "0"
    table = people("report", "customers", "--since", "2026-02-04")
    assert table.stderr == "interactions counted since 2026-02-04 00:00\n"
    for example in ("2026-01-01", "6 months ago"):  # the examples the help gives
        assert people("report", "customers", "--since", example, "-n", "1").stdout.startswith("Top customers")


def test_the_currency_setting_is_the_main_currency(people: Run) -> None:
    people("config", "set", "currency", "USD")
    lines = people("report", "customers", "-n", "2").stdout.splitlines()
    assert lines[1].split()[2:4] == ["won", "USD"]
    assert lines[2].split()[:3] == ["Joe", "500.00", "████████████"]


def test_nothing_yet(ok: Run) -> None:
    done = ok("report", "customers")
    assert (done.stdout, done.stderr) == ("", "no contacts yet\n")
    assert ok("report", "customers", "--orgs").stderr == "no organisations yet\n"
    assert ok("report", "customers", "-f", "csv").stdout.splitlines() == [HEADER]
    assert ok("report", "customers", "-f", "json").stdout == "[]\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "someday"], "cannot read"),
    (["--since", "tomorrow"], "the window must start before now"),
    (["--by", "size"], "'size' is not one of"),
    (["--limit", "0"], "greater than or equal to 1"),
    (["--limit", "many"], "should be a valid integer"),
    (["--format", "xml"], "'xml' is not one of"),
])
def test_bad_requests_say_so_in_one_line(people: Run, crm: Run, args: list[str], message: str) -> None:
    done = crm("report", "customers", *args)
    assert done.exit_code == 2 and done.stdout == ""
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 3  # usage errors: crm's usage line, the hint, the error
