"""Privacy: a person's whole record as one document, and the person erased everywhere — data,
shared interactions, deals (amounts kept), search index, audit history — with the erasure
recorded without naming them and refused by undo. On both backends."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from crmcli.core import cases, contacts, deals, followups, interactions, privacy, search, undo
from crmcli.core.models import AUDIT_CHANGE, AUDIT_COMMAND, DEAL_CONTACT, INTERACTION_CONTACT, STAGE_CHANGE, Deal
from crmcli.errors import Conflict, NotFound
from crmcli.storage.database import Database
from tests.core.conftest import NOW
from tests.core.test_audit import DATA, add, as_user, me

# Every form of her that must be gone: names (the one she had first too), email, phone as stored,
# shown and dialled at home.
HER = re.compile(r"vera|novak|nowak|vera@novak\.example|442079460000|7946 0000|79460000", re.IGNORECASE)


def world(db: Database) -> dict[str, int]:
    """Vera (first added as Vera Nowak) and Bob: a meeting of both, a call of hers alone, a note of
    Bob's naming her, a deal of both named after her, her follow-up, and an edit of the meeting."""
    as_user(db, "sam", "crm contacts add 'Vera Nowak' -e vera@novak.example")
    vera = add(db, "Vera Nowak", add_emails=["vera@novak.example"], add_phones=["+44 20 7946 0000"],
               set_fields=["source=fair"], tags=["vip"], title="Designer")
    bob = add(db, "Bob Marsh", add_emails=["bob@marsh.example"])
    with db.session(write=True) as s:
        v = contacts.resolve(s, str(vera))
        contacts.apply(s, v, contacts.ContactChanges(name="Vera Novak"))
    with db.session(write=True) as s:
        v, b = contacts.resolve(s, str(vera)), contacts.resolve(s, str(bob))
        shared = interactions.log(s, [v, b], "Met Vera and Bob about the logo", kind="meeting").id
        alone = interactions.log(s, [v], "Vera called: she is moving", kind="call").id
        other = interactions.log(s, [b], "Bob says VERA NOVAK (020 7946 0000) knows Vera Nowak's old team",
                                 kind="note").id
        deal = deals.add(s, deals.NewDeal("Vera Novak renewal", value=120000, currency="EUR", contacts=[v, b],
                                          note="Vera wants it by May")).id
        followups.add(s, v, "Send Vera the quote", followups.Due(NOW + timedelta(days=2), False), deal_id=deal)
    as_user(db, "sam", "crm notes edit 1 --text ...")
    with db.session(write=True) as s:
        interactions.edit(s, interactions.get(s, shared), interactions.InteractionChanges(
            body="Met Vera and Bob about the logo; Vera Novak, vera@novak.example, +44 20 7946 0000"),
            interactions.Kinds())
    return {"vera": vera, "bob": bob, "shared": shared, "alone": alone, "other": other, "deal": deal}  # type: ignore[dict-item]


def everything(db: Database) -> str:
    """Every value of every table, data and history, as text (what a dump shows)."""
    with db.connect() as conn:
        tables = [t for t in sa.inspect(conn).get_table_names()]
        return "\n".join(str(tuple(row)) for table in sorted(tables)
                         for row in conn.execute(sa.text(f"SELECT * FROM {table}")))


