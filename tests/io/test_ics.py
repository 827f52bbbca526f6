"""Follow-ups as iCalendar: read back by two independent parsers (icalendar and vobject)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from crmcli.core.calendar_export import CalendarItem
from crmcli.core.dates import Recurrence, parse_recurrence
from crmcli.io.ics import calendar

NEW_YORK = ZoneInfo("America/New_York")


def item(uid: str = "u1", *, due: datetime = datetime(2026, 11, 27, 14, 0, tzinfo=UTC), all_day: bool = False,
         repeat: str | None = None, name: str = "Ann Lee", title: str = "send the quote",
         note: str | None = None) -> CalendarItem:
    """A timed item due at `due`, or with `all_day` one due on `due`'s (UTC) date."""
    return CalendarItem(uid=uid, title=title, contact_name=name, note=note, due_at=due,
                        due_on=due.date() if all_day else None, recurrence=parse_recurrence(repeat) if repeat else None)


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def only(data: bytes, kind: str = "VEVENT") -> icalendar.cal.Component:
    (part,) = parse(data).walk(kind)
    return part


def lines(data: bytes) -> list[str]:
    """The unfolded content lines, for checks on the exact text."""
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_both_parsers_read_one_event_per_item() -> None:
    items = [item("a"), item("b", all_day=True), item("c", repeat="every 2 weeks"), item("d", repeat="every month",
                                                                                         all_day=True)]
    data = calendar(items, todo=False, zone=NEW_YORK)
    cal = parse(data)
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == ["a@crmcli", "b@crmcli", "c@crmcli", "d@crmcli"]
    assert str(cal["PRODID"]) == "-//crmcli//crm export ics//EN" and str(cal["VERSION"]) == "2.0"
    assert str(cal["CALSCALE"]) == "GREGORIAN" and str(cal["X-WR-CALNAME"]) == "crm follow-ups"
    parsed = vobject.readOne(data.decode("utf-8"))
    assert [e.uid.value for e in parsed.vevent_list] == ["a@crmcli", "b@crmcli", "c@crmcli", "d@crmcli"]
    assert data.count(b"BEGIN:VEVENT") == 4 and b"VTODO" not in data


def test_exports_of_the_same_data_are_byte_identical() -> None:
    items = [item("a", repeat="every monday"), item("b", all_day=True, note="call first")]
    first = calendar(items, todo=False, zone=NEW_YORK)
    assert calendar(list(items), todo=False, zone=NEW_YORK) == first
    # DTSTAMP comes from the data: when it changed if known, else when it is due.
    stamped = CalendarItem("a", "t", "Ann", None, datetime(2026, 12, 1, tzinfo=UTC),
                           updated_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC))
    assert only(calendar([stamped], todo=False, zone=UTC))["DTSTAMP"].dt == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert only(calendar([item()], todo=False, zone=UTC))["DTSTAMP"].dt == datetime(2026, 11, 27, 14, tzinfo=UTC)


@pytest.mark.parametrize("zone", [NEW_YORK, ZoneInfo("Asia/Tokyo"), ZoneInfo("Pacific/Auckland"),
                                  ZoneInfo("America/Los_Angeles"), UTC])
def test_all_day_item_is_its_day_in_every_zone(zone: ZoneInfo) -> None:
    day = date(2026, 11, 27)
    # its due_at is only a sort key, whatever it is: the day is what the calendar gets
    data = calendar([CalendarItem("u1", "t", "Ann", None, datetime(2026, 11, 27, 12, tzinfo=UTC), day)],
                    todo=False, zone=zone)
    event = only(data)
    assert event["DTSTART"].dt == day and event["DTEND"].dt == day + timedelta(days=1)
    assert f"DTSTART;VALUE=DATE:{day:%Y%m%d}" in lines(data)
    assert vobject.readOne(data.decode()).vevent.dtstart.value == day


def test_timed_item_starts_at_its_utc_instant_for_half_an_hour() -> None:
    data = calendar([item(due=datetime(2026, 11, 27, 14, 0, tzinfo=UTC))], todo=False, zone=NEW_YORK)
    assert "DTSTART:20261127T140000Z" in lines(data) and "DTEND:20261127T143000Z" in lines(data)
    start = vobject.readOne(data.decode()).vevent.dtstart.value
    assert start == datetime(2026, 11, 27, 14, 0, tzinfo=UTC) and start.utcoffset() == timedelta(0)


@pytest.mark.parametrize(("repeat", "rule"), [
    ("every 2 weeks", "FREQ=WEEKLY;INTERVAL=2"),
    ("every monday", "FREQ=WEEKLY;BYDAY=MO"),
    ("every quarter", "FREQ=MONTHLY;INTERVAL=3"),
])
def test_repeat_becomes_an_rrule(repeat: str, rule: str) -> None:
    monday = datetime(2026, 11, 23, 5, tzinfo=UTC)  # local midnight in New York
    data = calendar([item(repeat=repeat, all_day=True, due=monday)], todo=False, zone=NEW_YORK)
    assert f"RRULE:{rule}" in lines(data)
    assert vobject.readOne(data.decode()).vevent.rrule.value == rule
    assert "RRULE" not in only(calendar([item()], todo=False, zone=NEW_YORK))


