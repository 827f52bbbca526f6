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



def note_from_another_process(context: AppContext, body: str) -> None:
    """An interaction written by another connection (another `crm` process), as the app's watch sees one."""
    import sqlite3

    con = sqlite3.connect(context.database.path)  # type: ignore[arg-type]
    try:
        con.execute("INSERT INTO interaction (uid, kind, direction, body, occurred_at, created_at, updated_at) "
                    "VALUES ('u-1', 'note', NULL, ?, '2026-11-25 10:29:00.000000', "
                    "'2026-11-25 10:29:00.000000', '2026-11-25 10:29:00.000000')", (body,))
        con.commit()
    finally:
        con.close()
