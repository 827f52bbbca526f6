"""The agenda behind `crm remind`: typed items per section, judged at one resolved instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crmcli.core import clock, contacts, followups
from crmcli.core.agenda import Agenda, AgendaItem, agenda
from crmcli.core.followups import Due
from crmcli.storage.database import Database
from tests.core.conftest import LONDON, NOW, pin


def _fill(db: Database, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    pin(monkeypatch, NOW - timedelta(days=30))
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee", cadence="every week"))
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        ids = {"ann": ann.id, "bob": bob.id}
    pin(monkeypatch, NOW)
    with db.session(write=True) as s:
        bob = contacts.resolve(s, "bob")
        for key, due in (("late", "2026-03-02"), ("today", "2026-03-05 15:00"), ("tomorrow", "2026-03-06 09:00"),
                         ("done", "2026-03-01")):
            ids[key] = followups.add(s, bob, f"Call {key}", followups.Due.parse(due, now=NOW)).id
        followups.done(s, followups.get(s, ids["done"]), LONDON)
    return ids


def test_sections_hold_typed_items_in_order(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _fill(db, monkeypatch)
    with db.connect() as conn:
        found = agenda(conn, NOW, within_days=0)
    assert isinstance(found, Agenda) and found.as_of == NOW
    assert found.overdue == (AgendaItem("overdue", ids["late"], ids["bob"], "Bob Marsh", "Call late",
                                        Due.day(date(2026, 3, 2)), 3),)
    assert found.due == (AgendaItem("due", ids["today"], ids["bob"], "Bob Marsh", "Call today",
                                    Due(datetime(2026, 3, 5, 15, tzinfo=UTC)), 0),)
    assert found.keep_in_touch == (AgendaItem("keep in touch", None, ids["ann"], "Ann Lee", "every 7 days",
                                              None, 23),)
    assert [i.section for i in found.items] == ["overdue", "due", "keep in touch"]
    assert found.due[0].due.at.tzinfo is not None  # aware, outliving the connection


def test_look_ahead_and_nothing_due(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _fill(db, monkeypatch)
    with db.connect() as conn:
        ahead = agenda(conn, NOW, within_days=1)
        early = agenda(conn, datetime(2026, 2, 1, tzinfo=LONDON), within_days=0)
    assert [i.follow_up_id for i in ahead.due] == [ids["today"], ids["tomorrow"]]
    assert not early and early.items == () and early.total == 0


def test_a_limit_keeps_the_first_items_in_order_and_counts_them_all(db: Database,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _fill(db, monkeypatch)
    with db.session(write=True) as s:  # overdue since this morning, and an all-day one due today
        bob = contacts.resolve(s, "bob")
        for key, due in (("this morning", "2026-03-05 08:00"), ("all day", "2026-03-05")):
            ids[key] = followups.add(s, bob, f"Call {key}", followups.Due.parse(due, now=NOW)).id
    with db.connect() as conn:
        full = agenda(conn, NOW)
        limited = {n: agenda(conn, NOW, limit=n) for n in range(0, 7)}
    assert [i.follow_up_id for i in full.overdue] == [ids["late"], ids["this morning"]]
    assert [i.follow_up_id for i in full.due] == [ids["all day"], ids["today"]]
    assert full.counts == {"overdue": 2, "due": 2, "keep in touch": 1} and full.total == 5
    for n, found in limited.items():
        assert found.items == full.items[:n], n
        assert found.counts == full.counts and bool(found)


def test_without_cadences_the_follow_ups_alone_limited_or_not(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard's agenda panel: follow-ups only (its cold panel lists the contacts past their cadence)."""
    ids = _fill(db, monkeypatch)
    with db.connect() as conn:
        whole, page = agenda(conn, NOW, cadences=False), agenda(conn, NOW, limit=1, cadences=False)
    assert [i.follow_up_id for i in whole.items] == [ids["late"], ids["today"]] and whole.keep_in_touch == ()
    assert whole.counts == page.counts == {"overdue": 1, "due": 1, "keep in touch": 0}
    assert [i.follow_up_id for i in page.items] == [ids["late"]]


def test_rows_keep_the_machine_columns(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(db, monkeypatch)
    with db.connect() as conn:
        rows = agenda(conn, NOW, within_days=0).rows()
    assert rows.columns == ("section", "id", "contact_id", "contact", "what", "due", "days")
    assert [r[5] for r in rows.rows] == ["2026-03-02", "2026-03-05 15:00", ""]


@pytest.mark.parametrize(("text", "expected"), [
    (None, NOW),
    ("2026-03-01", datetime(2026, 3, 1, tzinfo=LONDON)),            # a bare day: its start
    ("2026-03-01 18:00", datetime(2026, 3, 1, 18, tzinfo=LONDON)),
    ("yesterday", datetime(2026, 3, 4, tzinfo=LONDON)),
])
def test_resolve_as_of(text: str | None, expected: datetime) -> None:
    moment = clock.resolve_as_of(text, NOW)
    assert moment == expected and moment.tzinfo == NOW.tzinfo  # in the zone day boundaries are judged in
