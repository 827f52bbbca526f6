"""Has anyone written to the database since we last looked? For live screens (the TUI polls this
every ~2 s). SQLite answers with `PRAGMA data_version` on one long-lived connection: a few
microseconds, no lock, and it moves on every commit by any other connection. PostgreSQL has no
such counter for a client; its statistics of rows written per table serve (they lag by a fraction
of a second, well within the polling interval)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcli.storage.database import Database

_PG_WRITES = ("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables")


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
        with self._database.engine.connect() as conn:
            from sqlalchemy import text

            return conn.execute(text(_PG_WRITES)).scalar()

    def changed(self) -> bool:
        token = self._token()
        moved = self._last is not None and token != self._last
        self._last = token
        return moved

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
