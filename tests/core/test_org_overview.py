"""Browsing organisations: a listing with people and open deals, and one organisation's card with
its people and its deals, as plain typed values that outlive the transaction."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from crmcli.core import contacts, deals, interactions, orgs, stages
from crmcli.core.money import Amount
from crmcli.core.orgs import OrgDeal, OrgLine, OrgPerson
from crmcli.storage.database import Database
from tests.core.conftest import NOW

STAGES = stages.DEFAULT


def _acme(db: Database) -> dict[str, int]:
    """Acme Ltd with two people (Zoë has two emails and a call), three open deals in two currencies,
    one won and one lost; Beacon with one person and nothing else; Ødegaard Oy empty."""
    with db.session(write=True) as s:
        zoe, _ = contacts.add(s, contacts.ContactChanges(name="Zoë Martin", title="CTO", org="Acme Ltd",
                                                         add_emails=["zoe@acme.example", "zoe@home.example"]))
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh", org="Acme"))
        contacts.add(s, contacts.ContactChanges(name="Cy Beacon", org="Beacon Labs"))
        orgs.add(s, "Ødegaard Oy")
        acme = orgs.resolve(s, "acme")
        interactions.log(s, [zoe], "Called about the quote", kind="call",
                         occurred_at=NOW.astimezone(UTC) - timedelta(days=1))

        def deal(name: str, minor: int, code: str, stage: str, **kw: object) -> int:
            return deals.add(s, deals.NewDeal(name, minor, code, STAGES.get(stage), org=acme, **kw)).id  # type: ignore[arg-type]

        ids = {"lead": deal("Logo", 50_000, "EUR", "lead", contacts=[zoe], close_on=date(2026, 4, 1)),
               "proposal": deal("Website", 1_200_050, "EUR", "proposal", contacts=[zoe, bob]),
               "usd": deal("App", 300_000, "USD", "qualified"),
               "won": deal("Audit", 70_000, "EUR", "won"),
               "lost": deal("Print", 10_000, "EUR", "lost")}
        ids.update(acme=acme.id, zoe=zoe.id, bob=bob.id)  # type: ignore[arg-type]
    return ids


def test_listing_counts_people_and_open_deals_per_currency(db: Database) -> None:
    ids = _acme(db)
    with db.connect() as conn:
        listed = orgs.listing(conn)
        total = orgs.count(conn)
    assert total == 3
    assert [o.name for o in listed] == ["Acme Ltd", "Beacon Labs", "Ødegaard Oy"]
    assert listed[0] == OrgLine(ids["acme"], "Acme Ltd", None, 2, 3,
                                (Amount(1_250_050, "EUR"), Amount(300_000, "USD")))  # won and lost left out
    assert listed[1][3:] == (1, 0, ()) and listed[2][3:] == (0, 0, ())


def test_listing_narrows_by_name_ignoring_case_and_accents_and_stops_at_the_limit(db: Database) -> None:
    _acme(db)
    with db.connect() as conn:
        assert [o.name for o in orgs.listing(conn, match="ODEG")] == ["Ødegaard Oy"]
        assert [o.name for o in orgs.listing(conn, match="a", limit=2)] == ["Acme Ltd", "Beacon Labs"]
        assert orgs.listing(conn, match="nothing like it") == []


def test_overview_lists_the_people_and_every_deal_in_pipeline_order(db: Database) -> None:
    ids = _acme(db)
    with db.session() as s:
        seen = orgs.overview(s, orgs.resolve(s, "acme"), STAGES)
    # read after the session is gone: plain values
    assert (seen.id, seen.name, seen.website, seen.people_count, seen.deal_count) == (ids["acme"], "Acme Ltd", None, 2, 5)
    assert seen.created_at == NOW.astimezone(UTC) and seen.created_at.tzinfo is not None
    assert seen.people == (OrgPerson(ids["bob"], "Bob Marsh", None, None, None),
                           OrgPerson(ids["zoe"], "Zoë Martin", "CTO", "zoe@acme.example",
                                     NOW.astimezone(UTC) - timedelta(days=1)))
    assert [d.stage for d in seen.deals] == ["lead", "qualified", "proposal", "won", "lost"]
    assert seen.deals[0] == OrgDeal(ids["lead"], "Logo", "lead", "open", 50_000, "EUR", date(2026, 4, 1), "Zoë Martin")
    assert seen.deals[2].contacts == "Bob Marsh; Zoë Martin" and seen.deals[2].close_on is None
    assert [d.status for d in seen.deals[3:]] == ["won", "lost"]
    assert (seen.open_deals, seen.open_value) == (3, (Amount(1_250_050, "EUR"), Amount(300_000, "USD")))


def test_overview_cuts_each_list_at_the_limit_but_counts_everything(db: Database) -> None:
    _acme(db)
    with db.session() as s:
        seen = orgs.overview(s, orgs.resolve(s, "acme"), STAGES, limit=1)
        empty = orgs.overview(s, orgs.resolve(s, "ødegaard"), STAGES, limit=1)
    assert [p.name for p in seen.people] == ["Bob Marsh"] and seen.people_count == 2
    assert [d.name for d in seen.deals] == ["Logo"] and seen.deal_count == 5
    assert (empty.people, empty.deals, empty.people_count, empty.deal_count, empty.open_value) == ((), (), 0, 0, ())
