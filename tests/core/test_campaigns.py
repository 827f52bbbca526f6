"""Campaigns on both backends: members frozen or added by hand, responses (unsubscribing marks do
not contact), deals linked to a campaign, and the report's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from crmcli.core import campaigns, contacts, deals
from crmcli.core.deals import DealDefaults
from crmcli.core.models import CAMPAIGN_MEMBER, CAMPAIGN_RESPONSE, Campaign, Contact, Deal
from crmcli.core.money import Amount
from crmcli.errors import Ambiguous, Conflict, Invalid, NotFound
from crmcli.storage.database import Database
from tests.core.conftest import pin

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
EUR = DealDefaults(currency="EUR")


@pytest.fixture
def session(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    pin(monkeypatch, START)
    with db.session(write=True) as s:
        yield s


def people(session: Session, n: int) -> list[Contact]:
    return [contacts.add(session, contacts.ContactChanges(name=f"Person {i:02d}"))[0] for i in range(1, n + 1)]


def campaign(session: Session, name: str = "Spring offer", *, cost: str | None = "400 EUR",
             start: bool = True) -> Campaign:
    return campaigns.add(session, name, channel="email", cost=campaigns.parse_cost(cost, EUR) if cost else None,
                         owner="kim", now=START, start=start)


def won_deal(session: Session, name: str, value: int, currency: str, found: Campaign, *, won: bool = True) -> Deal:
    stage = EUR.stages.get("won") if won else None
    deal = deals.add(session, deals.NewDeal(name, value, currency, stage), EUR)
    deal.campaign_id = found.id
    session.add(deal)
    session.flush()
    return deal


def test_the_issue_acceptance_ten_members_three_replies_one_unsubscribe_one_won_deal(session: Session) -> None:
    found = campaign(session)
    members = people(session, 10)
    assert len(campaigns.add_members(session, found, members, now=START)) == 10
    later = START + timedelta(days=2)
    for person in members[:3]:
        campaigns.respond(session, found, person, "replied", at=later)
    campaigns.respond(session, found, members[3], "unsubscribed", at=later)
    won_deal(session, "Ten licences", 200000, "EUR", found)

    [figures] = campaigns.report(session.connection())
    assert (figures.members, figures.responders, figures.deals_won) == (10, 3, 1)
    assert figures.response_rate == Decimal(30)
    assert figures.won == (Amount(200000, "EUR"),)
    assert figures.responses == {"replied": 3, "meeting": 0, "unsubscribed": 1, "bounced": 0}
    session.refresh(members[3])
    assert members[3].do_not_contact_at is not None
    assert members[3].do_not_contact_reason == "unsubscribed from campaign Spring offer"
    row = next(campaigns.report_rows([figures]).records())
    assert (row.response_rate, row.won_value, row.deals_won) == ("30.0", "2000.00 EUR", 1)


def test_costs_per_response_and_per_won_deal_and_the_return_in_the_cost_currency(session: Session) -> None:
    found = campaign(session, cost="400 EUR")
    members = people(session, 4)
    campaigns.add_members(session, found, members, now=START)
    campaigns.respond(session, found, members[0], "replied", at=START)
    campaigns.respond(session, found, members[0], "meeting", at=START)  # one responder, two responses
    campaigns.respond(session, found, members[1], "meeting", at=START)
    campaigns.respond(session, found, members[2], "replied", at=START)
    campaigns.respond(session, found, members[3], "bounced", at=START)  # no response
    won_deal(session, "A", 150000, "EUR", found)
    won_deal(session, "B", 50000, "EUR", found)
    won_deal(session, "Open one", 999900, "EUR", found, won=False)  # opened, not won: no value

    [f] = campaigns.report(session.connection())
    assert (f.members, f.responders, f.deals_opened, f.deals_won) == (4, 3, 3, 2)
    assert f.responses == {"replied": 2, "meeting": 2, "unsubscribed": 0, "bounced": 1}
    assert f.response_rate == Decimal(75)
    assert f.cost_per_response == Amount(Decimal(40000) / 3, "EUR")
    assert f.cost_per_won_deal == Amount(Decimal(20000), "EUR")
    assert f.return_on_cost == Decimal(400)  # (2,000 - 400) / 400
    row = next(campaigns.report_rows([f]).records())
    assert (row.cost, row.cost_per_response, row.cost_per_won_deal, row.return_on_cost) == \
        ("400.00", "133.33", "200.00", "400.0")


def test_won_value_stays_per_currency_and_the_return_needs_one_currency(session: Session) -> None:
    found = campaign(session, cost="100 EUR")
    won_deal(session, "In euros", 10000, "EUR", found)
    won_deal(session, "In dollars", 30000, "USD", found)
    [f] = campaigns.report(session.connection())
    assert f.won == (Amount(10000, "EUR"), Amount(30000, "USD"))
    assert f.return_on_cost is None  # never converted
    assert next(campaigns.report_rows([f]).records()).won_value == "100.00 EUR; 300.00 USD"


def test_no_cost_no_members_gives_empty_figures_not_zero_division(session: Session) -> None:
    found = campaign(session, cost=None)
    [f] = campaigns.report(session.connection(), [found.id])
    assert (f.members, f.response_rate, f.cost_per_response, f.cost_per_won_deal, f.return_on_cost) == \
        (0, None, None, None, None)
    free = campaign(session, "Free", cost="0 EUR")
    assert campaigns.report(session.connection(), [free.id])[0].return_on_cost is None


def test_a_campaign_without_won_deals_returns_minus_everything(session: Session) -> None:
    campaign(session, cost="400 EUR")
    assert campaigns.report(session.connection())[0].return_on_cost == Decimal(-100)


def test_the_report_counts_each_campaign_apart(session: Session) -> None:
    spring, autumn = campaign(session), campaign(session, "Autumn offer")
    members = people(session, 3)
    campaigns.add_members(session, spring, members, now=START)
    campaigns.add_members(session, autumn, members[:1], now=START)
    campaigns.respond(session, autumn, members[0], "replied", at=START)
    figures = {f.name: (f.members, f.responders) for f in campaigns.report(session.connection())}
    assert figures == {"Spring offer": (3, 0), "Autumn offer": (1, 1)}
    assert [f.name for f in campaigns.report(session.connection(), [spring.id])] == ["Spring offer"]


def test_responding_needs_a_member_of_a_started_campaign(session: Session) -> None:
    found = campaign(session)
    [ann] = people(session, 1)
    with pytest.raises(Invalid, match="Person 01 is not a member of campaign 'Spring offer'"):
        campaigns.respond(session, found, ann, "replied", at=START)
    draft = campaign(session, "Draft", start=False)
    campaigns.add_members(session, draft, [ann], now=START)
    with pytest.raises(Invalid, match="has not started"):
        campaigns.respond(session, draft, ann, "replied", at=START)
    campaigns.add_members(session, found, [ann], now=START)
    with pytest.raises(Invalid, match="unknown response 'liked'; use one of: replied, meeting, unsubscribed"):
        campaigns.respond(session, found, ann, "liked", at=START)
    assert session.execute(sa.select(sa.func.count()).select_from(CAMPAIGN_RESPONSE)).scalar_one() == 0


def test_unsubscribing_keeps_an_earlier_do_not_contact_reason(session: Session) -> None:
    found = campaign(session)
    [ann] = people(session, 1)
    campaigns.add_members(session, found, [ann], now=START)
    contacts.apply(session, ann, contacts.ContactChanges(do_not_contact=True, do_not_contact_reason="asked by phone"))
    campaigns.respond(session, found, ann, "unsubscribed", at=START + timedelta(days=1))
    assert ann.do_not_contact_reason == "asked by phone"


def test_members_by_hand_are_added_once_and_do_not_contact_is_refused(session: Session) -> None:
    found = campaign(session)
    ann, bob = people(session, 2)
    assert campaigns.add_members(session, found, [ann, ann], now=START) == [ann]
    assert campaigns.add_members(session, found, [ann, bob], now=START) == [bob]
    contacts.apply(session, bob, contacts.ContactChanges(do_not_contact=True))
    carl = people(session, 3)[2]
    contacts.apply(session, carl, contacts.ContactChanges(do_not_contact=True))
    with pytest.raises(Invalid, match="Person 03 is marked do not contact"):
        campaigns.add_members(session, found, [carl], now=START)
    rows = list(campaigns.members(session.connection(), found).records())
    assert [(r.name, r.by_hand, r.do_not_contact) for r in rows] == [("Person 01", True, False),
                                                                    ("Person 02", True, True)]


def test_removing_a_member_takes_their_responses(session: Session) -> None:
    found = campaign(session)
    ann, bob = people(session, 2)
    campaigns.add_members(session, found, [ann, bob], now=START)
    campaigns.respond(session, found, ann, "replied", at=START)
    assert campaigns.remove_members(session, found, [ann], now=START) == 1
    assert campaigns.member_ids(session, found) == {bob.id}
    with pytest.raises(Invalid, match="Person 01 is not a member"):
        campaigns.remove_members(session, found, [ann], now=START)
    assert campaigns.report(session.connection())[0].responders == 0


def test_names_are_unique_and_found_by_part_or_id(session: Session) -> None:
    found = campaign(session)
    with pytest.raises(Conflict, match="a campaign named 'SPRING OFFER' exists already"):
        campaign(session, "SPRING OFFER")
    assert campaigns.get(session, "spring").id == found.id
    assert campaigns.get(session, f"#{found.id}").id == found.id
    campaign(session, "Spring fair")
    with pytest.raises(Ambiguous):
        campaigns.get(session, "spring")
    with pytest.raises(NotFound, match="no campaign matches 'winter'"):
        campaigns.get(session, "winter")
    with pytest.raises(Invalid, match="unknown campaign channel 'fax'"):
        campaigns.add(session, "Faxes", channel="fax", now=START)
    with pytest.raises(Invalid, match="a campaign needs a name"):
        campaigns.add(session, "  ", now=START)


@pytest.mark.parametrize("text", ["", "EUR", "four hundred EUR", "400 XYZ", "-5 EUR", "1.2345 EUR"])
def test_a_cost_that_cannot_be_read_is_refused(text: str) -> None:
    with pytest.raises(Invalid):
        campaigns.parse_cost(text, EUR)


def test_a_cost_reads_like_a_deal_value() -> None:
    assert campaigns.parse_cost("1,200.50 EUR", EUR) == Amount(120050, "EUR")
    assert campaigns.parse_cost("400", EUR) == Amount(40000, "EUR")  # the currency setting
    assert campaigns.parse_cost("400 jpy", EUR) == Amount(400, "JPY")
    with pytest.raises(Invalid, match="which currency"):
        campaigns.parse_cost("400", DealDefaults())


def test_starting_twice_is_a_conflict_and_the_segment_is_fixed_once_started(session: Session) -> None:
    draft = campaign(session, start=False)
    assert campaigns.rows(session.connection()).rows and draft.started_at is None
    assert campaigns.begin(session, draft, now=START + timedelta(days=1)) == 0
    assert draft.started_at is not None
    with pytest.raises(Conflict, match="started already"):
        campaigns.begin(session, draft, now=START)
    with pytest.raises(Invalid, match="cannot end before it starts"):
        campaigns.edit(session, draft, campaigns.CampaignChanges(ended_at=START), now=START)
    campaigns.edit(session, draft, campaigns.CampaignChanges(ended_at=START + timedelta(days=9), clear_cost=True),
                   now=START)
    [row] = campaigns.rows(session.connection()).records()
    assert (row.status, row.cost, row.members) == ("ended", None, 0)


def test_removing_a_campaign_keeps_its_deals_unlinked(session: Session) -> None:
    found = campaign(session)
    [ann] = people(session, 1)
    campaigns.add_members(session, found, [ann], now=START)
    campaigns.respond(session, found, ann, "replied", at=START)
    deal = won_deal(session, "Kept", 100, "EUR", found)
    assert campaigns.impact(session, found).describe() == "1 member, 1 response; 1 deal lose the link"
    campaigns.remove(session, found)
    session.refresh(deal)
    assert deal.campaign_id is None
    for table in (CAMPAIGN_MEMBER, CAMPAIGN_RESPONSE):
        assert session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0


def test_times_are_stored_utc(session: Session) -> None:
    found = campaign(session)
    assert found.started_at is not None and found.started_at.utcoffset() == timedelta(0)
    assert found.started_at == START.astimezone(UTC)


def test_members_are_frozen_from_the_segment_when_the_campaign_starts(session: Session) -> None:
    from crmcli.core import segments

    tagged = people(session, 10)
    for person in tagged:
        contacts.tag(session, person, ["vip"])
    marked = contacts.add(session, contacts.ContactChanges(name="Marked", tags=["vip"], do_not_contact=True))[0]
    people(session, 2)  # not tagged: not members
    vips = segments.add(session, "vips", segments.Definition(tags=("vip",)))
    draft = campaigns.add(session, "Spring offer", segment=vips, now=START, start=False)
    assert campaigns.member_ids(session, draft) == set()  # a draft has no members yet
    late = contacts.add(session, contacts.ContactChanges(name="Late", tags=["vip"]))[0]
    assert campaigns.begin(session, draft, now=START) == 11
    members = campaigns.member_ids(session, draft)
    assert members == {p.id for p in tagged} | {late.id}
    assert marked.id not in members  # a segment leaves do-not-contact out
    after = contacts.add(session, contacts.ContactChanges(name="After start", tags=["vip"]))[0]
    assert after.id not in campaigns.member_ids(session, draft)  # frozen: the segment is not read again
    hand = campaigns.add_members(session, draft, [after], now=START)
    by_hand = {r.id: r.by_hand for r in campaigns.members(session.connection(), draft).records()}
    assert hand == [after] and by_hand[after.id] is True and by_hand[late.id] is False
    with pytest.raises(Invalid, match="started already"):
        campaigns.edit(session, draft, campaigns.CampaignChanges(clear_segment=True), now=START)


def test_the_acceptance_through_a_segment_of_ten(session: Session) -> None:
    from crmcli.core import segments

    tagged = people(session, 10)
    for person in tagged:
        contacts.tag(session, person, ["berlin"])
    berlin = segments.add(session, "berlin-vips", segments.Definition(tags=("berlin",)))
    found = campaigns.add(session, "Spring offer", segment=berlin, cost=Amount(40000, "EUR"), now=START)
    for person in tagged[:3]:
        campaigns.respond(session, found, person, "replied", at=START)
    campaigns.respond(session, found, tagged[9], "unsubscribed", at=START)
    won_deal(session, "Licences", 200000, "EUR", found)
    [f] = campaigns.report(session.connection())
    assert (f.members, f.response_rate, f.deals_won, f.won) == (10, Decimal(30), 1, (Amount(200000, "EUR"),))
    assert tagged[9].do_not_contact_at is not None
    assert segments.count(session.connection(), berlin, START) == 9  # out of the segment from now on


def test_privacy_export_and_forget_cover_campaigns(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The subject-access export lists her campaigns and responses; forgetting her takes her
    memberships, responses and their audit rows, and her name out of a campaign's note; the
    campaign's figures count her no more."""
    from crmcli.core import privacy
    from crmcli.core.models import AUDIT_CHANGE
    from tests.core.test_privacy import HER, everything

    pin(monkeypatch, START)
    with db.session(write=True) as s:
        vera, bob = (contacts.add(s, contacts.ContactChanges(name=n, add_emails=[e]))[0]
                     for n, e in (("Vera Novak", "vera@novak.example"), ("Bob Marsh", "bob@marsh.example")))
        found = campaigns.add(s, "Spring offer", note="Vera Novak asked for it", now=START)
        campaigns.add_members(s, found, [vera, bob], now=START)
        campaigns.respond(s, found, vera, "replied", at=START + timedelta(hours=1))
        campaigns.respond(s, found, vera, "unsubscribed", at=START + timedelta(hours=2))
        campaigns.respond(s, found, bob, "meeting", at=START + timedelta(hours=3))
        ids = {"vera": vera.id, "bob": bob.id, "campaign": found.id}
    with db.session() as s:
        document = privacy.export(s, contacts.resolve(s, "vera"), now=START)
        planned = privacy.plan(s, contacts.resolve(s, "vera"), db)
    assert "campaigns" in document["sections"]
    assert document["campaigns"] == [{
        "id": ids["campaign"], "uid": document["campaigns"][0]["uid"], "name": "Spring offer", "channel": "email",
        "started": "2026-03-02T09:00:00Z", "ended": None, "joined": "2026-03-02T09:00:00Z", "by_hand": True,
        "responses": [{"kind": "replied", "at": "2026-03-02T10:00:00Z", "interaction": None},
                      {"kind": "unsubscribed", "at": "2026-03-02T11:00:00Z", "interaction": None}]}]
    assert (planned.own["campaign memberships"], planned.own["campaign responses"]) == (1, 2)
    assert "1 campaign membership, 2 campaign responses" in planned.describe()

    done = privacy.forget(db, ids["vera"])  # type: ignore[arg-type]
    assert (done.deleted["campaign memberships"], done.deleted["campaign responses"]) == (1, 2)
    with db.session() as s:
        conn = s.connection()
        [f] = campaigns.report(conn)
        assert (f.members, f.responders, f.responses["unsubscribed"]) == (1, 1, 0)
        assert s.get(Campaign, ids["campaign"]).note == "[erased] asked for it"  # type: ignore[union-attr]
        a = AUDIT_CHANGE
        left = conn.execute(sa.select(a.c.contact_id, a.c.after).where(
            a.c.table_name.in_(["campaign_member", "campaign_response"]))).all()
        assert [(who, after["kind"]) for who, after in left] == [(ids["bob"], "meeting")]  # Bob's response only
    assert HER.findall(everything(db)) == []


