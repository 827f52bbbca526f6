"""Has anyone written to the database since we last looked? For live screens (the TUI polls this
every ~2 s), on one long-lived connection, a few microseconds to a fraction of a millisecond.

SQLite: `PRAGMA data_version` moves on every commit by any other connection.
PostgreSQL: the server's transaction snapshot (next transaction id, ids in progress). Every
transaction that writes takes an id, so the snapshot moves when a write starts and when it ends,
at once. (The statistics of rows written per table, used before, lag: a session flushes them at
most once a second, and a second write within that second shows only ten seconds later.) The
snapshot is the server's, not the database's: a write to another database on the same server
reads as a change too, a reload too many and never one too few. Reading takes no id: our own
checks and reads never move it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcli.storage.database import Database

_PG_SNAPSHOT = "SELECT txid_current_snapshot()::text"  # pg_current_snapshot() from PostgreSQL 13 on


class ChangeWatch:
    def __init__(self, database: "Database") -> None:
        self._database = database
        self._conn: Any = None
        self._last: object = None
        self.changed()  # the first look sets the baseline

    def _token(self) -> object:
        if self._database.is_sqlite:
            if self._conn is None:
                import sqlite3

                assert self._database.path is not None
                self._conn = sqlite3.connect(self._database.path, check_same_thread=False)
            return self._conn.execute("PRAGMA data_version").fetchone()[0]
        from sqlalchemy import exc, text

        try:
            if self._conn is None:  # autocommit: no transaction held open between looks
                self._conn = self._database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            return self._conn.execute(text(_PG_SNAPSHOT)).scalar()
        except exc.DBAPIError:
            self.close()  # the server went away: no change meanwhile (a reload would only fail), and
            return self._last  # a new connection next time, whose first look differs: a reload then

    def changed(self) -> bool:
        token = self._token()
        moved = self._last is not None and token != self._last
        self._last = token
        return moved

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing a connection the server already dropped
                pass
            self._conn = None