def test_monthly_rule_on_the_31st_clamps_to_the_months_end_like_crm() -> None:
    data = calendar([item(repeat="every month", all_day=True, due=datetime(2027, 1, 31, 5, tzinfo=UTC))],
                    todo=False, zone=NEW_YORK)
    assert "RRULE:FREQ=MONTHLY;BYMONTHDAY=31,-1;BYSETPOS=1" in lines(data)
    occurrences = vobject.readOne(data.decode()).vevent.getrruleset()
    assert [d.date() for d in list(occurrences)[:4]] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31),
                                                        date(2027, 4, 30)]


def test_yearly_rule_on_february_29_falls_on_the_28th_in_other_years() -> None:
    data = calendar([item(repeat="every year", all_day=True, due=datetime(2028, 2, 29, 5, tzinfo=UTC))],
                    todo=False, zone=NEW_YORK)
    occurrences = list(vobject.readOne(data.decode()).vevent.getrruleset())[:3]
    assert [d.date() for d in occurrences] == [date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28)]


def test_recurring_timed_item_keeps_its_local_time_across_dst() -> None:
    # Monday 26 Oct 2026, 09:00 in New York (EDT); US clocks go back on 1 Nov.
    due = datetime(2026, 10, 26, 13, 0, tzinfo=UTC)
    data = calendar([item(repeat="every monday", due=due)], todo=False, zone=NEW_YORK)
    assert "DTSTART;TZID=America/New_York:20261026T090000" in lines(data)
    parsed = vobject.readOne(data.decode())
    first, second = list(parsed.vevent.getrruleset())[:2]
    assert (first.hour, second.hour, second.date()) == (9, 9, date(2026, 11, 2))
    assert second.astimezone(UTC).hour == 14
    assert parse(data).walk("VTIMEZONE")  # the TZID is defined in the file


def test_recurring_timed_item_is_floating_when_the_zone_has_no_name() -> None:
    from datetime import timezone

    data = calendar([item(repeat="every monday", due=datetime(2026, 10, 26, 13, 0, tzinfo=UTC))], todo=False,
                    zone=timezone(timedelta(hours=-4)))
    assert "DTSTART:20261026T090000" in lines(data) and b"VTIMEZONE" not in data


def test_alarms_by_default_and_none_on_request() -> None:
    data = calendar([item("timed"), item("day", all_day=True)], todo=False, zone=NEW_YORK)
    timed, day = (e.walk("VALARM")[0] for e in parse(data).walk("VEVENT"))
    assert str(timed["ACTION"]) == "DISPLAY" and str(timed["DESCRIPTION"]) == "Follow up with Ann Lee: send the quote"
    assert timed["TRIGGER"].dt == timedelta(minutes=-15)
    assert day["TRIGGER"].dt == timedelta(hours=9) and day["TRIGGER"].params["RELATED"] == "START"
    assert "TRIGGER;RELATED=START:PT9H" in lines(data)
    assert b"VALARM" not in calendar([item()], todo=False, zone=NEW_YORK, alarms=False)


def test_todo_has_a_due_date_and_no_event_times() -> None:
    data = calendar([item("t"), item("d", all_day=True, due=datetime(2026, 11, 27, 5, tzinfo=UTC))], todo=True,
                    zone=NEW_YORK)
    timed, day = parse(data).walk("VTODO")
    assert b"VEVENT" not in data and "DTSTART" not in timed and "DTEND" not in timed
    assert timed["DUE"].dt == datetime(2026, 11, 27, 14, tzinfo=UTC) and day["DUE"].dt == date(2026, 11, 27)
    assert timed.walk("VALARM")[0]["TRIGGER"].params["RELATED"] == "END"  # no DTSTART to count from
    assert [t.uid.value for t in vobject.readOne(data.decode()).vtodo_list] == ["t@crmcli", "d@crmcli"]


def test_non_ascii_and_special_characters_survive_both_parsers() -> None:
    note = "Zoë prefers Ørsted's offer; call first, then email.\nSecond line"
    title = "send the Überweisung " + "für Zoë Øster " * 6  # long: folded lines must not split a character
    data = calendar([item(name="Zoë Øster", title=title, note=note)], todo=False, zone=NEW_YORK)
    summary = f"Follow up with Zoë Øster: {title}"
    event = only(data)
    assert str(event["SUMMARY"]) == summary and str(event["DESCRIPTION"]) == note
    parsed = vobject.readOne(data.decode("utf-8")).vevent
    assert parsed.summary.value == summary and parsed.description.value == note


