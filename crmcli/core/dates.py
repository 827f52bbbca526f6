"""Natural-language dates: one grammar for the command line and the TUI.

`parse` reads what a user types (`fri 10am`, `in 2 weeks`, `eom`, `2026-12-01`) into a `When`: a day with
an optional local wall-clock time, read in the zone of the aware `now` it is given. `lean` settles words
that name no direction: "future" for due dates, "past" for when something happened.

Rules (the README's "Dates and times" table shows them with examples; tests/core/test_dates.py asserts it):
- A bare weekday (`fri`) is never today: future lean -> the next one, 1..7 days ahead; past lean -> the
  last one, 1..7 days back. On a Friday, `fri` is a week away; `today` says today. `next fri` and
  `last fri` force the direction whatever the lean; `this fri` is the Friday of the current Mon-Sun week.
- A day and month without a year (`dec 3`, `3 dec`) is the nearest such date on or after today (future)
  or on or before today (past).
- A bare time (`3pm`) is today at that time unless that is on the wrong side of now: future lean ->
  tomorrow if it has passed, past lean -> yesterday if it is later than now; the current minute counts
  as today. A time given with a day (`today 9am`, `3pm tomorrow`) is taken as written.
- Anchors ignore lean: sow/som/soy = Monday/1st/Jan 1 of the current week/month/year; eow = Friday of
  the current Mon-Sun week (a work week: on a weekend, the Friday just gone); eom = the month's last
  day; eoy = Dec 31. `start of month`, `end of the week`... are long spellings.
- Units: d, w, m (months; minutes are `min`), q (quarter = 3 months), y, h, min. Day units give a whole
  day (`in 3 days`, `+1m`: months clamp to the month's end, Jan 31 + 1m = Feb 28); hours and minutes
  give an exact moment (`in 3 hours` is 3 h of elapsed time, also across a DST change).
- A bare length of time (`90d`, `2 weeks`, `4h`) names no direction, so lean settles it: past lean -> that
  long ago (`--since 90d`), future lean -> that long from now (`--due 2w`).
- Periods: `this|last|next week|month|quarter|year` is the first day of that period (Monday, the 1st,
  Jan/Apr/Jul/Oct 1, Jan 1), a whole day: the start of a range for --since, --as-of, --at. A due date
  needs a day inside the period, and which one (its first? its last?) is a guess that makes a follow-up
  silently late or early, so future lean refuses `this ...` and `last ...` (they start today or earlier)
  and asks for a day (eow, eom, next monday); `next week` (next Monday, its first day) is allowed.
- Parts of today: `this morning` = today 09:00, `this afternoon` = today 14:00, `this evening` = today
  18:00, in either lean, taken as written like `today 9am` (for all of today since midnight: `today`).
- ISO date-times with an offset (`...Z`, `...+01:00`) are absolute; they are shown in the local zone.
- Range: a date is a day from FIRST_DAY to LAST_DAY (1900-01-01 to 9998-12-31); a length of time, a
  repeat's step and a shift are at most MAX_YEARS (100 years). Past those, a clear DateError: nothing
  read here overflows later (a display in another zone, the next occurrence, a snooze).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Callable, Literal, get_args

from dateutil.relativedelta import relativedelta

from crmcli.errors import Invalid

Lean = Literal["past", "future"]
Freq = Literal["daily", "weekly", "monthly", "yearly"]

DATE_FORMS = ("today, tomorrow, fri, next friday, in 3 days, +2w, 3 months ago, 90d, last month, eom, 2026-12-01, "
              "tomorrow 3pm")
RECURRENCE_FORMS = ("daily, weekly, fortnightly, every 2 weeks, 2w, every monday, every month, every quarter, "
                    "every year")
DURATION_FORMS = "3d, 2 days, 1w, 2 weeks, 1 month, 4h"

# The days a date may name, and the longest length of time, repeat or shift: every zone can convert a
# day in this range and the day after it, and one more step of a repeat (at most MAX_YEARS) stays
# inside what Python's dates hold, so a date read here never overflows later (display, `done`, snooze).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)
MAX_YEARS = 100
_MINUTES = {"minutes": 1, "hours": 60, "days": 1440, "weeks": 10_080, "months": 43_830, "years": 525_960}
_MAX_MINUTES = MAX_YEARS * _MINUTES["years"]

# parse_moment's clock for an all-day value: noon for the past (its UTC value stays on the same
# calendar day in any zone within 12 h of UTC), 09:00 for the future (when a working day starts).
PAST_ALL_DAY = time(12)
FUTURE_ALL_DAY = time(9)


class DateError(Invalid):
    """A date, time, recurrence or duration that cannot be read (exit code 2); `detail` says why,
    when there is more to say than "not a form crm reads" ("longer than 100 years")."""

    detail = ""


def _cannot(what: str, text: str, forms: str, detail: str = "") -> DateError:
    reason = f" ({detail})" if detail else ""
    from crmcli.core.text import quoted

    error = DateError(f"cannot read the {what} {quoted(text)}{reason}; try: {forms}")
    error.detail = detail
    return error


# --- vocabulary: one weekday map, one month map, one unit table --------------------------------------

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = {name: i for i, full in enumerate(DAY_NAMES) for name in (full, full[:3])}
_WEEKDAYS.update(tues=1, thur=3, thurs=3)

_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")
_MONTHS = {name: i for i, full in enumerate(_MONTH_NAMES, 1) for name in (full, full[:3])}
_MONTHS.update(sept=9)

# (relativedelta field, multiplier) -> the words for it. `m` is months: minutes are `min`.
_UNIT_WORDS: dict[tuple[str, int], tuple[str, ...]] = {
    ("minutes", 1): ("min", "mins", "minute", "minutes"),
    ("hours", 1): ("h", "hr", "hrs", "hour", "hours"),
    ("days", 1): ("d", "day", "days"),
    ("weeks", 1): ("w", "wk", "wks", "week", "weeks"),
    ("months", 1): ("m", "mo", "month", "months"),
    ("months", 3): ("q", "quarter", "quarters"),
    ("years", 1): ("y", "yr", "yrs", "year", "years"),
}
_UNITS = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
_EXACT_FIELDS = frozenset({"hours", "minutes"})

_TERM = re.compile(r"(?:(?P<count>\d+)\s*|(?P<one>an?)\s+)(?P<unit>[a-z]+)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}(?::?\d{2})?)?")
_TIME = r"noon|midnight|\d{1,2}(?::\d{2})?\s*[ap]m|\d{1,2}:\d{2}"
_DAY_THEN_TIME = re.compile(rf"(?:(?P<day>(?!at\s).+?)\s+(?:at\s+)?|at\s+)?(?P<time>{_TIME})")
_TIME_THEN_DAY = re.compile(rf"(?:at\s+)?(?P<time>{_TIME})\s+(?P<day>.+)")
_CLOCK = re.compile(r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<half>[ap]m)?")
_WEEKDAY = re.compile(r"(?:(?P<which>next|last|this)\s+)?(?P<name>[a-z]+)")
_DAY_MONTH = re.compile(r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m1>[a-z]+)|(?P<m2>[a-z]+)\s+(?P<d2>\d{1,2})"
                        r"(?:st|nd|rd|th)?)(?:\s+(?P<year>\d{4}))?")
_LONG_ANCHOR = re.compile(r"(?P<edge>start|end) of (?:the )?(?P<period>week|month|year)")
_PERIOD = re.compile(r"(?P<which>this|last|next) (?P<period>week|month|quarter|year)")

# Parts of today, each one wall-clock time (the README's "Dates and times" lists them).
PARTS_OF_DAY = {"this morning": time(9), "this afternoon": time(14), "this evening": time(18)}


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace(",", " ").split())


def _term(text: str) -> tuple[int, str] | None:
    """`3 days`, `2w`, `a week` -> (count, relativedelta field); quarters become months. A length
    past MAX_YEARS is a ValueError (which the callers word)."""
    match = _TERM.fullmatch(text)
    unit = _UNITS.get(match["unit"]) if match else None
    if match is None or unit is None:
        return None
    field, multiplier = unit
    count = 1 if match["one"] else _count(match["count"])
    return _bounded(count * multiplier, field), field


def _count(digits: str) -> int:
    """A count as typed; its digits are checked before int() (which refuses past 4,300 of them)."""
    if len(digits.lstrip("0")) > 12:
        raise ValueError(f"longer than {MAX_YEARS} years")
    return int(digits)


def _bounded(count: int, field: str) -> int:
    if count * _MINUTES[field] > _MAX_MINUTES:
        raise ValueError(f"longer than {MAX_YEARS} years")
    return count


def _offset(text: str, lean: Lean) -> tuple[int, str] | None:
    """`in 3 days`, `+3d`, `-2w`, `3 days ago` -> signed (count, field); a bare `90d` goes the lean's way
    (ago for the past, from now for the future); anything else -> None."""
    if text.startswith("in "):
        body, sign = text[3:], 1
    elif text.endswith(" ago"):
        body, sign = text[:-4], -1
    elif text[:1] in ("+", "-"):
        body, sign = text[1:].lstrip(), 1 if text[0] == "+" else -1
    else:
        body, sign = text, -1 if lean == "past" else 1
    term = _term(body)
    return None if term is None else (sign * term[0], term[1])


# --- whole-day expressions: each reader takes (text, today, lean) and returns a date or None ----------

def _named_day(text: str, today: date, lean: Lean) -> date | None:
    shift = {"today": 0, "tomorrow": 1, "yesterday": -1}.get(text)
    return None if shift is None else today + timedelta(days=shift)


_ANCHORS: dict[str, Callable[[date], date]] = {
    "sow": lambda d: d - timedelta(days=d.weekday()),
    "eow": lambda d: d + timedelta(days=4 - d.weekday()),
    "som": lambda d: d.replace(day=1),
    "eom": lambda d: d + relativedelta(day=31),
    "soy": lambda d: d.replace(month=1, day=1),
    "eoy": lambda d: d.replace(month=12, day=31),
}


def _anchor(text: str, today: date, lean: Lean) -> date | None:
    long = _LONG_ANCHOR.fullmatch(text)
    key = f"{long['edge'][0]}o{long['period'][0]}" if long else text
    return _ANCHORS[key](today) if key in _ANCHORS else None


def _period(text: str, today: date, lean: Lean) -> date | None:
    match = _PERIOD.fullmatch(text)
    if match is None:
        return None
    which, period = match["which"], match["period"]
    if lean == "future" and which != "next":
        raise DateError(f"{text!r} is a period, not a due date: say which day, e.g. eow, eom, next monday, "
                        f"next {period}")  # the CLI and the TUI both show it as it is: no hint needed
    step = {"this": 0, "last": -1, "next": 1}[which]
    if period == "week":
        return today - timedelta(days=today.weekday()) + timedelta(weeks=step)
    if period == "year":
        return date(today.year + step, 1, 1)
    months = 3 if period == "quarter" else 1
    first = today.replace(day=1, month=(today.month - 1) // months * months + 1)
    return first + relativedelta(months=step * months)


def _iso_day(text: str, today: date, lean: Lean) -> date | None:
    return _isoparse(text).date() if _ISO_DATE.fullmatch(text) else None


def _weekday(text: str, today: date, lean: Lean) -> date | None:
    match = _WEEKDAY.fullmatch(text)
    wanted = _WEEKDAYS.get(match["name"]) if match else None
    if match is None or wanted is None:
        return None
    which = match["which"] or ("next" if lean == "future" else "last")
    if which == "this":
        return today + timedelta(days=wanted - today.weekday())
    if which == "next":
        return today + timedelta(days=(wanted - today.weekday() - 1) % 7 + 1)
    return today - timedelta(days=(today.weekday() - wanted - 1) % 7 + 1)


def _day_month(text: str, today: date, lean: Lean) -> date | None:
    match = _DAY_MONTH.fullmatch(text)
    month = _MONTHS.get(match["m1"] or match["m2"]) if match else None
    if match is None or month is None:
        return None
    day = int(match["d1"] or match["d2"])
    if match["year"]:
        return date(int(match["year"]), month, day)
    # Nine years reach the next (or last) Feb 29 even across a skipped leap year (2100).
    step = 1 if lean == "future" else -1
    for year in range(today.year, today.year + 9 * step, step):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if (candidate >= today) if lean == "future" else (candidate <= today):
            return candidate
    raise ValueError(f"no day {day} in {_MONTH_NAMES[month - 1]}")


def _relative_day(text: str, today: date, lean: Lean) -> date | None:
    offset = _offset(text, lean)
    if offset is None or offset[1] in _EXACT_FIELDS:
        return None
    count, field = offset
    return today + relativedelta(**{field: count})  # type: ignore[arg-type]


_DAY_READERS = (_named_day, _anchor, _period, _iso_day, _weekday, _day_month, _relative_day)


# --- exact moments: now, ISO date-times, hours and minutes from now -----------------------------------

def _isoparse(text: str) -> datetime:
    # The standard library reads the usual ISO forms; dateutil.parser (~8 ms to import, with
    # dateutil.tz and ctypes) only the rarer ones (week dates, compact forms...).
    try:
        return datetime.fromisoformat(text.upper())
    except ValueError:
        from dateutil.parser import isoparse

        return isoparse(text.upper())


def _moment(text: str, now: datetime, lean: Lean) -> datetime | None:
    """An exact local datetime (in now's zone) for `now`, ISO date-times and sub-day offsets."""
    if text == "now":
        return now
    if _ISO_DATETIME.fullmatch(text):
        parsed = _isoparse(text)
        # With an offset it is an instant: convert it. Without, it is already local wall time.
        return parsed.astimezone(now.tzinfo) if parsed.tzinfo else parsed.replace(tzinfo=now.tzinfo)
    offset = _offset(text, lean)
    if offset is None or offset[1] not in _EXACT_FIELDS:
        return None
    count, field = offset
    # Elapsed time, so add in UTC: `in 2 hours` stays 2 hours across a DST change.
    return (now.astimezone(timezone.utc) + timedelta(**{field: count})).astimezone(now.tzinfo)


def _clock(text: str, whole: str) -> time:
    """`noon`, `midnight`, `3pm`, `3:30 pm`, `15:30` -> a wall-clock time."""
    if text in ("noon", "midnight"):
        return time(12 if text == "noon" else 0)
    match = _CLOCK.fullmatch(text)
    assert match is not None  # _TIME only lets clock shapes through
    hour, minute, half = int(match["hour"]), int(match["minute"] or 0), match["half"]
    if (half and not 1 <= hour <= 12) or hour > 23 or minute > 59:
        raise _cannot("date", whole, DATE_FORMS, f"no such time {text!r}")
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    return time(hour, minute)


def _split_time(text: str) -> tuple[str | None, str | None]:
    """`tomorrow 3pm`, `3pm tomorrow`, `3pm` -> (day text, time text); no time -> (text, None)."""
    match = _DAY_THEN_TIME.fullmatch(text) or _TIME_THEN_DAY.fullmatch(text)
    return (match["day"], match["time"]) if match else (text, None)


def _bare_time(clock: time, now: datetime, lean: Lean) -> date:
    current = now.time().replace(second=0, microsecond=0, fold=0)
    if lean == "future" and clock < current:
        return now.date() + timedelta(days=1)
    if lean == "past" and clock > current:
        return now.date() - timedelta(days=1)
    return now.date()


# --- public API ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class When:
    """A parsed moment: either a whole day (time is None) or a date-time."""

    day: date
    time: time | None  # local wall-clock time (fold kept for the repeated hour), None = all-day

    @property
    def is_all_day(self) -> bool:
        return self.time is None

    def to_utc(self, tz: tzinfo) -> datetime:
        """Aware UTC datetime; an all-day value is local midnight of that day in tz.

        tz must resolve wall times itself (zoneinfo, datetime.timezone): the wall time is built
        naive, tz attached, then converted. A time in a spring-forward gap uses the offset before it.
        """
        wall = datetime.combine(self.day, time(0) if self.time is None else self.time)
        return wall.replace(tzinfo=tz).astimezone(timezone.utc)


def parse(text: str, *, now: datetime, lean: Lean) -> When:
    """Read a date or date-time typed by a user, in now's zone (see the module docstring for the rules).

    lean="future" (due dates): `fri` = the next Friday, 1..7 days ahead (never today); `3pm` = the
    next 3pm. lean="past" (when it happened): `fri` = the last Friday, 1..7 days back; `3pm` = the
    last 3pm. Raises DateError naming the text and the accepted forms.
    """
    _check(now, lean)
    s = _normalise(text)
    try:
        when = _parse(s, text, now, lean) if s else None
    except (ValueError, OverflowError) as err:  # impossible dates, years past 9999
        raise _cannot("date", text, DATE_FORMS, str(err)) from None
    if when is None:
        raise _cannot("date", text, DATE_FORMS)
    if not FIRST_DAY <= when.day <= LAST_DAY:
        raise _cannot("date", text, DATE_FORMS, f"a day from {FIRST_DAY} to {LAST_DAY}")
    return when


def _check(now: datetime, lean: str) -> None:
    if now.utcoffset() is None:
        raise TypeError("now must be an aware datetime")
    if lean not in get_args(Lean):
        raise ValueError(f"lean must be 'past' or 'future', not {lean!r}")


def _parse(s: str, text: str, now: datetime, lean: Lean) -> When | None:
    moment = _moment(s, now, lean)
    if moment is not None:
        return When(moment.date(), moment.time())
    if s in PARTS_OF_DAY:
        return When(now.date(), PARTS_OF_DAY[s])
    day_text, time_text = _split_time(s)
    clock = None if time_text is None else _clock(time_text, text)
    if day_text is None:
        assert clock is not None
        return When(_bare_time(clock, now, lean), clock)
    for reader in _DAY_READERS:
        day = reader(day_text, now.date(), lean)
        if day is not None:
            return When(day, clock)
    return None


def parse_moment(text: str, *, now: datetime, lean: Lean) -> datetime:
    """parse(), then one aware UTC datetime. An all-day value becomes, for lean="future", 09:00 local of
    that day; for lean="past", now if the day is today, else 12:00 local. Callers that need all-day
    semantics use parse()."""
    when = parse(text, now=now, lean=lean)
    if when.time is None:
        if lean == "past" and when.day == now.date():
            return now.astimezone(timezone.utc)
        when = When(when.day, FUTURE_ALL_DAY if lean == "future" else PAST_ALL_DAY)
    return when.to_utc(now.tzinfo)  # type: ignore[arg-type]  # _check made sure it is set


def parse_since(text: str, *, now: datetime) -> datetime:
    """For --since filters (lean past): a day is its local midnight, a date-time is exact; in UTC."""
    return parse(text, now=now, lean="past").to_utc(now.tzinfo)  # type: ignore[arg-type]


def parse_duration(text: str) -> relativedelta:
    """`2 days`, `3d`, `1w`, `2 weeks`, `1 month`, `90d`, `4h`, `a week`: one positive count and unit."""
    try:
        term = _term(_normalise(text))
    except ValueError as err:  # longer than MAX_YEARS
        raise _cannot("duration", text, DURATION_FORMS, str(err)) from None
    if term is None or term[0] < 1:
        raise _cannot("duration", text, DURATION_FORMS)
    count, field = term
    return relativedelta(**{field: count})  # type: ignore[arg-type]


# --- recurrence ---------------------------------------------------------------------------------------

_FREQ_FIELD: dict[str, str] = {"daily": "days", "weekly": "weeks", "monthly": "months", "yearly": "years"}
_FIELD_FREQ = {field: freq for freq, field in _FREQ_FIELD.items()}
_ADVERBS = {"daily": "every day", "weekly": "every week", "fortnightly": "every 2 weeks", "biweekly": "every 2 weeks",
            "every fortnight": "every 2 weeks", "monthly": "every month", "quarterly": "every quarter",
            "yearly": "every year", "annually": "every year"}
# `every` may go unsaid (`--every 2w`, `--every week`): a repeat is read by its own parser, apart
# from dates, so `2w` is "every 2 weeks" here and "in 2 weeks" as a due date.
_EVERY = re.compile(r"(?P<every>every )?(?:(?P<count>-?\d+|other)\s*)?(?P<unit>[a-z]+)(?: on (?P<on>[a-z]+))?")


@dataclass(frozen=True)
class Recurrence:
    """A repeat rule. Monthly and yearly rules clamp to the month's end instead of skipping months
    that lack the day (rrule's way): monthly from Jan 31 -> Feb 28 (29) -> Mar 28, because each
    occurrence is counted from the previous due date."""

    freq: Freq
    interval: int = 1
    byweekday: int | None = None  # 0=Monday, weekly rules only

    def __post_init__(self) -> None:
        if self.freq not in _FREQ_FIELD:
            raise ValueError(f"unknown frequency {self.freq!r}")
        if self.interval < 1:
            raise ValueError("the interval must be at least 1")
        if self.byweekday is not None and (self.freq != "weekly" or self.byweekday not in range(7)):
            raise ValueError("a weekday goes with weekly rules only")

    def next_after(self, due: datetime | date) -> datetime | date:
        """The next occurrence counted from `due` (not from today); a date gives a date, a datetime a
        datetime, on the same wall clock of due's own tzinfo (pass a local time to keep 09:00 local).
        A weekly rule with a weekday counts weeks as RRULE does, from the Monday of due's week."""
        wall = due.replace(tzinfo=None) if isinstance(due, datetime) else datetime.combine(due, time())
        try:
            following = self._next_wall(wall)
        except (ValueError, OverflowError):  # past the year 9999
            raise DateError(f"no {self.describe()} after {wall:%Y-%m-%d}: that is past the last day crm "
                            f"keeps ({LAST_DAY})") from None
        if following.date() > LAST_DAY:
            raise DateError(f"no {self.describe()} after {wall:%Y-%m-%d}: that is past the last day crm "
                            f"keeps ({LAST_DAY})")
        return following.replace(tzinfo=due.tzinfo) if isinstance(due, datetime) else following.date()

    def _next_wall(self, wall: datetime) -> datetime:
        if self.freq in ("monthly", "yearly"):
            return wall + relativedelta(**{_FREQ_FIELD[self.freq]: self.interval})  # type: ignore[arg-type]
        from dateutil.rrule import DAILY, WEEKLY, rrule  # only daily and weekly rules need it

        start = wall.replace(microsecond=0)  # rrule drops microseconds; put them back after
        rule = rrule(DAILY if self.freq == "daily" else WEEKLY, dtstart=start, interval=self.interval,
                     byweekday=self.byweekday)
        following = rule.after(start)
        if following is None:
            raise DateError(f"no {self.describe()} after {wall:%Y-%m-%d}")
        return following.replace(microsecond=wall.microsecond)

    def to_rrule(self) -> str:
        """The iCalendar RRULE value, e.g. "FREQ=WEEKLY;INTERVAL=2" or "FREQ=WEEKLY;BYDAY=MO"."""
        parts = [f"FREQ={self.freq.upper()}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.byweekday is not None:
            parts.append(f"BYDAY={DAY_NAMES[self.byweekday][:2].upper()}")
        return ";".join(parts)

    def describe(self) -> str:
        """A phrase that parse_recurrence reads back: "every 2 weeks", "every monday", "every quarter"."""
        if self.freq == "monthly" and self.interval == 3:
            return "every quarter"
        unit = _FREQ_FIELD[self.freq][:-1]
        every = f"every {unit}" if self.interval == 1 else f"every {self.interval} {unit}s"
        if self.byweekday is None:
            return every
        day = DAY_NAMES[self.byweekday]
        return f"every {day}" if self.interval == 1 else f"{every} on {day}"


def parse_recurrence(text: str) -> Recurrence:
    """`daily|weekly|fortnightly|biweekly|monthly|quarterly|yearly|annually`, `every day|week|2 weeks|
    month|quarter|year|N days|fortnight`, `every other week`, `every monday`, `every 2 weeks on monday`;
    `every` may go unsaid: `2w`, `1 week`, `3d`, `2 months`, `week`, `monday` (`--every monday`). A
    step of at least 1 and at most MAX_YEARS. Raises DateError."""
    s = _normalise(text)
    try:
        recurrence = _recurrence(_ADVERBS.get(s, s))
    except ValueError as err:  # "every 0 days", "every -1 day", "every 500 years"
        raise _cannot("recurrence", text, RECURRENCE_FORMS, str(err)) from None
    if recurrence is None:
        raise _cannot("recurrence", text, RECURRENCE_FORMS)
    return recurrence


def _recurrence(text: str) -> Recurrence | None:
    match = _EVERY.fullmatch(text)
    if match is None or (match["count"] == "other" and not match["every"]):
        return None
    count, word, on = match["count"], match["unit"], match["on"]
    interval = _interval(count)
    if word in _WEEKDAYS and on is None:  # every monday, every other monday
        return Recurrence("weekly", _bounded(interval, "weeks"), _WEEKDAYS[word])
    field, multiplier = _UNITS.get(word, ("", 0))
    if field in _EXACT_FIELDS:
        raise ValueError("a repeat counts days, weeks, months or years")
    freq = _FIELD_FREQ.get(field)
    if freq is None or (on is not None and on not in _WEEKDAYS):
        return None
    weekday = None if on is None else _WEEKDAYS[on]
    return Recurrence(freq, _bounded(interval * multiplier, field), weekday)  # type: ignore[arg-type]


def _interval(count: str | None) -> int:
    """How many units a step is: `other` is 2, none is 1; a repeat goes forward, by 1 or more."""
    if count == "other":
        return 2
    if count is None:
        return 1
    if count.startswith("-") or not count.strip("0"):
        raise ValueError("a repeat goes forward: every 1 or more")
    return _count(count)
