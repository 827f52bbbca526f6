"""What global search and the organisation screens show, on the pinned demo data, at 120x40 and 80x24."""

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


def _typed(text: str) -> tuple[str, ...]:
    return tuple("space" if ch == " " else ch for ch in text)


SCREENS = {
    "search-hint": ("slash",),
    "search-acme": ("slash", *_typed("acme")),
    "search-quote": ("f5", *_typed("quote"), "enter"),
    "orgs": ("g",),
    "orgs-search": ("g", *_typed("blue")),
    "org": ("g", *_typed("beacon labs"), "enter", "enter"),
}


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare: Any, demo: AppContext, screen: str, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(demo, watch_seconds=3600), terminal_size=size, run_before=_steps(*SCREENS[screen]))
