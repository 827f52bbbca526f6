"""The local zone and "now": times are stored in UTC and read and shown in the local zone."""

from __future__ import annotations

import os
from datetime import datetime, tzinfo


def local_zone() -> tzinfo:
    """TZ when it names a zone (DST-aware, and tests can set it), else the system's zone."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    from dateutil.tz import tzlocal

    return tzlocal()


def local_now() -> datetime:
    return datetime.now(local_zone())


def to_local(moment: datetime) -> datetime:
    """A UTC time in the local zone (the system's own conversion when TZ is not set: no imports)."""
    if os.environ.get("TZ"):
        return moment.astimezone(local_zone())
    return moment.astimezone()
