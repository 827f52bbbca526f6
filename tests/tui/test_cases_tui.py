"""Service cases in the TUI driven with Pilot: the dashboard panel, the cases view and a case's
screen, each action checked by what lands in the database (core/cases.py reads it back)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from crmcli.tui.widgets.tables import RecordTable
from tests.tui.conftest import settle
from tests.tui.test_app import run


def _case(context: AppContext, case_id: int) -> Any:
    from crmcli.core import cases

    with context.database.session() as session:
        case = cases.get(session, str(case_id))
        session.expunge(case)
        return case


def _cells(table: RecordTable, column: int) -> list[str]:
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


def _open_rows(context: AppContext, everything: bool = False) -> list[Any]:
    from crmcli.core import cases

    with context.database.connect() as conn:
        return cases.rows(conn, context.now(), statuses=cases.STATUSES if everything else cases.OPEN_STATUSES)


async def _type(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def _cases_view(app: Any, pilot: Any) -> RecordTable:
    await settle(app, pilot)
    await pilot.press("k")
    await settle(app, pilot)
    assert app.screen.name == "cases"
    return app.screen.query_one("#cases", RecordTable)


def _error_line(app: Any) -> str:
    from textual.widgets import Static

    return str(app.screen.query_one("#error", Static).render())


def _card(app: Any) -> str:
    """The case's card as text (a Rich group: facts side by side)."""
    import io

    from rich.console import Console

    console = Console(width=120, file=io.StringIO(), record=True)
    console.print(app.screen.query_one("#card").content)
    return console.export_text()


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def test_the_dashboard_lists_open_cases_breaches_first_and_enter_opens_one(demo: AppContext) -> None:
    expected = _open_rows(demo)
    assert [c.title for c in expected][:1] == ["Invoice 1043 charged twice"]  # the demo's breached urgent one
    assert "How to add a second user?" not in [c.title for c in expected]  # resolved: not open

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            panel = app.screen.query_one("#cases", RecordTable)
            assert _cells(panel, 3) == [f"#{c.id} {c.title}" for c in expected]
            assert _cells(panel, 2) == [c.contact_name for c in expected]
            assert _cells(panel, 0) == ["6 h late", "paused", "in 6 h"]  # the demo: breached, waiting, new
            assert panel.border_title == f"Open cases ({len(expected)}, 1 past a deadline)"
            panel.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen.name == "case" and app.screen.case_id == expected[0].id
            card = _card(app)
            assert "Invoice 1043 charged twice" in card and "due 2026-11-25 04:30, 6 h late (breached)" in card

    run(scenario())


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    from crmcli.context import open_context

    monkeypatch.setenv("CRMCLI_NOW", "2026-11-25T10:30:00Z")
    context = open_context(str(tmp_path / "empty.db"))
    yield context
    context.close()


