"""A contact's overview for a card: everything about one contact as plain typed values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crmcli.core import contacts, deals, followups, interactions, stages
from crmcli.core.followups import Due
from crmcli.core.overview import ContactOverview, DealLine, Email, FollowUpLine, Phone, overview
from crmcli.storage.database import Database
from tests.core.conftest import LONDON, NOW


def test_overview_of_a_full_contact(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(
            name="Ann Lee", title="CTO", org="Acme Ltd", add_emails=["work:ann@acme.example", "ann@home.example"],
            add_phones=["mobile:+44 20 7946 0000"], tags=["vip", "client"], set_fields=["source=referral"],
            cadence="monthly", owner="kim"), phone_region="GB")
        called = interactions.log(s, [ann], "Called about the quote", kind="call",
                                  occurred_at=NOW.astimezone(UTC) - timedelta(days=2))
        soon = followups.add(s, ann, "Send the quote", followups.Due.parse("2026-03-06", now=NOW))
        later = followups.add(s, ann, "Check in", followups.Due.parse("2026-03-20 09:00", now=NOW))
        gone = followups.add(s, ann, "Old one", followups.Due.parse("2026-03-01", now=NOW))
        followups.done(s, gone, LONDON)
        deal = deals.add(s, deals.NewDeal("Website", 120050, "EUR", stages.DEFAULT.first("open"), contacts=[ann]))
        ids = (ann.id, ann.uid, ann.org_id, called.id, soon.id, later.id, deal.id)
    with db.session() as s:
        found = overview(s, contacts.resolve(s, "ann"), as_of=NOW)
    cid, uid, org_id, called_id, soon_id, later_id, deal_id = ids
    stamp = NOW.astimezone(UTC)
    assert found == ContactOverview(
        id=cid, uid=uid, name="Ann Lee", title="CTO", org_id=org_id, org="Acme Ltd",
        emails=(Email("ann@acme.example", "work"), Email("ann@home.example", None)),
        phones=(Phone("+442079460000", "mobile", "+44 20 7946 0000"),),
        tags=("client", "vip"), fields=(("source", "referral"),), cadence_days=30,
        last_contact_at=stamp - timedelta(days=2), created_at=stamp, updated_at=stamp,
        follow_ups=(FollowUpLine(soon_id, "Send the quote", Due.day(date(2026, 3, 6)), "upcoming"),
                    FollowUpLine(later_id, "Check in", Due(datetime(2026, 3, 20, 9, tzinfo=UTC)), "upcoming")),
        deals=(DealLine(deal_id, "Website", "lead", "open", 120050, "EUR"),),
        recent=found.recent, owner="kim")
    assert [(e.type, e.id, e.body) for e in found.recent] == [("interaction", called_id, "Called about the quote")]


def test_overview_limits_and_a_bare_contact(db: Database) -> None:
    with db.session(write=True) as s:
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        for k in range(5):
            followups.add(s, bob, f"Task {k}", followups.Due.parse(f"2026-03-0{k + 1}", now=NOW))
    with db.session() as s:
        found = overview(s, contacts.resolve(s, "bob"), as_of=NOW, follow_ups=3, recent=3)
    assert found.org is None and found.emails == () and found.deals == () and found.recent == ()
    assert found.last_contact_at is None and found.cadence_days is None
    assert [f.title for f in found.follow_ups] == ["Task 0", "Task 1", "Task 2"]
    assert [f.status for f in found.follow_ups] == ["overdue", "overdue", "overdue"]
