"""Service cases in the search (`db`: SQLite and PostgreSQL alike): found by a word of their title,
as accent-free as the rest, shown with their number, contact and status, filtered with
only="case", and kept in step by the triggers through edits, closing and their contact's removal."""

from __future__ import annotations

from sqlmodel import Session

from crmcli.core import cases, contacts, followups, interactions
from crmcli.core.models import Contact, ServiceCase
from crmcli.core.search import search
from crmcli.storage import search_index
from crmcli.storage.database import Database
from tests.core.conftest import NOW
from tests.core.test_search import assert_index_sound, hits

POLICY = cases.CasePolicy()


def _person(s: Session, name: str) -> Contact:
    return contacts.add(s, contacts.ContactChanges(name=name))[0]


def _case(s: Session, contact: Contact, title: str) -> ServiceCase:
    return cases.add(s, contact, title, now=NOW, policy=POLICY)


def _world(db: Database) -> None:
    """Case #1 of Ann's (open), case #2 of Bob's, and a follow-up and a call that say "charged" too."""
    with db.session(write=True) as s:
        ann, bob = _person(s, "Ann Lee"), _person(s, "Bob Marsh")
        cases.set_status(s, _case(s, ann, "Invoice 1043 charged twice"), "open", now=NOW, policy=POLICY)
        _case(s, bob, "Refund for the Café Müller order")
        followups.add(s, ann, "Check she was not charged again", followups.Due.parse("fri", now=NOW))
        interactions.log(s, [bob], "He says he was charged for shipping", kind="call")


def test_a_case_is_found_by_a_word_of_its_title_and_shows_its_number_contact_and_status(db: Database) -> None:
    _world(db)
    with db.connect() as conn:
        assert hits(conn, "charged") == [("case", 1), ("follow-up", 1), ("interaction", 1)]
        row = search(conn, "twice").rows[0]
        assert row[:5] == ("case", 1, "#1 Invoice 1043 charged twice (Ann Lee, open)", "2026-03-05T10:30:00Z",
                           "Invoice 1043 charged **twice**")
        assert hits(conn, "1043 charg*") == [("case", 1)]
        assert hits(conn, "cafe muller") == hits(conn, "CAFÉ MÜLLER") == [("case", 2)]  # accents never matter
        assert hits(conn, "bob") == [("contact", 2), ("interaction", 1)]  # a case is not found by its contact


def test_only_case_keeps_the_case_hits(db: Database) -> None:
    _world(db)
    with db.connect() as conn:
        assert hits(conn, "charged", only="case") == [("case", 1)]
        assert hits(conn, "charged", only="follow-up") == [("follow-up", 1)]
        assert hits(conn, "charged", only="interaction") == [("interaction", 1)]
        assert hits(conn, "refund", only="contact") == []


def test_closed_and_edited_cases_follow_and_a_removed_contact_takes_its_cases_away(db: Database) -> None:
    _world(db)
    with db.session(write=True) as s:
        cases.close(s, cases.get(s, 1), now=NOW, policy=POLICY)
        cases.edit(s, cases.get(s, 2), cases.CaseChanges(title="Refund for the lost parcel"), now=NOW, policy=POLICY)
    with db.connect() as conn:
        assert search(conn, "twice").rows[0][2] == "#1 Invoice 1043 charged twice (Ann Lee, closed)"  # still found
        assert hits(conn, "cafe") == [] and hits(conn, "parcel") == [("case", 2)]
    with db.session(write=True) as s:
        contacts.remove(s, contacts.resolve(s, "ann lee"))  # her cases go with her, by the foreign key
    with db.connect(write=True) as conn:
        assert hits(conn, "twice") == [] and hits(conn, "charged") == [("interaction", 1)]
        assert_index_sound(conn)
        search_index.rebuild(conn)  # a rebuild makes what the triggers kept
        assert hits(conn, "parcel") == [("case", 2)] and hits(conn, "twice") == []
