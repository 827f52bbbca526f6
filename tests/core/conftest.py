r"""A temp database per test with the clock pinned, for plain service tests.

`db` is empty and migrated, on SQLite and on a real PostgreSQL server (tests/conftest.py: db_target):
a test using it runs as `[sqlite]` and as `[postgres]`, unless marked `sqlite_only("why")`. When this
was written, 151 tests of the suite ran on both backends (150 of them here), and 39 more on
PostgreSQL alone, on databases of their own (pg_url). Count again:
`pytest --collect-only -q | grep -cE '\[postgres(\]|-)'`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crmcli.storage.database import Database

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 5, 10, 30, tzinfo=LONDON)  # a Thursday morning


@pytest.fixture
def db(db_target: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """An empty database on each backend (tests/conftest.py: db_target), the clock pinned."""
    monkeypatch.setenv("CRMCLI_NOW", NOW.isoformat())  # created_at, updated_at, logged times
    monkeypatch.setenv("TZ", "Europe/London")
    database = Database.open(db_target)
    yield database
    database.dispose()


def pin(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """Move the pinned clock (what 'now' is for the services from here on)."""
    monkeypatch.setenv("CRMCLI_NOW", moment.isoformat())


def stored(conn: sa.Connection, table: str) -> list[tuple[Any, ...]]:
    """A table's rows read through the model's column types, by primary key, times as aware UTC:
    equal on SQLite and PostgreSQL when the same data is stored (raw rows differ: text vs timestamps)."""
    from sqlmodel import SQLModel

    import crmcli.core.models  # noqa: F401 - the tables

    t = SQLModel.metadata.tables[table]
    utc = lambda v: (v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)) \
        if isinstance(v, datetime) else v  # noqa: E731 - SQLite gives naive UTC, PostgreSQL aware
    return [tuple(utc(v) for v in row) for row in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
