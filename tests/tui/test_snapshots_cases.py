"""What the cases screens show, on the pinned demo data (four cases: an urgent complaint past its
resolution deadline, a request waiting on the customer, a question resolved, a new incident), at
120x40 and at 80x24."""

from __future__ import annotations

from typing import Any

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from tests.tui.test_snapshots import SIZES, _steps

SCREENS = {
    "cases": ("k",),
    "cases-all": ("k", "t"),
    "case": ("k", "enter"),
    "case-waiting": ("k", "down", "enter"),
    "case-form": ("k", "a"),
    "case-status": ("k", "s"),
}


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_cases_screen(snap_compare: Any, demo: AppContext, screen: str, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(demo, watch_seconds=3600), terminal_size=size, run_before=_steps(*SCREENS[screen]))
