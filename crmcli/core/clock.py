"""The local zone and "now": times are stored in UTC and read and shown in the local zone."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, tzinfo


def local_zone() -> tzinfo:
    """TZ when it names a zone (DST-aware, and tests can set it), else the system's zone: as a
    zoneinfo zone when /etc/localtime names one (conversions in C, and a name for iCalendar's TZID),
    else dateutil's tzlocal."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    for name in (os.environ.get("TZ", "").lstrip(":"), _system_zone_name()):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                pass
    from dateutil.tz import tzlocal

    return tzlocal()


def _system_zone_name() -> str:
    """"Europe/London" from /etc/localtime -> .../zoneinfo/Europe/London (the usual Unix set-up)."""
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return ""
    marker = "zoneinfo/"
    return target[target.index(marker) + len(marker):] if marker in target else ""


# A pinned clock: `CRMCLI_NOW=2026-11-25T10:30:00Z` (any ISO 8601 instant; local time without an
# offset) makes every "now" that instant. For tests, the README tour and reproducible demos; the
# TUI's app factory takes the same clock.
PIN_VARIABLE = "CRMCLI_NOW"


def as_utc(moment: datetime) -> datetime:
    """A stored time as aware UTC: SQLite hands stored UTC times back naive, PostgreSQL aware."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_now() -> datetime:
    pinned = os.environ.get(PIN_VARIABLE)
    if not pinned:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
    except ValueError:
        from crmcli.errors import Invalid

        raise Invalid(f"{PIN_VARIABLE}={pinned!r} is not an ISO 8601 date-time such as 2026-11-25T10:30:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(UTC)


def local_now() -> datetime:
    return utc_now().astimezone(local_zone())


def to_local(moment: datetime) -> datetime:
    """A UTC time in the local zone (the system's own conversion when TZ is not set: no imports)."""
    if os.environ.get("TZ"):
        return moment.astimezone(local_zone())
    return moment.astimezone()


def resolve_as_of(text: str | None, now: datetime) -> datetime:
    """The instant a judgement is made at (`--as-of`, a date picker): `now` when none is given, else
    the moment or day it names (a bare day is its start, as when cron runs in the morning). Kept in
    `now`'s zone, since the day boundaries of "due today" are that zone's."""
    if not text:
        return now
    from crmcli.core import dates

    return dates.parse_since(text, now=now).astimezone(now.tzinfo)


def shown_local(value: object) -> str:
    """A stored UTC time (ISO text or datetime) as people read it, in the local zone to the minute;
    a whole day (`2026-11-27`, an all-day due date, as text or a date) as it is. Both front ends
    show times so."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and len(value) == 10:
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_local(moment).strftime("%Y-%m-%d %H:%M")