def test_the_timeline_pages_through_campaign_entries_at_one_instant(session: Session) -> None:
    """Joined, two responses and a logged reply all at one moment: paging one entry at a time gives
    every entry once, in the listing's order (the parts number apart; the type breaks ties)."""
    from crmcli.core import interactions, timeline

    spring, autumn = campaign(session), campaign(session, "Autumn offer")
    [ann] = people(session, 1)
    campaigns.add_members(session, spring, [ann], now=START)
    campaigns.add_members(session, autumn, [ann], now=START)
    note = interactions.log(session, [ann], "Yes please", kind="email", occurred_at=START)
    campaigns.on_interaction(session, spring, note, [ann], "replied")
    campaigns.respond(session, autumn, ann, "bounced", at=START)
    conn = session.connection()
    listed = [(r.type, r.id, r.kind, r.body) for r in timeline.rows(conn, ann.id).records()]
    assert sorted(listed) == sorted([
        ("campaign", spring.id, "campaign", "added by hand to campaign Spring offer"),
        ("campaign", autumn.id, "campaign", "added by hand to campaign Autumn offer"),
        ("response", 1, "campaign response", "replied (campaign Spring offer)"),
        ("response", 2, "campaign response", "bounced (campaign Autumn offer)"),
        ("interaction", note.id, "email", "Yes please")])
    paged, cursor = [], None
    while True:
        page = timeline.page(conn, ann.id, before=cursor, limit=1)
        paged += [(e.type, e.id, e.kind, e.body) for e in page.entries]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert paged == listed
    assert timeline.count(conn, ann.id) == 5
    only = timeline.rows(conn, ann.id, kinds=["campaign response"]).records()
    assert [r.body for r in only] == ["bounced (campaign Autumn offer)", "replied (campaign Spring offer)"]
    assert session.execute(sa.select(CAMPAIGN_RESPONSE.c.interaction_id).order_by(CAMPAIGN_RESPONSE.c.id)) \
        .scalars().all() == [note.id, None]


