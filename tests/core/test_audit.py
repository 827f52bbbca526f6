"""The audit history and undo: every change recorded with who, when and the command, and reverted
exactly — an import, an edit, a merge — unless someone changed the same records since."""

from __future__ import annotations

import io
from datetime import UTC, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from crmcli.core import contacts, deals, followups, history, importing, interactions, merge, search, stages, undo
from crmcli.core.models import AUDIT_CHANGE, AUDIT_COMMAND, Contact
from crmcli.errors import Conflict, NotFound
from crmcli.io import readers
from crmcli.storage.audit import Actor, command_line
from crmcli.storage.database import Database
from tests.core.conftest import NOW, pin

DATA = ("organization", "contact", "contact_email", "contact_phone", "contact_field", "tag", "contact_tag",
        "interaction", "interaction_contact", "follow_up", "deal", "deal_contact", "stage_change")


def as_user(db: Database, user: str, line: str) -> None:
    """The next writes are `user` running `line` (on PostgreSQL the session user is recorded instead)."""
    db.actor = Actor(lambda: user, line, lambda: NOW)


def me(db: Database) -> str:
    """Who the history records for this database's writes."""
    with db.connect() as conn:
        return str(conn.execute(sa.select(AUDIT_COMMAND.c.actor).order_by(AUDIT_COMMAND.c.id.desc())).scalar())


