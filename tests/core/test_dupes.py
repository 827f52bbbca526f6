"""Likely duplicates: what is found, why, and what must not pair."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crmcli.core import contacts, dupes
from crmcli.core.models import CONTACT_EMAIL
from crmcli.storage.database import Database


def person(s: object, name: str, *, email: str | None = None, phone: str | None = None, org: str | None = None) -> int:
    changes = contacts.ContactChanges(name=name, org=org, add_emails=[email] if email else [],
                                      add_phones=[phone] if phone else [])
    contact, _ = contacts.add(s, changes, phone_region="GB")  # type: ignore[arg-type]
    return contact.id  # type: ignore[return-value]


@pytest.fixture
def planted(db: Database) -> dict[str, int]:
    """Three duplicates planted among people who merely look alike."""
    with db.session(write=True) as s:
        ids = {
            "ann": person(s, "Ann Lee", email="ann.lee@acme.example", org="Acme Ltd"),
            "ann-smith": person(s, "Ann Smith", email="ann.smith@acme.example", org="Acme Ltd"),
            "a-lee": person(s, "A. Lee"),
            "jon": person(s, "Jon Smith", email="jon@acme.example", org="Acme Ltd"),
            "john": person(s, "John Smith", email="john.smith@acme.example", org="Acme Ltd"),
            "maria": person(s, "María García", phone="+44 20 7946 0018", org="Berg AB"),
            "maria2": person(s, "Maria Garcia", phone="020 7946 0018"),
            "ann-berg": person(s, "Ann Berg", email="ann@berg.example", org="Berg AB"),
            "peter": person(s, "Peter Novak", email="peter.novak@gmail.com"),
            "petr": person(s, "Petr Novak", email="petr.novak@gmail.com"),
        }
        # The same address in another case, as an older import may have stored it (crm lower-cases).
        s.execute(sa.insert(CONTACT_EMAIL).values(contact_id=ids["a-lee"], address="Ann.Lee@ACME.example",
                                                  position=0))
    return ids


def found(db: Database, threshold: int = dupes.DEFAULT_THRESHOLD) -> dict[tuple[int, int], dupes.Pair]:
    with db.connect() as conn:
        return {(p.id, p.other_id): p for p in dupes.find(conn, threshold=threshold)}


def test_finds_the_planted_duplicates_and_nothing_else(db: Database, planted: dict[str, int]) -> None:
    pairs = found(db)
    ids = planted
    assert set(pairs) == {(ids["ann"], ids["a-lee"]), (ids["jon"], ids["john"]), (ids["maria"], ids["maria2"])}
    email = pairs[(ids["ann"], ids["a-lee"])]
    assert email.reasons == ("same email ann.lee@acme.example",) and 90 <= email.score <= 100
    phone = pairs[(ids["maria"], ids["maria2"])]
    assert phone.reasons == ("same phone +442079460018",) and phone.score == 100  # accents folded away
    assert (phone.name, phone.other_name) == ("María García", "Maria Garcia")
    names = pairs[(ids["jon"], ids["john"])]
    assert names.score == 95
    assert names.reasons == ("similar name in organisation Acme Ltd",)  # not again for their email domain


def test_best_first_and_each_pair_once_older_record_first(db: Database, planted: dict[str, int]) -> None:
    with db.connect() as conn:
        pairs = dupes.find(conn)
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)
    assert all(p.id < p.other_id for p in pairs)
    assert len({(p.id, p.other_id) for p in pairs}) == len(pairs)


def test_a_shared_first_name_is_far_from_a_match(db: Database, planted: dict[str, int]) -> None:
    ann_smith = planted["ann-smith"]
    assert not [pair for pair in found(db) if ann_smith in pair]
    # It is compared (same organisation) and scores low: the threshold, not the blocking, keeps it out.
    low = found(db, threshold=50)[(planted["ann"], ann_smith)]
    assert low.score < 70 and low.reasons[0].startswith("similar name in organisation Acme Ltd")


def test_people_at_a_free_mail_domain_are_not_compared(db: Database, planted: dict[str, int]) -> None:
    assert (planted["peter"], planted["petr"]) not in found(db, threshold=0)


@pytest.mark.parametrize("orgs, paired", [(2, True), (dupes.PUBLIC_DOMAIN_ORGS, False)])
def test_a_domain_shared_by_several_organisations_is_public(db: Database, orgs: int, paired: bool) -> None:
    with db.session(write=True) as s:
        for n in range(orgs):
            person(s, f"Member {n}", email=f"member{n}@home.example", org=f"Company {n}")
        jon = person(s, "Jon Doe", email="jon@home.example")
        john = person(s, "John Doe", email="john@home.example")
    assert ((jon, john) in found(db)) is paired


def test_an_email_or_phone_held_by_many_is_a_switchboard(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.session(write=True) as s:
        ids = [person(s, f"Kim Park {n}", phone="+44 20 7946 0000") for n in range(3)]
    assert (ids[0], ids[1]) in found(db)
    monkeypatch.setattr(dupes, "MAX_SHARED", 2)
    assert found(db) == {}


def test_a_very_large_block_still_finds_alike_names(db: Database, planted: dict[str, int],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    before = found(db)
    monkeypatch.setattr(dupes, "LARGE_BLOCK", 2)  # Acme's four people now split by name word
    assert found(db) == before


def test_rows_list_the_reasons(db: Database, planted: dict[str, int]) -> None:
    with db.connect() as conn:
        rows = dupes.rows(dupes.find(conn))
    assert tuple(rows.columns) == dupes.COLUMNS and "reasons" in rows.list_columns
    first = list(rows.records())[0]
    assert first.reasons == "same phone +442079460018"


def test_an_empty_database_has_no_pairs(db: Database) -> None:
    assert found(db, threshold=0) == {}
