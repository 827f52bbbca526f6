"""Segments: saved filters over contacts. One SQL condition (segments.condition) keeps the contacts
that meet every rule of a definition; here it is checked rule by rule on records made by the
services, against a plain-Python reading of the same rules on random contact sets, and through the
listing, the export and the agenda that narrow to it. Both backends (the `db` fixture)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core import cadence, contacts, dates, deals, exports, followups, segments
from crmcli.core.agenda import agenda
from crmcli.core.models import CONTACT_FIELD, CONTACT_TAG, DEAL_CONTACT, TAG, Contact, Deal, Organization, Segment
from crmcli.core.money import Amount
from crmcli.core.segments import Definition, Typed
from crmcli.core.stages import DEFAULT
from crmcli.errors import Ambiguous, Conflict, Invalid, NotFound
from crmcli.storage.database import Database
from tests.core.conftest import NOW


@dataclasses.dataclass
class Settings:  # what parse_definition reads: stages, the default currency, the money locale
    stages: Any = DEFAULT
    currency: str | None = "EUR"
    money_locale: str | None = None
    owner_me: str = "robin"


SETTINGS = Settings()


def _ids(db: Database, definition: Definition, now: datetime = NOW) -> set[int]:
    with db.connect() as conn:
        return set(conn.scalars(segments.contact_ids(conn, definition, now)))


def _person(session: Any, name: str, **changes: Any) -> int:
    contact, _ = contacts.add(session, contacts.ContactChanges(name=name, **changes), me=lambda: "robin")
    return contact.id  # type: ignore[return-value]


def _parse(db: Database, **typed: Any) -> segments.Parsed:
    with db.session() as s:
        return segments.parse_definition(s, Typed(**typed), now=NOW, settings=SETTINGS)


# -- each rule on its own ------------------------------------------------------------------------

@pytest.fixture
def people(db: Database) -> dict[str, int]:
    """Ann (vip, client, Acme, source=referral, kim's, an email, contacted 10 days ago, a weekly
    cadence), Bob (vip, source=fair, contacted 200 days ago, a yearly cadence), Cy (client, an email,
    never contacted, a daily cadence, do not contact), Di (nothing); all but Ann robin's."""
    with db.session(write=True) as s:
        ids = {
            "ann": _person(s, "Ann Lee", tags=["vip", "client"], org="Acme", set_fields=["source=referral"],
                           owner="kim", add_emails=["ann@acme.example"]),
            "bob": _person(s, "Bob Marsh", tags=["vip"], set_fields=["source=fair"]),
            "cy": _person(s, "Cy Twombly", tags=["client"], add_emails=["cy@example.org"]),
            "di": _person(s, "Di Prima"),
        }
        c = Contact.__table__  # type: ignore[attr-defined]
        s.execute(sa.update(c).where(c.c.id == ids["ann"]).values(last_contact_at=NOW - timedelta(days=10),
                                                                  cadence_days=7))
        s.execute(sa.update(c).where(c.c.id == ids["bob"]).values(last_contact_at=NOW - timedelta(days=200),
                                                                  cadence_days=365))
        s.execute(sa.update(c).where(c.c.id == ids["cy"]).values(do_not_contact_at=NOW, cadence_days=1))
    return ids


def _named(people: dict[str, int], *names: str) -> set[int]:
    return {people[n] for n in names}


@pytest.mark.parametrize(("typed", "expected"), [
    ({}, ("ann", "bob", "di")),  # no rule: everyone who may be contacted
    ({"include_do_not_contact": True}, ("ann", "bob", "cy", "di")),
    ({"tags": ("vip", "client")}, ("ann",)),
    ({"any_tags": ("vip", "client")}, ("ann", "bob")),
    ({"any_tags": ("vip", "client"), "include_do_not_contact": True}, ("ann", "bob", "cy")),
    ({"org": "acme"}, ("ann",)),
    ({"fields": ("source=fair",)}, ("bob",)),
    ({"fields": ("source=Fair",)}, ()),  # a field's value is compared exactly
    ({"owner": "kim"}, ("ann",)),
    ({"owner": "robin"}, ("bob", "di")),
    ({"owner": ""}, ()),
    ({"last_contact_before": "90d"}, ("bob",)),  # never contacted is not "before"
    ({"last_contact_after": "30d"}, ("ann",)),
    ({"last_contact_after": "2025-01-01"}, ("ann", "bob")),
    ({"never_contacted": True}, ("di",)),
    ({"cadence_overdue": True}, ("ann",)),  # weekly, 10 days quiet; Bob yearly; Cy may not be contacted
    ({"tags": ("vip",), "last_contact_before": "30d", "owner": "robin"}, ("bob",)),
])
def test_each_rule_keeps_the_contacts_it_names(db: Database, people: dict[str, int], typed: dict[str, Any],
                                              expected: tuple[str, ...]) -> None:
    assert _ids(db, _parse(db, **typed).definition) == _named(people, *expected)


