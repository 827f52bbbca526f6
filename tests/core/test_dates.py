from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core.dates import (DAY_NAMES, DateError, Recurrence, When, parse, parse_duration, parse_moment,
                               parse_recurrence, parse_since)
from crmcli.errors import Invalid

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
UTC = timezone.utc
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=LONDON)  # a Wednesday
TABLE = Path(__file__).parents[2] / "README.md"


def show(when: When) -> str:
    """The form the docs table uses: `Fri 2026-11-27` or `Fri 2026-11-27 15:00`."""
    shown = when.day.strftime("%a %Y-%m-%d")
    return shown if when.time is None else f"{shown} {when.time:%H:%M}"


# A due date (lean future) refuses a period that starts today or earlier: the README's table says so.
REFUSED = "refused: a period, not a day"

# (what the user types, lean past, lean future); one value when both leans agree. now = NOW.
EXAMPLES: list[tuple[str, str] | tuple[str, str, str]] = [
    ("today", "Wed 2026-11-25"),
    ("tomorrow", "Thu 2026-11-26"),
    ("yesterday", "Tue 2026-11-24"),
    ("now", "Wed 2026-11-25 10:30"),
    ("2026-12-01", "Tue 2026-12-01"),
    ("2026-12-01T15:30", "Tue 2026-12-01 15:30"),
    ("2026-12-01 15:30", "Tue 2026-12-01 15:30"),
    ("2026-12-01T15:30Z", "Tue 2026-12-01 15:30"),
    ("2026-12-01T15:30+01:00", "Tue 2026-12-01 14:30"),
    ("2026-07-01T12:00Z", "Wed 2026-07-01 13:00"),  # summer time in London
    ("friday", "Fri 2026-11-20", "Fri 2026-11-27"),
    ("fri", "Fri 2026-11-20", "Fri 2026-11-27"),
    ("FRI", "Fri 2026-11-20", "Fri 2026-11-27"),
    ("monday", "Mon 2026-11-23", "Mon 2026-11-30"),
    ("wed", "Wed 2026-11-18", "Wed 2026-12-02"),  # today's weekday: never today
    ("thurs", "Thu 2026-11-19", "Thu 2026-11-26"),
    ("sun", "Sun 2026-11-22", "Sun 2026-11-29"),
    ("next friday", "Fri 2026-11-27"),
    ("next wed", "Wed 2026-12-02"),
    ("last monday", "Mon 2026-11-23"),
    ("last wednesday", "Wed 2026-11-18"),
    ("this friday", "Fri 2026-11-27"),
    ("this monday", "Mon 2026-11-23"),
    ("this wed", "Wed 2026-11-25"),
    ("in 3 days", "Sat 2026-11-28"),
    ("in 0 days", "Wed 2026-11-25"),
    ("in 2 weeks", "Wed 2026-12-09"),
    ("in a week", "Wed 2026-12-02"),
    ("in 1 month", "Fri 2026-12-25"),
    ("in 1 quarter", "Thu 2027-02-25"),
    ("in 3 hours", "Wed 2026-11-25 13:30"),
    ("in 90 minutes", "Wed 2026-11-25 12:00"),
    ("+3d", "Sat 2026-11-28"),
    ("-2w", "Wed 2026-11-11"),
    ("+1m", "Fri 2026-12-25"),  # m is months
    ("+1y", "Thu 2027-11-25"),
    ("+4h", "Wed 2026-11-25 14:30"),
    ("-30min", "Wed 2026-11-25 10:00"),
    ("3 months ago", "Tue 2026-08-25"),
    ("2 days ago", "Mon 2026-11-23"),
    ("a week ago", "Wed 2026-11-18"),
    ("an hour ago", "Wed 2026-11-25 09:30"),
    ("eow", "Fri 2026-11-27"),
    ("end of week", "Fri 2026-11-27"),
    ("eom", "Mon 2026-11-30"),
    ("end of the month", "Mon 2026-11-30"),
    ("eoy", "Thu 2026-12-31"),
    ("end of year", "Thu 2026-12-31"),
    ("sow", "Mon 2026-11-23"),
    ("som", "Sun 2026-11-01"),
    ("start of month", "Sun 2026-11-01"),
    ("soy", "Thu 2026-01-01"),
    ("noon", "Tue 2026-11-24 12:00", "Wed 2026-11-25 12:00"),
    ("midnight", "Wed 2026-11-25 00:00", "Thu 2026-11-26 00:00"),
    ("3pm", "Tue 2026-11-24 15:00", "Wed 2026-11-25 15:00"),
    ("3:30pm", "Tue 2026-11-24 15:30", "Wed 2026-11-25 15:30"),
    ("15:30", "Tue 2026-11-24 15:30", "Wed 2026-11-25 15:30"),
    ("9am", "Wed 2026-11-25 09:00", "Thu 2026-11-26 09:00"),
    ("10:30", "Wed 2026-11-25 10:30"),  # the current minute is still today
    ("12am", "Wed 2026-11-25 00:00", "Thu 2026-11-26 00:00"),
    ("12pm", "Tue 2026-11-24 12:00", "Wed 2026-11-25 12:00"),
    ("at 3 pm", "Tue 2026-11-24 15:00", "Wed 2026-11-25 15:00"),
    ("tomorrow 3pm", "Thu 2026-11-26 15:00"),
    ("3pm tomorrow", "Thu 2026-11-26 15:00"),
    ("tomorrow at 3pm", "Thu 2026-11-26 15:00"),
    ("  Tomorrow   3PM ", "Thu 2026-11-26 15:00"),
    ("yesterday noon", "Tue 2026-11-24 12:00"),
    ("fri 10am", "Fri 2026-11-20 10:00", "Fri 2026-11-27 10:00"),
    ("next friday 10am", "Fri 2026-11-27 10:00"),
    ("2026-12-01 9am", "Tue 2026-12-01 09:00"),
    ("today 9am", "Wed 2026-11-25 09:00"),  # a time given with a day is taken as written
    ("eom 5pm", "Mon 2026-11-30 17:00"),
    ("in 3 days 17:00", "Sat 2026-11-28 17:00"),
    ("dec 3", "Wed 2025-12-03", "Thu 2026-12-03"),
    ("3 dec 2026", "Thu 2026-12-03"),
    ("dec 3, 2026 2pm", "Thu 2026-12-03 14:00"),
    ("november 1", "Sun 2026-11-01", "Mon 2027-11-01"),
    ("nov 25", "Wed 2026-11-25"),
    ("1st jan", "Thu 2026-01-01", "Fri 2027-01-01"),
    ("feb 29", "Thu 2024-02-29", "Tue 2028-02-29"),
    # A bare length of time: that long ago when it happened, that long from now when it's due.
    ("90d", "Thu 2026-08-27", "Tue 2027-02-23"),
    ("2 weeks", "Wed 2026-11-11", "Wed 2026-12-09"),
    ("a week", "Wed 2026-11-18", "Wed 2026-12-02"),
    ("1m", "Sun 2026-10-25", "Fri 2026-12-25"),
    ("4h", "Wed 2026-11-25 06:30", "Wed 2026-11-25 14:30"),
    ("30min", "Wed 2026-11-25 10:00", "Wed 2026-11-25 11:00"),
    # Parts of today: one wall-clock time each, in either lean.
    ("this morning", "Wed 2026-11-25 09:00"),
    ("This  Morning", "Wed 2026-11-25 09:00"),
    ("this afternoon", "Wed 2026-11-25 14:00"),
    ("this evening", "Wed 2026-11-25 18:00"),
    # Periods: their first day; a due date refuses those that have begun.
    ("this week", "Mon 2026-11-23", REFUSED),
    ("last week", "Mon 2026-11-16", REFUSED),
    ("next week", "Mon 2026-11-30"),
    ("this month", "Sun 2026-11-01", REFUSED),
    ("last month", "Thu 2026-10-01", REFUSED),
    ("next month", "Tue 2026-12-01"),
    ("this quarter", "Thu 2026-10-01", REFUSED),
    ("last quarter", "Wed 2026-07-01", REFUSED),
    ("next quarter", "Fri 2027-01-01"),
    ("this year", "Thu 2026-01-01", REFUSED),
    ("last year", "Wed 2025-01-01", REFUSED),
    ("next year", "Fri 2027-01-01"),
    ("last week 3pm", "Mon 2026-11-16 15:00", REFUSED),
    ("next month 9am", "Tue 2026-12-01 09:00"),
]


