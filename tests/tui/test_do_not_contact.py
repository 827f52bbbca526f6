"""The do-not-contact mark in the TUI, driven with Pilot: the dashboard's cold list and agenda leave
the contact out, the contact screen and the contacts browser mark it, the follow-ups view flags its
follow-ups, and the contact form sets and clears it (checked in the database through the core)."""

from __future__ import annotations

from typing import Any

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from crmcli.tui.format import DO_NOT_CONTACT_MARK
from crmcli.tui.widgets.tables import RecordTable
from tests.tui.conftest import settle
from tests.tui.test_app import run
from tests.tui.test_forms import _core, _fill, _open_contact, _press


def _cells(table: RecordTable, column: int) -> list[str]:
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


def _mark(demo: AppContext, contact_id: int, reason: str | None) -> None:
    from crmcli.core import contacts

    with demo.database.session(write=True) as s:
        contacts.apply(s, contacts.resolve(s, str(contact_id)),
                       contacts.ContactChanges(do_not_contact=True, do_not_contact_reason=reason))


def test_a_marked_contact_leaves_the_cold_list_and_its_screen_and_rows_show_the_mark(demo: AppContext) -> None:
    from crmcli.core import agenda, contacts

    with demo.database.connect() as conn:
        coldest = next(iter(contacts.rows(conn, cold=contacts.Cold(demo.local_now()), limit=1).records()))
        busy = next(i for i in agenda.agenda(conn, demo.local_now(), cadences=False).items)  # has a follow-up due
    _mark(demo, coldest.id, "asked by phone")
    _mark(demo, busy.contact_id, None)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            cold = _cells(app.screen.query_one("#cold", RecordTable), 0)
            assert cold and coldest.name not in cold  # the list still has others
            assert busy.contact not in _cells(app.screen.query_one("#agenda", RecordTable), 1)

            await _open_contact(app, pilot, coldest.id)
            card = str(app.screen.query_one("#card").render())
            assert card.splitlines()[1] == f"{DO_NOT_CONTACT_MARK}do not contact since " \
                                          f"{demo.local_now():%Y-%m-%d %H:%M} (asked by phone)"
            timeline = app.screen.query_one("#timeline", RecordTable)
            assert "do not contact" in _cells(timeline, 1) and "asked by phone" in _cells(timeline, 2)
            await _press(app, pilot, "escape")

            await _press(app, pilot, "c")  # the contacts browser
            for ch in coldest.name.split()[-1].lower():
                await pilot.press(ch)
            await settle(app, pilot)
            names = _cells(app.screen.query_one("#contacts", RecordTable), 0)
            assert f"{DO_NOT_CONTACT_MARK}{coldest.name}" in names
            assert f"{DO_NOT_CONTACT_MARK}do not contact" in str(app.screen.query_one("#status").render())
            await _press(app, pilot, "escape")

            await _press(app, pilot, "f")  # the follow-ups view keeps them, flagged
            shown = _cells(app.screen.query_one("#followups", RecordTable), 3)
            assert f"{DO_NOT_CONTACT_MARK}{busy.contact}" in shown and busy.contact not in shown

    run(scenario())


def test_the_contact_form_marks_and_clears(demo: AppContext) -> None:
    from textual.widgets import Input

    from crmcli.core import contacts

    def mark(s: Any) -> tuple[bool, str | None]:
        ann = contacts.resolve(s, "1")
        return ann.do_not_contact_at is not None, ann.do_not_contact_reason

    async def edit(value: str | None, *, shows: str) -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_contact(app, pilot, 1)
            await _press(app, pilot, "E")
            assert app.screen.query_one("#do_not_contact", Input).value == shows  # as it is
            if value is not None:
                _fill(app, do_not_contact=value)
                await _press(app, pilot, "ctrl+s")
                assert app.screen.name == "contact"

    run(edit("asked by phone", shows=""))
    assert _core(demo, mark) == (True, "asked by phone")
    run(edit("yes", shows="asked by phone"))  # "yes": marked, without a reason
    assert _core(demo, mark) == (True, None)
    run(edit("", shows="yes"))
    assert _core(demo, mark) == (False, None)
