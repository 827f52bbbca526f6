"""The local zone and "now": times are stored in UTC and read and shown in the local zone."""

from __future__ import annotations

import os
from datetime import datetime, tzinfo


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


def local_now() -> datetime:
    return datetime.now(local_zone())


def to_local(moment: datetime) -> datetime:
    """A UTC time in the local zone (the system's own conversion when TZ is not set: no imports)."""
    if os.environ.get("TZ"):
        return moment.astimezone(local_zone())
    return moment.astimezone()