def shown(text: str, lean: str, now: datetime = NOW) -> str:
    """What the docs table shows for `text`: the parsed value, or REFUSED for a period as a due date."""
    try:
        return show(parse(text, now=now, lean=lean))  # type: ignore[arg-type]
    except DateError as err:
        if "is a period, not a due date" not in str(err):
            raise
        return REFUSED


@pytest.mark.parametrize("example", EXAMPLES, ids=[e[0].strip() for e in EXAMPLES])
def test_examples(example: tuple[str, ...]) -> None:
    text, past, future = example if len(example) == 3 else (*example, example[1])
    assert shown(text, "past") == past
    assert shown(text, "future") == future


def _readme_table(header: str) -> list[list[str]]:
    """The rows of the README's table under `header` (its first row) in the "Dates and times" section."""
    text = TABLE.read_text(encoding="utf-8")
    section = text[text.index("## Dates and times"):]
    section = section[:section.index("\n## ", 1)]
    table = section[section.index(header):].split("\n\n", 1)[0]
    cells = [[c.strip() for c in line.strip().strip("|").split("|")]
             for line in table.splitlines() if line.startswith("| `")]
    return [[row[0].strip("`"), *row[1:]] for row in cells]


def _table_rows() -> list[list[str]]:
    """The rows of the README's date table."""
    return _readme_table("| You type | When it happened | When it's due |")


