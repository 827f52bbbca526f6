"""What each screen shows, on the pinned demo data, at 120x40 and at 80x24."""

from __future__ import annotations

from typing import Any

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from tests.tui.conftest import settle

SIZES = [(120, 40), (80, 24)]


def _steps(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot.app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot.app, pilot)
        from textual.widgets import Input

        for box in pilot.app.screen.query(Input):  # a blinking cursor would make the picture a coin toss
            box.cursor_blink = False
        await pilot.pause()
    return run_before


SCREENS = {
    "dashboard": (),
    "contacts": ("c",),
    "contacts-search": ("c", "m", "a", "r"),
    "contacts-tag-picker": ("c", "tab", "t"),
    "contacts-filtered": ("c", "tab", "t", "v", "i", "enter", "g", "g", "u", "l", "l", "enter"),
    "contact": ("c", "tab", "enter"),
    "log-form": ("c", "tab", "enter", "L"),
    "help": ("question_mark",),
    "pipeline": ("p",),
    "pipeline-proposal": ("p", "right", "right"),  # at 80 columns the board scrolls to the focused column
    "deal-history": ("p", "enter"),
    "lost-reason": ("p", "x"),
    "followups": ("f",),
    "delete-follow-up": ("f", "d"),
}


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare: Any, demo: AppContext, screen: str, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(demo, watch_seconds=3600), terminal_size=size, run_before=_steps(*SCREENS[screen]))
