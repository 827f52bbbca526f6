"""Core follow-up and cadence services on a temp database: the snooze rule, and lengths of silence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from crmcli.core import cadence, contacts, followups
from crmcli.core.models import FollowUp
from crmcli.errors import Invalid
from crmcli.storage.database import Database
from tests.core.conftest import pin

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 5, 10, 30, 20, tzinfo=LONDON)  # a Thursday, seconds in: snoozes count minutes


@pytest.fixture
def session(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    pin(monkeypatch, NOW)  # created_at and updated_at
    with db.session(write=True) as s:
        yield s


def _item(session: Session, due: str) -> FollowUp:
    bob, _ = contacts.add(session, contacts.ContactChanges(name="Bob Marsh"))
    return followups.add(session, bob, "Call back", followups.Due.parse(due, now=NOW))


def _local(item: FollowUp) -> str:
    at = (item.due_at if item.due_at.tzinfo else item.due_at.replace(tzinfo=UTC)).astimezone(LONDON)
    return f"{at:%Y-%m-%d}" if item.all_day else f"{at:%Y-%m-%d %H:%M}"


@pytest.mark.parametrize(("due", "until", "after"), [
    ("2026-03-10", "2 days", "2026-03-12"),              # ahead: counted from the due date
    ("2026-03-02", "2 days", "2026-03-07"),              # overdue: from now
    ("2026-03-06 15:00", "4h", "2026-03-06 19:00"),
    ("2026-03-05 09:00", "2h", "2026-03-05 12:30"),      # overdue by 90 min: from now
    ("2026-03-10", "monday", "2026-03-09"),              # a date: taken as given, earlier is allowed
    ("2026-03-02", "today", "2026-03-05"),
    ("2026-03-02", "10:30", "2026-03-05 10:30"),         # this very minute is not the past
    ("2026-03-02", "next week", "2026-03-09"),
])
def test_snooze(session: Session, due: str, until: str, after: str) -> None:
    item = followups.snooze(session, _item(session, due), until, now=NOW)
    assert _local(item) == after


@pytest.mark.parametrize(("until", "shown"), [
    ("yesterday", "2026-03-04"), ("today 10:29", "2026-03-05 10:29"), ("3 days ago", "2026-03-02"),
    ("2026-03-05 09:00", "2026-03-05 09:00"), ("1 hour ago", "2026-03-05 09:30"),
])
def test_snooze_into_the_past_is_refused_and_changes_nothing(session: Session, until: str, shown: str) -> None:
    item = _item(session, "2026-03-02")
    before = (item.due_at, item.all_day, item.updated_at)
    with pytest.raises(Invalid) as caught:
        followups.snooze(session, item, until, now=NOW)
    assert str(caught.value) == (f"cannot snooze follow-up #{item.id} to {shown}: that is in the past; give a "
                                 "later day or a length of time such as 2 days")
    assert caught.value.exit_code == 2
    assert (item.due_at, item.all_day, item.updated_at) == before


def test_a_snoozed_all_day_follow_up_stays_all_day(session: Session) -> None:
    item = followups.snooze(session, _item(session, "2026-03-02"), "1w", now=NOW)
    assert item.all_day and _local(item) == "2026-03-12"


@pytest.mark.parametrize(("text", "days"), [
    ("90d", 90), ("6 weeks", 42), ("3 months", 90), ("1 quarter", 90), ("1 year", 365), ("a week", 7),
    ("every 30 days", 30), ("quarterly", 90),
])
def test_cold_after_reads_a_length_of_time(text: str, days: int) -> None:
    assert cadence.parse_after(text) == days


@pytest.mark.parametrize(("text", "message"), [
    ("abc", "cannot read the length of time 'abc'; try: 90d, 6 weeks, 3 months, 1 year"),
    ("", "cannot read the length of time ''; try: 90d, 6 weeks, 3 months, 1 year"),
    ("0d", "cannot read the length of time '0d'; try: 90d, 6 weeks, 3 months, 1 year"),
    ("tomorrow", "cannot read the length of time 'tomorrow'; try: 90d, 6 weeks, 3 months, 1 year"),
    ("12h", "a length of silence counts whole days, not '12h'; try: 90d, 6 weeks, 3 months, 1 year"),
])
def test_cold_after_has_its_own_message(text: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        cadence.parse_after(text)
    assert str(caught.value) == message


def test_a_cadence_keeps_its_own_message() -> None:
    with pytest.raises(Invalid, match=r"^cannot read the cadence 'abc'; try: every 30 days"):
        cadence.parse("abc")


def test_within_has_its_own_message() -> None:
    with pytest.raises(Invalid, match=r"^cannot read the length of time 'soon'; try: 0d, 1d, 2w, 1 month$"):
        followups.within_days("soon")
    assert followups.within_days("2w") == 14 and followups.within_days("today") == 0
