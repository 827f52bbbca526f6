"""Merging two contacts: what lands in the database, what is reported, and nothing on refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crmcli.core import contacts, deals, followups, interactions, merge, search, stages
from crmcli.core.contacts import DealRef
from crmcli.core.models import (CONTACT_EMAIL, CONTACT_FIELD, CONTACT_PHONE, DEAL_CONTACT, INTERACTION_CONTACT,
                                Contact, FollowUp, Interaction)
from crmcli.errors import Invalid
from crmcli.storage.database import Database
from tests.core.conftest import NOW


@pytest.fixture
def pair(db: Database) -> dict[str, int]:
    """KEEP #1 John Smith and OTHER #2 Jon Smith, overlapping in every way a merge has to handle."""
    with db.session(write=True) as s:
        keep, _ = contacts.add(s, contacts.ContactChanges(
            name="John Smith", title="CTO", org="Acme Ltd", add_emails=["john@acme.example"],
            add_phones=["+44 20 7946 0001"], tags=["client"], set_fields=["source=referral"]))
        other, _ = contacts.add(s, contacts.ContactChanges(
            name="Jon Smith", title="Founder", org="Berg AB", add_emails=["jon@acme.example"],
            add_phones=["+44 20 7946 0001", "mobile:+44 7700 900123"], tags=["client", "vip"],
            set_fields=["source=website", "birthday=1970-01-01"], cadence="every 14 days"))
        s.execute(sa.insert(CONTACT_EMAIL).values(contact_id=other.id, address="JOHN@acme.example", position=1))
        ids = {"keep": keep.id, "other": other.id}
        ids["alone"] = interactions.log(s, [other], "Only Jon", kind="call", occurred_at=NOW - timedelta(days=1)).id
        ids["shared"] = interactions.log(s, [keep, other], "Both", kind="meeting",
                                         occurred_at=NOW - timedelta(days=5)).id
        ids["mine"] = interactions.log(s, [keep], "Only John", kind="call", occurred_at=NOW - timedelta(days=9)).id
        ids["follow-up"] = followups.add(s, other, "Send the quote", followups.Due.parse("fri", now=NOW)).id
        open_stage = stages.DEFAULT.first("open")
        ids["deal"] = deals.add(s, deals.NewDeal("Website", 100, "EUR", open_stage, contacts=[other])).id
        ids["both-deal"] = deals.add(s, deals.NewDeal("Logo", 100, "EUR", open_stage, contacts=[keep, other])).id
    return ids  # type: ignore[return-value]


def merged(db: Database, keep: str = "john", other: str = "jon") -> merge.Merge:
    with db.session(write=True) as s:
        return merge.merge(s, contacts.resolve(s, keep), contacts.resolve(s, other))


def test_merge_moves_history_follow_ups_and_deals_without_double_links(db: Database, pair: dict[str, int]) -> None:
    merged(db)
    keep = pair["keep"]
    with db.session() as s:
        ic, dc = INTERACTION_CONTACT, DEAL_CONTACT
        assert s.get(Contact, pair["other"]) is None
        assert sorted(s.execute(sa.select(ic.c.interaction_id, ic.c.contact_id)).all()) == \
            sorted([(pair["alone"], keep), (pair["shared"], keep), (pair["mine"], keep)])
        assert sorted(s.execute(sa.select(dc.c.deal_id, dc.c.contact_id)).all()) == \
            sorted([(pair["deal"], keep), (pair["both-deal"], keep)])
        assert s.get(FollowUp, pair["follow-up"]).contact_id == keep  # type: ignore[union-attr]
        # The latest interaction was OTHER's alone: KEEP's last contact is now it.
        assert s.get(Contact, keep).last_contact_at == s.get(Interaction, pair["alone"]).occurred_at  # type: ignore[union-attr]
        assert interactions.drifted_last_contacts(s.connection()) == 0


def test_merge_unites_values_and_keep_wins_single_ones(db: Database, pair: dict[str, int]) -> None:
    result = merged(db)
    with db.session() as s:
        card = contacts.card(s, contacts.resolve(s, str(pair["keep"])))
        labels = s.execute(sa.select(CONTACT_PHONE.c.number, CONTACT_PHONE.c.label, CONTACT_PHONE.c.position)
                           .order_by(CONTACT_PHONE.c.position)).all()
        fields = s.execute(sa.select(CONTACT_FIELD.c.key, CONTACT_FIELD.c.value).order_by(CONTACT_FIELD.c.key)).all()
    assert [e["address"] for e in card["emails"]] == ["john@acme.example", "jon@acme.example"]
    assert labels == [("+442079460001", None, 0), ("+447700900123", "mobile", 1)]
    assert card["tags"] == ["client", "vip"]
    assert fields == [("birthday", "1970-01-01"), ("source", "referral")]
    assert (card["name"], card["title"], card["org"], card["cadence_days"]) == ("John Smith", "CTO", "Acme Ltd", 14)
    assert result.emails == ("jon@acme.example",) and result.phones == ("+447700900123",)
    assert result.tags == ("vip",) and result.fields == ("birthday",)
    assert result.taken == (("cadence", "every 14 days"),)
    assert result.clashes == (merge.Clash("title", "CTO", "Founder"), merge.Clash("organisation", "Acme Ltd", "Berg AB"),
                              merge.Clash("field source", "referral", "website"))
    assert result.clashes[0].describe() == "kept the title 'CTO', not 'Founder'"


def test_merge_says_what_moves(db: Database, pair: dict[str, int]) -> None:
    with db.session() as s:
        planned = merge.plan(s, contacts.resolve(s, "john"), contacts.resolve(s, "jon"))
    assert planned == merged(db)  # the confirmation says what the merge then does
    assert (planned.interactions, planned.follow_ups, planned.deals) == (1, 1, (DealRef(pair["deal"], "Website"),))
    assert planned.describe() == (f"contact #{pair['other']} Jon Smith <jon@acme.example> into #{pair['keep']} "
                                  "John Smith <john@acme.example>, moving 1 email, 1 phone, 1 tag, 1 custom field, "
                                  "1 interaction, 1 follow-up, 1 deal")


def test_search_finds_keep_by_what_it_took_and_other_no_more(db: Database, pair: dict[str, int]) -> None:
    merged(db)
    with db.connect() as conn:
        hits = list(search.search(conn, "jon@acme.example", only="contact").records())
        gone = list(search.search(conn, "jon", only="contact").records())
    assert [(h.type, h.id) for h in hits] == [("contact", pair["keep"])]
    assert [h.id for h in gone] == [pair["keep"]]


def test_a_contact_is_not_merged_into_itself(db: Database, pair: dict[str, int]) -> None:
    with pytest.raises(Invalid, match="cannot be merged into itself"):
        merged(db, "john", "john@acme.example")
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Contact.__table__)) == 2


def test_plan_writes_nothing(db: Database, pair: dict[str, int]) -> None:
    with db.session() as s:
        merge.plan(s, contacts.resolve(s, "john"), contacts.resolve(s, "jon"))
    with db.session() as s:
        assert s.get(Contact, pair["other"]) is not None
        assert contacts.impact(s, contacts.resolve(s, "jon")).counts() == {
            "emails": 2, "phones": 2, "tags": 2, "custom fields": 2, "follow-ups": 1, "interactions": 1}