def test_what_a_logged_interaction_answers_by_default() -> None:
    assert campaigns.default_response("email", "in") == "replied"
    assert campaigns.default_response("call", None) == "replied"
    assert campaigns.default_response("meeting", None) == "meeting"
    assert campaigns.default_response("email", "out") is None


_EXAMPLES = iter(range(10**6))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=st.integers(1, 8), answers=st.lists(st.tuples(st.integers(0, 7), st.sampled_from(campaigns.RESPONSE_KINDS)),
                                                   max_size=15),
       won=st.lists(st.tuples(st.integers(1, 10**6), st.sampled_from(["EUR", "USD"])), max_size=4),
       cost=st.one_of(st.none(), st.integers(0, 10**6)))
def test_the_report_agrees_with_counting_by_hand(session: Session, members: int, answers: list[tuple[int, str]],
                                                 won: list[tuple[int, str]], cost: int | None) -> None:
    """Whatever the responses, deals and cost: the SQL figures are what counting in Python gives."""
    n = next(_EXAMPLES)
    found = campaigns.add(session, f"Campaign {n}", cost=Amount(cost, "EUR") if cost is not None else None, now=START)
    people_ = [contacts.add(session, contacts.ContactChanges(name=f"Member {n} {i}"))[0] for i in range(members)]
    campaigns.add_members(session, found, people_, now=START)
    for who, kind in answers:
        if who < members:  # a marked member (unsubscribed before) may still answer
            campaigns.respond(session, found, people_[who], kind, at=START)
    given_ = [(who, kind) for who, kind in answers if who < members]
    for i, (value, code) in enumerate(won):
        won_deal(session, f"Deal {n} {i}", value, code, found)
    [f] = campaigns.report(session.connection(), [found.id])
    by_kind = {k: len({w for w, kind in given_ if kind == k}) for k in campaigns.RESPONSE_KINDS}
    responders = len({w for w, kind in given_ if kind in campaigns.RESPONDED})
    assert (f.members, f.responses, f.responders) == (members, by_kind, responders)
    assert f.response_rate == Decimal(responders * 100) / members
    totals: dict[str, int] = {}
    for value, code in won:
        totals[code] = totals.get(code, 0) + value
    assert f.won == tuple(Amount(totals[c], c) for c in sorted(totals))
    assert f.deals_won == f.deals_opened == len(won)
    expected = None
    if cost and set(totals) <= {"EUR"}:
        expected = (Decimal(totals.get("EUR", 0)) - cost) * 100 / cost
    assert f.return_on_cost == expected
