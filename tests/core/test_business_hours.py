"""Business hours and case deadline settings: their text, and business time counted across nights,
weekends and clock changes (hypothesis for the laws `add` and `between` must keep)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.core import business_hours, case_deadlines
from crmcli.core.business_hours import Budget, BusinessHours, parse, parse_budget
from crmcli.errors import Invalid

LONDON = ZoneInfo("Europe/London")
OFFICE = parse("mon-fri 09:00-17:00 Europe/London")


def london(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def shown(moment: datetime) -> str:
    return f"{moment.astimezone(LONDON):%a %d %H:%M}"


# -- the setting's text --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "canonical"), [
    ("mon-fri 09:00-17:00", "mon-fri 09:00-17:00"),
    ("  Mon - Fri   9:00 - 17:00 ", "mon-fri 09:00-17:00"),
    ("monday-friday 09:00-17:00 Europe/Berlin", "mon-fri 09:00-17:00 Europe/Berlin"),
    ("mon-thu 09:00-17:00, fri 09:00-13:00", "mon-thu 09:00-17:00, fri 09:00-13:00"),
    ("mon,wed,fri 08:30-12:00", "mon,wed,fri 08:30-12:00"),
    ("fri 10:00-12:00, mon,tue 08:00-16:00 UTC", "mon,tue 08:00-16:00, fri 10:00-12:00 UTC"),
    ("sat-sun 00:00-24:00", "sat,sun 00:00-24:00"),
    ("fri-mon 10:00-14:00", "mon,fri-sun 10:00-14:00"),  # a range may wrap past Sunday
    ("tues, thurs 09:00-17:00 America/New_York", "tue,thu 09:00-17:00 America/New_York"),
])
def test_parse_and_canonical_text(text: str, canonical: str) -> None:
    hours = parse(text)
    assert str(hours) == canonical
    assert parse(str(hours)) == hours


@pytest.mark.parametrize(("text", "message"), [
    ("", "business hours are days and hours, e.g. 'mon-fri 09:00-17:00 Europe/Berlin', not ''"),
    ("mon-fri", "business hours are days and hours, e.g. 'mon-fri 09:00-17:00 Europe/Berlin', not 'mon-fri'"),
    ("weekdays 09:00-17:00", "unknown day 'weekdays'; days are mon, tue, wed, thu, fri, sat, sun"),
    ("mo-fr 09:00-17:00", "unknown day 'mo'; days are mon, tue, wed, thu, fri, sat, sun"),
    ("mon-fri 17:00-09:00", "17:00-09:00 closes before it opens; hours run from opening to "
                            "closing within a day, e.g. 09:00-17:00"),
    ("mon-fri 09:00-09:00", "09:00-09:00 closes before it opens"),
    ("mon-fri 09:00-17:00 Mars/Olympus", "unknown time zone 'Mars/Olympus'; give a name such as "
                                         "Europe/Berlin or America/New_York"),
    ("mon-fri 09:00-17:00 ../../etc/passwd", "unknown time zone '../../etc/passwd'"),
    ("mon-fri 24:00-24:00", "24:00 is not a time of day"),
    ("mon-fri 09:60-17:00", "09:60 is not a time of day"),
    ("09:00-17:00", "which days are 09:00-17:00?"),
    ("mon-fri 09:00-12:00, wed 13:00-17:00", "wed is given twice"),
])
def test_bad_business_hours_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(Invalid) as raised:
        parse(text)
    assert str(raised.value).startswith(message)


def test_without_a_zone_the_local_one_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    hours = parse("mon-fri 09:00-17:00")
    monkeypatch.setenv("TZ", "America/New_York")
    start = datetime(2026, 3, 6, 16, tzinfo=ZoneInfo("America/New_York"))  # Friday 16:00 there
    assert hours.add(start, Budget(minutes=120)) == datetime(2026, 3, 9, 10, tzinfo=ZoneInfo("America/New_York"))
    monkeypatch.setenv("TZ", "Europe/London")
    assert hours.add(start, Budget(minutes=120)) == london(9, 11)  # 21:00 London: Monday 09:00 + 2 h


@pytest.mark.parametrize(("text", "budget", "canonical"), [
    ("4h", Budget(minutes=240), "4h"), ("90m", Budget(minutes=90), "1h30m"), ("1d", Budget(days=1), "1d"),
    ("2w", Budget(weeks=2), "2w"), (" 1D 4H ", Budget(days=1, minutes=240), "1d4h"), ("0m", Budget(), "0m"),
])
def test_budgets(text: str, budget: Budget, canonical: str) -> None:
    assert parse_budget(text) == budget
    assert str(budget) == canonical


@pytest.mark.parametrize("text", ["", "4", "h", "4 hours", "1.5h", "-2h", "4h x", "9999999h"])
def test_bad_budgets(text: str) -> None:
    with pytest.raises(Invalid):
        parse_budget(text)


# -- counting ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "budget", "due"), [
    (london(6, 16), "4h", "Mon 09 12:00"),    # Friday 16:00: 1 h on Friday, 3 on Monday
    (london(6, 16), "1d", "Mon 09 16:00"),    # the same point of the next business day
    (london(6, 16), "1h", "Fri 06 17:00"),    # used up exactly at closing: due then, not on Monday
    (london(6, 17), "1d", "Mon 09 17:00"),    # from a closing: a whole day later
    (london(6, 18), "1d", "Mon 09 17:00"),    # after hours: from the next opening, to its closing
    (london(7, 11), "4h", "Mon 09 13:00"),    # Saturday counts from Monday 09:00
    (london(7, 11), "1d", "Mon 09 17:00"),
    (london(7, 11), "2d", "Tue 10 17:00"),
    (london(9, 8), "30m", "Mon 09 09:30"),    # before opening
    (london(9, 10, 15), "1d4h", "Tue 10 14:15"),
    (london(2, 10), "1w", "Mon 09 10:00"),    # a week: as many open days as it has (five)
    (london(6, 16), "0m", "Fri 06 16:00"),
    (london(7, 11), "0m", "Sat 07 11:00"),    # nothing to count: no move
])
def test_add_in_business_hours(start: datetime, budget: str, due: str) -> None:
    assert shown(OFFICE.add(start, parse_budget(budget))) == due


def test_short_fridays_cap_a_day_at_its_closing() -> None:
    hours = parse("mon-thu 09:00-17:00, fri 09:00-13:00 Europe/London")
    assert shown(hours.add(london(5, 16), Budget(days=1))) == "Fri 06 13:00"  # 7 h in, but Friday has 4
    assert shown(hours.add(london(6, 12), Budget(days=1))) == "Mon 09 12:00"
    assert hours.between(london(5, 16), london(9, 10)) == timedelta(hours=6)


def test_the_clocks_changing() -> None:
    """29 March 2026: London moves from GMT to BST at 01:00 UTC; a day open round the clock has 23 hours."""
    always = parse("mon-sun 00:00-24:00 Europe/London")
    assert always.between(london(28, 0), london(30, 0)) == timedelta(hours=47)
    assert always.add(london(28, 12), timedelta(hours=24)) == london(29, 13)
    # 09:00-17:00 keeps its wall clock: Monday opens at 08:00 UTC after the change, 09:00 UTC before.
    assert OFFICE.between(london(27, 12), london(30, 12)) == timedelta(hours=8)
    assert OFFICE.add(london(27, 16), Budget(minutes=120)).astimezone(UTC) == datetime(2026, 3, 30, 9, tzinfo=UTC)


def test_between() -> None:
    assert OFFICE.between(london(6, 16), london(9, 12)) == timedelta(hours=4)
    assert OFFICE.between(london(9, 12), london(6, 16)) == -timedelta(hours=4)
    assert OFFICE.between(london(7, 9), london(8, 20)) == timedelta(0)  # a weekend
    assert OFFICE.between(london(9, 10), london(9, 10)) == timedelta(0)


def test_every_hour_counts_without_business_hours() -> None:
    clock = business_hours.clock(None)
    assert clock.add(london(6, 16), Budget(days=1, minutes=30)) == london(7, 16, 30)
    assert clock.add(london(6, 16), Budget(weeks=1)) == london(13, 16)
    assert clock.between(london(6, 16), london(9, 12)) == timedelta(hours=68)
    assert business_hours.clock(OFFICE) is OFFICE


# -- laws ----------------------------------------------------------------------------------------

ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC")


@st.composite
def schedules(draw: st.DrawFn, *, daytime: bool = False) -> BusinessHours:
    """Any week of open spans (quarter hours; `daytime`: within 06:00-22:00, clear of clock changes)."""
    low, high = (24, 88) if daytime else (0, 96)
    days = draw(st.sets(st.integers(0, 6), min_size=1))
    hours = {}
    for day in sorted(days):
        a, b = sorted(draw(st.lists(st.integers(low, high), min_size=2, max_size=2, unique=True)))
        hours[day] = (a * 15, b * 15)
    return BusinessHours(hours, draw(st.sampled_from(ZONES)))


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.just(UTC))
lengths = st.integers(0, 60 * 24 * 30).map(lambda m: timedelta(minutes=m))


def _open_or_closing(hours: BusinessHours, moment: datetime) -> bool:
    """Open at `moment`, or at a closing: business time ran up to it."""
    return hours.is_open(moment) or hours.between(moment - timedelta(microseconds=1), moment) > timedelta(0)


@settings(max_examples=150, deadline=None)
@given(schedules(), moments, lengths)
def test_add_then_between_gives_the_budget_back(hours: BusinessHours, start: datetime, length: timedelta) -> None:
    due = hours.add(start, length)
    assert due >= start
    assert hours.between(start, due) == length
    if length:
        assert _open_or_closing(hours, due)  # never lands in closed time, except at a closing


@settings(max_examples=100, deadline=None)
@given(schedules(), moments, moments, lengths, lengths)
def test_add_is_monotone(hours: BusinessHours, a: datetime, b: datetime, x: timedelta, y: timedelta) -> None:
    a, b = sorted((a, b))
    x, y = sorted((x, y))
    assert hours.add(a, x) <= hours.add(b, x)
    assert hours.add(a, x) <= hours.add(a, y)


@settings(max_examples=100, deadline=None)
@given(schedules(), moments, lengths, lengths)
def test_adding_in_two_steps_is_adding_once(hours: BusinessHours, start: datetime, x: timedelta,
                                            y: timedelta) -> None:
    """What moving a deadline by each wait relies on."""
    assert hours.add(hours.add(start, x), y) == hours.add(start, x + y)


@settings(max_examples=100, deadline=None)
@given(schedules(daytime=True).filter(lambda h: len(set(h.hours.values())) == 1), moments, st.integers(1, 15))
def test_days_are_whole_open_days(hours: BusinessHours, start: datetime, days: int) -> None:
    """With every open day alike, N days from anywhere is N open days' worth of business time."""
    opens, closes = next(iter(hours.hours.values()))
    due = hours.add(start, Budget(days=days))
    assert hours.between(start, due) == days * timedelta(minutes=closes - opens)
    assert _open_or_closing(hours, due)


