"""A deal's detail for a card (`crm deals show`, the TUI's deal screen): plain typed values."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest

from crmcli.core import contacts, deals, orgs
from crmcli.core.money import Amount
from crmcli.core.stages import DEFAULT
from crmcli.errors import NotFound
from crmcli.storage.database import Database
from tests.core.conftest import NOW, pin

STAMP = NOW.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_open_deal_with_its_own_probability(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee", org="Acme Ltd"))
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        org_id = ann.org_id
        made = deals.add(s, deals.NewDeal("Website", 120_050, "EUR", DEFAULT.get("lead"), contacts=[ann, bob],
                                          org=orgs.resolve(s, "acme"), close_on=date(2026, 4, 30),
                                          probability=35, owner="Sam", note="Two phases\nthen support"))
        deal_id, uid = made.id, made.uid
    pin(monkeypatch, NOW + timedelta(days=2))
    with db.session(write=True) as s:
        deals.move(s, deals.resolve(s, str(deal_id)), DEFAULT.get("proposal"))
    with db.session() as s:
        found = deals.detail(s, DEFAULT, deal_id)  # type: ignore[arg-type]
    # Plain values: read after the transaction ended.
    assert (found.id, found.uid, found.name) == (deal_id, uid, "Website")
    assert (found.stage, found.status, found.stage_shown) == ("proposal", "open", "proposal")
    assert found.probability == 35 and found.own_probability
    assert found.value == Amount(120_050, "EUR") and found.weighted == Amount(Decimal("42017.5"), "EUR")
    assert (found.close, found.org_id, found.org) == ("2026-04-30", org_id, "Acme Ltd")
    assert found.contacts == ("Ann Lee", "Bob Marsh")
    assert (found.owner, found.lost_reason, found.note, found.closed) == ("Sam", None, "Two phases\nthen support", None)
    assert found.created == STAMP
    later = (NOW + timedelta(days=2)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert found.history == (deals.StageStep(STAMP, None, "lead"), deals.StageStep(later, "lead", "proposal"))


def test_a_lost_deal_says_so_and_takes_no_probability_of_its_own(db: Database) -> None:
    with db.session(write=True) as s:
        made = deals.add(s, deals.NewDeal("Logo", 900, "JPY", DEFAULT.get("qualified"), probability=60))
        deals.move(s, made, DEFAULT.first("lost"), reason="price")
        deal_id = made.id
    with db.session() as s:
        found = deals.detail(s, DEFAULT, deal_id)  # type: ignore[arg-type]
    assert (found.stage, found.status, found.stage_shown) == ("lost", "lost", "lost")
    assert found.probability == 0 and not found.own_probability  # closed: its own no longer counts
    assert found.weighted == Amount(0, "JPY") and found.lost_reason == "price" and found.closed == STAMP
    assert found.contacts == () and found.org is None and found.close is None


def test_a_stage_whose_outcome_differs_from_its_name_shows_both(db: Database) -> None:
    from crmcli.core import stages

    signed = stages.parse("lead:10, signed:100:won, lost:0:lost")
    with db.session(write=True) as s:
        deal_id = deals.add(s, deals.NewDeal("Audit", 500, "EUR", signed.get("signed"))).id
    with db.session() as s:
        found = deals.detail(s, signed, deal_id)  # type: ignore[arg-type]
    assert (found.stage, found.status, found.stage_shown, found.probability) == ("signed", "won", "signed (won)", 100)


def test_a_missing_deal_is_not_found(db: Database) -> None:
    with db.session() as s, pytest.raises(NotFound):
        deals.detail(s, DEFAULT, 999)
