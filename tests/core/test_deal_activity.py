"""A deal's last activity, kept on the deal: its last stage change or its contacts' last
interaction, whichever is later. Every way it can move keeps it equal to what the history says,
and rotting (one comparison per deal) follows it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crmcli.core import contacts, deals, interactions, merge, sales
from crmcli.core.models import Contact, Deal
from crmcli.core.stages import DEFAULT
from crmcli.storage.database import Database
from tests.core.conftest import NOW, pin

LONG_AGO = NOW - timedelta(days=60)  # past every default stage's rot days


def _activity(db: Database, deal_id: int) -> datetime:
    with db.session() as s:
        found = s.get(Deal, deal_id)
        assert found is not None and found.last_activity_at is not None
        return found.last_activity_at.replace(tzinfo=None)


def _rotting(db: Database) -> list[str]:
    with db.connect() as conn:
        return [r.name for r in sales.rotting(conn, DEFAULT, NOW).records()]


def _in_step(db: Database) -> None:
    with db.connect() as conn:
        assert deals.drifted_activity(conn) == 0


@pytest.fixture
def quiet(db: Database, monkeypatch: pytest.MonkeyPatch) -> tuple[Database, int, int, int]:
    """Ann and Bob on one deal added 60 days ago, nothing since: it rots."""
    pin(monkeypatch, LONG_AGO)
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"))
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        deal = deals.add(s, deals.NewDeal("Website", 1_000, "EUR", DEFAULT.get("lead"), contacts=[ann, bob]))
        ids = (deal.id, ann.id, bob.id)
    pin(monkeypatch, NOW)
    return db, *ids  # type: ignore[return-value]


def test_a_new_deal_starts_at_its_creation_and_rots_when_quiet(quiet: tuple[Database, int, int, int]) -> None:
    db, deal, _, _ = quiet
    assert _activity(db, deal) == LONG_AGO.replace(tzinfo=None)
    assert _rotting(db) == ["Website"]
    _in_step(db)


def test_an_interaction_with_any_of_its_contacts_moves_it_and_deleting_it_moves_it_back(
        quiet: tuple[Database, int, int, int]) -> None:
    db, deal, _, bob = quiet
    with db.session(write=True) as s:
        logged = interactions.log(s, [s.get(Contact, bob)], "Called about the quote", kind="call")
        logged_id = logged.id
    assert _activity(db, deal) == NOW.replace(tzinfo=None)
    assert _rotting(db) == []
    _in_step(db)
    with db.session(write=True) as s:
        interactions.remove(s, interactions.get(s, logged_id))  # type: ignore[arg-type]
    assert _activity(db, deal) == LONG_AGO.replace(tzinfo=None)
    assert _rotting(db) == ["Website"]
    _in_step(db)


def test_a_stage_move_moves_it(quiet: tuple[Database, int, int, int]) -> None:
    db, deal, _, _ = quiet
    with db.session(write=True) as s:
        deals.move(s, s.get(Deal, deal), DEFAULT.get("proposal"))  # type: ignore[arg-type]
    assert _activity(db, deal) == NOW.replace(tzinfo=None)
    assert _rotting(db) == []
    _in_step(db)


def test_linking_a_contact_who_talked_lately_moves_it_and_unlinking_moves_it_back(
        quiet: tuple[Database, int, int, int]) -> None:
    db, deal, _, _ = quiet
    with db.session(write=True) as s:
        cy, _ = contacts.add(s, contacts.ContactChanges(name="Cy Young"))
        interactions.log(s, [cy], "Met at the fair", kind="meeting")
        deals.link(s, s.get(Deal, deal), [cy])  # type: ignore[arg-type]
        cy_id = cy.id
    assert _rotting(db) == []
    _in_step(db)
    with db.session(write=True) as s:
        deals.unlink(s, s.get(Deal, deal), [s.get(Contact, cy_id)])  # type: ignore[arg-type]
    assert _rotting(db) == ["Website"]
    _in_step(db)


def test_removing_or_merging_contacts_keeps_it_in_step(quiet: tuple[Database, int, int, int]) -> None:
    db, deal, ann, bob = quiet
    with db.session(write=True) as s:
        interactions.log(s, [s.get(Contact, bob)], "Called", kind="call")
    assert _rotting(db) == []
    with db.session(write=True) as s:
        contacts.remove(s, s.get(Contact, bob))  # Bob's call goes with him (it named no one else)
    assert _rotting(db) == ["Website"]
    _in_step(db)
    with db.session(write=True) as s:
        dup, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee (phone)"))
        interactions.log(s, [dup], "Texted", kind="note")
        merge.merge(s, s.get(Contact, ann), dup)
    assert _rotting(db) == []  # the deal's Ann now has the text
    _in_step(db)