def test_the_export_holds_the_card_interactions_follow_ups_deals_and_history(db: Database) -> None:
    ids = world(db)
    with db.session() as s:
        document = privacy.export(s, contacts.resolve(s, "vera"), now=NOW)
    assert document["format"] == "crmcli-subject-access" and document["format_version"] == 1
    assert document["sections"] == ["contact", "interactions", "follow_ups", "deals", "cases", "campaigns", "history"]
    assert all(section in document for section in document["sections"])
    card = document["contact"]
    assert (card["id"], card["name"], card["title"]) == (ids["vera"], "Vera Novak", "Designer")
    assert card["emails"] == [{"address": "vera@novak.example", "label": None, "primary": True}]
    assert card["phones"][0]["number"] == "+442079460000" and card["phones"][0]["display"] == "+44 20 7946 0000"
    assert (card["tags"], card["fields"], card["do_not_contact"]) == (["vip"], {"source": "fair"}, None)
    assert card["created"].endswith("Z")
    by_id = {i["id"]: i for i in document["interactions"]}
    assert set(by_id) == {ids["shared"], ids["alone"]}  # not Bob's own note
    assert by_id[ids["shared"]]["with"] == [{"id": ids["bob"], "name": "Bob Marsh"}]
    assert by_id[ids["alone"]]["with"] == []
    assert [f["title"] for f in document["follow_ups"]] == ["Send Vera the quote"]
    assert document["follow_ups"][0]["deal"] == {"id": ids["deal"], "name": "Vera Novak renewal"}
    [deal] = document["deals"]
    assert (deal["value_minor"], deal["currency"], deal["with"]) == (120000, "EUR", [{"id": ids["bob"],
                                                                                      "name": "Bob Marsh"}])
    assert [step["to"] for step in deal["stage_history"]] == ["lead"]
    history = document["history"]
    assert history == sorted(history, key=lambda c: c["change"])  # oldest first
    renamed = [c for c in history if c["table"] == "contact" and c["action"] == "update"
               and c["before"]["name"] != c["after"]["name"]]
    assert renamed and renamed[0]["before"]["name"] == "Vera Nowak" and renamed[0]["after"]["name"] == "Vera Novak"
    edited = [c for c in history if c["table"] == "interaction" and c["record"] == str(ids["shared"])
              and c["action"] == "update"]
    assert edited and "vera@novak.example" in edited[0]["after"]["body"]  # a shared interaction's change


def test_forget_erases_her_everywhere_and_keeps_the_others_and_the_amounts(db: Database) -> None:
    ids = world(db)
    with db.session() as s:
        planned = privacy.plan(s, contacts.resolve(s, "vera"), db)
    assert planned.own["emails"] == 1 and planned.own["interactions"] == 1
    assert (planned.shared_interactions, planned.deals) == (1, 1) and planned.history > 0
    as_user(db, "sam", "crm privacy forget vera --yes")
    done = privacy.forget(db, ids["vera"])
    assert done.deleted["interactions"] == 1 and done.deleted["follow-ups"] == 1 and done.history_deleted > 0

    with db.session() as s:
        with pytest.raises(NotFound):
            contacts.resolve(s, "vera")
        conn = s.connection()
        bodies = dict(conn.execute(sa.text("SELECT id, body FROM interaction")).all())
        assert ids["alone"] not in bodies  # hers alone: gone
        assert bodies[ids["shared"]] == "Met [erased] and Bob about the logo; [erased], [erased], [erased]"
        assert bodies[ids["other"]] == "Bob says [erased] ([erased]) knows [erased]'s old team"  # full forms only
        linked = conn.execute(sa.select(INTERACTION_CONTACT.c.contact_id)
                              .where(INTERACTION_CONTACT.c.interaction_id == ids["shared"])).scalars().all()
        assert linked == [ids["bob"]]
        deal = s.get(Deal, ids["deal"])
        assert deal is not None and (deal.name, deal.value_minor, deal.currency) == ("[erased] renewal", 120000, "EUR")
        assert deal.note == "[erased] wants it by May" and deal.name_key == "[erased] renewal"
        assert conn.execute(sa.select(DEAL_CONTACT.c.contact_id)).scalars().all() == [ids["bob"]]
        assert conn.execute(sa.select(sa.func.count()).select_from(STAGE_CHANGE)).scalar_one() == 1
        assert search.search(conn, "vera").rows == [] and search.search(conn, "novak").rows == []
        assert search.search(conn, "logo").rows  # the shared meeting is still found
    found = HER.findall(everything(db))
    assert found == [], found

    with db.connect() as conn:
        erasure = conn.execute(sa.select(AUDIT_COMMAND).where(AUDIT_COMMAND.c.id == done.command_id)).one()
        changes = conn.execute(sa.select(AUDIT_CHANGE).where(AUDIT_CHANGE.c.command_id == done.command_id)).all()
        assert erasure.command == "crm privacy forget" and erasure.actor == me(db)
        assert [(c.table_name, c.row_key, c.action, c.contact_id) for c in changes] == [("contact", "", "erase", None)]
        with pytest.raises(Conflict, match="an erasure cannot be undone"):
            undo.target(conn, me(db))
        logged = next(c for c in undo.listing(conn, me(db), limit=None).records() if "notes edit" in c.command_line)
        assert logged.status == f"rewritten by erasure #{done.command_id}"
        with pytest.raises(Conflict, match=f"the erasure #{done.command_id} rewrote"):
            undo.target(conn, me(db), logged.command)


