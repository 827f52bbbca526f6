"""Migration 11 on follow-ups: a database of version 10 kept an all-day due as the local midnight
that starts its day; migrated, the due is that date (`due_on`) with a zone-free sort key, whatever
zone it is then read in; and every follow-up is a series of its own. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crmcli.core.clock import as_utc
from crmcli.storage import migrations
from crmcli.storage.database import Database
from tests.conftest import Run

TIMESTAMP = sa.DateTime(timezone=True)
NOW = datetime(2026, 11, 24, 12, 20, tzinfo=UTC)
# What version 10 stored when Europe/Berlin was the local zone: each all-day due as its local midnight.
ROWS = [
    # uid, title, due_at, all_day, repeat
    ("f-friday", "Send the quote", datetime(2026, 11, 26, 23, tzinfo=UTC), True, None),  # Fri 27 Nov, CET
    ("f-summer", "Renew the lease", datetime(2027, 6, 30, 22, tzinfo=UTC), True, None),  # Thu 1 Jul 2027, CEST
    ("f-monthly", "Monthly check-in", datetime(2026, 11, 19, 23, tzinfo=UTC), True, "every month"),  # Fri 20 Nov
    ("f-timed", "Call at ten", datetime(2026, 11, 27, 9, tzinfo=UTC), False, None),
]
DAYS = {"f-friday": date(2026, 11, 27), "f-summer": date(2027, 7, 1), "f-monthly": date(2026, 11, 20)}


@pytest.fixture
def old_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database left by crmcli at version 10 in Berlin, with a contact and ROWS."""
    target = str(tmp_path / "v10.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    db = Database.open(target, migrate=False)
    with db.connect(write=True) as conn:
        migrations.apply(conn, 0, target=10)
        if conn.dialect.name == "postgresql":  # the owner loading rows: not history
            conn.exec_driver_sql("SELECT set_config('crmcli.audit', 'off', true)")
        conn.execute(sa.text("INSERT INTO contact (id, uid, name, name_key, created_at, updated_at) "
                             "VALUES (1, 'c-1', 'Ann Lee', 'ann lee', :t, :t)").bindparams(
                                 sa.bindparam("t", type_=TIMESTAMP)), {"t": NOW})
        insert = sa.text("INSERT INTO follow_up (uid, contact_id, title, due_at, all_day, repeat, created_at, "
                         "updated_at) VALUES (:uid, 1, :title, :due, :all_day, :repeat, :t, :t)").bindparams(
                             sa.bindparam("due", type_=TIMESTAMP), sa.bindparam("t", type_=TIMESTAMP),
                             sa.bindparam("all_day", type_=sa.Boolean))
        conn.execute(insert, [{"uid": uid, "title": title, "due": due, "all_day": all_day, "repeat": repeat, "t": NOW}
                              for uid, title, due, all_day, repeat in ROWS])
    db.dispose()
    return target


def _follow_ups(target: str) -> dict[str, tuple[Any, ...]]:
    db = Database.open(target)
    with db.connect() as conn:
        found = {row.uid: (as_utc(row.due_at), row.due_on, bool(row.all_day), row.series_uid) for row in conn.execute(
            sa.text("SELECT uid, due_at, due_on, all_day, series_uid FROM follow_up").columns(
                due_at=TIMESTAMP, due_on=sa.Date))}
    assert db.schema_version() == migrations.LATEST
    db.dispose()
    return found


# Migrated where it was written, and on a machine 6 hours west or 8 hours east of it: the day of
# the nearest local midnight is the day it stood for (summer time and winter time alike).
@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Asia/Tokyo"])
def test_an_all_day_due_migrates_to_its_date(old_database: str, zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", zone)
    found = _follow_ups(old_database)
    for uid, day in DAYS.items():
        assert found[uid] == (datetime.combine(day, time(12), UTC), day, True, uid), uid  # the sort key: 12:00 UTC
    assert found["f-timed"] == (datetime(2026, 11, 27, 9, tzinfo=UTC), None, False, "f-timed")


def test_a_migrated_database_shows_the_same_day_in_every_zone(old_database: str, ok: Run,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    monkeypatch.setenv("CRMCLI_NOW", "2026-11-27T09:00:00")  # Friday morning, local time
    ok("--db", old_database, "db", "migrate")  # in Berlin, where it was written
    for zone in ("Europe/Berlin", "America/Los_Angeles", "Pacific/Auckland"):
        monkeypatch.setenv("TZ", zone)
        listed = {r["uid"]: (r["due"], r["status"]) for r in
                  json.loads(ok("--db", old_database, "fu", "list", "-f", "json").stdout)}
        assert listed["f-friday"] == ("2026-11-27", "today") and listed["f-summer"] == ("2027-07-01", "upcoming")
        assert listed["f-monthly"] == ("2026-11-20", "overdue")
        ics = ok("--db", old_database, "export", "ics").stdout
        assert "DTSTART;VALUE=DATE:20261127" in ics and "DTSTART;VALUE=DATE:20270701" in ics
        assert "UID:f-friday@crmcli" in ics and "UID:f-monthly@crmcli" in ics
    done = ok("--db", old_database, "fu", "done", "3")
    assert "due 2026-12-20 (every month)" in done.stderr
    ics = ok("--db", old_database, "export", "ics").stdout
    assert "UID:f-monthly@crmcli" in ics and "DTSTART;VALUE=DATE:20261220" in ics  # the series moved on
