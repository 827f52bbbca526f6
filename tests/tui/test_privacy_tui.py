"""The contact screen's erasure (`crm privacy forget` in the TUI): X says what goes and asks for the
name typed; a wrong name erases nothing, the right one erases the person and goes back to the
contacts list with a notification."""

from __future__ import annotations

from crmcli.context import AppContext
from crmcli.core import contacts, privacy
from crmcli.errors import NotFound
from crmcli.tui.app import create_app
from crmcli.tui.widgets.tables import RecordTable
from tests.tui.conftest import settle
from tests.tui.test_app import run
from tests.tui.test_forms import _core, _error, _open_contact, _press, _type


def test_erasing_a_contact_needs_its_name_typed_and_then_goes_back_to_the_list(demo: AppContext) -> None:
    planned = _core(demo, lambda s: privacy.plan(s, contacts.resolve(s, "15"), demo.database))
    name = planned.name

    async def scenario() -> None:
        from textual.widgets import Label

        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await _press(app, pilot, "c")
            await _open_contact(app, pilot, 15)
            await _press(app, pilot, "X")
            question = " ".join(str(label.render()) for label in app.screen.query(Label))
            assert planned.describe() in question and "cannot be undone" in question
            await _type(app, pilot, "Someone Else")
            await _press(app, pilot, "enter")
            assert _error(app) == f"type {name} to erase them"
            assert _core(demo, lambda s: contacts.resolve(s, "15")).name == name  # nothing erased
            await _press(app, pilot, "escape")
            assert app.screen.name == "contact"
            await _press(app, pilot, "X")
            await _type(app, pilot, name.upper())  # case does not matter, the name does
            await _press(app, pilot, "enter")
            await settle(app, pilot)
            assert app.screen.name == "contacts"
            assert "contact:15" not in app.screen.query_one("#contacts", RecordTable).rows
            assert any("erased contact #15 everywhere" in str(n.message) for n in app._notifications)

    run(scenario())
    with demo.database.session() as s:
        try:
            contacts.resolve(s, "15")
            raise AssertionError("contact #15 is still there")
        except NotFound:
            pass
