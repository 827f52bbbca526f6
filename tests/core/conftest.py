"""A temp database per test with the clock pinned, for plain service tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest

from crmcli.storage.database import Database

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 5, 10, 30, tzinfo=LONDON)  # a Thursday morning


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("CRMCLI_NOW", NOW.isoformat())  # created_at, updated_at, logged times
    monkeypatch.setenv("TZ", "Europe/London")
    database = Database.open(str(tmp_path / "crm.db"))
    yield database
    database.dispose()


def pin(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """Move the pinned clock (what 'now' is for the services from here on)."""
    monkeypatch.setenv("CRMCLI_NOW", moment.isoformat())
