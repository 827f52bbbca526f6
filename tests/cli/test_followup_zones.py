"""A follow-up due on a day is due on that day wherever crm is run: added in Berlin, it is the same
date in Los Angeles and in Auckland (list, show, remind, the JSON `due`, the calendar export), and
due, overdue or not yet due by the calendar of the zone it is read in. A recurring follow-up is one
series in the calendar export: the same UID before and after an occurrence is done."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import icalendar
import pytest

from tests.conftest import Run

ZONES = ("Europe/Berlin", "America/Los_Angeles", "Pacific/Auckland")


@pytest.fixture
def berlin(ok: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Ann, with a follow-up due Friday 27 Nov 2026 (#1, added on the Tuesday, in Berlin), a
    fortnightly one from that Friday (#2), and one due that Friday at 10:00 Berlin time (#3)."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    monkeypatch.setenv("CRMCLI_NOW", "2026-11-24T12:20:00Z")
    ok("contacts", "add", "Ann Lee")
    assert ok("fu", "add", "ann", "Send the quote", "--due", "fri").stderr == \
        "added follow-up #1 for Ann Lee, due 2026-11-27\n"
    assert ok("fu", "add", "ann", "Check in", "--due", "fri", "--every", "fortnightly").stderr == \
        "added follow-up #2 for Ann Lee, due 2026-11-27, every 2 weeks\n"
    ok("fu", "add", "ann", "Call at ten", "--due", "fri 10am")
    return ok


def _at(monkeypatch: pytest.MonkeyPatch, zone: str, local: str) -> None:
    """Run from `zone`, its clock at `local` (local time: no offset)."""
    monkeypatch.setenv("TZ", zone)
    monkeypatch.setenv("CRMCLI_NOW", local)


@pytest.mark.parametrize("zone", ZONES)
def test_a_day_added_in_berlin_is_the_same_day_anywhere(berlin: Run, zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, zone, "2026-11-27T08:00:00")  # Friday morning there
    listed = {r["id"]: (r["due"], r["all_day"], r["status"]) for r in json.loads(berlin("fu", "list", "-f", "json").stdout)}
    assert listed == {1: ("2026-11-27", True, "today"), 2: ("2026-11-27", True, "today"),
                      # 10:00 in Berlin is 01:00 in Los Angeles, gone by 08:00; 22:00 in Auckland
                      3: ("2026-11-27T09:00:00Z", False, "overdue" if zone == "America/Los_Angeles" else "today")}
    assert "due      2026-11-27" in berlin("fu", "show", "1").stdout
    assert json.loads(berlin("fu", "show", "1", "-f", "json").stdout)[0]["due"] == "2026-11-27"
    table = berlin("fu", "list").stdout
    assert " 1  2026-11-27 " in table and " 2  2026-11-27 " in table
    remind = berlin("remind").stdout.splitlines()
    due = remind[next(n for n, line in enumerate(remind) if line.startswith("Due (")):]  # not overdue
    assert "  #1 2026-11-27  Ann Lee: Send the quote" in due and "  #2 2026-11-27  Ann Lee: Check in" in due
    assert {(r["id"], r["due"]) for r in json.loads(berlin("remind", "-f", "json").stdout)} >= {
        (1, "2026-11-27"), (2, "2026-11-27")}
    assert "2026-11-27" in berlin("contacts", "show", "ann").stdout
    occurred = {r["id"]: r["occurred"] for r in json.loads(berlin("timeline", "ann", "-f", "json").stdout)}
    assert occurred == {1: "2026-11-27", 2: "2026-11-27", 3: "2026-11-27T09:00:00Z"}
    ics = berlin("export", "ics").stdout
    assert ics.count("DTSTART;VALUE=DATE:20261127") == 2 and "DTSTART:20261127T090000Z" in ics
    assert json.loads(berlin("search", "quote", "-f", "json").stdout)[0]["when"] == "2026-11-27"


@pytest.mark.parametrize("zone", ZONES)
def test_the_day_before_and_the_day_after_by_the_local_calendar(berlin: Run, zone: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, zone, "2026-11-26T23:30:00")  # Thursday night there: not due yet
    assert 1 not in [r["id"] for r in json.loads(berlin("remind", "-f", "json").stdout or "[]")]
    assert 1 in [r["id"] for r in json.loads(berlin("remind", "--within", "1d", "-f", "json").stdout)]
    _at(monkeypatch, zone, "2026-11-28T00:30:00")  # just past midnight into Saturday there: a day late
    assert "  #1 2026-11-27  Ann Lee: Send the quote (1 day late)" in berlin("remind").stdout.splitlines()
    assert json.loads(berlin("fu", "show", "1", "-f", "json").stdout)[0]["status"] == "overdue"


def test_done_keeps_the_series_and_a_calendar_import_updates_it(berlin: Run, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    _at(monkeypatch, "America/Los_Angeles", "2026-11-27T17:00:00")
    before = berlin("export", "ics").stdout
    uid = json.loads(berlin("fu", "show", "2", "-f", "json").stdout)[0]["uid"]
    assert f"UID:{uid}@crmcli" in before and "RRULE:FREQ=WEEKLY;INTERVAL=2" in before
    assert berlin("fu", "done", "2").stderr.splitlines()[-1] == "next: follow-up #4, due 2026-12-11 (every 2 weeks)"
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(berlin("export", "ics").stdout).walk("VEVENT")}
    assert len(events) == 3 and events[f"{uid}@crmcli"]["DTSTART"].dt == date(2026, 12, 11)  # one event, moved on
    exported = {r["id"]: r for r in json.loads(berlin("export", "follow-ups", "-f", "json").stdout)}
    assert exported[4]["series_uid"] == exported[2]["series_uid"] == uid and exported[1]["series_uid"] == exported[1]["uid"]


def test_export_all_and_import_all_keep_days_and_series(berlin: Run, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    berlin("fu", "done", "2")
    document = tmp_path / "all.json"
    berlin("export", "all", "-o", str(document))
    _at(monkeypatch, "Pacific/Auckland", "2026-11-27T08:00:00")
    copy = str(tmp_path / "copy.db")
    berlin("--db", copy, "import", "all", str(document))
    for what in (("export", "follow-ups", "-f", "csv"), ("export", "ics"), ("fu", "list", "-f", "json")):
        assert berlin("--db", copy, *what).stdout == berlin(*what).stdout, what
    assert "2026-11-27,True" in berlin("--db", copy, "export", "follow-ups", "-f", "csv").stdout


def test_history_shows_a_snoozed_day_as_days(berlin: Run) -> None:
    berlin("fu", "snooze", "1", "2 days")  # counted from Friday
    berlin("fu", "edit", "3", "--due", "mon")  # a time becomes a day
    changed = [(r["record"], r["field"], r["before"], r["after"]) for r in json.loads(berlin("history", "-f", "json").stdout)
               if r["action"] == "changed" and r["field"] != "all_day"]  # its form is the backend's
    assert changed == [("follow-up #3", "due_on", "", "2026-11-30"),  # no due_at: a day's is only a sort key
                       ("follow-up #1", "due_on", "2026-11-27", "2026-11-29")]


def test_undo_puts_a_day_back_and_takes_the_next_occurrence_away(berlin: Run) -> None:
    berlin("fu", "snooze", "1", "2 days")
    berlin("fu", "done", "2")
    berlin("undo", "--yes")
    berlin("undo", "--yes")
    listed = {r["id"]: (r["due"], r["all_day"], r["status"]) for r in json.loads(berlin("fu", "list", "-f", "json").stdout)}
    assert listed[1] == listed[2] == ("2026-11-27", True, "upcoming") and 4 not in listed
    assert berlin("db", "check").stdout == ""
