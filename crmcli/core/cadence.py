"""Keep-in-touch cadences: a contact is due for contact when its last interaction (or, never
contacted, its creation) is older than its cadence. Judged in SQL, for all contacts at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from crmcli.core import dates
from crmcli.errors import Invalid

# Days per unit of a recurrence, for a cadence ("every month" = about 30 days of silence).
_DAYS = {"daily": 1, "weekly": 7, "monthly": 30, "yearly": 365}


def parse(text: str) -> int:
    """`every 30 days`, `every 2 weeks`, `monthly`, `every quarter` -> days; also a bare `90d` (the
    recurrence grammar: dates.parse_recurrence)."""
    try:
        rule = dates.parse_recurrence(text)
    except dates.DateError as err:
        reason = f" ({err.detail})" if err.detail else ""
        raise Invalid(f"cannot read the cadence {text!r}{reason}; try: every 30 days, every 2 weeks, monthly, "
                      "every quarter") from None
    if rule.byweekday is not None:
        raise Invalid(f"a cadence is a length of time, not a weekday: {text!r}; try: every week")
    return _DAYS[rule.freq] * rule.interval


LENGTH_FORMS = "90d, 6 weeks, 3 months, 1 year"


def parse_after(text: str) -> int:
    """A length of silence (`--cold-after 90d`, `3 months`, `1 year`) -> whole days: a month counts 30,
    a quarter 90, a year 365, as in a cadence. A cadence's words (`every 90 days`, `quarterly`) read
    too. Its own message: it is a length of time, not a cadence (a repeat rule) nor a date."""
    try:
        delta = dates.parse_duration(text)
    except dates.DateError as err:
        try:
            return parse(text)
        except Invalid:
            reason = f" ({err.detail})" if err.detail else ""
            raise Invalid(f"cannot read the length of time {text!r}{reason}; try: {LENGTH_FORMS}") from None
    if delta.hours or delta.minutes:
        raise Invalid(f"a length of silence counts whole days, not {text!r}; try: {LENGTH_FORMS}")
    return delta.days + 30 * delta.months + 365 * delta.years


def describe(days: int | None) -> str:
    return "" if days is None else ("every day" if days == 1 else f"every {days} days")


def days_over(last_contact: Any, created_at: Any, cadence_days: Any, as_of: datetime) -> Any:
    """How many days past its cadence a contact is at `as_of` (negative: not yet due)."""
    from crmcli.storage.sql import age_days

    since = sa.func.coalesce(last_contact, created_at)
    return age_days(since, sa.literal(as_of, sa.DateTime(timezone=True))) - cadence_days


def is_cold(last_contact: datetime | None, created: datetime, cadence_days: int | None, now: datetime) -> bool:
    """The same rule as `days_over` (SQL) for one contact already in hand: past its cadence, counted
    from the last interaction, or from when it was added if there was none."""
    if cadence_days is None:
        return False
    since = last_contact or created
    return (now - since).total_seconds() > cadence_days * 86400
