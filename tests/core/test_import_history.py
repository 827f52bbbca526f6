"""The history import's service: columns understood, people found, kept uids not logged twice."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from crmcli.core import contacts, import_history
from crmcli.core.interactions import Kinds
from crmcli.errors import Invalid
from crmcli.io import readers
from crmcli.storage.database import Database

NOW = datetime(2026, 3, 5, 10, 30, tzinfo=timezone.utc)


def _run(db: Database, text: str) -> import_history.ImportReport:
    columns, records = readers.read(io.StringIO(text, newline=""), "csv")
    with db.session(write=True) as session:
        return import_history.import_interactions(session, columns, records, kinds=Kinds(), now=NOW,
                                                  phone_region="GB")


@pytest.fixture
def people(db: Database) -> Database:
    with db.session(write=True) as session:
        contacts.add(session, contacts.ContactChanges(name="Ann Lee", add_emails=["ann@acme.example"],
                                                      add_phones=["020 7946 0000"]), phone_region="GB")
        contacts.add(session, contacts.ContactChanges(name="Bob Marsh"))
    return db


def test_everyday_column_names_are_understood_and_the_rest_named() -> None:
    assert import_history.column_targets(["When", "With", "Subject", "Duration"]) == {
        "When": "occurred", "With": "contacts", "Subject": "body"}
    with pytest.raises(Invalid, match="needs a text"):
        import_history.column_targets(["when", "with"])


def test_people_by_email_phone_name_and_uid(people: Database) -> None:
    with people.connect() as conn:
        ann_uid = conn.execute(sa.text("SELECT uid FROM contact WHERE name = 'Ann Lee'")).scalar()
    report = _run(people, "occurred,contacts,body,contact_uids\n"
                          "2026-03-01 10:00,ANN@acme.example,By email,\n"
                          "2026-03-02 10:00,+44 (0)20 7946 0000,By phone,\n"
                          "2026-03-03 10:00,marsh,By name,\n"
                          f"2026-03-04 10:00,,By uid,{ann_uid}\n")
    assert not report.problems and [o.name for o in report.outcomes] == [
        "call with Ann Lee", "call with Ann Lee", "call with Bob Marsh", "call with Ann Lee"]
    with people.connect() as conn:
        last = conn.execute(sa.text("SELECT last_contact_at FROM contact WHERE name = 'Ann Lee'")).scalar()
    assert str(last).startswith("2026-03-04 10:00")  # the kept copy follows the imported history


def test_a_kept_uid_is_not_logged_again_and_a_bad_row_leaves_nothing(people: Database) -> None:
    uid = "7f602b9b-0e0d-48ef-b21e-f94481f2eff1"
    first = _run(people, f"uid,occurred,contacts,body\n{uid},2026-03-01 10:00,ann,Once\n")
    again = _run(people, f"uid,occurred,contacts,body\n{uid},2026-03-01 10:00,ann,Once\n"
                         "x,2026-03-01 11:00,ann,Bad uid\n")
    assert [o.action for o in first.outcomes] == ["create"] and [o.action for o in again.outcomes] == ["unchanged"]
    assert [(p.line, p.message) for p in again.problems] == [(3, "uid 'x' is not a UUID")]
    with people.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM interaction")).scalar() == 1