def test_past_the_cadence_means_past_it_not_almost(db: Database) -> None:
    """As `remind` counts it: a monthly contact silent 29 and a half days is not due, 30 and a half is."""
    with db.session(write=True) as s:
        ids = [_person(s, name, cadence="every 30 days") for name in ("Almost", "Past")]
        c = Contact.__table__  # type: ignore[attr-defined]
        for cid, days in zip(ids, (29.5, 30.5)):
            s.execute(sa.update(c).where(c.c.id == cid).values(last_contact_at=NOW - timedelta(days=days)))
    assert _ids(db, Definition(cadence_overdue=True)) == {ids[1]}
    with db.connect() as conn:
        assert [item.contact for item in agenda(conn, NOW).keep_in_touch] == ["Past"]


def test_a_relative_date_stays_relative_and_is_read_when_the_segment_is_used(db: Database,
                                                                             people: dict[str, int]) -> None:
    with db.session(write=True) as s:
        parsed = segments.parse_definition(s, Typed(last_contact_before="30d"), now=NOW, settings=SETTINGS)
        segments.add(s, "Quiet", parsed.definition)
    with db.session() as s:
        stored = segments.get(s, "quiet")
        assert stored.definition == {"last_contact_before": "30d"}  # the text, not a day
        definition = segments.of(stored)
    assert _ids(db, definition, NOW) == _named(people, "bob")
    assert _ids(db, definition, NOW + timedelta(days=25)) == _named(people, "ann", "bob")  # Ann is quiet by then


@pytest.fixture
def dealt(db: Database, people: dict[str, int]) -> dict[str, int]:
    """Ann: an open proposal, won 1,500 EUR + 800 EUR; Bob: won 5,000 USD, a lost proposal; Di: a lead."""
    with db.session(write=True) as s:
        def deal(name: str, who: str, stage: str, value: str, currency: str) -> None:
            made = deals.add(s, deals.NewDeal(name, value=value, currency=currency, stage=DEFAULT.get(stage),
                                              contacts=[s.get(Contact, people[who])]), SETTINGS)  # type: ignore[list-item]
            assert made.status == DEFAULT.get(stage).outcome
        deal("Ann's open one", "ann", "proposal", "100", "EUR")
        deal("Ann's first", "ann", "won", "1500", "EUR")
        deal("Ann's second", "ann", "won", "800", "EUR")
        deal("Bob's", "bob", "won", "5000", "USD")
        deal("Bob's lost", "bob", "lost", "9000", "EUR")
        deal("Di's", "di", "lead", "10", "EUR")
    return people


@pytest.mark.parametrize(("typed", "expected"), [
    ({"deal_stage": "proposal"}, ("ann",)),  # Bob's proposal was lost
    ({"deal_stage": "Lead"}, ("di",)),
    ({"deal_stage": "negotiation"}, ()),
    ({"won_above": "2000 EUR"}, ("ann",)),  # 1,500 + 800 in one currency
    ({"won_above": "2300"}, ()),  # "above": 2,300.00 is not above itself; the default currency
    ({"won_above": "2000 usd"}, ("bob",)),  # never summed across currencies
    ({"won_above": "EUR 0"}, ("ann",)),
])
def test_deal_rules_read_open_deals_by_stage_and_won_value_per_currency(db: Database, dealt: dict[str, int],
                                                                        typed: dict[str, Any],
                                                                        expected: tuple[str, ...]) -> None:
    assert _ids(db, _parse(db, **typed).definition) == _named(dealt, *expected)


# -- what a user types -----------------------------------------------------------------------------

def test_an_unknown_tag_is_a_warning_an_unknown_org_an_error(db: Database, people: dict[str, int]) -> None:
    parsed = _parse(db, tags=("VIP", "newsletter"))
    assert parsed.definition.tags == ("vip", "newsletter")  # tags as stored: lower case
    assert parsed.warnings == ("no contact is tagged 'newsletter' yet",)
    with pytest.raises(NotFound, match="no organisation matches 'Initech'"):
        _parse(db, org="Initech")


