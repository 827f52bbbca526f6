"""Live data on the team database: a `crm log` run in another process appears in the open contact
screen within about two seconds, on PostgreSQL as on SQLite."""

from __future__ import annotations

import os
import time

import pytest

from crmcli.tui.app import create_app
from crmcli.tui.screens.contact import ContactScreen, TimelineTable
from tests.conftest import run_crm
from tests.tui.conftest import NOW, settle
from tests.tui.test_app import run


def test_a_crm_log_in_another_process_shows_in_the_open_contact_screen(pg_url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.context import open_context
    from crmcli.core import clock, sample

    monkeypatch.setenv("CRMCLI_NOW", NOW)
    context = open_context(pg_url)
    with context.database.connect(write=True) as conn:
        sample.generate(conn, sample.DEMO, now=clock.utc_now())

    def shown(table: TimelineTable) -> list[str]:
        return [str(table.get_row_at(i)[2]) for i in range(table.row_count)]

    async def scenario() -> None:
        app = create_app(context, watch_seconds=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await app.push_screen(ContactScreen(1))
            await settle(app, pilot)
            table = app.screen.query_one("#timeline", TimelineTable)
            before = shown(table)
            assert before and "Written in another shell" not in before
            env = dict(os.environ, CRMCLI_NOW=NOW)
            done = run_crm("--db", pg_url, "log", "1", "Written in another shell", "--kind", "call", env=env)
            assert done.returncode == 0, done.stderr
            written = time.monotonic()
            while "Written in another shell" not in shown(table) and time.monotonic() - written < 2.5:
                await pilot.pause(0.05)
            assert "Written in another shell" in shown(table), "not shown within 2.5 s"
            assert len(shown(table)) == len(before) + 1

    try:
        run(scenario())
    finally:
        context.close()