def test_forget_keeps_a_word_of_her_name_that_another_person_on_the_record_shares(db: Database) -> None:
    vera = add(db, "Vera Novak")
    other = add(db, "Vera Lynn")
    with db.session(write=True) as s:
        meeting = interactions.log(s, [contacts.resolve(s, str(vera)), contacts.resolve(s, str(other))],
                                   "Vera and Novak's sister; Vera Novak too", kind="meeting").id
    privacy.forget(db, vera)
    with db.session() as s:
        assert interactions.get(s, meeting).body == "Vera and [erased]'s sister; [erased] too"
        assert contacts.resolve(s, "vera").name == "Vera Lynn"  # her namesake stays


def test_her_name_leaves_other_peoples_case_titles_and_the_search_index(db: Database) -> None:
    vera, bob = add(db, "Vera Novak"), add(db, "Bob Marsh")
    with db.session(write=True) as s:
        case = cases.add(s, contacts.resolve(s, str(bob)), "Vera Novak was charged twice", now=NOW,
                         policy=cases.CasePolicy()).id

    def found(text: str) -> list[tuple[str, int]]:
        with db.connect() as conn:
            return [(row[0], row[1]) for row in search.search(conn, text, only="case").rows]

    assert found("novak") == [("case", case)]
    privacy.forget(db, vera)
    with db.session() as s:
        assert cases.get(s, case).title == "[erased] was charged twice"
    assert found("vera") == [] and found("novak") == [] and found("charged") == [("case", case)]


def test_accents_and_case_do_not_hide_her(db: Database) -> None:
    zoe = add(db, "Zoë Øster", add_emails=["zoe@oster.example"])
    bob = add(db, "Bob Marsh")
    with db.session(write=True) as s:
        note = interactions.log(s, [contacts.resolve(s, str(bob))], "ZOË ØSTER and zoe oster (Zoë's sister)",
                                kind="note").id
    privacy.forget(db, zoe)
    with db.session() as s:
        assert interactions.get(s, note).body == "[erased] and [erased] (Zoë's sister)"  # not hers: full forms only
    assert not re.search(r"zo[eë] [oø]ster|zoe@oster", everything(db), re.IGNORECASE)


def test_a_phone_number_another_contact_has_too_stays(db: Database) -> None:
    vera = add(db, "Vera Novak", add_phones=["+44 20 7946 0000", "+44 20 7946 0999"])
    add(db, "Reception", add_phones=["+44 20 7946 0000"])
    with db.session(write=True) as s:
        note = interactions.log(s, [contacts.resolve(s, "reception")], "Call 020 7946 0000 or 020 7946 0999",
                                kind="note").id
    privacy.forget(db, vera)
    with db.session() as s:
        assert interactions.get(s, note).body == "Call 020 7946 0000 or [erased]"


def test_the_data_of_others_is_unchanged(db: Database) -> None:
    ids = world(db)
    before = {t: rows for t, rows in _data(db).items() if t in ("organization", "tag")}
    privacy.forget(db, ids["vera"])
    assert {t: rows for t, rows in _data(db).items() if t in before} == before
    with db.session() as s:
        bob = contacts.resolve(s, "bob")
        assert contacts.card(s, bob)["emails"] == [{"address": "bob@marsh.example", "label": None}]


def _data(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.connect() as conn:
        return {t: sorted(tuple(map(str, r)) for r in conn.execute(sa.text(f"SELECT * FROM {t}"))) for t in DATA}


def test_forget_of_an_unknown_contact_changes_nothing(db: Database) -> None:
    add(db, "Bob Marsh")
    before = _data(db)
    with pytest.raises(NotFound):
        privacy.forget(db, 99)
    assert _data(db) == before
