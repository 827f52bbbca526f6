"""What the quick actions' forms and the follow-up edit look like, on the pinned demo data, at 120x40
and at 80x24: every field in view, the selected contact filled in, an inline error where one is typed."""

from __future__ import annotations

from typing import Any

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from tests.tui.test_snapshots import SIZES, _steps

CONTACT = ("c", "tab", "enter")  # the first contact of the browser
FORMS = {
    "log": (*CONTACT, "L"),
    "follow-up": (*CONTACT, "F"),
    "add-contact": ("A",),
    "add-contact-bad-email": ("A", "Z", "e", "d", "tab", "tab", "tab", "z", "e", "d", "@"),
    "edit-contact": (*CONTACT, "E"),
    "add-deal": (*CONTACT, "N"),
    "delete-contact": (*CONTACT, "D"),
    "edit-follow-up": ("f", "e"),
}


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("form", list(FORMS))
def test_form(snap_compare: Any, demo: AppContext, form: str, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(demo, watch_seconds=3600), terminal_size=size, run_before=_steps(*FORMS[form]))