def test_no_items_make_an_empty_calendar_both_parsers_read() -> None:
    data = calendar([], todo=False, zone=NEW_YORK)
    assert parse(data).walk("VEVENT") == [] and str(parse(data)["X-WR-CALNAME"]) == "crm follow-ups"
    assert vobject.readOne(data.decode()).name == "VCALENDAR"


# -- from the database -------------------------------------------------------------------------------


def _store(target: str) -> tuple[object, int]:
    """A database with Zoë (two open follow-ups, one done) and Bob (one open)."""
    from crmcli.core.models import Contact, FollowUp
    from crmcli.storage.database import Database

    db = Database.open(target)
    with db.session(write=True) as session:
        zoe, bob = Contact(name="Zoë Øster", name_key="zoe oster"), Contact(name="Bob Marsh", name_key="bob marsh")
        session.add_all([zoe, bob])
        session.flush()
        session.add_all([
            FollowUp(uid="open-1", series_uid="open-1", contact_id=zoe.id, title="send quote",
                     due_at=datetime(2026, 12, 1, 9, tzinfo=UTC), repeat="every 2 weeks"),
            FollowUp(uid="done-1", series_uid="done-1", contact_id=zoe.id, title="call",
                     due_at=datetime(2026, 11, 1, 9, tzinfo=UTC), done_at=datetime(2026, 11, 2, tzinfo=UTC)),
            FollowUp(uid="open-2", series_uid="open-2", contact_id=bob.id, title="invoice",
                     due_at=datetime(2026, 11, 30, 12, tzinfo=UTC), all_day=True, due_on=date(2026, 11, 30)),
        ])
    return db, zoe.id  # type: ignore[return-value]


def test_open_items_come_back_aware_utc_soonest_first(db_target: str) -> None:
    from crmcli.core.calendar_export import open_items

    db, zoe_id = _store(db_target)
    try:
        with db.connect() as conn:  # type: ignore[attr-defined]
            everyone = open_items(conn)
        with db.session() as session:  # type: ignore[attr-defined]
            zoes = open_items(session, contact_id=zoe_id)
    finally:
        db.dispose()  # type: ignore[attr-defined]
    assert [i.uid for i in everyone] == ["open-2", "open-1"]
    (only_open,) = zoes
    assert (only_open.uid, only_open.contact_name, only_open.recurrence) == ("open-1", "Zoë Øster",
                                                                             Recurrence("weekly", 2))
    assert only_open.due_at == datetime(2026, 12, 1, 9, tzinfo=UTC) and only_open.due_at.utcoffset() == timedelta(0)
    assert everyone[0].due_on == date(2026, 11, 30) and only_open.due_on is None
    assert only_open.updated_at is not None and only_open.updated_at.tzinfo is not None


# -- the command ---------------------------------------------------------------------------------------


@pytest.fixture
def export(ok, db_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`crm export` wired in (until main.LAZY lists it), over the store built by _store."""
    from crmcli.cli import main

    if not any(name == "export" for name, _, _ in main.LAZY):
        monkeypatch.setattr(main, "LAZY", main.LAZY + (("export", "crmcli.cli.export", "Data"),))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db, _ = _store(str(db_path))
    db.dispose()  # type: ignore[attr-defined]
    return ok


def test_export_ics_to_stdout_carries_only_the_calendar(export) -> None:  # type: ignore[no-untyped-def]
    result = export("export", "ics")
    assert result.stderr == "wrote 2 follow-ups to stdout\n"
    cal = parse(result.stdout_bytes)
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == ["open-2@crmcli", "open-1@crmcli"]


def test_export_ics_to_a_file_for_one_contact_as_todos(export, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "follow-ups.ics"
    target.write_text("old")
    result = export("export", "ics", "-c", "zoë", "-o", str(target), "--todo")
    assert result.stdout == "" and result.stderr == f"wrote 1 follow-up for Zoë Øster to {target}\n"
    (todo,) = parse(target.read_bytes()).walk("VTODO")
    assert str(todo["UID"]) == "open-1@crmcli" and str(todo["RRULE"].to_ical().decode()) == "FREQ=WEEKLY;INTERVAL=2"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []  # no temp file left behind


def test_export_ics_with_nothing_open_writes_an_empty_calendar(export) -> None:  # type: ignore[no-untyped-def]
    export("contacts", "add", "Carl Nobody")
    result = export("export", "ics", "--contact", "carl")
    assert result.stderr == "no open follow-ups for Carl Nobody: wrote an empty calendar to stdout\n"
    assert parse(result.stdout_bytes).walk("VEVENT") == []


def test_export_ics_into_a_missing_folder_fails_in_one_line(export, crm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = crm("export", "ics", "-o", str(tmp_path / "nowhere" / "x.ics"))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("crm: cannot write ") and result.stderr.count("\n") == 1
