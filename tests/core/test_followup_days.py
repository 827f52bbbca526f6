"""An all-day due is a date: the same day wherever it is read, judged by the reader's calendar day;
and the occurrences of a recurring follow-up are one series. On both backends."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crmcli.core import calendar_export, contacts, followups, timeline
from crmcli.core.clock import as_utc
from crmcli.core.agenda import agenda
from crmcli.core.followups import Due, Window, day_key
from crmcli.core.models import FollowUp
from crmcli.core.overview import overview
from crmcli.errors import NotFound
from crmcli.storage.database import Database

BERLIN, LOS_ANGELES, AUCKLAND = ZoneInfo("Europe/Berlin"), ZoneInfo("America/Los_Angeles"), ZoneInfo("Pacific/Auckland")
THURSDAY = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)  # Thursday 5 March in all three zones


def _add(db: Database, *dues: tuple[str, str], now: datetime, repeat: str | None = None) -> dict[str, int]:
    """Follow-ups for Bob typed as `dues` (title, when) by someone whose clock says `now`."""
    with db.session(write=True) as s:
        try:
            bob = contacts.resolve(s, "bob")
        except NotFound:
            bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        return {title: followups.add(s, bob, title, Due.parse(when, now=now), repeat=repeat).id  # type: ignore[misc]
                for title, when in dues}


def test_a_day_typed_in_berlin_is_that_day_read_anywhere(db: Database) -> None:
    ids = _add(db, ("Send the quote", "2026-03-05"), ("Call back", "tomorrow"), ("Chase", "yesterday"),
               now=THURSDAY.astimezone(BERLIN))
    with db.session() as s:
        stored = s.get(FollowUp, ids["Send the quote"])
        assert (stored.due_on, stored.all_day) == (date(2026, 3, 5), True)  # type: ignore[union-attr]
        assert as_utc(stored.due_at) == datetime(2026, 3, 5, 12, tzinfo=UTC)  # type: ignore[union-attr]
    for zone in (BERLIN, LOS_ANGELES, AUCKLAND, UTC):
        now = THURSDAY.astimezone(zone)
        with db.connect() as conn:
            listed = {r.title: (r.due, r.status) for r in followups.rows(conn, Window.around(now)).records()}
            found = agenda(conn, now, cadences=False)
            items = calendar_export.open_items(conn)
            occurred = {r[7]: r[3] for r in timeline.rows(conn, 1).rows}
        assert listed == {"Chase": ("2026-03-04", "overdue"), "Send the quote": ("2026-03-05", "today"),
                          "Call back": ("2026-03-06", "upcoming")}, zone
        assert [(i.what, i.due.shown(zone), i.days) for i in found.items] == [  # type: ignore[union-attr]
            ("Chase", "2026-03-04", 1), ("Send the quote", "2026-03-05", 0)], zone
        assert [(i.title, i.due_on) for i in items] == [("Chase", date(2026, 3, 4)), ("Send the quote", date(2026, 3, 5)),
                                                        ("Call back", date(2026, 3, 6))]
        assert occurred == {"Chase": "2026-03-04", "Send the quote": "2026-03-05", "Call back": "2026-03-06"}
        with db.session() as s:
            seen = overview(s, contacts.resolve(s, "bob"), as_of=now)
        assert [(f.title, f.due, f.status) for f in seen.follow_ups] == [
            ("Chase", Due.day(date(2026, 3, 4)), "overdue"), ("Send the quote", Due.day(date(2026, 3, 5)), "today"),
            ("Call back", Due.day(date(2026, 3, 6)), "upcoming")]


def test_a_day_is_judged_by_the_calendar_day_where_it_is_read(db: Database) -> None:
    """At 12:30 UTC on Thursday it is already Friday in Auckland: Thursday's follow-up is a day late
    there, and due today in Berlin and Los Angeles."""
    ids = _add(db, ("Send the quote", "2026-03-05"), now=THURSDAY.astimezone(BERLIN))
    moment = datetime(2026, 3, 5, 12, 30, tzinfo=UTC)
    for zone, status, days in ((BERLIN, "today", 0), (LOS_ANGELES, "today", 0), (AUCKLAND, "overdue", 1)):
        now = moment.astimezone(zone)
        with db.connect() as conn:
            (row,) = followups.rows(conn, Window.around(now)).records()
            found = agenda(conn, now, cadences=False)
        assert (row.due, row.status) == ("2026-03-05", status), zone
        (item,) = found.items
        assert (item.follow_up_id, item.section, item.days) == (ids["Send the quote"],
                                                                "overdue" if days else "due", days), zone


ZONES = (ZoneInfo("Pacific/Kiritimati"), AUCKLAND, BERLIN, UTC, LOS_ANGELES, ZoneInfo("Pacific/Pago_Pago"))


def test_sections_and_scopes_agree_with_the_calendar_in_every_zone(db: Database) -> None:
    """Days and times around today, read from the far east (UTC+14) to the far west (UTC-11): every
    listing's SQL (its index range widened for days, then the exact test) gives what the calendar says."""
    base = datetime(2026, 3, 5, tzinfo=UTC)
    dues = [(f"day {d}", f"2026-03-{d:02d}") for d in range(2, 10)]
    dues += [(f"time {h}", (base + timedelta(hours=h)).isoformat()) for h in range(-40, 64, 5)]
    ids = _add(db, *dues, now=base.astimezone(BERLIN))
    with db.session() as s:
        dues_by_id = {fid: followups.due_of(s.get(FollowUp, fid)) for fid in ids.values()}  # type: ignore[arg-type]
    for zone, hours, within in itertools.product(ZONES, (1, 11, 13, 23), (0, 2)):
        now = (base + timedelta(hours=hours)).astimezone(zone)
        today, window = now.date(), Window.around(now, within_days=within)
        last = today + timedelta(days=within)

        def overdue(due: Due) -> bool:
            return due.on < today if due.on else due.at < now  # type: ignore[operator]

        def by(due: Due, day: date, moment: datetime) -> bool:
            return due.on <= day if due.on else due.at < moment  # type: ignore[operator]

        expected = {
            "overdue": {i for i, d in dues_by_id.items() if overdue(d)},
            "due": {i for i, d in dues_by_id.items() if not overdue(d) and by(d, last, window.horizon)},
            "today": {i for i, d in dues_by_id.items() if by(d, today, window.day_end)},
            "week": {i for i, d in dues_by_id.items() if by(d, last, window.horizon)},
        }
        with db.connect() as conn:
            found = agenda(conn, now, within_days=within, cadences=False)
            scopes = {scope: {r.id for r in followups.rows(conn, window, scope=scope).records()}
                      for scope in ("overdue", "today", "week")}
            status = {r.id: r.status for r in followups.rows(conn, window).records()}
        label = (zone, hours, within)
        assert {i.follow_up_id for i in found.overdue} == expected["overdue"] == scopes["overdue"], label
        assert {i.follow_up_id for i in found.due} == expected["due"], label
        assert scopes["today"] == expected["today"] and scopes["week"] == expected["week"], label
        assert {i for i, s in status.items() if s == "overdue"} == expected["overdue"], label
        assert {i for i, s in status.items() if s in ("overdue", "today")} == expected["today"], label
        late = {i.follow_up_id: i.days for i in found.overdue}
        for fid in expected["overdue"]:
            due = dues_by_id[fid]
            assert late[fid] == ((today - due.on).days if due.on else int((now - due.at) / timedelta(days=1))), label