def test_docs_table_matches_the_parser() -> None:
    rows = _table_rows()
    assert len(rows) >= 20
    for text, past, future in rows:
        assert (shown(text, "past"), shown(text, "future")) == (past, future), text


def test_docs_table_rows_are_examples_here_too() -> None:
    """The README's table is a subset of EXAMPLES, with the same values: one list of truths."""
    examples = {e[0]: (e[1], e[2] if len(e) == 3 else e[1]) for e in EXAMPLES}
    for text, past, future in _table_rows():
        assert examples.get(text) == (past, future), text
    assert {"90d", "this morning", "this week", "last week", "this month", "last month"} <= \
        {row[0] for row in _table_rows()}


def test_a_period_as_a_due_date_says_what_to_give_instead() -> None:
    with pytest.raises(DateError) as caught:
        parse("Last Month", now=NOW, lean="future")
    assert str(caught.value) == ("'last month' is a period, not a due date: say which day, e.g. eow, eom, "
                                 "next monday, next month")
    assert caught.value.exit_code == 2


def test_since_periods_and_bare_lengths_start_at_local_midnight() -> None:
    assert parse_since("90d", now=NOW) == datetime(2026, 8, 26, 23, 0, tzinfo=UTC)  # BST midnight
    assert parse_since("last month", now=NOW) == datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
    assert parse_since("this week", now=NOW) == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert parse_since("this morning", now=NOW) == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert parse_since("4h", now=NOW) == datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
    assert parse_moment("last week", now=NOW, lean="past") == datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
    assert parse_moment("this morning", now=NOW, lean="past") == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_when() -> None:
    assert When(date(2026, 11, 25), None).is_all_day
    assert not When(date(2026, 11, 25), time(9)).is_all_day
    assert When(date(2026, 6, 1), None).to_utc(LONDON) == datetime(2026, 5, 31, 23, 0, tzinfo=UTC)
    assert When(date(2026, 6, 1), time(9)).to_utc(KOLKATA) == datetime(2026, 6, 1, 3, 30, tzinfo=UTC)


# --- zones and DST ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("zone", "utc"), [
    (LONDON, datetime(2026, 11, 26, 15, 0, tzinfo=UTC)),
    (NEW_YORK, datetime(2026, 11, 26, 20, 0, tzinfo=UTC)),
    (KOLKATA, datetime(2026, 11, 26, 9, 30, tzinfo=UTC)),
])
def test_tomorrow_3pm_in_each_zone(zone: ZoneInfo, utc: datetime) -> None:
    now = datetime(2026, 11, 25, 10, 30, tzinfo=zone)
    when = parse("tomorrow 3pm", now=now, lean="future")
    assert when == When(date(2026, 11, 26), time(15))
    assert when.to_utc(zone) == utc
    assert parse_moment("tomorrow 3pm", now=now, lean="future") == utc


def test_day_units_keep_the_wall_clock_across_dst_and_hours_do_not() -> None:
    now = datetime(2026, 10, 31, 10, 30, tzinfo=NEW_YORK)  # EDT; clocks go back 2026-11-01 02:00
    day = parse("in 1 day", now=now, lean="future")
    assert day == When(date(2026, 11, 1), None)
    assert day.to_utc(NEW_YORK) == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # midnight EDT
    assert parse_moment("in 1 day", now=now, lean="future") == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)  # 9 EST
    assert parse_moment("tomorrow 10:30", now=now, lean="future") == datetime(2026, 11, 1, 15, 30, tzinfo=UTC)
    hours = parse("in 24 hours", now=now, lean="future")
    assert hours == When(date(2026, 11, 1), time(9, 30))  # 24 h elapsed, an hour earlier on the wall clock
    assert hours.to_utc(NEW_YORK) - now == timedelta(hours=24)