@pytest.mark.parametrize(("typed", "message"), [
    ({"deal_stage": "closing"}, "unknown stage 'closing'; the stages are: lead"),
    ({"deal_stage": "won"}, "stage 'won' ends a deal"),
    ({"last_contact_before": "someday"}, "last contact before: cannot read the date 'someday'"),
    ({"last_contact_after": ""}, "last contact after: cannot read the date"),
    ({"won_above": "12.345 EUR"}, "EUR has 2 decimal places"),
    ({"won_above": "-5 EUR"}, "an amount cannot be negative"),
    ({"won_above": "lots"}, "cannot read the amount"),
    ({"won_above": "5 XYZ"}, "XYZ"),
    ({"tags": ("two words",)}, "invalid tag 'two words'"),
    ({"fields": ("nokey",)}, "invalid field 'nokey'"),
    ({"never_contacted": True, "last_contact_after": "30d"}, "never contacted"),
    ({"never_contacted": True, "last_contact_before": "30d"}, "never contacted"),
    ({"clear": ("colour",)}, "no condition 'colour' to clear; the conditions are: tags, any-tags"),
])
def test_bad_conditions_are_refused_with_what_was_wrong(db: Database, typed: dict[str, Any], message: str) -> None:
    with pytest.raises(Invalid, match=message.replace("(", r"\(").replace(".", r"\.")):
        _parse(db, **typed)


def test_an_edit_replaces_what_is_given_and_clears_what_is_named(db: Database, people: dict[str, int]) -> None:
    base = _parse(db, tags=("vip",), owner="kim", last_contact_before="30d").definition
    with db.session() as s:
        edited = segments.parse_definition(s, Typed(tags=("client",), clear=("owner", "last-contact-before")),
                                           now=NOW, settings=SETTINGS, base=base).definition
    assert edited == Definition(tags=("client",))
    assert _ids(db, edited) == _named(people, "ann")  # Cy, a client too, may not be contacted


def test_names_are_unique_whatever_the_case_or_accents(db: Database) -> None:
    with db.session(write=True) as s:
        first = segments.add(s, "Zoë's VIPs", Definition(tags=("vip",)), owner="robin", description=" for   the gala ")
        assert (first.name, first.description, first.owner) == ("Zoë's VIPs", "for the gala", "robin")
        with pytest.raises(Conflict, match="already has that name"):
            segments.add(s, "  ZOE'S vips ", Definition())
        other = segments.add(s, "Zoë's clients", Definition())
        with pytest.raises(Conflict):
            segments.edit(s, other, name="zoe's vips")
    with db.session() as s:
        assert segments.get(s, "zoe's vips").id == first.id
        assert segments.get(s, f"#{other.id}").id == other.id
        with pytest.raises(Ambiguous, match="matches several segments"):
            segments.get(s, "zoe")
        with pytest.raises(NotFound, match="no segment matches 'gala'"):
            segments.get(s, "gala")


def test_edit_and_remove(db: Database, people: dict[str, int]) -> None:
    with db.session(write=True) as s:
        made = segments.add(s, "VIPs", Definition(tags=("vip",)))
        segments.edit(s, made, name="Key people", definition=Definition(any_tags=("client",)), description="")
    with db.connect() as conn:
        (row,) = segments.rows(conn, now=NOW).records()
    assert (row.name, row.definition, row.contacts, row.description, row.conditions) == (
        "Key people", '{"any_tags": ["client"]}', 1, None, "tagged client; do-not-contact left out")
    with db.session(write=True) as s:
        segments.remove(s, segments.get(s, "key"))
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Segment)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(Contact)) == 4  # the contacts stay


def test_a_definition_with_a_condition_this_crm_does_not_know_is_refused() -> None:
    with pytest.raises(Invalid, match="does not know: colour"):
        Definition.from_json({"tags": ["vip"], "colour": "red"})


def test_describe_says_every_rule_in_words() -> None:
    every = Definition(tags=("vip", "client"), any_tags=("a", "b"), org=3, fields=(("source", "fair"),), owner="",
                       last_contact_before="90d", last_contact_after="2026-01-01", cadence_overdue=True,
                       deal_stage="proposal", won_value_above=Amount(200000, "EUR"), include_do_not_contact=True)
    assert segments.describe(every, org_name="Acme") == (
        "tagged vip and client; tagged a or b; at Acme; field source = fair; owned by nobody; "
        "last contact before 90d; last contact since 2026-01-01; past their cadence; with an open deal in "
        "proposal; won deals above 2,000.00 EUR; do-not-contact included")
    assert segments.describe(Definition()) == "every contact; do-not-contact left out"


