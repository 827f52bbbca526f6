"""An interaction is found by its people's names as well as by its text, on SQLite and PostgreSQL:
every word must match, in the body or in a name. The index follows the names and the links through
the services that change them (rename, merge, deleting a contact) and through plain SQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from crmcli.core import contacts, interactions, merge
from crmcli.core.models import Contact, Interaction
from crmcli.core.search import search
from crmcli.storage.database import Database
from tests.core.test_search import assert_index_sound


def person(s: Session, name: str, **changes: Any) -> Contact:
    return contacts.add(s, contacts.ContactChanges(name=name, **changes))[0]


def found(db: Database, text: str) -> list[tuple[str, str]]:
    """(type, title) of each hit, in rank order."""
    with db.connect() as conn:
        return [(row[0], row[2]) for row in search(conn, text).rows]


def interactions_found(db: Database, text: str) -> set[str]:
    """The bodies of the interactions found."""
    with db.connect() as conn:
        ids = [row[1] for row in search(conn, text, only="interaction").rows]
        bodies = sa.select(Interaction.body).where(Interaction.id.in_(ids))  # type: ignore[attr-defined]
        return set(conn.execute(bodies).scalars())


def _sound(db: Database) -> None:
    with db.connect() as conn:
        assert_index_sound(conn)


def _seed(db: Database) -> dict[str, int]:
    with db.session(write=True) as s:
        jose, ann, bo = person(s, "José Núñez"), person(s, "Ann Lee"), person(s, "Bo Chen")
        interactions.log(s, [jose], "Asked for a discount on the quote", kind="email")
        interactions.log(s, [ann], "Forwarded the discount request from Jose", kind="email")
        interactions.log(s, [ann, bo], "Kickoff with the board", kind="meeting")
        return {"jose": jose.id, "ann": ann.id, "bo": bo.id}  # type: ignore[dict-item]


def test_every_word_matches_in_the_body_or_a_name(db: Database) -> None:
    _seed(db)
    # "jose" is a name in the first, a word of the body in the second; "discount" is in both bodies.
    assert interactions_found(db, "jose discount") == {"Asked for a discount on the quote",
                                                       "Forwarded the discount request from Jose"}
    assert interactions_found(db, "JOSÉ quote") == {"Asked for a discount on the quote"}  # accents, case
    assert interactions_found(db, "nunez discount") == {"Asked for a discount on the quote"}
    assert interactions_found(db, "ann bo kickoff") == {"Kickoff with the board"}  # two people and the text
    assert interactions_found(db, "nun* kickoff") == set() and interactions_found(db, "bo discount") == set()
    hits = found(db, "jose discount")
    assert ("interaction", "email with José Núñez") in hits and all(kind == "interaction" for kind, _ in hits)
    _sound(db)


def test_a_renamed_contact_is_found_by_the_new_name_only(db: Database) -> None:
    ids = _seed(db)
    with db.session(write=True) as s:
        contacts.apply(s, s.get(Contact, ids["bo"]), contacts.ContactChanges(name="Bob Chen-Ødegård"))
        contacts.apply(s, s.get(Contact, ids["ann"]), contacts.ContactChanges(title="CFO"))  # not a name: no change
    assert interactions_found(db, "bo kickoff") == set()
    assert interactions_found(db, "bob odegard kickoff") == {"Kickoff with the board"}
    assert interactions_found(db, "ann kickoff") == {"Kickoff with the board"}
    _sound(db)


def test_a_merge_moves_the_interactions_to_the_kept_name(db: Database) -> None:
    ids = _seed(db)
    with db.session(write=True) as s:
        dup = person(s, "Joe Nunez")
        interactions.log(s, [dup, s.get(Contact, ids["ann"])], "Lunch about the renewal", kind="meeting")
        interactions.log(s, [dup, s.get(Contact, ids["jose"])], "Call about the invoice", kind="call")
        merge.merge(s, s.get(Contact, ids["jose"]), dup)  # type: ignore[arg-type]
    assert interactions_found(db, "joe") == set()
    assert interactions_found(db, "jose lunch") == {"Lunch about the renewal"}
    assert interactions_found(db, "jose invoice") == {"Call about the invoice"}  # shared: kept once, on José
    assert interactions_found(db, "ann lunch") == {"Lunch about the renewal"}
    _sound(db)


def test_links_removed_or_moved_and_contacts_deleted(db: Database) -> None:
    ids = _seed(db)
    with db.connect(write=True) as conn:  # plain SQL, as another program might write
        conn.execute(sa.text("DELETE FROM interaction_contact WHERE contact_id = :c"), {"c": ids["bo"]})
    assert interactions_found(db, "bo kickoff") == set()
    assert interactions_found(db, "ann kickoff") == {"Kickoff with the board"}
    with db.connect(write=True) as conn:
        conn.execute(sa.text("UPDATE interaction_contact SET contact_id = :bo WHERE contact_id = :ann"),
                     {"bo": ids["bo"], "ann": ids["ann"]})
    assert interactions_found(db, "ann") == set()
    assert interactions_found(db, "chen") == {"Kickoff with the board", "Forwarded the discount request from Jose"}
    _sound(db)
    with db.session(write=True) as s:
        kept = person(s, "Kim Park")
        interactions.log(s, [kept, s.get(Contact, ids["bo"])], "Dinner at the fair", kind="meeting")
        contacts.remove(s, s.get(Contact, ids["bo"]))  # type: ignore[arg-type]
    assert interactions_found(db, "chen") == set()
    assert interactions_found(db, "kim dinner") == {"Dinner at the fair"}  # shared: it stays, without Bo
    _sound(db)


def test_an_interaction_deleted_or_edited_with_its_people(db: Database) -> None:
    _seed(db)
    with db.session(write=True) as s:
        first = interactions.get(s, 1)
        interactions.edit(s, first, interactions.InteractionChanges(body="Sent the revised quote"),
                          interactions.Kinds())
        interactions.remove(s, interactions.get(s, 3))
    assert interactions_found(db, "jose discount") == {"Forwarded the discount request from Jose"}
    assert interactions_found(db, "jose revised") == {"Sent the revised quote"}
    assert interactions_found(db, "kickoff") == set() and interactions_found(db, "ann") == \
        {"Forwarded the discount request from Jose"}
    _sound(db)