def test_spring_forward() -> None:
    now = datetime(2026, 3, 7, 10, 0, tzinfo=NEW_YORK)  # EST; clocks go forward 2026-03-08 02:00
    assert parse_moment("tomorrow 9am", now=now, lean="future") == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)
    assert parse("in 2 hours", now=datetime(2026, 3, 8, 1, 30, tzinfo=NEW_YORK), lean="future") \
        == When(date(2026, 3, 8), time(4, 30))


def test_the_repeated_hour_keeps_which_one_it_was() -> None:
    now = datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK)
    first, second = (parse(f"in {n} hours", now=now, lean="future") for n in (1, 2))
    assert first.time == second.time == time(1, 30)  # 01:30 EDT, then 01:30 EST
    assert first.to_utc(NEW_YORK) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert second.to_utc(NEW_YORK) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert parse("2026-11-01T06:30Z", now=now, lean="past").to_utc(NEW_YORK) \
        == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_parse_moment() -> None:
    def moment(text: str, lean: str) -> datetime:
        return parse_moment(text, now=NOW, lean=lean)  # type: ignore[arg-type]

    assert moment("friday", "future") == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert moment("friday", "past") == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert moment("today", "past") == datetime(2026, 11, 25, 10, 30, tzinfo=UTC)  # now
    assert moment("today", "future") == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert moment("in 3 hours", "past") == datetime(2026, 11, 25, 13, 30, tzinfo=UTC)
    kolkata_now = datetime(2026, 11, 25, 10, 30, 15, tzinfo=KOLKATA)
    assert parse_moment("today", now=kolkata_now, lean="past") == kolkata_now
    assert parse_moment("yesterday", now=kolkata_now, lean="past") == datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
    assert moment("fri", "future").tzinfo is UTC


def test_parse_since() -> None:
    assert parse_since("2026-11-01", now=NOW) == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    assert parse_since("2 days ago", now=NOW) == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert parse_since("fri", now=NOW) == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # lean past
    assert parse_since("2 hours ago", now=NOW) == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    assert parse_since("today", now=datetime(2026, 11, 25, 10, 30, tzinfo=NEW_YORK)) \
        == datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    assert parse_since("today", now=datetime(2026, 11, 25, 10, 30, tzinfo=KOLKATA)) \
        == datetime(2026, 11, 24, 18, 30, tzinfo=UTC)


def test_now_must_be_aware_and_lean_known() -> None:
    with pytest.raises(TypeError):
        parse("today", now=datetime(2026, 11, 25), lean="past")
    with pytest.raises(ValueError):
        parse("today", now=NOW, lean="soon")  # type: ignore[arg-type]


# --- errors -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "fribday", "in x days", "32/13/2026", "", "   ", "every", "every 0 days", "tomorrow 25pm", "13pm", "0am",
    "24:00", "12:60", "2026-02-30", "feb 30", "next fribday", "in 3 fortnights", "+3x", "3 fortnights", "+3d ago",
    "tomorrow tomorrow", "in 3 hours 5pm", "now 3pm", "in 99999 years", "at", "tomorrow at", "3 days ago ago",
    "this morning 9am", "last fortnight", "this", "last", "3", "-0x", "99999 years",
])
def test_bad_dates(text: str) -> None:
    for lean in ("past", "future"):
        with pytest.raises(DateError) as caught:
            parse(text, now=NOW, lean=lean)  # type: ignore[arg-type]
        message = str(caught.value)
        assert repr(text) in message and "try: today, tomorrow" in message and "\n" not in message
    assert isinstance(caught.value, Invalid) and caught.value.exit_code == 2


def test_bad_time_says_which_part() -> None:
    with pytest.raises(DateError, match=r"'tomorrow 25pm' \(no such time '25pm'\)"):
        parse("tomorrow 25pm", now=NOW, lean="future")


# --- properties ---------------------------------------------------------------------------------------

ZONES = st.sampled_from([LONDON, NEW_YORK, KOLKATA, UTC])
nows = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2150, 12, 31), timezones=ZONES,
                    allow_imaginary=False)
leans = st.sampled_from(["past", "future"])
weekdays = st.sampled_from([(name, i) for i, full in enumerate(DAY_NAMES) for name in (full, full[:3])])


