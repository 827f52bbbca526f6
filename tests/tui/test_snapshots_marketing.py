"""What the segments-and-campaigns screens show, on the pinned demo data (two segments, VIP clients
and Prospects gone quiet; the campaign Winter offer to the first: five members, three responded,
one bounced), at 120x40 and at 80x24."""

from __future__ import annotations

from typing import Any

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from tests.tui.test_snapshots import SIZES, _steps

SCREENS = {
    "marketing": ("m",),
    "segment-contacts": ("m", "down", "enter"),   # the browser filtered by VIP clients
    "segment-form": ("m", "a"),
    "segment-edit": ("m", "down", "e"),
    "campaign": ("m", "tab", "enter"),
    "campaign-form": ("m", "tab", "a"),
    "campaign-response": ("m", "tab", "enter", "r"),
    "contacts-segment-picker": ("c", "tab", "s"),
}


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_marketing_screen(snap_compare: Any, demo: AppContext, screen: str, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(demo, watch_seconds=3600), terminal_size=size, run_before=_steps(*SCREENS[screen]))