# Each rule set (a value that selects something); a definition draws a few of them.
_RULES = dict(
    tags=st.lists(st.sampled_from(["a", "b", "c"]), unique=True, min_size=1, max_size=2).map(tuple),
    any_tags=st.lists(st.sampled_from(["a", "b", "c"]), unique=True, min_size=1, max_size=2).map(tuple),
    org=st.sampled_from([1, 2]),
    fields=st.dictionaries(st.sampled_from(["k", "m"]), st.sampled_from(["x", "y"]), min_size=1, max_size=2)
    .map(lambda d: tuple(sorted(d.items()))),
    owner=st.sampled_from(["", "kim", "robin"]),
    last_contact_before=st.sampled_from(["30d", "90d", "2026-01-01"]),
    last_contact_after=st.sampled_from(["30d", "1 year ago", "2025-06-01"]),
    never_contacted=st.just(True),
    cadence_overdue=st.just(True),
    deal_stage=st.sampled_from(["lead", "proposal"]),
    won_value_above=st.builds(Amount, st.sampled_from([0, 50000, 100000, 150000]), st.sampled_from(["EUR", "USD"])),
    include_do_not_contact=st.just(True),
)


def _drawing(most: int) -> st.SearchStrategy[Definition]:
    return st.sets(st.sampled_from(sorted(_RULES)), max_size=most).flatmap(
        lambda names: st.builds(Definition, **{n: _RULES[n] for n in names}))  # type: ignore[arg-type]


_definitions = _drawing(len(_RULES))
# A few rules at a time, as people write segments: with many rules, nearly all select nobody.
_sparse = _drawing(3)


@given(_definitions)
def test_a_definition_survives_its_stored_form(definition: Definition) -> None:
    assert Definition.from_json(definition.to_json()) == definition


# -- the SQL against the rules written out in Python -----------------------------------------------

# (stage, status, value, currency): the status drawn apart from the stage, as a deal keeps the
# outcome its stage had when set (the stages setting may change since).
_deal = st.tuples(st.sampled_from(["lead", "proposal", "won"]), st.sampled_from(["open", "won", "lost"]),
                  st.sampled_from([0, 500, 1000, 4000]), st.sampled_from(["EUR", "USD"]))
_contact = st.fixed_dictionaries({
    "tags": st.sets(st.sampled_from(["a", "b", "c"])),
    "org": st.none() | st.sampled_from([1, 2]),
    "fields": st.dictionaries(st.sampled_from(["k", "m"]), st.sampled_from(["x", "y"])),
    "owner": st.none() | st.sampled_from(["kim", "robin"]),
    # hours off whole days keep every comparison off its boundary (both readings agree there anyway)
    "last_days": st.none() | st.sampled_from([1, 6, 20, 29, 45, 89, 100, 200, 364, 400, 700]),
    "cadence": st.none() | st.sampled_from([7, 30, 90, 365]),
    "dnc": st.booleans(),
    "deals": st.lists(_deal, max_size=4),
})


def _oracle(p: dict[str, Any], d: Definition, now: datetime) -> bool:
    """The rules as a person reads them, for one contact."""
    last = None if p["last_days"] is None else now - timedelta(days=p["last_days"], hours=3)
    created = now - timedelta(days=800)
    won = sum(v * 100 for _, status, v, cur in p["deals"] if status == "won" and d.won_value_above and
              cur == d.won_value_above.code)
    since = lambda text: dates.parse_since(text, now=now)  # noqa: E731
    return all([
        set(d.tags) <= p["tags"],
        not d.any_tags or bool(set(d.any_tags) & p["tags"]),
        d.org is None or p["org"] == d.org,
        all(p["fields"].get(k) == v for k, v in d.fields),
        d.owner is None or p["owner"] == (d.owner or None),
        d.last_contact_before is None or (last is not None and last < since(d.last_contact_before)),
        d.last_contact_after is None or (last is not None and last >= since(d.last_contact_after)),
        not d.never_contacted or last is None,
        not d.cadence_overdue or cadence.is_cold(last, created, p["cadence"], now),
        d.deal_stage is None or any(stage == d.deal_stage and status == "open" for stage, status, _, _ in p["deals"]),
        d.won_value_above is None or won > d.won_value_above.minor,
        d.include_do_not_contact or not p["dnc"],
    ])


