"""Business hours: when service deadlines count (the `business_hours` setting).

Written as one or more clauses, DAYS OPEN-CLOSE, then optionally a time zone name:
    mon-fri 09:00-17:00
    mon-thu 09:00-17:00, fri 09:00-13:00 Europe/Berlin
    mon,wed,fri 08:30-12:00
DAYS are day names (mon..sun) and ranges of them (a range may wrap: fri-mon); CLOSE may be 24:00.
Without a zone the hours are the local zone's (core/clock.py), read when counted.

Business time is a clock that runs only while open. `add(start, budget)` is the first moment at or
after `start` when `budget` of it has run (a budget used up exactly at a closing time ends there, not at
the next opening); `between(a, b)` is how much of it runs from a to b. Both work on real (UTC)
seconds between wall-clock openings in the zone, so a day when the clocks change is counted right.

A budget in days counts open days: N days from a moment is the same point of the day N open days later
(from Friday 16:00 with mon-fri 09:00-17:00, one day is Monday 16:00); a week is as many open days as
the week has. Hours and minutes count open time.

Standard library only: config.py parses this on every command that reads the setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Iterator, Mapping

from crmcli.errors import Invalid

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EXAMPLE = "mon-fri 09:00-17:00 Europe/Berlin"
_LONGEST = 100 * 366  # days looked through before giving up (a wait of years; never in practice)


@dataclass(frozen=True)
class Budget:
    """A length of time for a deadline: whole weeks and days (open days in business hours) and minutes."""

    weeks: int = 0
    days: int = 0
    minutes: int = 0

    def __str__(self) -> str:
        hours, minutes = divmod(self.minutes, 60)
        parts = [f"{n}{unit}" for n, unit in ((self.weeks, "w"), (self.days, "d"), (hours, "h"), (minutes, "m")) if n]
        return "".join(parts) or "0m"

    @property
    def is_zero(self) -> bool:
        return not (self.weeks or self.days or self.minutes)

    def as_clock_time(self) -> timedelta:
        """As plain clock time (no business hours): a day is 24 hours, a week 7 days."""
        return timedelta(weeks=self.weeks, days=self.days, minutes=self.minutes)


_BUDGET_PART = re.compile(r"(\d+)\s*([wdhm])")
_UNIT_MINUTES = {"h": 60, "m": 1}


def parse_budget(text: str) -> Budget:
    """`4h`, `1d`, `2w`, `90m`, `1d4h`: whole numbers with units w, d, h, m."""
    cleaned = text.strip().lower()
    parts = _BUDGET_PART.findall(cleaned)
    if not cleaned or _BUDGET_PART.sub("", cleaned).strip():
        raise Invalid(f"cannot read the length of time {text.strip()!r}; write a number and a unit "
                      "(m, h, d or w), e.g. 4h, 1d, 2w")
    weeks = days = minutes = 0
    for number, unit in parts:
        if len(number) > 6:
            raise Invalid(f"the length of time {text.strip()!r} is too long")
        if unit == "w":
            weeks += int(number)
        elif unit == "d":
            days += int(number)
        else:
            minutes += int(number) * _UNIT_MINUTES[unit]
    return Budget(weeks, days, minutes)


Span = tuple[int, int]  # minutes after midnight: opening, closing (closing may be 1440, midnight after)


@dataclass(frozen=True)
class BusinessHours:
    hours: Mapping[int, Span]  # weekday (0 = Monday) -> its opening and closing; absent days are closed
    zone_name: str | None = None  # None: the local zone, read when counted

    def __str__(self) -> str:
        """The canonical text: days with the same hours grouped, in week order."""
        clauses: list[str] = []
        by_span: dict[Span, list[int]] = {}
        for day in sorted(self.hours):
            by_span.setdefault(self.hours[day], []).append(day)
        for span, days in sorted(by_span.items(), key=lambda item: item[1][0]):
            clauses.append(f"{_days_text(days)} {_clock(span[0])}-{_clock(span[1])}")
        return ", ".join(clauses) + (f" {self.zone_name}" if self.zone_name else "")

    @property
    def zone(self) -> tzinfo:
        if self.zone_name:
            from zoneinfo import ZoneInfo

            return ZoneInfo(self.zone_name)
        from crmcli.core.clock import local_zone

        return local_zone()

    def is_open(self, moment: datetime) -> bool:
        """Open at `moment` (an opening counts, a closing does not)."""
        for opens, closes in self._days(moment):
            if opens > moment:
                return False
            if moment < closes:
                return True
        return False  # pragma: no cover - _days never ends

    def add(self, start: datetime, budget: "Budget | timedelta") -> datetime:
        """The moment `budget` of business time has run from `start` (aware; returned in UTC)."""
        start = start.astimezone(UTC)
        if isinstance(budget, timedelta):  # a length of business time (a wait moving a deadline)
            return self._add_time(start, budget)
        days = budget.weeks * len(self.hours) + budget.days
        moment = self._add_days(start, days) if days else start
        return self._add_time(moment, timedelta(minutes=budget.minutes))

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Business time from `a` to `b` (negative when b is before a)."""
        if b < a:
            return -self.between(b, a)
        total = timedelta(0)
        for opens, closes in self._days(a):
            if opens >= b:
                break
            total += min(closes, b) - max(opens, a)
        return total

    def _add_time(self, start: datetime, budget: timedelta) -> datetime:
        if budget <= timedelta(0):
            return start
        left = budget
        for opens, closes in self._days(start):
            begin = max(opens, start)
            if closes - begin >= left:
                return begin + left
            left -= closes - begin
        raise AssertionError("unreachable")  # pragma: no cover

    def _add_days(self, start: datetime, days: int) -> datetime:
        """The same point of the open day `days` open days later (see the module's doc)."""
        spans = self._days(start)
        opens, closes = next(spans)
        offset = start - opens if opens <= start else timedelta(0)
        previous = (opens, closes)
        for _ in range(days):
            previous = (opens, closes)
            opens, closes = next(spans)
        if offset == timedelta(0) and days:
            return previous[1]  # an opening is the previous open day's closing on this clock: the earlier
        return opens + min(offset, closes - opens)

    def _days(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open spans (UTC) that end at or after `start`, in order, for as long as asked."""
        zone = self.zone
        day = start.astimezone(zone).date() - timedelta(days=1)
        for _ in range(_LONGEST):
            span = self.hours.get(day.weekday())
            if span is not None:
                opens, closes = (_at(day, minutes, zone) for minutes in span)
                if closes >= start and closes > opens:
                    yield opens, closes
            day += timedelta(days=1)
        raise Invalid("no open time within years of that date")


class AllHours:
    """No business hours: every hour counts, a day is 24 hours."""

    def __str__(self) -> str:
        return "every hour"

    def add(self, start: datetime, budget: Budget | timedelta) -> datetime:
        delta = budget if isinstance(budget, timedelta) else budget.as_clock_time()
        return start.astimezone(UTC) + max(delta, timedelta(0))

    def between(self, a: datetime, b: datetime) -> timedelta:
        return b - a

    def is_open(self, moment: datetime) -> bool:
        return True


ALL_HOURS = AllHours()


def clock(hours: BusinessHours | None) -> "BusinessHours | AllHours":
    """What deadlines count in: the business hours, or every hour when none are set."""
    return hours if hours is not None else ALL_HOURS


def _at(day: date, minutes: int, zone: tzinfo) -> datetime:
    """`minutes` after the local midnight of `day`, by the wall clock, in UTC."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days_text(days: list[int]) -> str:
    """[0,1,2,3,4] -> mon-fri; [0,2,4] -> mon,wed,fri; runs of three or more as ranges."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(f"{DAYS[r[0]]}-{DAYS[r[-1]]}" if len(r) > 2 else ",".join(DAYS[d] for d in r) for r in runs)


_RANGE = re.compile(r"(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})")


def parse(text: str) -> BusinessHours:
    """The setting's text (see the module's doc); Invalid with one line that says what is wrong."""
    cleaned = " ".join(text.split())
    pieces = _RANGE.split(cleaned)
    if len(pieces) < 3:
        raise Invalid(f"business hours are days and hours, e.g. {_EXAMPLE!r}, not {cleaned!r}")
    hours: dict[int, Span] = {}
    for index in range(0, len(pieces) - 1, 3):
        days_text, opens, closes = pieces[index].strip(" ,"), pieces[index + 1], pieces[index + 2]
        if not days_text:
            raise Invalid(f"which days are {opens}-{closes}? e.g. {_EXAMPLE!r}")
        span = (_minutes(opens, closing=False), _minutes(closes, closing=True))
        if span[1] <= span[0]:
            raise Invalid(f"{opens}-{closes} closes before it opens; hours run from opening "
                          "to closing within a day, e.g. 09:00-17:00")
        for day in _day_set(days_text):
            if day in hours:
                raise Invalid(f"{DAYS[day]} is given twice")
            hours[day] = span
    zone_name = pieces[-1].strip() or None
    if zone_name is not None:
        _check_zone(zone_name)
    return BusinessHours(dict(sorted(hours.items())), zone_name)


def _minutes(text: str, *, closing: bool) -> int:
    hour, minute = (int(p) for p in text.split(":"))
    if (hour, minute) == (24, 0) and closing:
        return 24 * 60
    if hour > 23 or minute > 59:
        raise Invalid(f"{text} is not a time of day (00:00 to 23:59; a closing may be 24:00)")
    return hour * 60 + minute


def _day_set(text: str) -> list[int]:
    days: list[int] = []
    for item in re.split(r"[,\s]+", re.sub(r"\s*-\s*", "-", text.lower())):
        first, _, last = item.partition("-")
        a, b = _day(first), _day(last) if last else None
        days.extend([a] if b is None else [(a + i) % 7 for i in range((b - a) % 7 + 1)])
    return days


_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(name: str) -> int:
    """mon, tues, thursday...: a day's name or its start, three letters at least."""
    for index, full in enumerate(_FULL_NAMES):
        if len(name) >= 3 and full.startswith(name):
            return index
    raise Invalid(f"unknown day {name!r}; days are {', '.join(DAYS)}")


def _check_zone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown time zone {name!r}; give a name such as Europe/Berlin or "
                      "America/New_York") from None