def test_days_sort_in_their_order_among_times(db: Database) -> None:
    """A day's sort key (12:00 UTC) falls on that day in any zone within 12 hours of UTC, so listings
    keep the days in order among timed follow-ups, in Los Angeles as in Berlin."""
    _add(db, ("Thursday evening", "2026-03-05 18:00"), ("Friday", "2026-03-06"), ("Friday morning", "2026-03-06 9am"),
         now=THURSDAY.astimezone(LOS_ANGELES))
    for zone in (LOS_ANGELES, BERLIN):
        with db.connect() as conn:
            titles = [r.title for r in followups.rows(conn, Window.around(THURSDAY.astimezone(zone))).records()]
        assert titles.index("Thursday evening") < titles.index("Friday"), zone
    assert day_key(date(2026, 3, 6)).astimezone(LOS_ANGELES).date() == date(2026, 3, 6)
    assert day_key(date(2026, 3, 6)).astimezone(ZoneInfo("Asia/Tokyo")).date() == date(2026, 3, 6)


def test_a_snoozed_day_stays_a_day_in_the_zone_it_is_snoozed_from(db: Database) -> None:
    ids = _add(db, ("Send the quote", "2026-03-05"), now=THURSDAY.astimezone(BERLIN))
    with db.session(write=True) as s:
        item = followups.snooze(s, followups.get(s, ids["Send the quote"]), "2 days", now=THURSDAY.astimezone(AUCKLAND))
        assert followups.due_of(item) == Due.day(date(2026, 3, 7))
        item = followups.snooze(s, item, "monday", now=THURSDAY.astimezone(LOS_ANGELES))
        assert (item.due_on, item.all_day, followups.due_of(item).at) == (date(2026, 3, 9), True,
                                                                          datetime(2026, 3, 9, 12, tzinfo=UTC))


