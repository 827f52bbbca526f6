"""What a deal gets where it does not say, inside deals.add and deals.edit (so the CLI and the TUI
agree): the currency and locale settings, the first open stage, the first contact's organisation,
"me" as owner, and a currency change that needs the value again."""

from __future__ import annotations

import pytest

from crmcli.core import contacts, deals
from crmcli.core.models import Organization
from crmcli.core.stages import DEFAULT
from crmcli.core.stages import parse as parse_stages
from crmcli.errors import Invalid
from crmcli.storage.database import Database

GBP_IN_GERMAN = deals.DealDefaults(currency="GBP", money_locale="de_DE", me="ann")


def _ann(session: object) -> object:
    ann, _ = contacts.add(session, contacts.ContactChanges(name="Ann Lee", org="Acme"))  # type: ignore[arg-type]
    return ann


def test_what_a_deal_leaves_out_comes_from_the_settings(db: Database) -> None:
    with db.session(write=True) as s:
        ann = _ann(s)
        deal = deals.add(s, deals.NewDeal("Retainer", "12.000", contacts=[ann], owner="me"), GBP_IN_GERMAN)
        org = s.get(Organization, deal.org_id)
        assert (deal.currency, deal.value_minor, deal.stage, deal.status, deal.owner) == \
            ("GBP", 1_200_000, "lead", "open", "ann")  # 12.000 read the German way: twelve thousand
        assert org is not None and org.name == "Acme"  # the contact's organisation is the customer


def test_what_a_deal_says_wins_over_the_defaults(db: Database) -> None:
    with db.session(write=True) as s:
        ann = _ann(s)
        deal = deals.add(s, deals.NewDeal("Audit", "12.5", "usd", DEFAULT.get("proposal"), [ann], owner="Bob",
                                          locale="en_US"), GBP_IN_GERMAN)
        assert (deal.currency, deal.value_minor, deal.stage, deal.owner) == ("USD", 1250, "proposal", "Bob")


def test_the_first_stage_is_the_configured_one(db: Database) -> None:
    stages = parse_stages("idea:5:60d, pitch:40:14d, signed:100:won, dropped:0:lost")
    with db.session(write=True) as s:
        deal = deals.add(s, deals.NewDeal("Book", 100, "EUR"), deals.DealDefaults(stages=stages))
        assert deal.stage == "idea"


@pytest.mark.parametrize(("new", "message"), [
    (deals.NewDeal("X", "10"), "which currency?"),
    (deals.NewDeal("X", "10", "EURO"), "unknown currency 'EURO'"),
    (deals.NewDeal("X", "1.5", "JPY"), "JPY has no decimals"),
    (deals.NewDeal("X", "10", "EUR", locale="xx_YY"), "unknown locale"),
    (deals.NewDeal("  ", "10", "EUR"), "a deal needs a name"),
])
def test_a_deal_that_cannot_be_read_is_refused_and_nothing_is_added(db: Database, new: deals.NewDeal,
                                                                   message: str) -> None:
    with pytest.raises(Invalid, match=message) as caught:
        with db.session(write=True) as s:
            deals.add(s, new)
    assert new.currency is not None or caught.value.hint == "currency"
    with db.connect() as conn:
        assert list(deals.rows(conn, DEFAULT, deals.DealFilter(status=None)).rows) == []


def test_edit_reads_a_value_in_the_new_currency_or_the_deals_own(db: Database) -> None:
    with db.session(write=True) as s:
        deal = deals.add(s, deals.NewDeal("Web", 1000, "EUR"))
        deals.edit(s, deal, deals.DealChanges(value="1.234,5", owner="me"), GBP_IN_GERMAN)
        assert (deal.currency, deal.value_minor, deal.owner) == ("EUR", 123_450, "ann")
        deals.edit(s, deal, deals.DealChanges(currency="usd"))  # same decimals: the value stays
        assert (deal.currency, deal.value_minor) == ("USD", 123_450)
        deals.edit(s, deal, deals.DealChanges(value="5000", currency="JPY"))
        assert (deal.currency, deal.value_minor) == ("JPY", 5000)


def test_a_currency_with_other_decimals_needs_the_value_again(db: Database) -> None:
    with db.session(write=True) as s:
        deal_id = deals.add(s, deals.NewDeal("Web", 1000, "EUR")).id
    with pytest.raises(Invalid, match="EUR and JPY have different decimals") as caught:
        with db.session(write=True) as s:
            deals.edit(s, deals.resolve(s, str(deal_id)), deals.DealChanges(currency="JPY", name="Renamed"))
    assert caught.value.hint == "value_with_currency"
    with db.session() as s:
        deal = deals.resolve(s, str(deal_id))
        assert (deal.name, deal.currency, deal.value_minor) == ("Web", "EUR", 1000)  # nothing changed


def test_amount_is_the_one_reading_of_a_typed_value() -> None:
    assert deals.amount("12,000.50", None, deals.DealDefaults(currency="EUR")) == (1_200_050, "EUR")
    assert deals.amount("12.000,50", "eur", deals.DealDefaults(), locale="de_DE") == (1_200_050, "EUR")
    assert deals.amount(7, "JPY", deals.DealDefaults()) == (7, "JPY")
    assert GBP_IN_GERMAN.owner_me == "ann"  # "me" as a deal's owner (the rule: tests/core/test_owners.py)
