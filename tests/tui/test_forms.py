"""The quick actions' forms and the follow-up edit, driven with Pilot: what each saves is checked in
the database through the core, and bad input shows the core's own message in the form and saves nothing."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

import pytest

from crmcli.context import AppContext
from crmcli.core.clock import local_zone
from crmcli.errors import CrmError, NotFound
from crmcli.tui.app import create_app
from crmcli.tui.widgets.tables import RecordTable
from tests.tui.conftest import settle
from tests.tui.test_app import run


def _count(demo: AppContext, table: str) -> int:
    con = sqlite3.connect(demo.database.path)  # type: ignore[arg-type]
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        con.close()


def _counts(demo: AppContext) -> dict[str, int]:
    return {t: _count(demo, t) for t in ("contact", "contact_email", "interaction", "follow_up", "deal")}


async def _press(app: Any, pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
    await settle(app, pilot)


async def _type(app: Any, pilot: Any, text: str) -> None:
    """Typed key by key into the focused input: the form checks on every keystroke."""
    for ch in text:
        await pilot.press("space" if ch == " " else ch)
    await settle(app, pilot)


def _fill(app: Any, **values: str) -> None:
    from textual.widgets import Input

    for field, value in values.items():
        app.screen.query_one(f"#{field}", Input).value = value


def _error(app: Any) -> str:
    from textual.widgets import Static

    return str(app.screen.query_one("#error", Static).render())


async def _open_contact(app: Any, pilot: Any, contact_id: int) -> None:
    from crmcli.tui.screens.contact import ContactScreen

    await settle(app, pilot)
    await app.push_screen(ContactScreen(contact_id))
    await settle(app, pilot)


def _core(demo: AppContext, work: Any) -> Any:
    with demo.database.session() as session:
        return work(session)


def test_a_contact_added_in_the_tui_is_in_the_database(demo: AppContext) -> None:
    from crmcli.core import contacts

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await _press(app, pilot, "A")
            assert app.screen.name == "form" and app.screen.focused.id == "name"
            await _type(app, pilot, "Zelda Quist")
            _fill(app, title="Buyer", org="Quist Imports", emails="work:Zelda@Quist.example", tags="new, vip",
                  cadence="monthly")
            await _press(app, pilot, "ctrl+s")
            assert app.screen.name == "dashboard"
            assert any("added contact" in str(n.message) and "Zelda Quist" in str(n.message)
                       and "created organisation" in str(n.message) for n in app._notifications)
        card = _core(demo, lambda s: contacts.card(s, contacts.resolve(s, "zelda@quist.example")))
        assert (card["name"], card["title"], card["org"], card["tags"], card["cadence_days"]) == \
            ("Zelda Quist", "Buyer", "Quist Imports", ["new", "vip"], 30)
        assert card["emails"] == [{"address": "zelda@quist.example", "label": "work"}]

    run(scenario())


def test_a_bad_email_shows_the_cores_message_and_saves_nothing(demo: AppContext) -> None:
    from crmcli.core import validate

    with pytest.raises(CrmError) as refused:
        validate.email("zelda@")
    before = _counts(demo)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await _press(app, pilot, "A")
            form = app.screen
            await _type(app, pilot, "Zelda")
            assert _error(app) == ""
            await _press(app, pilot, "tab", "tab", "tab")  # to the emails
            await _type(app, pilot, "zelda@")
            assert _error(app) == str(refused.value)  # as typed, before any save
            await _press(app, pilot, "ctrl+s")
            assert app.screen is form and _error(app) == str(refused.value)
            await _press(app, pilot, "escape")
            assert app.screen.name == "dashboard"

    run(scenario())
    assert _counts(demo) == before


def test_an_email_another_contact_has_is_refused_in_the_form(demo: AppContext) -> None:
    from crmcli.core import contacts

    taken = _core(demo, lambda s: contacts.primary_email(s, contacts.resolve(s, "1")))
    before = _counts(demo)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await _press(app, pilot, "A")
            form = app.screen
            _fill(app, name="Zelda", emails=taken)
            await _press(app, pilot, "ctrl+s")
            assert app.screen is form and f"the email {taken} already belongs to #1" in _error(app)

    run(scenario())
    assert _counts(demo) == before


def test_an_edit_changes_just_what_was_edited(demo: AppContext) -> None:
    from crmcli.core import contact_form, contacts

    before = _core(demo, lambda s: contact_form.of(s, contacts.resolve(s, "1")))

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_contact(app, pilot, 1)
            await _press(app, pilot, "E")
            assert app.screen.name == "form"
            from textual.widgets import Input

            assert app.screen.query_one("#emails", Input).value == ", ".join(before.emails)  # starts as it is
            _fill(app, title="Head of Buying", emails=", ".join((*before.emails, "extra@home.example")))
            await _press(app, pilot, "ctrl+s")
            assert app.screen.name == "contact"
            assert "Head of Buying" in str(app.screen.query_one("#card").render())  # read again

    run(scenario())
    after = _core(demo, lambda s: contact_form.of(s, contacts.resolve(s, "1")))
    assert after == contact_form.Editable(**{**before.__dict__, "title": "Head of Buying",
                                             "emails": (*before.emails, "extra@home.example")})


@pytest.mark.parametrize("key", ["E", "D"])
def test_edit_and_delete_need_a_selected_contact(demo: AppContext, key: str) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            # past the open cases and the cold contacts to the pipeline panel: a stage is no contact
            await _press(app, pilot, "tab", "tab", "tab")
            assert app.screen.focused.id == "pipeline"
            await _press(app, pilot, key)
            assert app.screen.name == "dashboard"
            assert any("select a contact first" in str(n.message) for n in app._notifications)

    run(scenario())


def test_a_deal_added_gets_the_cores_defaults(demo: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.core import contacts, deals

    monkeypatch.setenv("CRMCLI_CURRENCY", "GBP")
    monkeypatch.setenv("CRMCLI_LOCALE", "de_DE")
    org_id = _core(demo, lambda s: contacts.resolve(s, "1").org_id)
    assert org_id is not None

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_contact(app, pilot, 1)
            await _press(app, pilot, "N")
            assert app.screen.focused.id == "name"
            await _type(app, pilot, "Retainer")
            _fill(app, value="12.000", close="2027-01-31")
            await _press(app, pilot, "ctrl+s")
            assert app.screen.name == "contact"

    run(scenario())
    with demo.database.connect() as conn:
        found = [dict(zip(deals.DEAL_COLUMNS, r)) for r in deals.rows(conn, demo.settings.stages,
                                                                       deals.DealFilter(status=None)).rows
                 if r[2] == "Retainer"]
    assert len(found) == 1
    deal = found[0]
    assert (deal["value_minor"], deal["currency"], deal["stage"], deal["org_id"], deal["close"]) == \
        (1_200_000, "GBP", demo.settings.stages.open[0].name, org_id, "2027-01-31")
    assert deal["contacts"] == _core(demo, lambda s: contacts.resolve(s, "1").name)


@pytest.mark.parametrize(("values", "message"), [
    ({"value": "10", "currency": ""}, "which currency?"),  # none given, and no default one set
    ({"value": "1.5", "currency": "JPY"}, "JPY has no decimals"),
    ({"stage": "closing"}, "unknown stage 'closing'"),
    ({"close": "someday"}, "cannot read"),
    ({"with": "an"}, "'an' matches several contacts: #104 Amara Romano"),
])
def test_a_deal_form_with_bad_input_says_why_and_adds_nothing(demo: AppContext, values: dict[str, str],
                                                             message: str) -> None:
    before = _counts(demo)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await _press(app, pilot, "N")
            form = app.screen
            _fill(app, **{"name": "Retainer", "currency": "EUR", **values})
            await _press(app, pilot, "ctrl+s")
            assert app.screen is form and message in _error(app)

    run(scenario())
    assert _counts(demo) == before


def test_a_follow_up_added_for_fri_9am_is_due_then(demo: AppContext) -> None:
    from crmcli.core import followups

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_contact(app, pilot, 1)
            await _press(app, pilot, "F")
            assert app.screen.focused.id == "title"
            await _type(app, pilot, "Send the quote")
            _fill(app, due="fri 9am")
            await _press(app, pilot, "ctrl+s")
            assert app.screen.name == "contact"
            assert any("due 2026-11-27 09:00" in str(n.message) for n in app._notifications)

    run(scenario())
    with demo.database.connect() as conn:
        window = followups.Window.around(demo.local_now())
        mine = [r for r in followups.rows(conn, window, contact_id=1).rows if r[7] == "Send the quote"]
    assert len(mine) == 1
    due = datetime.fromisoformat(mine[0][2].replace("Z", "+00:00"))
    assert due == datetime(2026, 11, 27, 9, 0, tzinfo=local_zone()) and mine[0][3] is False  # the Friday, timed


def test_a_follow_up_form_names_the_contact_when_none_is_selected(demo: AppContext) -> None:
    before = _counts(demo)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await _press(app, pilot, "tab", "tab", "tab", "F")  # past cases and cold contacts to the pipeline: nobody selected
            assert app.screen.focused.id == "contact"
            _fill(app, contact="lee", title="Call back")
            await _press(app, pilot, "ctrl+s")
            assert "'lee' matches several contacts: #93 Bob Lee" in _error(app)
            _fill(app, contact="bob lee")
            await _press(app, pilot, "ctrl+s")
            assert app.screen.name == "dashboard"
            assert any("added follow-up" in str(n.message) and "Bob Lee" in str(n.message)
                       for n in app._notifications)

    run(scenario())
    assert _count(demo, "follow_up") == before["follow_up"] + 1


def test_a_call_logged_with_two_contacts_from_anywhere(demo: AppContext) -> None:
    from crmcli.core import timeline

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await _press(app, pilot, "tab", "tab", "tab", "L")  # the pipeline panel: nobody selected
            assert app.screen.focused.id == "with"
            _fill(app, **{"with": "bob lee, #1", "text": "Met them both", "kind": "meeting"})
            await _press(app, pilot, "ctrl+s")
            assert app.screen.name == "dashboard"

    run(scenario())
    with demo.database.connect() as conn:
        for contact_id in (93, 1):
            assert [r[4] for r in timeline.rows(conn, contact_id).rows if r[7] == "Met them both"] == ["meeting"]


def test_a_delete_refused_keeps_the_contact_and_one_confirmed_removes_it_with_its_rows(demo: AppContext) -> None:
    from crmcli.core import contacts

    impact = _core(demo, lambda s: contacts.impact(s, contacts.resolve(s, "15")))
    assert impact.interactions and impact.follow_ups and impact.deals  # something goes, a deal stays
    before = _counts(demo)

    async def scenario() -> None:
        from textual.widgets import Static

        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await _press(app, pilot, "c")
            await _open_contact(app, pilot, 15)
            await _press(app, pilot, "D")
            assert app.screen.name == "confirm"
            assert impact.describe() in " ".join(str(s.render()) for s in app.screen.query(Static)).replace("\n", " ")
            await _press(app, pilot, "n")
            assert app.screen.name == "contact" and _core(demo, lambda s: contacts.resolve(s, "15")) is not None
            assert _counts(demo) == before
            await _press(app, pilot, "D")
            await _press(app, pilot, "y")
            assert app.screen.name == "contacts"  # its own screen closed; the list read again
            assert "contact:15" not in app.screen.query_one("#contacts", RecordTable).rows

    run(scenario())
    with pytest.raises(NotFound):
        _core(demo, lambda s: contacts.resolve(s, "15"))
    after = _counts(demo)
    assert after["contact"] == before["contact"] - 1
    assert after["interaction"] == before["interaction"] - len(impact.interactions)
    assert after["follow_up"] == before["follow_up"] - impact.follow_ups
    assert after["contact_email"] == before["contact_email"] - impact.emails
    assert after["deal"] == before["deal"]  # the deal stays, without the contact


async def _to_follow_ups(app: Any, pilot: Any) -> int:
    await settle(app, pilot)
    await _press(app, pilot, "f")
    assert app.screen.name == "followups"
    return int(app.screen.query_one("#followups", RecordTable).selected_key().split(":")[1])


def test_a_follow_up_edited_in_the_view_changes_its_title_and_due(demo: AppContext) -> None:
    from crmcli.core import followups

    async def scenario() -> int:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            chosen = await _to_follow_ups(app, pilot)
            await _press(app, pilot, "e")
            assert app.screen.name == "form"
            _fill(app, title="Send the signed contract", due="next monday 9am")
            await _press(app, pilot, "ctrl+s")
            assert app.screen.name == "followups"
            return chosen

    chosen = run(scenario())
    item = _core(demo, lambda s: followups.get(s, chosen))
    assert item.title == "Send the signed contract"
    assert item.due_at.replace(tzinfo=local_zone()) == datetime(2026, 11, 30, 9, 0, tzinfo=local_zone())


@pytest.mark.parametrize(("values", "message"), [
    ({"due": "the day after never"}, "cannot read"),
    ({"title": "   "}, "a follow-up needs a title"),
])
def test_a_bad_follow_up_edit_says_why_and_changes_nothing(demo: AppContext, values: dict[str, str],
                                                          message: str) -> None:
    from crmcli.core import followups

    async def scenario() -> tuple[int, Any]:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            chosen = await _to_follow_ups(app, pilot)
            was = _core(demo, lambda s: (lambda i: (i.title, i.due_at))(followups.get(s, chosen)))
            await _press(app, pilot, "e")
            form = app.screen
            _fill(app, **values)
            await _press(app, pilot, "ctrl+s")
            assert app.screen is form and message in _error(app)
            return chosen, was

    chosen, was = run(scenario())
    assert _core(demo, lambda s: (lambda i: (i.title, i.due_at))(followups.get(s, chosen))) == was


def test_done_and_log_from_the_follow_ups_view_logs_and_completes(demo: AppContext) -> None:
    from crmcli.core import followups, timeline

    async def scenario() -> int:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            chosen = await _to_follow_ups(app, pilot)
            await _press(app, pilot, "l")
            await _type(app, pilot, "Sent it over")
            await _press(app, pilot, "enter")
            assert app.screen.name == "followups"
            assert f"follow-up:{chosen}" not in app.screen.query_one("#followups", RecordTable).rows
            return chosen

    chosen = run(scenario())
    item = _core(demo, lambda s: followups.get(s, chosen))
    assert item.done_at is not None
    with demo.database.connect() as conn:
        logged = [r for r in timeline.rows(conn, item.contact_id).rows if r[7] == "Sent it over"]
    assert len(logged) == 1 and logged[0][4] == demo.settings.default_kind


def test_a_duplicate_merged_on_the_contact_screen_moves_its_history_after_a_yes(demo: AppContext) -> None:
    from crmcli.core import contacts, merge, timeline

    keep, other = 15, 16
    plan = _core(demo, lambda s: merge.plan(s, contacts.resolve(s, str(keep)), contacts.resolve(s, str(other))))
    with demo.database.connect() as conn:
        entries = timeline.count(conn, keep) + timeline.count(conn, other)
    before = _counts(demo)

    async def scenario() -> None:
        from textual.widgets import Static

        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_contact(app, pilot, keep)
            await _press(app, pilot, "M")
            assert app.screen.name == "form" and app.screen.focused.id == "other"
            await _type(app, pilot, f"#{keep}")
            assert "cannot be merged into itself" in _error(app)
            _fill(app, other="no such person anywhere")
            await _press(app, pilot, "ctrl+s")
            assert "no contact" in _error(app).lower() and app.screen.name == "form"  # the database's word, inline
            _fill(app, other=f"#{other}")
            await _press(app, pilot, "ctrl+s")
            assert app.screen.name == "confirm"
            question = " ".join(str(s.render()) for s in app.screen.query(Static)).replace("\n", " ")
            assert plan.describe() in question
            await _press(app, pilot, "n")
            assert app.screen.name == "contact" and _counts(demo) == before  # no: nothing merged
            await _press(app, pilot, "M")
            _fill(app, other=f"#{other}")
            await _press(app, pilot, "ctrl+s", "y")
            assert app.screen.name == "contact"
            assert any(f"merged {plan.describe()}" in str(n.message) for n in app._notifications)

    run(scenario())
    with pytest.raises(NotFound):
        _core(demo, lambda s: contacts.resolve(s, str(other)))
    with demo.database.connect() as conn:
        assert timeline.count(conn, keep) <= entries and timeline.count(conn, keep) > 0
    assert _counts(demo)["contact"] == before["contact"] - 1
    assert _counts(demo)["interaction"] == before["interaction"]  # moved, not lost


def test_a_contact_changed_by_someone_else_meanwhile_is_not_overwritten_and_the_form_keeps_the_input(
        demo: AppContext) -> None:
    from textual.widgets import Input

    from crmcli.core import contacts
    from crmcli.storage.audit import Actor
    from crmcli.storage.database import Database

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_contact(app, pilot, 1)
            await _press(app, pilot, "E")
            _fill(app, title="Head of Buying")
            kim = Database.open(str(demo.database.path))  # another person, another process
            kim.actor = Actor(lambda: "kim", "crm contacts edit 1 --title 'Chief Buyer'")
            try:
                with kim.session(write=True) as s:
                    contacts.apply(s, contacts.resolve(s, "1"), contacts.ContactChanges(title="Chief Buyer"))
            finally:
                kim.dispose()
            await _press(app, pilot, "ctrl+s")
            assert app.screen.name == "form"  # still open
            assert "was changed by kim at " in _error(app) and "(title) after you read it" in _error(app)
            assert app.screen.query_one("#title", Input).value == "Head of Buying"  # what was typed stays

    run(scenario())
    assert _core(demo, lambda s: contacts.resolve(s, "1").title) == "Chief Buyer"


def test_the_contact_screens_history_tab_shows_who_changed_what(demo: AppContext) -> None:
    from crmcli.core import contacts
    from crmcli.storage.audit import Actor

    demo.database.actor = Actor(lambda: "kim", "crm contacts edit 1 --title 'Chief Buyer'")
    with demo.database.session(write=True) as s:
        ann = contacts.resolve(s, "1")
        was, name = ann.title, ann.name
        contacts.apply(s, ann, contacts.ContactChanges(title="Chief Buyer"))

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_contact(app, pilot, 1)
            await _press(app, pilot, "h")
            history = app.screen.query_one("#history", RecordTable)
            assert history.display and not app.screen.query_one("#timeline").display
            assert [str(c) for c in history.get_row_at(0)][1:] == ["kim", f"contact #1 {name}",
                                                                   "changed title", was or "", "Chief Buyer"]
            assert "History (" in str(history.border_title)
            await _press(app, pilot, "h")  # and back to the timeline
            assert app.screen.query_one("#timeline").display and not history.display

    run(scenario())