def test_an_edited_due_moves_every_column_together(db: Database) -> None:
    ids = _add(db, ("Send the quote", "2026-03-05"), now=THURSDAY.astimezone(BERLIN))
    with db.session(write=True) as s:
        item = followups.get(s, ids["Send the quote"])
        followups.edit(s, item, followups.FollowUpChanges(due=Due.parse("fri 10am", now=THURSDAY.astimezone(BERLIN))))
        assert (item.due_on, item.all_day) == (None, False)
        assert followups.due_of(item) == Due(datetime(2026, 3, 6, 9, tzinfo=UTC))
        followups.edit(s, item, followups.FollowUpChanges(due=Due.parse("2026-03-09", now=THURSDAY.astimezone(BERLIN))))
        assert (item.due_on, item.all_day) == (date(2026, 3, 9), True)


def test_a_due_made_from_an_instant_is_its_utc_day() -> None:
    assert Due(datetime(2026, 11, 27, tzinfo=UTC), True) == Due.day(date(2026, 11, 27))
    assert Due(datetime(2026, 11, 27, 23, 59), True).on == date(2026, 11, 27)  # naive: UTC
    assert Due.day(date(2026, 11, 27)).at == datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert Due.stored(datetime(2026, 11, 27, 12), date(2026, 11, 27)) == Due.day(date(2026, 11, 27))
    assert Due.stored(datetime(2026, 11, 27, 9), None) == Due(datetime(2026, 11, 27, 9, tzinfo=UTC))
    assert Due.day(date(2026, 11, 27)).shown(AUCKLAND) == Due.day(date(2026, 11, 27)).shown(LOS_ANGELES) == "2026-11-27"
    assert Due(datetime(2026, 11, 27, 9, tzinfo=UTC)).shown(AUCKLAND) == "2026-11-27 22:00"


# -- series --------------------------------------------------------------------------------------

