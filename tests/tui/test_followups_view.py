"""The follow-ups view driven with Pilot: done, snooze and delete checked in the database."""

from __future__ import annotations

from typing import Any

import pytest

from crmcli.context import AppContext
from crmcli.errors import NotFound
from crmcli.tui.app import create_app
from crmcli.tui.widgets.tables import RecordTable
from tests.tui.conftest import settle
from tests.tui.test_app import run


def _selected(app: Any) -> int:
    return int(app.screen.query_one("#followups", RecordTable).selected_key().split(":")[1])


def _get(demo: AppContext, follow_up_id: int) -> Any:
    from crmcli.core import followups

    with demo.database.session() as session:
        item = followups.get(session, follow_up_id)
        return item.due_at, item.done_at


async def _open(app: Any, pilot: Any) -> None:
    await settle(app, pilot)
    await pilot.press("f")
    await settle(app, pilot)
    assert app.screen.name == "followups"


def test_every_open_follow_up_is_listed_by_urgency(demo: AppContext) -> None:
    from crmcli.core.worklist import worklist

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open(app, pilot)
            table = app.screen.query_one("#followups", RecordTable)
            with demo.database.connect() as conn:
                expected = worklist(conn, demo.local_now()).items
            assert [str(table.get_row_at(i)[4]) for i in range(table.row_count)] == [i.title for i in expected]
            headings = [str(table.get_row_at(i)[0]) for i in range(table.row_count) if str(table.get_row_at(i)[0])]
            assert [h.split(" (")[0] for h in headings] == ["Overdue", "Today", "This week", "Later"]

    run(scenario())


def test_done_snooze_and_delete_land_in_the_database(demo: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open(app, pilot)
            first = _selected(app)
            await pilot.press("x")
            await settle(app, pilot)
            assert _get(demo, first)[1] is not None
            second = _selected(app)
            assert second != first  # the done one left the list
            before = _get(demo, second)[0]
            await pilot.press("s")
            await settle(app, pilot)
            for ch in "3d":
                await pilot.press(ch)
            await pilot.press("enter")
            await settle(app, pilot)
            assert _get(demo, second)[0] > before

            doomed = _selected(app)
            await pilot.press("d")
            await settle(app, pilot)
            assert app.screen.name == "confirm"
            await pilot.press("n")  # kept
            await settle(app, pilot)
            assert app.screen.name == "followups" and _get(demo, doomed)[1] is None
            await pilot.press("d")
            await settle(app, pilot)
            await pilot.press("y")
            await settle(app, pilot)
            with pytest.raises(NotFound):
                _get(demo, doomed)
            assert f"follow-up:{doomed}" not in app.screen.query_one("#followups", RecordTable).rows

    run(scenario())


@pytest.mark.parametrize(("typed", "inline"), [("zzz", "cannot read"), ("yesterday", None)])
def test_a_bad_snooze_shows_why_and_saves_nothing(demo: AppContext, typed: str, inline: str | None) -> None:
    async def scenario() -> None:
        from textual.widgets import Static

        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open(app, pilot)
            chosen = _selected(app)
            before = _get(demo, chosen)
            await pilot.press("s")
            await settle(app, pilot)
            modal = app.screen
            for ch in typed:
                await pilot.press(ch)
            await pilot.press("enter")
            await settle(app, pilot)
            if inline is not None:  # unreadable: the form says so and stays open
                assert app.screen is modal
                assert inline in str(modal.query_one("#error", Static).render())
                await pilot.press("escape")
                await settle(app, pilot)
            else:  # readable but in the past: the core refuses it when saving
                assert any("in the past" in str(n.message) for n in app._notifications)
            assert app.screen.name == "followups" and _get(demo, chosen) == before

    run(scenario())
