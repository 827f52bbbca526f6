"""A write meeting another process's write waits for it (up to BUSY_TIMEOUT_MS, 60 s), and past
NOTICE_AFTER_MS says it is waiting (Database.on_wait; the CLI prints it on a terminal)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from crmcli.errors import StorageError
from crmcli.storage import database
from crmcli.storage.database import Database


def _hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    """Another writer holding the lock for `seconds` (an import, say), from now."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")

    def release() -> None:
        time.sleep(seconds)
        holder.execute("ROLLBACK")
        holder.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def test_the_write_lock_wait_is_long_enough_for_an_import() -> None:
    assert database.BUSY_TIMEOUT_MS >= 30_000 and database.NOTICE_AFTER_MS < database.BUSY_TIMEOUT_MS


def test_a_write_waits_for_another_says_so_past_the_notice_time_and_lands(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "NOTICE_AFTER_MS", 300)
    db = Database.open(str(tmp_path / "crm.db"))
    told: list[str] = []
    db.on_wait = told.append
    holder = _hold_write_lock(tmp_path / "crm.db", 1.0)
    started = time.monotonic()
    try:
        with db.connect(write=True) as conn:
            conn.exec_driver_sql("INSERT INTO tag (name) VALUES ('waited')")
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == database.BUSY_TIMEOUT_MS  # restored
    finally:
        holder.join()
    assert 0.9 < time.monotonic() - started < 10
    assert told == [str(tmp_path / "crm.db")]
    with db.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM tag WHERE name = 'waited'").scalar() == 1
    # A wait shorter than the notice time says nothing.
    holder = _hold_write_lock(tmp_path / "crm.db", 0.1)
    try:
        with db.connect(write=True) as conn:
            conn.exec_driver_sql("INSERT INTO tag (name) VALUES ('quick')")
    finally:
        holder.join()
    assert len(told) == 1
    db.dispose()


def test_a_write_that_waits_the_whole_time_fails_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 1000)
    monkeypatch.setattr(database, "NOTICE_AFTER_MS", 200)
    db = Database.open(str(tmp_path / "crm.db"))
    told: list[str] = []
    db.on_wait = told.append
    holder = _hold_write_lock(tmp_path / "crm.db", 3.0)
    try:
        with pytest.raises(StorageError, match=r"is locked by another process \(waited 1 s\); try again"):
            with db.connect(write=True) as conn:
                conn.exec_driver_sql("INSERT INTO tag (name) VALUES ('never')")
    finally:
        holder.join()
    assert len(told) == 1
    with db.connect() as conn:  # the connection that gave up is still good
        assert conn.exec_driver_sql("SELECT count(*) FROM tag WHERE name = 'never'").scalar() == 0
    with db.connect(write=True) as conn:
        conn.exec_driver_sql("INSERT INTO tag (name) VALUES ('later')")
    db.dispose()
