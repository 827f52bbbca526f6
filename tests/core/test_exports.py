"""crmcli.core.exports: every record of each kind, with the references an import matches on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from crmcli.core import contacts, deals, exports, followups, interactions, orgs, validate
from crmcli.core.rows import LIST_SEPARATOR
from crmcli.core.stages import DEFAULT
from crmcli.storage.database import Database
from tests.core.conftest import NOW

SCOPE = exports.Scope(stages=DEFAULT, as_of=NOW)


def _export(db: Database, entity: str) -> list[dict[str, Any]]:
    with db.connect() as conn:
        rows = exports.rows(conn, entity, SCOPE)
        assert not isinstance(rows.rows, (list, tuple))  # streamed from the cursor, never gathered first
        return [dict(zip(rows.columns, row)) for row in rows.rows]


@pytest.fixture
def filled(db: Database) -> Database:
    """Ann Lee (labelled email and phone, one bare email) at Acme; Bob Marsh; a meeting with both, a
    call with Ann; a deal with both at Acme and a lost one; an all-day follow-up on the deal, a timed
    repeating one, a done one."""
    with db.session(write=True) as s:
        changes = contacts.ContactChanges(name="Ann Lee", org="Acme Ltd", add_emails=["work:ann@acme.example",
                                          "ann@mail.example"], add_phones=["mobile:+44 20 7946 0000"])
        ann, _ = contacts.add(s, changes)
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh", add_emails=["bob@bob.example"]))
        orgs.edit(s, orgs.resolve(s, "acme"), orgs.OrgChanges(website="https://acme.example"))
        interactions.log(s, [bob, ann], "Kick-off, both of them", kind="meeting")  # names sort Ann first
        interactions.log(s, [ann], "Called Ann", kind="call", direction="out",
                         occurred_at=NOW.astimezone(UTC) - timedelta(days=1))
        deal = deals.add(s, deals.NewDeal("Website", 120_050, "EUR", DEFAULT.get("proposal"), contacts=[bob, ann],
                                          org=orgs.resolve(s, "acme"), close_on=date(2026, 4, 30), probability=35, owner="Sam", note="Two phases"))
        lost = deals.add(s, deals.NewDeal("Logo", 900, "JPY", DEFAULT.get("lead")))
        deals.move(s, lost, DEFAULT.first("lost"), reason="price")
        followups.add(s, ann, "Send the quote", followups.Due(datetime(2026, 3, 6, tzinfo=UTC), True),
                      deal_id=deal.id)
        followups.add(s, bob, "Weekly check", followups.Due(datetime(2026, 3, 9, 9, 0, tzinfo=UTC), False),
                      repeat="every week", note="short")
        done = followups.add(s, bob, "Old one", followups.Due(datetime(2026, 3, 1, tzinfo=UTC), True))
        followups.done(s, done, NOW.tzinfo)  # type: ignore[arg-type]
    return db


def test_every_kind_of_record_has_an_export() -> None:
    assert set(exports.EXPORTS) == {"contacts", "orgs", "interactions", "follow-ups", "deals"}


def test_contacts_carry_their_labels_as_contacts_add_reads_them(filled: Database) -> None:
    found = {r["name"]: r for r in _export(filled, "contacts")}
    ann = found["Ann Lee"]
    assert ann["emails"] == "work:ann@acme.example; ann@mail.example"
    assert ann["phones"] == "mobile:+442079460000"
    assert [validate.split_label(cell) for cell in ann["emails"].split(LIST_SEPARATOR)] == [
        ("work", "ann@acme.example"), (None, "ann@mail.example")]
    assert found["Bob Marsh"]["emails"] == "bob@bob.example" and found["Bob Marsh"]["phones"] is None
    assert ann["org"] == "Acme Ltd" and ann["last_contact"] is not None


def test_the_contact_listing_itself_stays_without_labels(filled: Database) -> None:
    with filled.connect() as conn:
        listed = contacts.rows(conn)
        assert tuple(listed.columns) == tuple(exports.rows(conn, "contacts", SCOPE).columns)
        ann = next(dict(zip(listed.columns, r)) for r in listed.rows if r[2] == "Ann Lee")
    assert ann["emails"] == "ann@acme.example; ann@mail.example" and ann["phones"] == "+442079460000"


def test_orgs(filled: Database) -> None:
    [acme] = _export(filled, "orgs")
    assert {k: acme[k] for k in ("name", "website", "people")} == {"name": "Acme Ltd",
                                                                  "website": "https://acme.example", "people": 1}
    assert acme["uid"] and acme["created"].endswith("Z")


def test_interactions_name_their_contacts_and_give_their_uids_in_the_same_order(filled: Database) -> None:
    uid = {r["name"]: r["uid"] for r in _export(filled, "contacts")}
    meeting, call = _export(filled, "interactions")  # newest first
    assert meeting["contacts"] == "Ann Lee; Bob Marsh"
    assert meeting["contact_uids"] == f"{uid['Ann Lee']}; {uid['Bob Marsh']}"
    assert (call["kind"], call["direction"], call["body"], call["contact_uids"]) == ("call", "out", "Called Ann",
                                                                                     uid["Ann Lee"])
    assert call["occurred"] == (NOW - timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_follow_ups_open_and_done_with_their_contact_and_deal(filled: Database) -> None:
    uid = {r["name"]: r["uid"] for r in _export(filled, "contacts")}
    deal_uid = {r["name"]: r["uid"] for r in _export(filled, "deals")}
    found = {r["title"]: r for r in _export(filled, "follow-ups")}
    assert set(found) == {"Send the quote", "Weekly check", "Old one"}
    quote, weekly, old = found["Send the quote"], found["Weekly check"], found["Old one"]
    assert (quote["due"], quote["all_day"], quote["status"]) == ("2026-03-06", True, "upcoming")
    assert (quote["contact"], quote["contact_uid"], quote["deal"], quote["deal_uid"]) == (
        "Ann Lee", uid["Ann Lee"], "Website", deal_uid["Website"])
    assert (weekly["due"], weekly["all_day"], weekly["repeat"], weekly["note"]) == (
        "2026-03-09T09:00:00Z", False, "every week", "short")
    assert weekly["deal_uid"] is None and weekly["contact_uid"] == uid["Bob Marsh"]
    assert old["status"] == "done" and old["done"].endswith("Z")


def test_deals_of_every_status_with_value_in_minor_units_and_as_decimal(filled: Database) -> None:
    uid = {r["name"]: r["uid"] for r in _export(filled, "contacts")}
    [org] = _export(filled, "orgs")
    found = {r["name"]: r for r in _export(filled, "deals")}
    website, logo = found["Website"], found["Logo"]
    assert (website["value"], website["value_minor"], website["currency"]) == ("1200.50", 120_050, "EUR")
    assert (website["stage"], website["status"], website["probability"], website["close"]) == (
        "proposal", "open", 35, "2026-04-30")
    assert (website["org"], website["org_uid"]) == ("Acme Ltd", org["uid"])
    assert website["contacts"] == "Ann Lee; Bob Marsh"
    assert website["contact_uids"] == f"{uid['Ann Lee']}; {uid['Bob Marsh']}"
    assert (website["owner"], website["note"]) == ("Sam", "Two phases")
    assert (logo["status"], logo["lost_reason"], logo["value"], logo["currency"]) == ("lost", "price", "900", "JPY")
    assert logo["org_uid"] is None and logo["contact_uids"] is None


def test_an_empty_database_exports_no_rows_but_every_column(db: Database) -> None:
    with db.connect() as conn:
        for entity in exports.EXPORTS:
            rows = exports.rows(conn, entity, SCOPE)
            assert list(rows.rows) == [] and "uid" in rows.columns