@given(st.integers(0, 3650), nows, leans)
def test_in_n_days(n: int, now: datetime, lean: str) -> None:
    when = parse(f"in {n} days", now=now, lean=lean)  # type: ignore[arg-type]
    assert when.is_all_day and when.day - now.date() == timedelta(days=n)


@given(st.dates(date(1900, 1, 1), date(2200, 12, 31)), nows, leans)
def test_iso_date_round_trip(day: date, now: datetime, lean: str) -> None:
    assert parse(day.isoformat(), now=now, lean=lean) == When(day, None)  # type: ignore[arg-type]


@given(st.datetimes(datetime(1950, 1, 1), datetime(2150, 1, 1), timezones=st.just(UTC)), nows)
def test_iso_instant_round_trip(instant: datetime, now: datetime) -> None:
    for text in (instant.isoformat(), instant.isoformat().replace("+00:00", "Z")):
        assert parse(text, now=now, lean="past").to_utc(now.tzinfo) == instant  # type: ignore[arg-type]


@given(st.integers(0, 520), nows, leans)
def test_plus_weeks_is_in_weeks(n: int, now: datetime, lean: str) -> None:
    plus = parse(f"+{n}w", now=now, lean=lean)  # type: ignore[arg-type]
    assert plus == parse(f"in {n} weeks", now=now, lean=lean)  # type: ignore[arg-type]
    assert plus.day == now.date() + timedelta(weeks=n)


@given(st.integers(0, 2000), nows.filter(lambda d: d.tzinfo is NEW_YORK))
def test_in_n_hours_is_elapsed_time(n: int, now: datetime) -> None:
    assert parse(f"in {n} hours", now=now, lean="future").to_utc(NEW_YORK) - now == timedelta(hours=n)


@given(weekdays, nows, leans)
def test_next_weekday_is_one_to_seven_days_ahead(weekday: tuple[str, int], now: datetime, lean: str) -> None:
    name, index = weekday
    day = parse(f"next {name}", now=now, lean=lean).day  # type: ignore[arg-type]
    assert 1 <= (day - now.date()).days <= 7 and day.weekday() == index
    assert parse(name, now=now, lean="future").day == day


@given(weekdays, nows, leans)
def test_last_weekday_is_one_to_seven_days_back(weekday: tuple[str, int], now: datetime, lean: str) -> None:
    name, index = weekday
    day = parse(f"last {name}", now=now, lean=lean).day  # type: ignore[arg-type]
    assert 1 <= (now.date() - day).days <= 7 and day.weekday() == index
    assert parse(name, now=now, lean="past").day == day


@given(st.sampled_from(["week", "month", "quarter", "year"]), nows)
def test_periods_start_on_their_first_day_in_order(period: str, now: datetime) -> None:
    last, this, following = (parse(f"{which} {period}", now=now, lean="past").day
                             for which in ("last", "this", "next"))
    assert last < this <= now.date() < following
    assert parse(f"next {period}", now=now, lean="future").day == following
    if period == "week":
        assert {d.weekday() for d in (last, this, following)} == {0}
        assert (this - last).days == (following - this).days == 7
    else:
        assert {d.day for d in (last, this, following)} == {1}
        months = {"month": 1, "quarter": 3, "year": 12}[period]
        assert (this.month - 1) % months == 0
        assert last + relativedelta(months=months) == this and this + relativedelta(months=months) == following
    for which in ("last", "this"):
        with pytest.raises(DateError, match="is a period, not a due date"):
            parse(f"{which} {period}", now=now, lean="future")


@given(st.integers(0, 3650), nows)
def test_a_bare_length_goes_the_lean_s_way(n: int, now: datetime) -> None:
    assert parse(f"{n}d", now=now, lean="past") == parse(f"{n} days ago", now=now, lean="past")
    assert parse(f"{n}d", now=now, lean="future") == parse(f"in {n} days", now=now, lean="future")


@given(weekdays, nows)
def test_this_weekday_is_in_the_current_week(weekday: tuple[str, int], now: datetime) -> None:
    name, index = weekday
    day = parse(f"this {name}", now=now, lean="future").day
    assert day.weekday() == index and day.isocalendar()[:2] == now.date().isocalendar()[:2]


@given(st.times().map(lambda t: t.replace(second=0, microsecond=0)), nows)
def test_bare_time_is_the_nearest_one_on_the_lean_side(clock: time, now: datetime) -> None:
    wall_now = now.replace(tzinfo=None, second=0, microsecond=0)
    future, past = (parse(f"{clock:%H:%M}", now=now, lean=lean) for lean in ("future", "past"))
    due = datetime.combine(future.day, future.time)  # type: ignore[arg-type]
    happened = datetime.combine(past.day, past.time)  # type: ignore[arg-type]
    assert wall_now <= due < wall_now + timedelta(days=1)
    assert wall_now - timedelta(days=1) < happened <= wall_now
    assert future.time == past.time == clock