def state(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every data row (versions aside: an undo moves them on), to compare before and after."""
    found = {}
    with db.connect() as conn:
        for table in DATA:
            columns = [c for c in sa.inspect(conn).get_columns(table) if c["name"] != "version"]
            rows = conn.execute(sa.text(f"SELECT {', '.join(c['name'] for c in columns)} FROM {table}")).all()
            found[table] = sorted((tuple(str(v) for v in row) for row in rows))
    return found


def records(rows: Any) -> list[dict[str, Any]]:
    return [record._asdict() for record in rows.records()]


def add(db: Database, name: str, **extra: Any) -> int:
    with db.session(write=True) as s:
        return contacts.add(s, contacts.ContactChanges(name=name, **extra))[0].id  # type: ignore[return-value]


def undo_last(db: Database, user: str | None = None) -> undo.Command:
    with db.connect(write=True) as conn:
        command = undo.target(conn, user or me(db))
        undo.revert(conn, command)
        return command


def test_a_change_is_recorded_with_user_command_and_values_before_and_after(db: Database) -> None:
    as_user(db, "sam", "crm contacts add Ann")
    ann = add(db, "Ann Lee", title="CTO", add_emails=["ann@example.com"])
    as_user(db, "sam", "crm contacts edit ann --title CEO")
    with db.session(write=True) as s:
        contacts.apply(s, s.get(Contact, ann), contacts.ContactChanges(title="CEO"))  # type: ignore[arg-type]
    with db.connect() as conn:
        rows = records(history.rows(conn, history.Filter(contact_id=ann)))
    newest = rows[0]
    assert (newest["action"], newest["field"], newest["before"], newest["after"]) == ("changed", "title", "CTO", "CEO")
    assert newest["command"] == "crm contacts edit ann --title CEO"
    assert newest["user"] == me(db)
    # The email came with the contact: the contact's addition says it.
    assert [(r["record"].split()[0], r["action"], r["after"]) for r in rows[1:]] == [("contact", "added", "Ann Lee")]
    as_user(db, "sam", "crm contacts edit ann --email ann@lee.example")
    with db.session(write=True) as s:
        contacts.apply(s, s.get(Contact, ann), contacts.ContactChanges(add_emails=["ann@lee.example"]))  # type: ignore[arg-type]
    with db.connect() as conn:
        added = records(history.rows(conn, history.Filter(contact_id=ann)))[0]
    assert (added["record"], added["action"], added["after"]) == (f"email of contact #{ann} Ann Lee", "added",
                                                                  "ann@lee.example")


def test_kept_copies_are_not_history_and_a_command_that_changes_nothing_leaves_no_trace(db: Database) -> None:
    ann = add(db, "Ann Lee")
    with db.session(write=True) as s:
        interactions.log(s, [s.get(Contact, ann)], "Called", kind="call", occurred_at=NOW)  # type: ignore[list-item]
    with db.session(write=True):
        pass
    with db.connect() as conn:
        recorded = conn.execute(sa.select(AUDIT_CHANGE.c.table_name, AUDIT_CHANGE.c.action)
                                .order_by(AUDIT_CHANGE.c.id)).all()
        commands = conn.execute(sa.select(sa.func.count()).select_from(AUDIT_COMMAND)).scalar()
    # The log wrote the contact's last contact too: a kept copy, not a change of the contact.
    # (The link came with the interaction: the interaction's addition says it.)
    assert recorded == [("contact", "insert"), ("interaction", "insert")]
    assert commands == 2


def test_history_filters_by_time_user_and_deal(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    db.actor = Actor(lambda: "sam", "crm contacts add", lambda: NOW - timedelta(days=3))
    ann = add(db, "Ann Lee")
    db.actor = Actor(lambda: "kim", "crm deals add", lambda: NOW)
    with db.session(write=True) as s:
        deal = deals.add(s, deals.NewDeal("Website", 100, "EUR", stages.DEFAULT.first("open"),
                                          contacts=[s.get(Contact, ann)])).id  # type: ignore[list-item]
    with db.connect() as conn:
        recent = records(history.rows(conn, history.Filter(since=NOW - timedelta(days=1))))
        of_deal = records(history.rows(conn, history.Filter(deal_id=deal)))
        everyone = {r["user"] for r in records(history.rows(conn, history.Filter()))}
        by_first = records(history.rows(conn, history.Filter(user=sorted(everyone)[0])))
    assert {r["record"].split()[0] for r in recent} == {"deal"}
    assert all(r["command"] == "crm deals add" for r in recent)
    assert {r["record"].split()[0] for r in of_deal} == {"deal"}
    assert by_first and all(r["user"] == sorted(everyone)[0] for r in by_first)


def test_undo_of_an_import_removes_exactly_the_imported_contacts(db: Database) -> None:
    add(db, "Kept Before", add_emails=["kept@example.com"], tags=["client"])
    before = state(db)
    csv = "name,email,tags,organization\nAnn Lee,ann@example.com,client;vip,Acme\nBo Chan,bo@example.com,,\n"
    columns, records = readers.read(io.StringIO(csv, newline=""), "csv")
    with db.session(write=True) as s:
        importing.import_contacts(s, records, importing.layout_for(columns, None))
    assert len(state(db)["contact"]) == 3
    command = undo_last(db)
    assert "2 contacts added" in command.summary()
    assert state(db) == before
    with db.connect() as conn:
        assert not list(search.search(conn, "ann").rows)


def test_undo_of_an_edit_restores_the_values_and_moves_the_version_on(db: Database) -> None:
    ann = add(db, "Ann Lee", title="CTO", add_emails=["ann@example.com"], tags=["client"])
    before = state(db)
    with db.session(write=True) as s:
        contact = s.get(Contact, ann)
        version = contact.version  # type: ignore[union-attr]
        contacts.apply(s, contact, contacts.ContactChanges(  # type: ignore[arg-type]
            name="Ann Smith", title="CEO", add_emails=["a@smith.example"], remove_emails=["ann@example.com"],
            tags=["vip"]))
    undo_last(db)
    assert state(db) == before
    with db.session() as s:
        assert s.get(Contact, ann).version > version + 1  # type: ignore[union-attr]


def test_undo_of_a_merge_restores_both_contacts_with_their_histories(db: Database) -> None:
    keep = add(db, "John Smith", add_emails=["john@acme.example"], tags=["client"])
    other = add(db, "Jon Smith", add_emails=["jon@acme.example"], add_phones=["+44 20 7946 0001"], tags=["vip"])
    with db.session(write=True) as s:
        jon, john = s.get(Contact, other), s.get(Contact, keep)
        interactions.log(s, [jon], "Only Jon", kind="call", occurred_at=NOW - timedelta(days=1))  # type: ignore[list-item]
        interactions.log(s, [john, jon], "Both", kind="meeting", occurred_at=NOW - timedelta(days=2))  # type: ignore[list-item]
        followups.add(s, jon, "Send the quote", followups.Due.parse("fri", now=NOW))  # type: ignore[arg-type]
        deals.add(s, deals.NewDeal("Website", 100, "EUR", stages.DEFAULT.first("open"), contacts=[jon]))  # type: ignore[list-item]
    before = state(db)
    with db.session(write=True) as s:
        merge.merge(s, s.get(Contact, keep), s.get(Contact, other))  # type: ignore[arg-type]
    assert len(state(db)["contact"]) == 1
    undo_last(db)
    assert state(db) == before
    with db.connect() as conn:
        assert {hit[1] for hit in search.search(conn, "jon").rows if hit[0] == "contact"} >= {other}


def test_undo_refuses_when_someone_changed_the_records_since_naming_them(db: Database) -> None:
    as_user(db, "sam", "crm contacts add Ann")
    ann = add(db, "Ann Lee")
    sam = me(db)
    as_user(db, "kim", "crm log ann")
    with db.session(write=True) as s:
        interactions.log(s, [s.get(Contact, ann)], "Called", kind="call", occurred_at=NOW)  # type: ignore[list-item]
    with db.connect() as conn:
        command = undo.target(conn, sam, 1) if db.is_sqlite else undo.target(conn, sam)
        if db.is_sqlite:  # on PostgreSQL both writes are the session user's: the log is the newer command
            with pytest.raises(Conflict, match=r"cannot undo #1: .* was changed since by kim \(command #2\)"):
                undo.check(conn, command)


def test_an_undo_can_be_undone_and_repeated_undos_walk_back(db: Database) -> None:
    ann = add(db, "Ann Lee", title="CTO")
    with db.session(write=True) as s:
        contacts.apply(s, s.get(Contact, ann), contacts.ContactChanges(title="CEO"))  # type: ignore[arg-type]
    first = undo_last(db)  # the edit
    assert first.command_line != "" and first.summary() == "1 contact changed"
    with db.connect() as conn:
        listed = records(undo.listing(conn, me(db)))
    assert [r["status"] for r in listed] == [f"undoes #{first.id}", f"undone by #{listed[0]['command']}", ""]
    with db.connect(write=True) as conn:  # the undo undone: the edit is back
        undo.revert(conn, undo.target(conn, me(db), listed[0]["command"]))
    with db.session() as s:
        assert s.get(Contact, ann).title == "CEO"  # type: ignore[union-attr]
    # Brought back, the edit is the newest command in effect again; after it, undos walk back.
    assert undo_last(db).summary() == "1 contact changed"
    assert undo_last(db).summary().startswith("1 contact added")
    with db.session() as s:
        assert s.get(Contact, ann) is None


def test_nothing_to_undo_and_unknown_commands_are_clear(db: Database) -> None:
    with db.connect() as conn:
        with pytest.raises(NotFound, match="nothing to undo"):
            undo.target(conn, "nobody")
        with pytest.raises(NotFound, match="no command #99"):
            undo.target(conn, "nobody", 99)


@pytest.mark.sqlite_only("the sqlite3 shell's writes; on PostgreSQL a psql write is recorded under its "
                        "session user (tests/storage/test_audit_postgres.py)")
def test_writes_outside_crm_are_not_recorded_on_sqlite(db: Database) -> None:
    import sqlite3

    con = sqlite3.connect(db.path)  # type: ignore[arg-type]
    con.execute("INSERT INTO tag (name) VALUES ('shell')")
    con.commit()
    con.close()
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(AUDIT_CHANGE)).scalar() == 0


@pytest.mark.parametrize(("argv", "shown"), [
    (["contacts", "add", "Ann Lee"], "crm contacts add 'Ann Lee'"),
    (["db", "password", "set", "--password", "s3cret"], "crm db password set --password '***'"),
    (["x", "--api-token=abc", "--db", "f.db"], "crm x '--api-token=***' --db f.db"),
])
def test_the_command_line_leaves_secrets_out(argv: list[str], shown: str) -> None:
    assert command_line(argv) == shown


def test_history_gives_times_in_utc_for_machines(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(monkeypatch, NOW)
    as_user(db, "sam", "crm contacts add Ann")
    add(db, "Ann Lee")
    with db.connect() as conn:
        assert records(history.rows(conn, history.Filter()))[0]["at"] == NOW.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_undo_of_a_logged_call_works_out_the_last_contact_again(db: Database) -> None:
    """The call's links go with it unrecorded (parts of the interaction): its people are read first."""
    ann = add(db, "Ann Lee")
    with db.session(write=True) as s:
        interactions.log(s, [s.get(Contact, ann)], "Called about the quote", kind="call",  # type: ignore[list-item]
                         occurred_at=NOW - timedelta(days=1))
    with db.session() as s:
        assert s.get(Contact, ann).last_contact_at is not None  # type: ignore[union-attr]
    undo_last(db)
    with db.session() as s:
        assert s.get(Contact, ann).last_contact_at is None  # type: ignore[union-attr]
