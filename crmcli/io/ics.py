"""Follow-ups as iCalendar (RFC 5545): one VEVENT, or VTODO, per follow-up, for calendar apps to
import or subscribe to.

Stable by design: the UID is the follow-up's series uid (its own uid, unless it is a later occurrence
of a recurring one), so importing again updates the calendar instead of duplicating it: a recurring
follow-up is one event with its RRULE, which moves on when an occurrence is done. DTSTAMP comes from
the data rather than the clock, so exporting unchanged data gives the same bytes (a subscribed
calendar or a file under version control sees no change).

Times: a timed follow-up starts at its UTC instant; an all-day one on its day (a DATE, the same in
every zone). A recurring timed one is written on the local wall clock instead, because crm repeats it
there (09:00 stays 09:00 across a DST change) and a UTC RRULE would drift by an hour, or land on the
wrong weekday.

It writes what the core hands it (crmcli.core.calendar_export.CalendarItem) and imports nothing of
the core: `Item` and `Rule` say what it reads.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Iterable, Protocol

from icalendar import Alarm, Calendar, Component, Event, Todo, vRecur

PRODID = "-//crmcli//crm export ics//EN"
CALENDAR_NAME = "crm follow-ups"
UID_DOMAIN = "crmcli"
TIMED_LENGTH = timedelta(minutes=30)  # a timed follow-up shows as a 30-minute slot
TIMED_ALARM = timedelta(minutes=-15)  # 15 minutes before
DAY_ALARM = timedelta(hours=9)  # from the start of the day: 09:00 on the day


class Rule(Protocol):
    """A repeat rule (crmcli.core.dates.Recurrence)."""

    @property
    def freq(self) -> str: ...  # daily, weekly, monthly, quarterly, yearly

    def to_rrule(self) -> str: ...  # the RRULE value without the clamping below


class Item(Protocol):
    """One open follow-up, as much of it as a calendar shows."""

    @property
    def uid(self) -> str: ...  # the same for every export of the same follow-up (its series)
    @property
    def title(self) -> str: ...
    @property
    def contact_name(self) -> str: ...
    @property
    def note(self) -> str | None: ...
    @property
    def due_at(self) -> datetime: ...  # aware UTC (naive is read as UTC); for an all-day one only a sort key
    @property
    def due_on(self) -> date | None: ...  # the day an all-day one is due on; None when it is timed
    @property
    def recurrence(self) -> Rule | None: ...
    @property
    def updated_at(self) -> datetime | None: ...  # the DTSTAMP when known (else due_at)


def _summary(item: Item) -> str:
    return f"Follow up with {item.contact_name}: {item.title}"


def calendar(items: Iterable[Item], *, todo: bool, zone: tzinfo, alarms: bool = True) -> bytes:
    """The iCalendar file for `items`: VEVENTs, or VTODOs with `todo`; dates are read in `zone`.

    No items give a calendar with no components, which calendar apps accept as an empty calendar
    (strict RFC 5545 asks for at least one component)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", CALENDAR_NAME)
    items = list(items)
    for item in items:
        cal.add_component(_component(item, todo=todo, zone=zone, alarms=alarms))
    if cal.get_missing_tzids():
        # Recurring timed items name the local zone: define it (VTIMEZONE), from the first item on
        # rather than from 1970, which keeps it to a few dozen lines.
        earliest = min(_utc(item.due_at) for item in items).date() - timedelta(days=1)
        cal.add_missing_timezones(first_date=earliest)
    return cal.to_ical()


def _component(item: Item, *, todo: bool, zone: tzinfo, alarms: bool) -> Component:
    part: Component = Todo() if todo else Event()
    part.add("uid", f"{item.uid}@{UID_DOMAIN}")
    part.add("dtstamp", _utc(item.updated_at or item.due_at))
    part.add("summary", _summary(item))
    if item.note:
        part.add("description", item.note)
    start = _start(item, zone)
    if todo:
        # DUE alone: DTSTART would have to be strictly earlier, and a follow-up has no start.
        part.add("due", start)
        part.add("status", "NEEDS-ACTION")
    else:
        part.add("dtstart", start)
        part.add("dtend", start + (timedelta(days=1) if item.due_on is not None else TIMED_LENGTH))
    if item.recurrence is not None:
        part.add("rrule", vRecur.from_ical(rrule(item.recurrence, start)))
    if alarms:
        # A VTODO has no DTSTART, so its alarm counts from DUE (RELATED=END).
        part.add_component(_alarm(item, related="END" if todo else "START"))
    return part


def _start(item: Item, zone: tzinfo) -> date | datetime:
    """The day of an all-day item, the UTC instant for a timed one, the local wall clock for a
    recurring timed one (named zone, or floating when the zone has no IANA name to write)."""
    if item.due_on is not None:
        return item.due_on
    due = _utc(item.due_at)
    if item.recurrence is None:
        return due
    local = due.astimezone(zone)
    named = isinstance(getattr(local.tzinfo, "key", None), str) or local.tzname() == "UTC"
    return local if named else local.replace(tzinfo=None)


def rrule(rule: Rule, start: date | datetime) -> str:
    """The RRULE value for a repeat rule starting on `start`.

    crm clamps to the month's end where RRULE alone skips the months that lack the day (Jan 31 ->
    Mar 31): BYMONTHDAY=<day>,-1;BYSETPOS=1 takes the earlier of that day and the last one. (crm then
    counts from the clamped date, Feb 28 -> Mar 28, which a calendar cannot express; re-exporting after
    `done` shows crm's next date.)"""
    text = rule.to_rrule()
    if rule.freq == "monthly" and start.day > 28:
        text += f";BYMONTHDAY={start.day},-1;BYSETPOS=1"
    elif rule.freq == "yearly" and (start.month, start.day) == (2, 29):
        text += ";BYMONTH=2;BYMONTHDAY=29,-1;BYSETPOS=1"
    return text


def _alarm(item: Item, *, related: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _summary(item))
    alarm.add("trigger", DAY_ALARM if item.due_on is not None else TIMED_ALARM, parameters={"RELATED": related})
    return alarm


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