@settings(max_examples=60, deadline=None)
@given(schedules())
def test_the_text_gives_the_same_hours_back(hours: BusinessHours) -> None:
    assert parse(str(hours)) == hours


# -- case deadlines ------------------------------------------------------------------------------

def test_case_deadline_defaults() -> None:
    assert str(case_deadlines.DEFAULT) == "urgent=4h/1d, high=8h/2d, normal=1d/5d, low=2d/10d"
    assert case_deadlines.parse("") == case_deadlines.DEFAULT


def test_a_priority_left_out_keeps_its_default() -> None:
    chosen = case_deadlines.parse(" URGENT = 2h/8h ,low=1w/4w")
    assert str(chosen) == "urgent=2h/8h, high=8h/2d, normal=1d/5d, low=1w/4w"
    assert case_deadlines.parse(str(chosen)) == chosen
    assert chosen["urgent"].resolution == Budget(minutes=480)


@pytest.mark.parametrize(("text", "message"), [
    ("urgent=4h", "cannot read 'urgent=4h'; write PRIORITY=RESPONSE/RESOLUTION"),
    ("urgent 4h/1d", "cannot read 'urgent 4h/1d'"),
    ("critical=1h/4h", "unknown priority 'critical'; priorities are low, normal, high, urgent"),
    ("urgent=4h/1d, urgent=2h/1d", "urgent is given twice"),
    ("high=4 hours/1d", "high: cannot read the length of time '4 hours'"),
    ("low=0h/1d", "low: a deadline needs some time, not '0h'"),
])
def test_bad_case_deadlines(text: str, message: str) -> None:
    with pytest.raises(Invalid) as raised:
        case_deadlines.parse(text)
    assert str(raised.value).startswith(message)
