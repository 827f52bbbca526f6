"""Open follow-ups by urgency (the TUI's follow-ups view), judged at one instant."""

from __future__ import annotations

import pytest

from crmcli.core import contacts, followups
from crmcli.core.worklist import worklist
from crmcli.storage.database import Database
from tests.core.conftest import LONDON, NOW


def test_open_follow_ups_fall_into_overdue_today_this_week_and_later(db: Database,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with db.session(write=True) as s:
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        ids = {}
        for key, due in (("late", "2026-03-02"), ("earlier today", "2026-03-05 08:00"), ("today", "2026-03-05"),
                         ("week", "2026-03-11 09:00"), ("later", "2026-03-12"), ("done", "2026-03-01")):
            ids[key] = followups.add(s, bob, f"Call {key}", followups.Due.parse(due, now=NOW)).id
        followups.done(s, followups.get(s, ids["done"]), LONDON)
    with db.connect() as conn:
        found = worklist(conn, NOW)
    assert [(i.id, i.urgency, i.days_late) for i in found.items] == [
        (ids["late"], "overdue", 3), (ids["earlier today"], "overdue", 0), (ids["today"], "today", 0),
        (ids["week"], "this week", 0), (ids["later"], "later", 0)]
    assert found.items[0].due == "2026-03-02" and found.items[3].due == "2026-03-11 09:00"
    assert found.items[0].contact == "Bob Marsh" and not found.more
    with db.connect() as conn:
        capped = worklist(conn, NOW, limit=2)
    # the soonest due: an all-day one stands at 12:00 UTC of its day (followups.day_key), after 08:00 here
    assert [i.id for i in capped.items] == [ids["late"], ids["earlier today"]] and capped.more