# --- recurrence ---------------------------------------------------------------------------------------

# (what the user types, the rule, its RRULE, how crm keeps and shows it). The README's recurrence
# table is a subset of these, with the same values.
RECURRENCES = [
    ("daily", Recurrence("daily", 1, None), "FREQ=DAILY", "every day"),
    ("every day", Recurrence("daily", 1, None), "FREQ=DAILY", "every day"),
    ("every 3 days", Recurrence("daily", 3, None), "FREQ=DAILY;INTERVAL=3", "every 3 days"),
    ("weekly", Recurrence("weekly", 1, None), "FREQ=WEEKLY", "every week"),
    ("every week", Recurrence("weekly", 1, None), "FREQ=WEEKLY", "every week"),
    ("every 2 weeks", Recurrence("weekly", 2, None), "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("Every  2W", Recurrence("weekly", 2, None), "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("every other week", Recurrence("weekly", 2, None), "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("every monday", Recurrence("weekly", 1, 0), "FREQ=WEEKLY;BYDAY=MO", "every monday"),
    ("every fri", Recurrence("weekly", 1, 4), "FREQ=WEEKLY;BYDAY=FR", "every friday"),
    ("every other sunday", Recurrence("weekly", 2, 6), "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU",
     "every 2 weeks on sunday"),
    ("every 2 weeks on thursday", Recurrence("weekly", 2, 3), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
     "every 2 weeks on thursday"),
    ("monthly", Recurrence("monthly", 1, None), "FREQ=MONTHLY", "every month"),
    ("every month", Recurrence("monthly", 1, None), "FREQ=MONTHLY", "every month"),
    ("every quarter", Recurrence("monthly", 3, None), "FREQ=MONTHLY;INTERVAL=3", "every quarter"),
    ("quarterly", Recurrence("monthly", 3, None), "FREQ=MONTHLY;INTERVAL=3", "every quarter"),
    ("every 6 months", Recurrence("monthly", 6, None), "FREQ=MONTHLY;INTERVAL=6", "every 6 months"),
    ("yearly", Recurrence("yearly", 1, None), "FREQ=YEARLY", "every year"),
    ("every year", Recurrence("yearly", 1, None), "FREQ=YEARLY", "every year"),
    ("annually", Recurrence("yearly", 1, None), "FREQ=YEARLY", "every year"),
    # `every` may go unsaid, and a length of time is a step
    ("1 week", Recurrence("weekly", 1, None), "FREQ=WEEKLY", "every week"),
    ("every 1 week", Recurrence("weekly", 1, None), "FREQ=WEEKLY", "every week"),
    ("week", Recurrence("weekly", 1, None), "FREQ=WEEKLY", "every week"),
    ("2w", Recurrence("weekly", 2, None), "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("every 2w", Recurrence("weekly", 2, None), "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("2 weeks", Recurrence("weekly", 2, None), "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("fortnightly", Recurrence("weekly", 2, None), "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("biweekly", Recurrence("weekly", 2, None), "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("every fortnight", Recurrence("weekly", 2, None), "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("3d", Recurrence("daily", 3, None), "FREQ=DAILY;INTERVAL=3", "every 3 days"),
    ("90d", Recurrence("daily", 90, None), "FREQ=DAILY;INTERVAL=90", "every 90 days"),
    ("1 month", Recurrence("monthly", 1, None), "FREQ=MONTHLY", "every month"),
    ("2 months", Recurrence("monthly", 2, None), "FREQ=MONTHLY;INTERVAL=2", "every 2 months"),
    ("every 2 quarters", Recurrence("monthly", 6, None), "FREQ=MONTHLY;INTERVAL=6", "every 6 months"),
    ("1y", Recurrence("yearly", 1, None), "FREQ=YEARLY", "every year"),
    ("monday", Recurrence("weekly", 1, 0), "FREQ=WEEKLY;BYDAY=MO", "every monday"),
    ("every other friday", Recurrence("weekly", 2, 4), "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "every 2 weeks on friday"),
    ("every 100 years", Recurrence("yearly", 100, None), "FREQ=YEARLY;INTERVAL=100", "every 100 years"),
]


@pytest.mark.parametrize(("text", "rule", "rrule", "described"), RECURRENCES, ids=[r[0] for r in RECURRENCES])
def test_recurrence(text: str, rule: Recurrence, rrule: str, described: str) -> None:
    parsed = parse_recurrence(text)
    assert parsed == rule and parsed.to_rrule() == rrule and parsed.describe() == described
    assert parse_recurrence(described) == rule  # the wording kept reads back the same


# (what the user types, why it is refused: the message's reason, None when it is no form at all)
BAD_RECURRENCES = [
    ("every", None), ("", None), ("every fribday", None), ("every 2 weeks on", None), ("tomorrow", None),
    ("other week", None), ("+2w", None), ("2 fortnights", None), ("fri 10am", None),
    ("every 0 days", "a repeat goes forward: every 1 or more"),
    ("every 0 weeks", "a repeat goes forward: every 1 or more"),
    ("every -1 day", "a repeat goes forward: every 1 or more"),
    ("every -1 days", "a repeat goes forward: every 1 or more"),
    ("0w", "a repeat goes forward: every 1 or more"),
    ("every 3 hours", "a repeat counts days, weeks, months or years"),
    ("every 30 min", "a repeat counts days, weeks, months or years"),
    ("every 10000 years", "longer than 100 years"),
    ("every 101 years", "longer than 100 years"),
    ("every 200 years", "longer than 100 years"),
    ("every 1300 months", "longer than 100 years"),
    ("every 36600 days", "longer than 100 years"),
    ("every 99999999999999999999 days", "longer than 100 years"),
    ("every month on monday", "a weekday goes with weekly rules only"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_RECURRENCES, ids=[b[0] for b in BAD_RECURRENCES])
def test_bad_recurrence(text: str, reason: str | None) -> None:
    with pytest.raises(DateError) as caught:
        parse_recurrence(text)
    message = str(caught.value)
    assert message.startswith(f"cannot read the recurrence {text!r}") and "try: daily, weekly" in message
    assert (f"({reason})" in message) if reason else ("(" not in message.split(";")[0])
    assert caught.value.exit_code == 2


def test_docs_recurrence_table_matches_the_parser_and_the_test_table() -> None:
    """The README's recurrence table: each form kept as it says, with its RRULE (a subset of
    RECURRENCES), and each refused one refused for the reason it gives (from BAD_RECURRENCES)."""
    rows = _readme_table("| You type | Kept as | iCalendar RRULE |")
    known = {text: (described, rrule) for text, _, rrule, described in RECURRENCES}
    refused = dict(BAD_RECURRENCES)
    assert len(rows) >= 20
    for text, kept, rrule in rows:
        if kept.startswith("refused: "):
            with pytest.raises(DateError) as caught:
                parse_recurrence(text)
            assert f"({kept.removeprefix('refused: ')})" in str(caught.value), text
            assert refused.get(text) == kept.removeprefix("refused: "), text
            continue
        parsed = parse_recurrence(text)
        assert (parsed.describe(), parsed.to_rrule()) == (kept, rrule.strip("`")), text
        assert known.get(text) == (kept, rrule.strip("`")), text
    assert {"1 week", "every 1 week", "2w", "fortnightly", "biweekly"} <= {row[0] for row in rows}


@pytest.mark.parametrize(("text", "due", "rule"), [
    ("2w", "Wed 2026-12-09", "every 2 weeks"),
    ("3d", "Sat 2026-11-28", "every 3 days"),
    ("1 month", "Fri 2026-12-25", "every month"),
    ("monday", "Mon 2026-11-30", "every monday"),
])
def test_a_length_is_a_day_as_a_due_date_and_a_step_as_a_repeat(text: str, due: str, rule: str) -> None:
    """The two grammars keep their own meaning of the same words: `--due 2w` is a day, `--every 2w` a step."""
    assert show(parse(text, now=NOW, lean="future")) == due
    assert parse_recurrence(text).describe() == rule


def test_recurrence_rejects_impossible_rules() -> None:
    for args in (("hourly", 1, None), ("daily", 0, None), ("monthly", 1, 0), ("weekly", 1, 7)):
        with pytest.raises(ValueError):
            Recurrence(*args)  # type: ignore[arg-type]


recurrences = st.one_of(
    st.builds(Recurrence, st.sampled_from(["daily", "monthly", "yearly"]), st.integers(1, 52), st.none()),
    st.builds(Recurrence, st.just("weekly"), st.integers(1, 52), st.none() | st.integers(0, 6)),
)
dues = st.dates(date(1950, 1, 1), date(2150, 12, 31))


@given(recurrences)
def test_describe_reads_back(rule: Recurrence) -> None:
    assert parse_recurrence(rule.describe()) == rule


@given(st.integers(1, 10), dues, st.times(), ZONES)
def test_weekly_adds_whole_weeks(interval: int, due: date, at: time, zone: ZoneInfo) -> None:
    for rule in (Recurrence("weekly", interval), Recurrence("weekly", interval, due.weekday())):
        assert rule.next_after(due) == due + timedelta(weeks=interval)
        moment = datetime.combine(due, at, tzinfo=zone)
        following = rule.next_after(moment)
        assert isinstance(following, datetime) and following.tzinfo is zone
        assert following.replace(tzinfo=None) == moment.replace(tzinfo=None) + timedelta(weeks=interval)


@given(recurrences, dues.filter(lambda d: d.day <= 28))
def test_next_after_agrees_with_rrule_when_the_day_exists_every_month(rule: Recurrence, due: date) -> None:
    start = datetime.combine(due, time(9))
    expected = rrulestr(f"RRULE:{rule.to_rrule()}", dtstart=start).after(start)
    assert rule.next_after(start) == expected
    assert rule.next_after(due) == expected.date()


@given(st.integers(0, 6), dues)
def test_every_weekday_lands_on_it(weekday: int, due: date) -> None:
    following = Recurrence("weekly", 1, weekday).next_after(due)
    assert following.weekday() == weekday and 1 <= (following - due).days <= 7  # type: ignore[operator]


@given(st.integers(1, 24), dues)
def test_monthly_clamps_to_the_month_end(interval: int, due: date) -> None:
    following = Recurrence("monthly", interval).next_after(due)
    assert following == due + relativedelta(months=interval)
    assert following.day == min(due.day, (following + relativedelta(day=31)).day)  # type: ignore[union-attr]


def test_month_end_examples() -> None:
    monthly, quarterly, yearly = Recurrence("monthly"), Recurrence("monthly", 3), Recurrence("yearly")
    assert monthly.next_after(date(2027, 1, 31)) == date(2027, 2, 28)  # not Mar 31, as rrule would
    assert monthly.next_after(date(2028, 1, 31)) == date(2028, 2, 29)
    assert monthly.next_after(date(2028, 2, 29)) == date(2028, 3, 29)  # counted from the due date
    assert quarterly.next_after(date(2026, 11, 30)) == date(2027, 2, 28)
    assert yearly.next_after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert monthly.next_after(datetime(2027, 1, 31, 9, 0, 0, 5, tzinfo=LONDON)) \
        == datetime(2027, 2, 28, 9, 0, 0, 5, tzinfo=LONDON)


def test_weekly_keeps_the_local_wall_clock_across_dst() -> None:
    due = datetime(2026, 10, 28, 9, 0, tzinfo=NEW_YORK)
    assert Recurrence("weekly").next_after(due) == datetime(2026, 11, 4, 9, 0, tzinfo=NEW_YORK)
    assert Recurrence("weekly", 2, 0).next_after(due) == datetime(2026, 11, 9, 9, 0, tzinfo=NEW_YORK)


# --- durations ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "delta"), [
    ("2 days", relativedelta(days=2)), ("3d", relativedelta(days=3)), ("90d", relativedelta(days=90)),
    ("1w", relativedelta(days=7)), ("2 weeks", relativedelta(days=14)), ("a week", relativedelta(days=7)),
    ("1 month", relativedelta(months=1)), ("3m", relativedelta(months=3)), ("1 quarter", relativedelta(months=3)),
    ("1y", relativedelta(years=1)), ("4h", relativedelta(hours=4)), ("30 min", relativedelta(minutes=30)),
    (" 2  DAYS ", relativedelta(days=2)),
])
def test_parse_duration(text: str, delta: relativedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "0d", "3", "d", "-3d", "+3d", "in 3 days", "3 fortnights", "aweek"])
def test_bad_duration(text: str) -> None:
    with pytest.raises(DateError, match=re.escape(repr(text)) + ".*try: 3d"):
        parse_duration(text)


# --- import hygiene -----------------------------------------------------------------------------------

def test_import_is_lean() -> None:
    code = "import sys, json; import crmcli.core.dates; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out))
    assert "crmcli.core.dates" in loaded and "dateutil.relativedelta" in loaded
    assert not {m.split(".")[0] for m in loaded} & {"typer", "rich", "textual", "sqlmodel", "sqlalchemy",
                                                     "dateparser", "parsedatetime"}
    assert "dateutil.parser" not in loaded  # only ISO input imports it