def test_the_occurrences_of_a_recurring_follow_up_are_one_series(db: Database) -> None:
    ids = _add(db, ("Monthly check-in", "2026-01-31"), now=THURSDAY.astimezone(BERLIN), repeat="monthly")
    ids |= _add(db, ("Weekly call", "2026-03-02 09:00"), now=THURSDAY.astimezone(BERLIN), repeat="every 2 weeks")
    ids |= _add(db, ("Once", "2026-03-09"), now=THURSDAY.astimezone(BERLIN))
    with db.session(write=True) as s:
        first = followups.get(s, ids["Monthly check-in"])
        assert first.series_uid == first.uid
        second = followups.done(s, first, AUCKLAND)  # a day repeats as a day: no zone moves it
        third = followups.done(s, second, LOS_ANGELES)  # type: ignore[arg-type]
        weekly = followups.get(s, ids["Weekly call"])
        next_weekly = followups.done(s, weekly, BERLIN)
        once = followups.get(s, ids["Once"])
        assert followups.done(s, once, BERLIN) is None and once.series_uid == once.uid
        assert [followups.due_of(x) for x in (second, third)] == [Due.day(date(2026, 2, 28)),  # type: ignore[arg-type]
                                                                   Due.day(date(2026, 3, 28))]
        assert {second.series_uid, third.series_uid} == {first.uid}  # type: ignore[union-attr]
        assert len({first.uid, second.uid, third.uid}) == 3  # type: ignore[union-attr]
        assert next_weekly.series_uid == weekly.uid != next_weekly.uid  # type: ignore[union-attr]
        assert followups.due_of(next_weekly).shown(BERLIN) == "2026-03-16 09:00"  # type: ignore[arg-type]
    with db.connect() as conn:
        items = {i.title: i for i in calendar_export.open_items(conn)}
        exported = {r.title: r.series_uid for r in followups.rows(conn, Window.around(THURSDAY), scope="all",
                                                                  uids=True).records()}
        series = conn.execute(sa.select(FollowUp.__table__.c.series_uid)).scalars().all()
    assert items["Monthly check-in"].uid == first.uid and items["Weekly call"].uid == weekly.uid
    assert items["Monthly check-in"].due_on == date(2026, 3, 28)
    assert exported["Monthly check-in"] == first.uid and "" not in series


def test_a_calendar_item_is_named_by_its_series_and_no_two_share_a_name(db: Database) -> None:
    """Should two occurrences of a series both be open (an occurrence done, then put back by hand),
    the later one keeps its own uid in the calendar: a UID names one event."""
    ids = _add(db, ("Weekly call", "2026-03-02"), now=THURSDAY.astimezone(BERLIN), repeat="weekly")
    with db.session(write=True) as s:
        first = followups.get(s, ids["Weekly call"])
        following = followups.done(s, first, BERLIN)
        first.done_at = None
        s.add(first)
    with db.connect() as conn:
        items = calendar_export.open_items(conn)
    assert [i.uid for i in items] == [first.uid, following.uid]  # type: ignore[union-attr]


def test_a_day_out_of_step_with_its_flag_or_sort_key_is_found_and_written_again(db: Database) -> None:
    """`crm db check` holds each all-day follow-up's flag and sort key to its day; `crm db repair`
    writes them again from it (the day is what it was: a timed one keeps its instant)."""
    from crmcli.core import health

    ids = _add(db, ("Friday", "2026-03-06"), ("Monday", "2026-03-09"), ("At ten", "fri 10am"),
               now=THURSDAY.astimezone(BERLIN))
    assert health.check(db).ok
    with db.connect(write=True) as conn:
        f = FollowUp.__table__
        conn.execute(f.update().where(f.c.id == ids["Friday"]).values(due_at=datetime(2026, 3, 5, 23, tzinfo=UTC)))
        conn.execute(f.update().where(f.c.id == ids["Monday"]).values(all_day=False))
    found = health.check(db)
    assert [(p.subject, p.count, p.examples) for p in found.problems] == [
        ("follow_up.due_at", 2, (f"#{ids['Friday']}", f"#{ids['Monday']}"))]
    assert found.problems[0].line == f"follow-ups: 2 all-day dues out of step with their day (e.g. #{ids['Friday']}, " \
                                     f"#{ids['Monday']})"
    done = health.repair(db)
    assert done.ok and "wrote 2 all-day dues again from the data (follow_up.due_at)" in done.fixed
    with db.session() as s:
        assert [followups.due_of(s.get(FollowUp, ids[k])) for k in ("Friday", "Monday", "At ten")] == [  # type: ignore[arg-type]
            Due.day(date(2026, 3, 6)), Due.day(date(2026, 3, 9)), Due(datetime(2026, 3, 6, 9, tzinfo=UTC))]
        assert s.get(FollowUp, ids["Monday"]).all_day  # type: ignore[union-attr]
