"""The TUI on fixed demo data with the clock pinned, so what the screens show never drifts."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from crmcli.context import AppContext
from crmcli.tui.settle import settle  # noqa: F401 - the tests import it from here

NOW = "2026-11-25T10:30:00Z"


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    """An application context on a fresh demo database, now = Wednesday 2026-11-25 10:30 UTC."""
    from crmcli.context import open_context
    from crmcli.core import clock, sample

    monkeypatch.setenv("CRMCLI_NOW", NOW)
    context = open_context(str(tmp_path / "demo.db"))
    with context.database.connect(write=True) as conn:
        sample.generate(conn, sample.DEMO, now=clock.utc_now())
    yield context
    context.close()

