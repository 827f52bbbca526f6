"""Service cases where a user looks outside the cases commands: the contact's timeline and card,
the morning reminder, the privacy export and the erasure. Cases are written straight into their
tables (tests/core/case_rows.py), so each test holds exactly the state it names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from crmcli.core import contacts, interactions, timeline
from crmcli.core.models import Interaction
from crmcli.storage.database import Database
from tests.core.case_rows import HOUR, add_case
from tests.core.conftest import NOW

UTC_NOW = NOW.astimezone(UTC)  # Thursday 2026-03-05 10:30 UTC (London is on UTC in March)


def _people(db: Database) -> tuple[int, int]:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee", add_emails=["ann@acme.example"]))
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        return ann.id, bob.id  # type: ignore[return-value]


def _on_case(db: Database, interaction_id: int, case_id: int) -> None:
    i = Interaction.__table__  # type: ignore[attr-defined]
    with db.connect(write=True) as conn:
        conn.execute(sa.update(i).where(i.c.id == interaction_id).values(case_id=case_id))


# -- timeline ---------------------------------------------------------------------------------------

def test_a_case_opening_and_its_moves_are_on_the_timeline_and_its_mail_names_it(db: Database) -> None:
    ann, bob = _people(db)
    opened = UTC_NOW - timedelta(days=3)
    with db.connect(write=True) as conn:
        case = add_case(conn, ann, "Invoice 1043 charged twice", kind="complaint", priority="urgent", opened=opened,
                        moves=[("open", opened + HOUR), ("waiting", opened + 2 * HOUR),
                               ("open", opened + 26 * HOUR)])
        add_case(conn, bob, "Not Ann's", opened=opened)
    with db.session(write=True) as s:
        mail = interactions.log(s, [contacts.resolve(s, "ann")], "Re: the invoice", kind="email",
                                occurred_at=opened + 90 * timedelta(minutes=1))
        plain = interactions.log(s, [contacts.resolve(s, "ann")], "Lunch", kind="meeting",
                                 occurred_at=opened + 3 * HOUR)
        mail_id, plain_id = mail.id, plain.id
    _on_case(db, mail_id, case)  # type: ignore[arg-type]
    with db.connect() as conn:
        found = [(r[0], r[1], r[4], r[7], r[10]) for r in timeline.rows(conn, ann).rows]
        table = [r[7] for r in timeline.rows(conn, ann, marked=True).rows]
        entries = timeline.page(conn, ann, limit=10).entries
    assert found == [
        ("case", case, "case status", "#1 Invoice 1043 charged twice: waiting -> open", case),
        ("interaction", plain_id, "meeting", "Lunch", None),
        ("case", case, "case status", "#1 Invoice 1043 charged twice: open -> waiting", case),
        ("interaction", mail_id, "email", "Re: the invoice", case),
        ("case", case, "case status", "#1 Invoice 1043 charged twice: new -> open", case),
        ("case", case, "case opened", "#1 Invoice 1043 charged twice (complaint, urgent)", case),
    ]
    assert table[3] == "[case #1] Re: the invoice" and table[1] == "Lunch" and table[0].startswith("#1 Invoice")
    assert [e.text for e in entries] == table  # the pages (the TUI) say it as the table does
    assert [(e.type, e.case_id) for e in entries][3] == ("interaction", case)


def test_case_kinds_filter_and_count_and_quiet_type(db: Database) -> None:
    ann, _ = _people(db)
    with db.connect(write=True) as conn:
        first = add_case(conn, ann, "First", opened=UTC_NOW - 5 * HOUR, moves=[("closed", UTC_NOW - HOUR)])
        second = add_case(conn, ann, "Second", opened=UTC_NOW - 2 * HOUR)
    with db.connect() as conn:
        opened = [(r[1], r[7]) for r in timeline.rows(conn, ann, kinds=["case opened"]).rows]
        moved = [(r[1], r[7]) for r in timeline.rows(conn, ann, kinds=["case status"]).rows]
        since = [r[4] for r in timeline.rows(conn, ann, since=UTC_NOW - 3 * HOUR).rows]
        assert timeline.count(conn, ann) == 3 and timeline.count(conn, ann, kinds=["case opened"]) == 2
        assert timeline.rows(conn, ann, kinds=["call"]).rows.all() == []  # type: ignore[attr-defined]
    assert opened == [(second, "#2 Second (request, normal)"), (first, "#1 First (request, normal)")]
    assert moved == [(first, "#1 First: new -> closed")]
    assert since == ["case status", "case opened"]
    assert timeline.quiet_type(["case opened", "case status"]) == "case"


def test_pages_walk_a_history_of_cases_and_interactions_without_repeats(db: Database) -> None:
    """Case entries tie with interactions on time and sequence numbers: the type breaks the tie."""
    ann, _ = _people(db)
    start = UTC_NOW - timedelta(days=40)
    with db.session(write=True) as s:
        person = contacts.resolve(s, "ann")
        for k in range(30):
            interactions.log(s, [person], f"note {k}", kind="note", occurred_at=start + timedelta(days=k))
    with db.connect(write=True) as conn:
        for k in range(15):  # opened at the same instants as notes, moved a day later
            add_case(conn, ann, f"Case {k}", opened=start + timedelta(days=2 * k),
                     moves=[("open", start + timedelta(days=2 * k + 1))])
    with db.connect() as conn:
        whole = [(r[0], r[1], r[7]) for r in timeline.rows(conn, ann).rows]
        seen, cursor = [], None
        while True:
            page = timeline.page(conn, ann, before=cursor, limit=7)
            seen += [(e.type, e.id, e.body) for e in page.entries]
            if not page.more:
                break
            cursor = page.next_cursor
        up, after = [], None
        while True:
            page = timeline.newer(conn, ann, after=after, limit=6)
            up = [(e.type, e.id, e.body) for e in page.entries] + up
            if not page.more:
                break
            after = page.next_cursor
    assert len(whole) == 30 + 15 * 2 and seen == whole and up == whole