def test_with_no_open_case_the_panel_says_so(empty: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(empty, watch_seconds=3600)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            panel = app.screen.query_one("#cases", RecordTable)
            assert panel.border_title == "Open cases (none)" and _cells(panel, 3) == ["no open case"]
            panel.focus()
            await pilot.press("enter")  # the empty state's row opens nothing
            await settle(app, pilot)
            assert app.screen.name == "dashboard"

    run(scenario())


def test_the_cases_view_lists_open_cases_and_t_shows_every_case(demo: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            table = await _cases_view(app, pilot)
            assert _cells(table, 4) == [c.title for c in _open_rows(demo)]
            assert _cells(table, 2) == ["resolve 6 h late (breached)", "paused while waiting", "reply in 6 h"]
            assert table.border_title == f"Open cases ({len(_open_rows(demo))})"
            await pilot.press("t")
            await settle(app, pilot)
            every = _open_rows(demo, everything=True)
            assert _cells(table, 4) == [c.title for c in every] and "How to add a second user?" in _cells(table, 4)
            assert table.border_title == f"All cases ({len(every)})"
            await pilot.press("t")
            await settle(app, pilot)
            assert "How to add a second user?" not in _cells(table, 4)

    run(scenario())


def test_status_note_assign_close_and_reopen_land_in_the_database(demo: AppContext) -> None:
    from crmcli.core import cases

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            table = await _cases_view(app, pilot)
            first = int(table.selected_key().split(":")[1])
            await pilot.press("s")
            await _type(pilot, "waiting")
            await pilot.press("enter")
            await settle(app, pilot)
            assert _case(demo, first).status == "waiting"
            assert f"case #{first}" in _notes(app)[-1]

            await pilot.press("n")
            await _type(pilot, "Asked for the bank statement")
            await pilot.press("enter")
            await settle(app, pilot)
            with demo.database.connect() as conn:
                detail = cases.detail(conn, first, demo.now())
            assert "Asked for the bank statement" in [i.body for i in detail.interactions]

            await pilot.press("o")
            await _type(pilot, "sam")
            await pilot.press("enter")
            await settle(app, pilot)
            assert _case(demo, first).owner == "sam"

            table.move_cursor(row=table.get_row_index(f"case:{first}"))
            await pilot.press("x")
            await settle(app, pilot)
            assert _case(demo, first).status == "closed"
            assert f"case:{first}" not in table.rows  # the open list no longer has it

            await pilot.press("t")
            await settle(app, pilot)
            table.move_cursor(row=table.get_row_index(f"case:{first}"))
            await pilot.press("u")
            await settle(app, pilot)
            assert _case(demo, first).status in cases.OPEN_STATUSES

    run(scenario())


@pytest.mark.parametrize(("key", "typed", "inline"), [
    ("s", "done", "done"),        # not a status: the core's message names the word
    ("n", " ", None),             # an empty note: the core's message
])
def test_a_bad_answer_is_said_in_the_prompt_and_changes_nothing(demo: AppContext, key: str, typed: str,
                                                                inline: str | None) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            table = await _cases_view(app, pilot)
            chosen = int(table.selected_key().split(":")[1])
            before = _case(demo, chosen)
            await pilot.press(key)
            await settle(app, pilot)
            modal = app.screen
            await _type(pilot, typed)
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen is modal and _error_line(app)
            if inline is not None:
                assert inline in _error_line(app)
            await pilot.press("escape")
            await settle(app, pilot)
            after = _case(demo, chosen)
            assert (after.status, after.owner, after.version) == (before.status, before.owner, before.version)

    run(scenario())


def test_a_change_the_core_refuses_is_said_and_nothing_changes(demo: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            table = await _cases_view(app, pilot)
            chosen = int(table.selected_key().split(":")[1])
            before = _case(demo, chosen)
            await pilot.press("u")  # reopen a case that is open
            await settle(app, pilot)
            assert any(f"#{chosen}" in n for n in _notes(app))
            assert _case(demo, chosen).version == before.version

    run(scenario())


def test_a_case_added_from_the_cases_view_with_the_cores_checks(demo: AppContext) -> None:
    from crmcli.core import cases

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _cases_view(app, pilot)
            await pilot.press("a")
            await settle(app, pilot)
            assert app.screen.name == "form"
            form = app.screen
            form.query_one("#contact").value = "#7"
            form.query_one("#title").value = "Parcel arrived damaged"
            form.query_one("#kind").value = "complaint"
            form.query_one("#priority").value = "critical"
            await settle(app, pilot)
            assert "critical" in _error_line(app)  # the core's word on a priority it does not know
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is form  # nothing saved
            with demo.database.connect() as conn:
                assert "Parcel arrived damaged" not in [c.title for c in cases.rows(conn, demo.now())]
            form.query_one("#priority").value = "high"
            form.query_one("#deal").value = "#3"
            form.query_one("#owner").value = "sam"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen.name == "cases"
            with demo.database.connect() as conn:
                added = [c for c in cases.rows(conn, demo.now()) if c.title == "Parcel arrived damaged"]
            assert [(c.contact_id, c.kind, c.priority, c.status, c.deal_id, c.owner) for c in added] == \
                [(7, "complaint", "high", "new", 3, "sam")]
            assert "Parcel arrived damaged" in _cells(app.screen.query_one("#cases", RecordTable), 4)

    run(scenario())


def test_an_unknown_contact_in_the_form_is_said_there(demo: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _cases_view(app, pilot)
            await pilot.press("a")
            await settle(app, pilot)
            form = app.screen
            form.query_one("#contact").value = "nobody-by-this-name"
            form.query_one("#title").value = "Lost parcel"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is form and "nobody-by-this-name" in _error_line(app)

    run(scenario())


def test_edit_changes_what_was_edited(demo: AppContext) -> None:
    async def edit(app: Any, pilot: Any, **values: str) -> None:
        await pilot.press("e")
        await settle(app, pilot)
        for field, value in values.items():
            app.screen.query_one(f"#{field}").value = value
        await pilot.press("ctrl+s")
        await settle(app, pilot)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            table = await _cases_view(app, pilot)
            chosen = int(table.selected_key().split(":")[1])
            before = _case(demo, chosen)
            await edit(app, pilot, priority="low")
            after = _case(demo, chosen)
            assert (after.priority, after.title, after.kind, after.deal_id) == ("low", before.title, before.kind, None)
            assert after.resolve_due_at > before.resolve_due_at  # a lower priority: the deadlines set again, later

            await edit(app, pilot, deal="#3")
            assert _case(demo, chosen).deal_id == 3
            await edit(app, pilot, deal="#99999")  # no such deal: said in the form, nothing saved
            assert app.screen.name == "form" and "99999" in _error_line(app)
            await pilot.press("escape")
            await settle(app, pilot)
            assert _case(demo, chosen).deal_id == 3
            await edit(app, pilot, deal="")  # emptied: the case is about no deal any more
            assert _case(demo, chosen).deal_id is None and _case(demo, chosen).priority == "low"

    run(scenario())


def test_C_on_a_contact_opens_a_case_for_them(demo: AppContext) -> None:
    from crmcli.core import cases

    async def scenario() -> None:
        from crmcli.tui.screens.contact import ContactScreen

        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            app.push_screen(ContactScreen(9))
            await settle(app, pilot)
            await pilot.press("C")
            await settle(app, pilot)
            assert app.screen.name == "form" and app.screen.query_one("#contact").value
            await _type(pilot, "Wants a copy of the contract")
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen.name == "contact"
            with demo.database.connect() as conn:
                mine = cases.rows(conn, demo.now(), contact_id=9)
            assert [(c.title, c.kind, c.priority) for c in mine] == [("Wants a copy of the contract", "request",
                                                                     "normal")]  # left empty: the core's defaults

    run(scenario())


def test_a_case_closed_by_another_process_leaves_the_view_within_the_watch_interval(demo: AppContext) -> None:
    from crmcli.context import open_context
    from crmcli.core import cases

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=0.1)
        async with app.run_test(size=(120, 40)) as pilot:
            table = await _cases_view(app, pilot)
            assert "case:1" in table.rows
            other = open_context(str(demo.database.path))  # its own engine: another connection, as `crm` is
            try:
                with other.database.session(write=True) as session:
                    cases.close(session, cases.get(session, "1"), now=other.now(), policy=cases.policy(other.settings))
            finally:
                other.close()
            for _ in range(30):
                await pilot.pause(0.1)
                await app.workers.wait_for_complete()
                if "case:1" not in table.rows:
                    break
            assert "case:1" not in table.rows

    run(scenario())


def test_acceptance_a_case_on_the_dashboard_and_the_timeline_closed_in_the_tui(demo: AppContext, ok: Any) -> None:
    """The issue's acceptance: the TUI shows the case on the dashboard and on the contact's
    timeline; closing it from the TUI is seen by `crm cases show`."""
    async def scenario() -> None:
        from crmcli.tui.screens.contact import ContactScreen

        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            panel = app.screen.query_one("#cases", RecordTable)
            assert "case:1" in panel.rows
            contact = _case(demo, 1).contact_id
            app.push_screen(ContactScreen(contact))
            await settle(app, pilot)
            card = str(app.screen.query_one("#card").content)
            assert "open cases   #1 Invoice 1043 charged twice (urgent, open, late)" in card
            timeline = app.screen.query_one("#timeline", RecordTable)
            lines = [" ".join(str(c) for c in timeline.get_row_at(i)) for i in range(timeline.row_count)]
            assert any("Invoice 1043 charged twice" in line for line in lines)
            row = next(i for i, line in enumerate(lines) if "Invoice 1043 charged twice" in line)
            timeline.move_cursor(row=row)
            await pilot.press("enter")  # a case's entry opens the case
            await settle(app, pilot)
            assert app.screen.name == "case" and app.screen.case_id == 1
            await pilot.press("x")
            await settle(app, pilot)
            assert "closed" in _card(app)

    run(scenario())
    shown = ok("--db", str(demo.database.path), "cases", "show", "1").stdout
    assert "closed" in shown


def _add_cases(context: AppContext, count: int, priority: str = "low") -> None:
    from crmcli.core import cases, contacts

    with context.database.session(write=True) as session:
        someone = contacts.resolve(session, "#5")
        for n in range(count):
            cases.add(session, someone, f"Question {n}", kind="question", priority=priority, now=context.now(),
                      policy=cases.policy(context.settings))


def test_the_panel_lists_the_most_pressing_twenty_and_counts_them_all(demo: AppContext) -> None:
    from crmcli.tui.panels import CASES

    _add_cases(demo, 25)
    every = _open_rows(demo)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            panel = app.screen.query_one("#cases", RecordTable)
            assert panel.row_count == CASES == 20
            assert _cells(panel, 3) == [f"#{c.id} {c.title}" for c in every[:CASES]]  # the urgent one first
            assert panel.border_title == f"Open cases (20 of {len(every)}, 1 past a deadline)"

    run(scenario())


def test_f7_opens_the_cases_view_from_anywhere_and_esc_goes_back(demo: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("f")
            await settle(app, pilot)
            await pilot.press("f7")
            await settle(app, pilot)
            assert app.screen.name == "cases" and [s.name for s in app.screen_stack[1:]] == ["dashboard", "cases"]
            await pilot.press("question_mark")
            await settle(app, pilot)
            keys = app.screen.query_one("#keys")
            assert "Open/all" in [str(keys.get_row_at(i)[1]) for i in range(keys.row_count)]
            await pilot.press("escape", "escape")
            await settle(app, pilot)
            assert app.screen.name == "dashboard"

    run(scenario())


def test_a_note_added_by_another_process_shows_on_the_open_case(demo: AppContext) -> None:
    from crmcli.context import open_context
    from crmcli.core import cases

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=0.1)
        async with app.run_test(size=(120, 40)) as pilot:
            await _cases_view(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            entries = app.screen.query_one("#entries", RecordTable)
            before = entries.row_count
            other = open_context(str(demo.database.path))
            try:
                with other.database.session(write=True) as session:
                    cases.note(session, cases.get(session, "1"), "Bank confirmed the refund", now=other.now())
            finally:
                other.close()
            for _ in range(30):
                await pilot.pause(0.1)
                await app.workers.wait_for_complete()
                if entries.row_count > before:
                    break
            assert "Bank confirmed the refund" in _cells(entries, 2)

    run(scenario())


@pytest.mark.parametrize("case_id", [1, 4])  # with a note on it, and with nothing on it yet
def test_enter_on_a_case_opens_its_contact(demo: AppContext, case_id: int) -> None:
    async def scenario() -> None:
        from crmcli.tui.screens.cases import CaseScreen

        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            app.push_screen(CaseScreen(case_id))
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen.name == "contact" and app.screen.contact_id == _case(demo, case_id).contact_id

    run(scenario())


def test_crm_cases_close_in_another_process_leaves_the_view_on_postgresql(pg_url: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The team database: the demo's cases on PostgreSQL, and `crm cases close 1` run as a real
    process, seen by the open cases view within about two seconds."""
    import os
    import time

    from crmcli.context import open_context
    from crmcli.core import clock, sample
    from tests.conftest import run_crm
    from tests.tui.conftest import NOW

    monkeypatch.setenv("CRMCLI_NOW", NOW)
    context = open_context(pg_url)
    with context.database.connect(write=True) as conn:
        sample.generate(conn, sample.DEMO, now=clock.utc_now())

    async def scenario() -> None:
        app = create_app(context, watch_seconds=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            table = await _cases_view(app, pilot)
            assert _cells(table, 4) == [c.title for c in _open_rows(context)] and "case:1" in table.rows
            done = run_crm("--db", pg_url, "cases", "close", "1", env=dict(os.environ, CRMCLI_NOW=NOW))
            assert done.returncode == 0, done.stderr
            written = time.monotonic()
            while "case:1" in table.rows and time.monotonic() - written < 2.5:
                await pilot.pause(0.05)
            assert "case:1" not in table.rows, "not gone within 2.5 s"
            assert _case(context, 1).status == "closed"
            # the demo's ids were taken by hand: the sequence was moved past them, so a new case is #5
            added = run_crm("--db", pg_url, "cases", "add", "1", "After the demo", "-q",
                            env=dict(os.environ, CRMCLI_NOW=NOW))
            assert added.returncode == 0 and added.stdout.strip() == "5", (added.stdout, added.stderr)

    try:
        run(scenario())
    finally:
        context.close()