def _fill(db: Database, drawn: list[dict[str, Any]], now: datetime) -> None:
    c, o, d = Contact.__table__, Organization.__table__, Deal.__table__  # type: ignore[attr-defined]
    with db.connect(write=True) as conn:
        for table in (d, c, TAG, o):
            conn.execute(sa.delete(table))
        conn.execute(sa.insert(o), [{"id": i, "uid": f"o{i}", "name": f"Org {i}", "name_key": f"org {i}",
                                     "created_at": now, "updated_at": now, "version": 1} for i in (1, 2)])
        conn.execute(sa.insert(TAG), [{"id": i, "name": n} for i, n in enumerate("abc", 1)])
        deal_id = 0
        for cid, p in enumerate(drawn, 1):
            conn.execute(sa.insert(c).values(
                id=cid, uid=f"c{cid}", name=f"P{cid}", name_key=f"p{cid}", org_id=p["org"], owner=p["owner"],
                cadence_days=p["cadence"], created_at=now - timedelta(days=800), updated_at=now, version=1,
                last_contact_at=None if p["last_days"] is None else now - timedelta(days=p["last_days"], hours=3),
                do_not_contact_at=now if p["dnc"] else None))
            for tag in p["tags"]:
                conn.execute(sa.insert(CONTACT_TAG).values(contact_id=cid, tag_id="abc".index(tag) + 1))
            for key, value in p["fields"].items():
                conn.execute(sa.insert(CONTACT_FIELD).values(contact_id=cid, key=key, value=value))
            for stage, status, value, currency in p["deals"]:
                deal_id += 1
                conn.execute(sa.insert(d).values(
                    id=deal_id, uid=f"d{deal_id}", name=f"D{deal_id}", name_key=f"d{deal_id}", value_minor=value * 100,
                    currency=currency, stage=stage, status=status, stage_changed_at=now,
                    created_at=now, updated_at=now, version=1))
                conn.execute(sa.insert(DEAL_CONTACT).values(deal_id=deal_id, contact_id=cid))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(drawn=st.lists(_contact, min_size=3, max_size=12), definitions=st.lists(_sparse, min_size=4, max_size=10))
def test_the_sql_keeps_whom_the_rules_written_in_python_keep(db: Database, drawn: list[dict[str, Any]],
                                                             definitions: list[Definition]) -> None:
    _fill(db, drawn, NOW)
    for definition in definitions:
        expected = {cid for cid, p in enumerate(drawn, 1) if _oracle(p, definition, NOW)}
        assert _ids(db, definition) == expected, definition


# -- the consumers: listing, export, agenda --------------------------------------------------------

def test_the_listing_the_mailing_export_and_the_agenda_narrow_to_the_segment(db: Database,
                                                                           people: dict[str, int]) -> None:
    clients = _parse(db, any_tags=("client",), include_do_not_contact=True).definition
    with db.session(write=True) as s:
        for who in ("ann", "bob", "cy", "di"):
            followups.add(s, s.get(Contact, people[who]), f"Call {who}",  # type: ignore[arg-type]
                          followups.Due(NOW - timedelta(days=2)))
        segments.add(s, "Clients", clients)
    with db.session(write=True) as s:  # tagged after the segment was saved: a segment is never stale
        contacts.apply(s, s.get(Contact, people["bob"]), contacts.ContactChanges(tags=["client"]))  # type: ignore[arg-type]
    with db.session() as s:
        held = segments.members(s, "clients", NOW)
        conn = s.connection()
        listed = [r.name for r in contacts.rows(conn, segment=held).records()]
        tagged = [r.name for r in contacts.rows(conn, segment=held, tag="vip").records()]  # other filters ANDed
        mailing = [r.name for r in exports.rows(conn, "contacts", exports.Scope(DEFAULT, NOW, mailing=True,
                                                                                  segment=held)).records()]
        exported = [r.name for r in exports.rows(conn, "contacts", exports.Scope(DEFAULT, NOW, segment=held)).records()]
        found = agenda(conn, NOW, segment=held, cases=True)
        everyone = agenda(conn, NOW)
    assert listed == exported == ["Ann Lee", "Bob Marsh", "Cy Twombly"]
    assert tagged == ["Ann Lee", "Bob Marsh"]
    assert mailing == ["Ann Lee"]  # Bob has no email; Cy may not be contacted
    assert [i.contact for i in found.overdue] == ["Ann Lee", "Bob Marsh"]  # Cy: do not contact, left out
    assert [i.contact for i in found.keep_in_touch] == ["Ann Lee"]
    assert sorted(i.contact for i in everyone.overdue) == ["Ann Lee", "Bob Marsh", "Di Prima"]
