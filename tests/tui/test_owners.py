"""What the TUI adds is its user's, as from the command line: the forms go through the same core
services, which own a new contact or follow-up by who is working (crm whoami)."""

from __future__ import annotations

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from tests.tui.conftest import settle
from tests.tui.test_app import run
from tests.tui.test_forms import _fill, _open_contact, _press, _type


@pytest.fixture
def as_robin(monkeypatch: pytest.MonkeyPatch) -> None:
    """The `me` setting, read when the demo's context is made: not the login name a caller that
    names no one would fall back to."""
    monkeypatch.setenv("CRMCLI_ME", "robin")


def test_a_contact_and_a_follow_up_added_in_the_tui_are_the_users(as_robin: None, demo: AppContext) -> None:
    from crmcli.core import contacts, followups

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await _press(app, pilot, "A")
            await _type(app, pilot, "Zelda Quist")
            _fill(app, emails="zelda@quist.example")
            await _press(app, pilot, "ctrl+s")
            assert app.screen.name == "dashboard"
            await _open_contact(app, pilot, 1)
            await _press(app, pilot, "F")
            await _type(app, pilot, "Send the quote")
            await _press(app, pilot, "ctrl+s")
            assert app.screen.name == "contact"

    run(scenario())
    me = demo.identity.name
    assert me == "robin"
    with demo.database.session() as s:
        assert contacts.resolve(s, "zelda@quist.example").owner == me
    with demo.database.connect() as conn:
        added = [r for r in followups.rows(conn, followups.Window.around(demo.local_now()), contact_id=1).records()
                 if r.title == "Send the quote"]
    assert [r.owner for r in added] == [me]
