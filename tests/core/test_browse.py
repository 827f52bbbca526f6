"""What the TUI's browser and live refresh rest on: contacts matched as you type, the cold rule
for one contact in hand, the change watch, and the application context."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from crmcli.core import cadence, contacts
from crmcli.storage.database import Database
from tests.core.conftest import NOW


@pytest.fixture
def people(db: Database) -> Database:
    with db.session(write=True) as session:
        for name, email, org, tags in (("Zoë Øster", "zoe@oster.example", "Acme Ltd", ["vip"]),
                                       ("Ann Lee", "ann@acme.example", "Berg AB", []),
                                       ("Bob Marsh", "bob@marsh.example", None, ["press"]),
                                       ("100% Pure_Co", None, None, [])):
            contact, _ = contacts.add(session, contacts.ContactChanges(
                name=name, add_emails=[email] if email else [], org=org, tags=tags))
    return db


@pytest.mark.parametrize(("typed", "found"), [
    ("zoe", ["Zoë Øster"]),            # accents and case do not matter
    ("OSTER", ["Zoë Øster"]),
    ("acme", ["Ann Lee", "Zoë Øster"]),  # Ann's email, Zoë's organisation
    ("berg", ["Ann Lee"]),             # the organisation's name
    ("press", ["Bob Marsh"]),          # a tag
    ("%", ["100% Pure_Co"]),           # LIKE's wildcards are plain text
    ("_", ["100% Pure_Co"]),
    ("nobody", []),
    ("", ["100% Pure_Co", "Ann Lee", "Bob Marsh", "Zoë Øster"]),
])
def test_match_finds_names_emails_organisations_and_tags(people: Database, typed: str, found: list[str]) -> None:
    with people.connect() as conn:
        names = [row[2] for row in contacts.rows(conn, match=typed).rows]
        assert names == found
        assert contacts.count(conn) == 4


def test_tags_are_listed_by_name_with_how_many_contacts_carry_them(people: Database) -> None:
    with people.session(write=True) as session:
        contacts.add(session, contacts.ContactChanges(name="Cy Vip", tags=["vip", "a_b"]))
    with people.connect() as conn:
        assert list(contacts.tags(conn).rows) == [("a_b", 1), ("press", 1), ("vip", 2)]
        assert list(contacts.tags(conn, match="VI").rows) == [("vip", 2)]  # part of the name, case-free
        assert list(contacts.tags(conn, match="_").rows) == [("a_b", 1)]   # LIKE's wildcards are plain text
        assert list(contacts.tags(conn, match="  ").rows) == list(contacts.tags(conn).rows)
        assert list(contacts.tags(conn, limit=1).rows) == [("a_b", 1)]
        vip = [row[2] for row in contacts.rows(conn, tag="vip").rows]
        assert vip == ["Cy Vip", "Zoë Øster"]  # what a picked tag narrows the list to


def test_is_cold_is_the_sql_rule_for_one_contact() -> None:
    created = NOW - timedelta(days=100)
    assert not cadence.is_cold(None, created, None, NOW)
    assert cadence.is_cold(None, created, 30, NOW)                           # never contacted: from creation
    assert not cadence.is_cold(NOW - timedelta(days=29), created, 30, NOW)
    assert cadence.is_cold(NOW - timedelta(days=30, seconds=1), created, 30, NOW)


@pytest.mark.parametrize("sort", ["name", "created", "updated", "last-contact"])
def test_a_page_of_cold_or_sorted_contacts_is_the_head_of_the_whole_list(db: Database, sort: str) -> None:
    """A limited list sorted by a worked-out value reads its page of ids first: the same rows, with
    every column, as the head of the unlimited list."""
    from crmcli.core import sample

    with db.connect(write=True) as conn:
        sample.generate(conn, sample.DEMO, now=NOW)
    with db.connect() as conn:
        for cold in (None, contacts.Cold(NOW), contacts.Cold(NOW, after_days=14)):
            whole = list(contacts.rows(conn, sort=sort, cold=cold).rows)  # type: ignore[arg-type]
            assert len(whole) > 4
            assert list(contacts.rows(conn, sort=sort, cold=cold, limit=4).rows) == whole[:4]  # type: ignore[arg-type]


@pytest.mark.sqlite_only("PRAGMA data_version seen by another program's sqlite3 connection; "
                         "PostgreSQL's watch: tests/storage/test_changes_pg.py")
def test_change_watch_sees_another_connection_commit(db: Database) -> None:
    from crmcli.storage.changes import ChangeWatch

    watch = ChangeWatch(db)
    try:
        assert not watch.changed()
        con = sqlite3.connect(db.path)  # type: ignore[arg-type]
        con.execute("UPDATE contact SET name = name")  # even a write that changes nothing is a commit
        con.execute("INSERT INTO organization (uid, name, name_key, created_at, updated_at) "
                    "VALUES ('o-1', 'Elsewhere', 'elsewhere', '2026-03-05', '2026-03-05')")
        con.commit()
        con.close()
        assert watch.changed()
        assert not watch.changed()  # once per change
    finally:
        watch.close()


@pytest.mark.sqlite_only("a file that is no SQLite database")
def test_open_context_refuses_an_unusable_database_before_anything_else(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.context import open_context

    monkeypatch.setenv("CRMCLI_NOW", NOW.isoformat())
    monkeypatch.setenv("TZ", "Europe/London")
    from crmcli.errors import StorageError

    bad = tmp_path / "bad.db"
    bad.write_text("not a database\n" * 50)
    with pytest.raises(StorageError, match="not a usable SQLite database"):
        open_context(str(bad))
    context = open_context(str(tmp_path / "fresh.db"))
    try:
        assert context.now() == NOW and context.local_now().utcoffset() == timedelta(0)
    finally:
        context.close()
