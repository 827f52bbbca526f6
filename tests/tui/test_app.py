"""The TUI driven with Pilot: each action checked by what lands in the database."""

from __future__ import annotations

import sqlite3

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from crmcli.tui.widgets.tables import RecordTable
from tests.tui.conftest import note_from_another_process, settle

def run(coro):  # type: ignore[no-untyped-def]
    """Pilot scenarios run in a fresh event loop each (no pytest-asyncio needed)."""
    import asyncio

    return asyncio.run(coro)


def _cells(table: RecordTable, column: int) -> list[str]:
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


def test_dashboard_shows_what_is_due_the_pipeline_and_recent_activity(demo: AppContext) -> None:
    from crmcli.core import agenda

    async def scenario() -> None:
        app = create_app(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            tables = {t.id: t for t in app.screen.query(RecordTable)}
            with demo.database.connect() as conn:
                expected = agenda.agenda(conn, demo.local_now(), cadences=False).items
                cold = agenda.agenda(conn, demo.local_now()).keep_in_touch
            assert len(expected) > 3 and all(i.follow_up_id is not None for i in expected)
            assert cold and not {c.contact for c in cold} & set(_cells(tables["agenda"], 1))  # in the cold panel only
            assert _cells(tables["agenda"], 1) == [i.contact for i in expected]
            assert _cells(tables["agenda"], 0)[0] == f"{expected[0].days}d late"  # overdue ones first, oldest first
            assert tables["agenda"].border_title == f"Due today and overdue ({len(expected)})"
            assert tables["pipeline"].row_count > 3 and tables["recent"].row_count == 30
            assert _cells(tables["pipeline"], 1)[:2] == ["EUR", "USD"]

    run(scenario())


def test_the_forecast_panel_shows_crm_forecast_for_this_month_and_the_next(demo: AppContext, ok) -> None:  # type: ignore[no-untyped-def]
    table = ok("--db", str(demo.database.path), "forecast", "--months", "2").stdout.splitlines()[1:]
    cli = [tuple(line.split()[:7]) for line in table]  # period, currency, deals, value, code, weighted, code
    closing = [(period, code, deals, value, weighted) for period, code, deals, value, _, weighted, _ in cli
               if deals != "0"]
    empty = sorted({c[0] for c in cli} - {c[0] for c in closing})
    assert closing and empty == ["2026-11"]  # the demo: deals past their close date, none this month, some next

    async def scenario() -> None:
        app = create_app(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            panel = app.screen.query_one("#forecast", RecordTable)
            shown = [tuple(str(c) for c in panel.get_row_at(i)) for i in range(panel.row_count)]
            assert [r for r in shown if r[2] != "0"] == closing
            assert [(r[0], r[3]) for r in shown if r[2] == "0"] == [("2026-11", "none closing")]
            assert [r[0] for r in shown] == sorted([r[0] for r in shown], key=lambda p: (p != "overdue", p))

    run(scenario())


def test_enter_on_each_dashboard_panel_opens_the_view_behind_it(demo: AppContext) -> None:
    from crmcli.core import agenda, followups, interactions

    async def scenario() -> None:
        app = create_app(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            with demo.database.session() as session:
                first = agenda.agenda(session.connection(), demo.local_now()).items[0]
                assert followups.get(session, first.follow_up_id).contact_id == first.contact_id
                newest = next(iter(interactions.rows(session.connection(), limit=1).records()))
            cold = str(app.screen.query_one("#cold", RecordTable).get_row_at(0)[0])
            expected = {"agenda": ("contact", first.contact_id), "cold": ("contact", cold),
                        "recent": ("contact", newest.contacts.split("; ")[0]),
                        "pipeline": ("pipeline", None), "forecast": ("pipeline", None)}
            for panel, (screen, who) in expected.items():
                app.screen.query_one(f"#{panel}", RecordTable).focus()
                await pilot.press("enter")
                await settle(app, pilot)
                assert app.screen.name == screen, panel
                if isinstance(who, int):
                    assert app.screen.contact_id == who  # type: ignore[attr-defined]
                elif who is not None:
                    with demo.database.session() as session:
                        from crmcli.core import contacts

                        assert contacts.resolve(session, str(app.screen.contact_id)).name == who  # type: ignore[attr-defined]
                await pilot.press("escape")
                await settle(app, pilot)
                assert app.screen.name == "dashboard", panel

    run(scenario())


def test_contacts_search_narrows_as_you_type_ignoring_accents(demo: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("c")
            await settle(app, pilot)
            table = app.screen.query_one("#contacts", RecordTable)
            assert table.row_count == 200  # a page: the status line says how many there are
            assert "200+ of 300 contacts" in str(app.screen.query_one("#status").render())
            await pilot.press("z", "o", "e")
            await settle(app, pilot)
            names = _cells(table, 0)
            assert names and len(names) < 300
            assert all("zoë" in n.lower() or "zoe" in n.lower() for n in names), names
            assert "of 300 contacts" in str(app.screen.query_one("#status").render())

    run(scenario())


def _open_first_contact(app, pilot):  # type: ignore[no-untyped-def]
    """From the dashboard to the contacts list, then the first contact (tab: from the search box to the list)."""

    async def go() -> None:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("tab", "enter")
        await settle(app, pilot)
    return go()


def test_enter_opens_the_contact_with_its_whole_timeline(demo: AppContext) -> None:
    from crmcli.core import timeline

    async def scenario() -> None:
        app = create_app(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_first_contact(app, pilot)
            screen = app.screen
            assert screen.name == "contact"
            with demo.database.connect() as conn:
                entries = list(timeline.rows(conn, screen.contact_id).rows)  # type: ignore[attr-defined]
            shown = screen.query_one("#timeline", RecordTable)
            assert shown.row_count == len(entries) > 0
            assert str(shown.get_row_at(0)[2]).startswith(str(entries[0][7]).splitlines()[0][:20])
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "contacts"

    run(scenario())


def test_a_call_logged_in_the_tui_is_on_the_timeline(demo: AppContext) -> None:
    from crmcli.core import timeline

    async def scenario() -> None:
        app = create_app(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_first_contact(app, pilot)
            contact_id = app.screen.contact_id  # type: ignore[attr-defined]
            await pilot.press("L")
            await settle(app, pilot)
            await pilot.press("tab")  # kind stays the default (call)
            for ch in "Called from the TUI":
                await pilot.press(ch if ch != " " else "space")
            await pilot.press("tab")
            for ch in "yesterday":
                await pilot.press(ch)
            await pilot.press("tab")
            for ch in "fri: send it":
                await pilot.press(ch if ch != " " else "space")
            await pilot.press("enter", "enter", "enter")  # past the empty campaign and response: saved
            await settle(app, pilot)
            with demo.database.connect() as conn:
                newest = [r for r in timeline.rows(conn, contact_id).rows if r[7] == "Called from the TUI"]
                follow_ups = [r for r in timeline.rows(conn, contact_id, kinds=["follow-up"]).rows
                              if r[7] == "send it"]
            assert len(newest) == 1 and newest[0][4] == "call" and newest[0][3].startswith("2026-11-24T12:00")
            assert len(follow_ups) == 1 and follow_ups[0][3].startswith("2026-11-27")
            assert any("Called from the TUI" in str(c) for c in _cells(app.screen.query_one("#timeline", RecordTable), 2))

    run(scenario())


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("at", "the day after never", "cannot read the date"),
    ("at", "in 2 years", "in the future"),
    ("kind", "fax", "unknown kind 'fax'"),
    ("follow_up", "no colon here", "WHEN: WHAT"),
    ("response", "replied", "name the campaign too"),
    ("campaign", "Autumn gala", "no campaign"),
])
def test_bad_input_in_the_log_form_shows_inline_and_saves_nothing(demo: AppContext, field: str, typed: str,
                                                                  message: str) -> None:
    path = demo.database.path

    def count() -> int:
        con = sqlite3.connect(path)  # type: ignore[arg-type]
        try:
            return int(con.execute("SELECT count(*) FROM interaction").fetchone()[0])
        finally:
            con.close()

    async def scenario() -> None:
        from textual.widgets import Input, Static

        app = create_app(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_first_contact(app, pilot)
            before = count()
            await pilot.press("L")
            await settle(app, pilot)
            modal = app.screen
            modal.query_one("#text", Input).value = "Some text"
            modal.query_one(f"#{field}", Input).value = typed
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is modal  # still open
            assert message.lower() in str(modal.query_one("#error", Static).render()).lower()
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "contact" and count() == before

    run(scenario())


def test_a_reply_logged_for_a_campaign_in_the_tui_records_the_response(demo: AppContext) -> None:
    """The log form's campaign field does what `crm log --campaign` does: the interaction belongs to
    the campaign and each contact's response (replied, by default) is recorded."""
    with demo.database.connect() as conn:
        member = conn.exec_driver_sql(
            "SELECT contact_id FROM campaign_member WHERE campaign_id = 1 AND contact_id NOT IN "
            "(SELECT contact_id FROM campaign_response) ORDER BY contact_id LIMIT 1").scalar_one()
        name = conn.exec_driver_sql("SELECT name FROM campaign WHERE id = 1").scalar_one()

    async def scenario() -> None:
        from textual.widgets import Input

        app = create_app(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_first_contact(app, pilot)
            await pilot.press("L")
            await settle(app, pilot)
            modal = app.screen
            modal.query_one("#with", Input).value = f"#{member}"
            modal.query_one("#text", Input).value = "Yes please, send the offer"
            modal.query_one("#campaign", Input).value = name.lower()
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is not modal

    run(scenario())
    with demo.database.connect() as conn:
        logged, campaign = conn.exec_driver_sql(
            "SELECT id, campaign_id FROM interaction WHERE body = 'Yes please, send the offer'").one()
        responses = conn.exec_driver_sql(
            f"SELECT contact_id, kind, interaction_id FROM campaign_response WHERE contact_id = {member}").all()
    assert campaign == 1 and [tuple(r) for r in responses] == [(member, "replied", logged)]


def test_done_and_snooze_from_the_dashboard(demo: AppContext) -> None:
    from crmcli.core import followups

    async def scenario() -> None:
        from textual.widgets import Static

        app = create_app(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            agenda = app.screen.query_one("#agenda", RecordTable)
            agenda.focus()
            first = int(agenda.selected_key().split(":")[1])  # type: ignore[union-attr]
            await pilot.press("x")
            await settle(app, pilot)
            with demo.database.session() as session:
                assert followups.get(session, first).done_at is not None
            second = int(agenda.selected_key().split(":")[1])  # type: ignore[union-attr]
            assert second != first
            with demo.database.session() as session:
                before = followups.get(session, second).due_at
            await pilot.press("s")
            await settle(app, pilot)
            for ch in "yesterday":
                await pilot.press(ch)
            await pilot.press("enter")  # a snooze into the past is refused when saving
            await settle(app, pilot)
            assert app.screen.name == "dashboard"
            with demo.database.session() as session:
                assert followups.get(session, second).due_at == before
            await pilot.press("s")
            await settle(app, pilot)
            for ch in "zzz":
                await pilot.press(ch)
            assert "cannot read" in str(app.screen.query_one("#error", Static).render())
            await pilot.press("backspace", "backspace", "backspace", "3", "d", "enter")
            await settle(app, pilot)
            with demo.database.session() as session:
                after = followups.get(session, second).due_at
            assert after > before

    run(scenario())


def test_another_process_writing_shows_within_the_watch_interval(demo: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=0.1)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            recent = app.screen.query_one("#recent", RecordTable)
            note_from_another_process(demo, "Written elsewhere")
            for _ in range(20):
                await pilot.pause(0.1)
                await app.workers.wait_for_complete()
                if "Written elsewhere" in str(recent.get_row_at(0)[3]):
                    break
            assert "Written elsewhere" in str(recent.get_row_at(0)[3])

    run(scenario())


def test_help_lists_every_key_of_the_screen_from_the_keymap(demo: AppContext) -> None:
    from crmcli.tui import keymap

    async def scenario() -> None:
        from textual.widgets import DataTable

        app = create_app(demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("question_mark")
            await settle(app, pilot)
            table = app.screen.query_one("#keys", DataTable)
            described = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
            for key in (*keymap.SCREENS["dashboard"], *keymap.GLOBAL):
                assert key.description in described
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "dashboard"
            await pilot.press("ctrl+q")
        assert app.return_code in (0, None)

    run(scenario())


def _typed(pilot, text):  # type: ignore[no-untyped-def]
    async def go() -> None:
        for ch in text:
            await pilot.press(ch if ch != " " else "space")
    return go()


def test_contacts_narrow_by_tag_and_organisation_as_contacts_list_does(demo: AppContext, ok) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Static

    def listed(*options: str) -> list[str]:
        out = ok("--db", str(demo.database.path), "contacts", "list", *options, "-q").stdout.split()
        return sorted(f"contact:{i}" for i in out)

    async def scenario() -> None:
        app = create_app(demo)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("c")
            await settle(app, pilot)
            table = app.screen.query_one("#contacts", RecordTable)
            status = app.screen.query_one("#status", Static)

            def keys() -> list[str]:
                return sorted(str(k.value) for k in table.rows)

            await pilot.press("tab", "t")  # from the search box to the list, then the tag picker
            await settle(app, pilot)
            assert app.screen.name == "picker"
            choices = app.screen.query_one("#choices", RecordTable)
            assert [str(c) for c in choices.get_row_at(0)] == ["client", "35"]  # tags by name, with counts
            await _typed(pilot, "vi")
            await settle(app, pilot)
            assert _cells(choices, 0) == ["vip"]
            await pilot.press("enter")
            await settle(app, pilot)
            vip = listed("--tag", "vip")
            assert app.screen.name == "contacts" and keys() == vip and len(vip) == 33
            assert "with tag vip" in str(status.render())

            await pilot.press("u")
            await settle(app, pilot)
            assert table.row_count == 200 and "tag" not in str(status.render())

            await pilot.press("g")
            await settle(app, pilot)
            await _typed(pilot, "vertex design")
            await settle(app, pilot)
            choices = app.screen.query_one("#choices", RecordTable)
            assert _cells(choices, 0) == ["Vertex Design Ltd"] and _cells(choices, 1) == ["9"]
            await pilot.press("enter")
            await settle(app, pilot)
            assert keys() == listed("--org", "Vertex Design Ltd") and table.row_count == 9
            assert "with organisation Vertex Design Ltd" in str(status.render())

            await pilot.press("t")
            await settle(app, pilot)
            await pilot.press("down", "enter")  # the second tag in name order, with the organisation kept
            await settle(app, pilot)
            assert keys() == listed("--org", "Vertex Design Ltd", "--tag", "conference-2025")
            assert "with tag conference-2025, organisation Vertex Design Ltd" in str(status.render())

            await pilot.press("g")
            await settle(app, pilot)
            await _typed(pilot, "no such organisation")
            await settle(app, pilot)
            assert "no organisation matches" in str(app.screen.query_one("#note", Static).render())
            await pilot.press("enter", "escape")  # nothing to pick; cancelled: the filters stay
            await settle(app, pilot)
            assert app.screen.name == "contacts"
            assert keys() == listed("--org", "Vertex Design Ltd", "--tag", "conference-2025")

    run(scenario())


def test_a_screen_under_another_reads_again_when_it_is_back_on_top(demo: AppContext) -> None:
    """Another process wrote while the contacts screen was on top: back on the dashboard, its recent
    activity has the new note (the watch reloads the screen in view; the ones under it go stale)."""
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=0.1)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("c")
            await settle(app, pilot)
            note_from_another_process(demo, "Written while you looked elsewhere")
            for _ in range(20):  # the watch sees it and reloads the contacts screen
                await pilot.pause(0.1)
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "dashboard"
            recent = app.screen.query_one("#recent", RecordTable)
            for _ in range(20):
                if "Written while you looked elsewhere" in str(recent.get_row_at(0)[3]):
                    break
                await pilot.pause(0.1)
                await app.workers.wait_for_complete()
            assert "Written while you looked elsewhere" in str(recent.get_row_at(0)[3])

    run(scenario())
