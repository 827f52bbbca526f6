"""ChangeWatch on a PostgreSQL server: a write by another process is seen within the polling bound,
and no write reads as no change (PostgreSQL has no data_version: its write statistics serve)."""

from __future__ import annotations

import time
from typing import Iterator

import pytest

from crmcli.storage.changes import ChangeWatch
from crmcli.storage.database import Database
from tests.conftest import run_crm

BOUND = 3.0  # seconds: the TUI polls every 2 s and promises "within about two seconds" of its poll


@pytest.fixture
def watched(pg_url: str) -> Iterator[tuple[Database, ChangeWatch]]:
    db = Database.open(pg_url)
    watch = ChangeWatch(db)
    _settle(watch)  # the schema just written
    yield db, watch
    watch.close()
    db.dispose()


def _seen(watch: ChangeWatch) -> float | None:
    """Seconds until the watch reports a change, or None within BOUND."""
    start = time.monotonic()
    while time.monotonic() - start < BOUND:
        if watch.changed():
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def _settle(watch: ChangeWatch) -> None:
    """Until the statistics of what the set-up wrote have all arrived (a server flushes a session's
    statistics about a second after its last write): then nothing moves until someone writes."""
    end = time.monotonic() + 10
    while not _quiet(watch) and time.monotonic() < end:
        pass


def _quiet(watch: ChangeWatch, seconds: float = 1.5) -> bool:
    """No change reported for `seconds` (longer than the server's statistics flush interval, 1 s)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if watch.changed():
            return False
        time.sleep(0.1)
    return True


def test_a_write_by_another_process_is_seen_and_nothing_else_is(watched: tuple[Database, ChangeWatch],
                                                               pg_url: str) -> None:
    import os

    db, watch = watched
    env = os.environ.copy()
    assert run_crm("--db", pg_url, "contacts", "add", "Ann Lee", env=env).returncode == 0
    assert _seen(watch) is not None
    _settle(watch)
    for text in ("Called about the quote", "Sent the quote"):  # twice: the second within the first's second
        done = run_crm("--db", pg_url, "log", "ann", text, env=env)
        assert done.returncode == 0, done.stderr
        assert _seen(watch) is not None, f"{text!r} not seen within {BOUND} s"
    assert _quiet(watch)
    with db.connect() as conn:  # our own reads are not changes
        from crmcli.core import timeline

        assert len(timeline.page(conn, 1).entries) == 2
    assert _quiet(watch)


def test_a_write_on_an_open_connection_of_this_process_is_seen(watched: tuple[Database, ChangeWatch]) -> None:
    """A colleague's long-lived session (another connection; it stays open after committing)."""
    import sqlalchemy as sa

    db, watch = watched
    engine = sa.create_engine(db.engine.url)
    try:
        with engine.connect() as conn:
            assert _quiet(watch)
            conn.execute(sa.text("INSERT INTO tag (name) VALUES ('vip')"))
            conn.commit()
            assert _seen(watch) is not None
            conn.execute(sa.text("DELETE FROM tag"))
            conn.commit()
            assert _seen(watch) is not None
            assert _quiet(watch)
    finally:
        engine.dispose()


def test_a_dropped_connection_is_no_change_and_the_next_look_reconnects(watched: tuple[Database, ChangeWatch]) -> None:
    import sqlalchemy as sa

    db, watch = watched
    with db.engine.connect() as conn:  # the server ends the watch's session, as a restart would
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.commit()
    assert watch.changed() is False  # the failed look
    with db.connect(write=True) as conn:
        conn.execute(sa.text("INSERT INTO tag (name) VALUES ('after')"))
    assert _seen(watch) is not None  # reconnected, and the write seen
