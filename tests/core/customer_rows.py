"""Contacts with calls and won deals at chosen ages, written straight into their tables, for the
customer analytics tests (core and CLI): tests/core/test_customer_report.py works their RFM scores
and churn flags out by hand."""

from __future__ import annotations

from datetime import UTC, timedelta

import sqlalchemy as sa

from crmcli.core import contacts
from crmcli.core.interactions import refresh_last_contact
from crmcli.core.models import DEAL_CONTACT, INTERACTION_CONTACT, Deal, Interaction
from crmcli.storage.database import Database
from tests.core.conftest import NOW

UTC_NOW = NOW.astimezone(UTC)
DAY = timedelta(days=1)

# name: (interactions, days ago; won deals (minor units, currency, closed days ago); contact options)
PEOPLE: dict[str, tuple[list[int], list[tuple[int, str, int]], dict[str, object]]] = {
    "Ann": ([5, 20, 40, 60, 100, 150, 200], [(500000, "EUR", 10)], {"org": "Acme"}),
    "Ben": ([30, 100, 110, 120, 130, 140, 150, 160, 170, 180], [(200000, "EUR", 40)], {"org": "Acme"}),
    "Cat": ([10, 50], [], {"cadence": "every 7 days"}),
    "Dan": ([200, 300], [(800000, "EUR", 250)], {"org": "Dune"}),
    "Eve": ([], [], {}),
    "Fay": ([3, 4, 7, 15, 25, 45], [(30000, "USD", 60)], {"cadence": "every day", "do_not_contact": True}),
    "Gus": ([400], [(100000, "EUR", 400)], {}),
    "Hal": ([80, 95], [], {}),
    "Ivy": ([12, 14, 16], [(200000, "EUR", 20)], {}),
    "Joe": ([2], [(10000, "EUR", 5), (50000, "USD", 5)], {}),
}


def fill(db: Database) -> dict[str, int]:
    ids = {}
    with db.session(write=True) as s:
        for name, (days, won, options) in PEOPLE.items():
            person, _ = contacts.add(s, contacts.ContactChanges(name=name, **options))  # type: ignore[arg-type]
            ids[name] = person.id
            for n, ago in enumerate(days):
                at = UTC_NOW - ago * DAY
                call = Interaction(kind="call", body=f"call {n}", occurred_at=at, created_at=at, updated_at=at)
                s.add(call)
                s.flush()
                s.execute(sa.insert(INTERACTION_CONTACT).values(contact_id=person.id, interaction_id=call.id,
                                                                occurred_at=at))
            for n, (minor, code, ago) in enumerate(won):
                deal = Deal(name=f"{name} {n}", name_key=f"{name.lower()} {n}", value_minor=minor, currency=code,
                            stage="won", status="won", closed_at=UTC_NOW - ago * DAY)
                s.add(deal)
                s.flush()
                s.execute(sa.insert(DEAL_CONTACT).values(deal_id=deal.id, contact_id=person.id))
        refresh_last_contact(s, None)
    return ids
