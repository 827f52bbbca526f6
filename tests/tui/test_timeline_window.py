"""The contact screen's timeline as a sliding window: never more than WINDOW rows mounted, the cursor
moving entry by entry across slides, `end` straight to the oldest entry and `home` back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from crmcli.tui.screens import contact
from tests.tui.conftest import settle
from tests.tui.test_app import run


def _long_history(demo: AppContext, n: int) -> list[str]:
    """n more calls on contact #1; the row keys of its whole timeline, newest first."""
    from crmcli.core import contacts, interactions, timeline

    with demo.database.session(write=True) as session:
        person = contacts.resolve(session, "1")
        for k in range(n):
            interactions.log(session, [person], f"Call number {k}", kind="call",
                             occurred_at=demo.now() - timedelta(hours=k + 1))
    with demo.database.connect() as conn:
        entries = timeline.page(conn, 1, limit=100_000).entries
    return [key for key, _ in contact.timeline_rows(entries)]


def _under_cursor(table: Any) -> str:
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


def test_end_jumps_to_the_oldest_entry_and_home_back_to_the_newest(demo: AppContext) -> None:
    whole = _long_history(demo, 3 * contact.PAGE)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await app.push_screen(contact.ContactScreen(1))
            await settle(app, pilot)
            table = app.screen.query_one("#timeline", contact.TimelineTable)
            assert table.row_count == contact.PAGE
            assert table.border_title == f"Timeline (1–{contact.PAGE} of {len(whole)}, newest first)"
            for key in ("end", "home", "G", "g", "ctrl+end"):
                await pilot.press(key)
                await settle(app, pilot)
                oldest = key in ("end", "G", "ctrl+end")
                assert _under_cursor(table) == (whole[-1] if oldest else whole[0]), key
                assert table.row_count == contact.PAGE  # one page fetched, not the history above it
                first = len(whole) - contact.PAGE + 1 if oldest else 1
                assert table.border_title == f"Timeline ({first}–{first + contact.PAGE - 1} of {len(whole)}, newest first)"
                top, bottom = table.scroll_y, table.scroll_y + table.scrollable_content_region.height
                assert top <= table.cursor_row < bottom  # and in view

    run(scenario())


@pytest.mark.parametrize("way", ["down", "up"])
def test_the_window_slides_entry_by_entry_and_stays_bounded(demo: AppContext, monkeypatch: pytest.MonkeyPatch,
                                                             way: str) -> None:
    monkeypatch.setattr(contact, "PAGE", 40)
    monkeypatch.setattr(contact, "MAX_PAGE", 60)
    monkeypatch.setattr(contact, "WINDOW", 120)
    whole = _long_history(demo, 400)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await app.push_screen(contact.ContactScreen(1))
            await settle(app, pilot)
            screen = app.screen
            table = screen.query_one("#timeline", contact.TimelineTable)
            if way == "up":
                await pilot.press("end")
                await settle(app, pilot)
            position = whole.index(_under_cursor(table))
            slid = 0
            for _ in range(len(whole) // 20 + 5):
                before = screen._offset  # type: ignore[attr-defined]
                for _ in range(20):  # what the arrow keys run, without Pilot's ~85 ms per press (20 < the
                    table.action_cursor_down() if way == "down" else table.action_cursor_up()  # margin)
                await settle(app, pilot)
                slid += screen._offset != before  # type: ignore[attr-defined]
                position = min(len(whole) - 1, position + 20) if way == "down" else max(0, position - 20)
                assert _under_cursor(table) == whole[position]  # one entry per key, across slides
                assert table.row_count <= 120
                keys = [str(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)]
                offset = screen._offset  # type: ignore[attr-defined]
                assert keys == whole[offset:offset + len(keys)]  # the window is one run of the history
                top, bottom = table.scroll_y, table.scroll_y + table.scrollable_content_region.height
                assert top <= table.cursor_row < bottom
            assert position == (len(whole) - 1 if way == "down" else 0) and slid >= 3

    run(scenario())
