"""A contact's timeline in pages: keyset paging on (at, seq) walks the whole history once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crmcli.core import contacts, deals, followups, interactions, stages
from crmcli.core import timeline
from crmcli.storage.database import Database
from tests.core.conftest import NOW


def _history(db: Database, n: int) -> int:
    """n interactions, pairs of them at one instant (ties broken by id), a follow-up and a deal."""
    start = NOW.astimezone(UTC) - timedelta(days=n)
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"))
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        for k in range(n):
            interactions.log(s, [ann, bob] if k % 7 == 0 else [ann], f"note {k}\nsecond line", kind="note",
                             occurred_at=start + timedelta(days=k // 2))
        followups.add(s, ann, "Send the quote", followups.Due.parse("2026-03-10", now=NOW))
        deals.add(s, deals.NewDeal("Website", 120000, "EUR", stages.DEFAULT.first("open"), contacts=[ann]))
        return ann.id  # type: ignore[return-value]


def test_pages_walk_everything_newest_first_without_repeats(db: Database) -> None:
    ann = _history(db, 250)
    with db.connect() as conn:
        whole = [(r[0], r[1]) for r in timeline.rows(conn, ann).rows]
        seen, cursor, pages = [], None, 0
        while True:
            page = timeline.page(conn, ann, before=cursor, limit=100)
            seen += [(e.type, e.id) for e in page.entries]
            pages += 1
            if not page.more:
                assert page.next_cursor is None
                break
            assert len(page.entries) == 100 and page.next_cursor is not None
            cursor = page.next_cursor
    assert pages == 3 and len(seen) == 252 and seen == whole


def test_entries_are_typed(db: Database) -> None:
    ann = _history(db, 8)
    with db.connect() as conn:
        entries = timeline.page(conn, ann, limit=3).entries
        last = timeline.page(conn, ann, limit=100).entries[-1]
    assert [e.type for e in entries] == ["follow-up", "deal", "interaction"]
    top = entries[0]
    assert top.kind == "follow-up" and top.body == "Send the quote" and top.contacts == ("Ann Lee",)
    # an open all-day follow-up is its day; it stands at its sort key, 12:00 UTC of that day
    assert top.day == top.when == date(2026, 3, 10) and entries[1].day is None
    assert top.at == datetime(2026, 3, 10, 12, tzinfo=UTC) and top.at.tzinfo is not None
    assert entries[1].body == "Website: new deal in lead" and entries[1].kind == "deal"
    assert last.type == "interaction" and last.contacts == ("Ann Lee", "Bob Marsh") and last.kind == "note"
    assert last.body == "note 0\nsecond line" and last.direction is None


def test_a_tie_of_at_and_seq_across_types_splits_cleanly(db: Database) -> None:
    """An interaction and a follow-up with the same id at the same instant are two entries, each once."""
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"))
        logged = interactions.log(s, [ann], "Met", kind="meeting", occurred_at=moment)
        item = followups.add(s, ann, "Follow", followups.Due(moment))
        assert logged.id == item.id
    with db.connect() as conn:
        first = timeline.page(conn, ann.id, limit=1)  # type: ignore[arg-type]
        second = timeline.page(conn, ann.id, before=first.next_cursor, limit=1)  # type: ignore[arg-type]
    assert first.more and not second.more
    assert {first.entries[0].type, second.entries[0].type} == {"interaction", "follow-up"}


def test_filters_apply_to_pages(db: Database) -> None:
    ann = _history(db, 10)
    with db.connect() as conn:
        only = timeline.page(conn, ann, limit=100, only="interaction")
        kinds = timeline.page(conn, ann, limit=100, kinds=["follow-up"])
    assert len(only.entries) == 10 and {e.type for e in only.entries} == {"interaction"}
    assert [e.body for e in kinds.entries] == ["Send the quote"]


def test_limit_must_be_positive(db: Database) -> None:
    with db.connect() as conn, pytest.raises(ValueError):
        timeline.page(conn, 1, limit=0)


def test_newer_pages_walk_up_from_the_oldest_entry_to_the_newest(db: Database) -> None:
    ann = _history(db, 250)
    with db.connect() as conn:
        whole = [(r[0], r[1]) for r in timeline.rows(conn, ann).rows]
        oldest = timeline.newer(conn, ann, limit=100)  # the end of the timeline, in one step
        assert [(e.type, e.id) for e in oldest.entries] == whole[-100:] and oldest.more
        seen, cursor = [], None
        while True:
            page = timeline.newer(conn, ann, after=cursor, limit=100)
            seen = [(e.type, e.id) for e in page.entries] + seen
            if not page.more:
                assert page.next_cursor is None
                break
            assert page.next_cursor == page.entries[0].cursor
            cursor = page.next_cursor
    assert seen == whole


def test_newer_and_older_meet_without_gap_or_overlap_on_ties(db: Database) -> None:
    """From any entry, the page above it and the page below it are the rest of the timeline."""
    ann = _history(db, 30)  # pairs of interactions at one instant
    with db.connect() as conn:
        whole = timeline.page(conn, ann, limit=1000).entries
        for k, entry in enumerate(whole):
            above = timeline.newer(conn, ann, after=entry.cursor, limit=1000).entries
            below = timeline.page(conn, ann, before=entry.cursor, limit=1000).entries
            assert above + [entry] + below == whole, k


def test_count_is_the_length_of_the_timeline(db: Database) -> None:
    ann = _history(db, 40)
    with db.connect() as conn:
        assert timeline.count(conn, ann) == len(list(timeline.rows(conn, ann).rows)) == 42
        assert timeline.count(conn, ann, only="interaction") == 40
        assert timeline.count(conn, 999) == 0


def test_a_page_reads_the_text_of_its_own_entries_only(db: Database) -> None:
    """However long the history, a page's query walks the index from its cursor, and the bodies and
    contact names are read for the page's entries alone (two statements, the second bounded by ids)."""
    import sqlalchemy as sa

    ann = _history(db, 300)
    with db.connect() as conn:
        middle = timeline.page(conn, ann, limit=150).next_cursor
        statements: list[str] = []
        sa.event.listen(conn, "before_cursor_execute", lambda *a: statements.append(a[2]))
        page = timeline.page(conn, ann, before=middle, limit=20)
    assert len(page.entries) == 20 and len(statements) == 2
    assert "LIMIT" in statements[0] and " IN (" in statements[1]
    assert "group_concat" not in statements[0] and "body" not in statements[0]  # keys only


def test_pages_both_ways_on_postgres(pg_url: str) -> None:
    """The same keyset walks on PostgreSQL (its own ordering of the union and of aware times)."""
    db = Database.open(pg_url)
    try:
        ann = _history(db, 40)
        with db.connect() as conn:
            whole = [(r[0], r[1]) for r in timeline.rows(conn, ann).rows]
            down, cursor = [], None
            while True:
                page = timeline.page(conn, ann, before=cursor, limit=7)
                down += [(e.type, e.id) for e in page.entries]
                if not page.more:
                    break
                cursor = page.next_cursor
            up, cursor = [], None
            while True:
                page = timeline.newer(conn, ann, after=cursor, limit=7)
                up = [(e.type, e.id) for e in page.entries] + up
                if not page.more:
                    break
                cursor = page.next_cursor
            assert down == up == whole and timeline.count(conn, ann) == len(whole) == 42
    finally:
        db.dispose()
