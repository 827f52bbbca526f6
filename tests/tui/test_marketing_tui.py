"""Segments and campaigns in the TUI driven with Pilot: the view (m, F8), the contacts browser
filtered by a segment, the forms and a campaign's screen, each action checked by what lands in the
database (read back through core/segments.py and core/campaigns.py). The demo has two segments
(VIP clients: tagged client and vip; Prospects gone quiet) and the campaign Winter offer to the
first, five members of whom three responded and one bounced."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from crmcli.tui.widgets.tables import RecordTable
from tests.tui.conftest import settle
from tests.tui.test_app import run


def _cells(table: RecordTable, column: int) -> list[str]:
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _error_line(app: Any) -> str:
    from textual.widgets import Static

    return str(app.screen.query_one("#error", Static).render())


async def _type(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def _marketing(app: Any, pilot: Any) -> tuple[RecordTable, RecordTable]:
    await settle(app, pilot)
    await pilot.press("m")
    await settle(app, pilot)
    assert app.screen.name == "marketing"
    return app.screen.query_one("#segments", RecordTable), app.screen.query_one("#campaigns", RecordTable)


def _segments(context: AppContext) -> dict[str, Any]:
    """Every segment by name: its definition as stored and its contacts now (the core's count)."""
    from crmcli.core import segments

    with context.database.connect() as conn:
        return {r.name: r for r in segments.rows(conn, now=context.now()).records()}


def _campaign(context: AppContext, name: str) -> Any:
    from crmcli.core import campaigns

    with context.database.session() as session:
        found = campaigns.get(session, name)
        session.expunge(found)
        return found


def _members(context: AppContext, name: str) -> dict[int, Any]:
    from crmcli.core import campaigns

    with context.database.session() as session:
        campaign = campaigns.get(session, name)
        return {m[0]: m for m in campaigns.members(session.connection(), campaign).records()}


def _select(table: RecordTable, key: str) -> None:
    table.focus()
    table.move_cursor(row=table.get_row_index(key))


@pytest.fixture(params=["sqlite", "postgres"])
def demo_db(request: pytest.FixtureRequest, demo: AppContext) -> Iterator[tuple[AppContext, str]]:
    """The demo on SQLite (the `demo` fixture's file), or the same data on a PostgreSQL database."""
    if request.param == "sqlite":
        yield demo, str(demo.database.path)
        return
    from crmcli.context import open_context
    from crmcli.core import clock, sample

    url = request.getfixturevalue("pg_url")
    context = open_context(url)
    with context.database.connect(write=True) as conn:
        sample.generate(conn, sample.DEMO, now=clock.utc_now())
    yield context, url
    context.close()


def test_a_segment_defined_in_the_cli_gives_the_same_contacts_in_the_tuis_browser(demo_db, ok) -> None:  # type: ignore[no-untyped-def]
    """The issue's acceptance: `crm contacts list --segment` and the TUI's filtered browser agree,
    opened from the segments view and picked in the browser (`s`), on both backends."""
    demo, db = demo_db
    ok("--db", db, "segments", "add", "Quiet clients", "--any-tag", "client", "--any-tag", "vip",
       "--last-contact-before", "30 days ago", "--field", "source=referral")
    cli = sorted(f"contact:{i}" for i in ok("--db", db, "contacts", "list", "--segment", "Quiet clients",
                                            "-q").stdout.split())
    every = ok("--db", db, "contacts", "list", "-q").stdout.split()
    assert 0 < len(cli) < len(every)  # a real narrowing, not everyone nor no one
    segment_id = _segments(demo)["Quiet clients"].id

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            segments, _ = await _marketing(app, pilot)
            _select(segments, f"segment:{segment_id}")
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen.name == "contacts"
            table = app.screen.query_one("#contacts", RecordTable)
            assert sorted(str(k.value) for k in table.rows) == cli
            assert "with segment Quiet clients" in str(app.screen.query_one("#status").render())
            await pilot.press("escape")  # back to the view it was opened from
            await settle(app, pilot)
            assert app.screen.name == "marketing"

            await pilot.press("f2")  # the browser on its own: the segment picked from a list
            await settle(app, pilot)
            table = app.screen.query_one("#contacts", RecordTable)
            assert table.row_count == 200  # unfiltered: a page
            await pilot.press("tab", "s")
            await settle(app, pilot)
            assert app.screen.name == "picker"
            choices = app.screen.query_one("#choices", RecordTable)
            assert _cells(choices, 0) == ["Prospects gone quiet", "Quiet clients", "VIP clients"]
            await _type(pilot, "quiet cl")
            await settle(app, pilot)
            assert _cells(choices, 0) == ["Quiet clients"] and _cells(choices, 1) == [str(len(cli))]
            await pilot.press("enter")
            await settle(app, pilot)
            assert sorted(str(k.value) for k in table.rows) == cli

    run(scenario())


def test_the_view_lists_segments_in_words_with_their_counts_and_campaigns_with_their_report(demo: AppContext) -> None:
    expected = _segments(demo)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            table, campaigns = await _marketing(app, pilot)
            assert _cells(table, 0) == ["Prospects gone quiet", "VIP clients"]
            assert _cells(table, 2) == [expected[n].conditions for n in _cells(table, 0)]
            assert _cells(table, 2)[1] == "tagged client and vip; do-not-contact left out"
            assert _cells(table, 1) == [str(expected[n].contacts) for n in _cells(table, 0)]
            assert table.border_title == "Segments (2)"
            # Winter offer: five members, two replied, one came to a meeting, one bounced: 3 of 5 responded.
            assert [str(c) for c in campaigns.get_row_at(0)] == ["Winter offer", "email", "running", "5", "3",
                                                                 "60 %", ""]
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "dashboard"
            await pilot.press("f8")  # anywhere
            await settle(app, pilot)
            assert app.screen.name == "marketing"

    run(scenario())


def test_a_segment_added_edited_and_deleted_through_the_form_with_the_cores_checks(demo: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            table, _ = await _marketing(app, pilot)
            await pilot.press("a")
            await settle(app, pilot)
            assert app.screen.name == "form"
            form = app.screen
            form.query_one("#name").value = "Referred VIPs"
            form.query_one("#tags").value = "vip, two words"
            await settle(app, pilot)
            assert "invalid tag 'two words'" in _error_line(app)  # the core's message, as typed
            form.query_one("#tags").value = "vip"
            form.query_one("#last_contact_before").value = "someday"
            await settle(app, pilot)
            assert "someday" in _error_line(app)
            form.query_one("#last_contact_before").value = ""
            form.query_one("#org").value = "No Such Org Ltd"  # only the database knows: refused on saving
            await settle(app, pilot)
            assert _error_line(app) == ""
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is form and "No Such Org Ltd" in _error_line(app)
            assert "Referred VIPs" not in _segments(demo)
            form.query_one("#org").value = ""
            form.query_one("#fields").value = "source=referral"
            form.query_one("#cadence_overdue").value = "maybe"
            await settle(app, pilot)
            assert "yes or no" in _error_line(app)
            form.query_one("#cadence_overdue").value = ""
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen.name == "marketing"
            added = _segments(demo)["Referred VIPs"]
            assert json.loads(added.definition) == {"tags": ["vip"], "fields": {"source": "referral"}}
            assert f"added segment #{added.id} Referred VIPs: {added.contacts} contacts now" in _notes(app)[-1]
            assert f"segment:{added.id}" in table.rows

            _select(table, f"segment:{added.id}")
            await pilot.press("e")
            await settle(app, pilot)
            form = app.screen
            assert form.query_one("#tags").value == "vip" and form.query_one("#fields").value == "source=referral"
            form.query_one("#name").value = "vip clients"  # another segment's name, in other letters
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is form and "already has that name" in _error_line(app)
            form.query_one("#name").value = "Referred clients"
            form.query_one("#tags").value = "client"
            form.query_one("#include_do_not_contact").value = "yes"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            edited = _segments(demo)["Referred clients"]
            assert edited.id == added.id and json.loads(edited.definition) == {
                "tags": ["client"], "fields": {"source": "referral"}, "include_do_not_contact": True}

            await pilot.press("d")
            await settle(app, pilot)
            assert app.screen.name == "confirm"
            await pilot.press("n")
            await settle(app, pilot)
            assert "Referred clients" in _segments(demo)
            await pilot.press("d")
            await settle(app, pilot)
            await pilot.press("y")
            await settle(app, pilot)
            assert "Referred clients" not in _segments(demo) and f"segment:{added.id}" not in table.rows

    run(scenario())


@pytest.mark.parametrize(("field", "typed", "said"), [
    ("channel", "fax", "unknown campaign channel 'fax'"),
    ("cost", "lots EUR", "lots"),
    ("start", "later", "yes or no"),
])
def test_a_bad_campaign_field_is_said_as_typed_and_nothing_is_saved(demo: AppContext, field: str, typed: str,
                                                                     said: str) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            _, campaigns = await _marketing(app, pilot)
            campaigns.focus()
            await pilot.press("a")
            await settle(app, pilot)
            form = app.screen
            form.query_one("#name").value = "Autumn calls"
            form.query_one(f"#{field}").value = typed
            await settle(app, pilot)
            assert said in _error_line(app)
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is form
            await pilot.press("escape")
            await settle(app, pilot)
            assert campaigns.row_count == 1  # still only Winter offer

    run(scenario())


def test_a_campaign_added_from_a_segment_starts_with_its_contacts_and_can_be_deleted(demo: AppContext) -> None:
    quiet = _segments(demo)["Prospects gone quiet"]

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            _, campaigns = await _marketing(app, pilot)
            await pilot.press("tab")  # to the campaigns
            await settle(app, pilot)
            await pilot.press("a")
            await settle(app, pilot)
            form = app.screen
            form.query_one("#name").value = "Autumn calls"
            form.query_one("#segment").value = "no such segment"
            form.query_one("#channel").value = "call"
            form.query_one("#cost").value = "250 EUR"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is form and "no such segment" in _error_line(app)  # the core's NotFound
            form.query_one("#segment").value = "gone quiet"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen.name == "marketing"
            added = _campaign(demo, "Autumn calls")
            assert (added.channel, added.cost_minor, added.cost_currency, added.segment_id) == \
                ("call", 25_000, "EUR", quiet.id)
            assert added.started_at is not None and len(_members(demo, "Autumn calls")) == quiet.contacts
            assert f"started with {quiet.contacts} members" in _notes(app)[-1]

            _select(campaigns, f"campaign:{added.id}")
            await pilot.press("d")
            await settle(app, pilot)
            assert app.screen.name == "confirm"
            await pilot.press("y")
            await settle(app, pilot)
            assert f"campaign:{added.id}" not in campaigns.rows
            with pytest.raises(Exception, match="no campaign"):
                _campaign(demo, "Autumn calls")

    run(scenario())


def test_on_a_campaigns_screen_responses_and_members_land_in_the_database(demo: AppContext) -> None:
    from crmcli.core import campaigns as core

    before = _members(demo, "Winter offer")
    quiet = sorted(cid for cid, m in before.items() if not m.responses)
    assert quiet  # a member who has not answered yet

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            _, campaigns = await _marketing(app, pilot)
            _select(campaigns, "campaign:1")
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen.name == "campaign"
            members = app.screen.query_one("#members", RecordTable)
            assert sorted(int(str(k.value).split(":")[1]) for k in members.rows) == sorted(before)
            assert members.border_title == "Members (5)"

            _select(members, f"contact:{quiet[0]}")
            await pilot.press("r")
            await settle(app, pilot)
            await _type(pilot, "maybe")
            await pilot.press("enter")
            await settle(app, pilot)
            assert "unknown response 'maybe'" in _error_line(app)  # the prompt stays, nothing recorded
            await pilot.press("escape")
            await settle(app, pilot)
            assert not _members(demo, "Winter offer")[quiet[0]].responses

            await pilot.press("r")
            await settle(app, pilot)
            await _type(pilot, "unsubscribed")
            await pilot.press("enter")
            await settle(app, pilot)
            after = _members(demo, "Winter offer")[quiet[0]]
            assert after.responses == "unsubscribed" and after.do_not_contact
            with demo.database.session() as session:
                from crmcli.core import contacts

                person = contacts.resolve(session, str(quiet[0]))
                assert person.do_not_contact_reason == "unsubscribed from campaign Winter offer"
            assert "now marked do not contact" in _notes(app)[-1]
            assert str(members.get_row(f"contact:{quiet[0]}")[1]) == "unsubscribed"

            outsider = next(i for i in range(1, 300) if i not in before)
            await pilot.press("m")
            await settle(app, pilot)
            await _type(pilot, f"#{outsider}")
            await pilot.press("enter")
            await settle(app, pilot)
            added = _members(demo, "Winter offer")[outsider]
            assert added.by_hand and f"contact:{outsider}" in members.rows and members.border_title == "Members (6)"

            await pilot.press("s")  # started already: the core says so, nothing changes
            await settle(app, pilot)
            assert "started already" in _notes(app)[-1]

    run(scenario())
    with demo.database.connect() as conn:
        [figures] = core.report(conn, [1])
    assert (figures.members, figures.responses["unsubscribed"], figures.responders) == (6, 1, 3)


def test_a_draft_campaign_started_from_its_screen_freezes_its_segments_contacts(demo: AppContext) -> None:
    from crmcli.core import campaigns, segments

    with demo.database.session(write=True) as session:
        draft = campaigns.add(session, "Letters", segment=segments.get(session, "VIP clients"), channel="letter",
                              now=demo.now(), start=False)
        draft_id = draft.id
    expected = _segments(demo)["VIP clients"].contacts

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            _, table = await _marketing(app, pilot)
            assert "draft" in _cells(table, 2)
            _select(table, f"campaign:{draft_id}")
            await pilot.press("enter")
            await settle(app, pilot)
            members = app.screen.query_one("#members", RecordTable)
            assert members.row_count == 0 and "s starts it" in members.border_title
            await pilot.press("r")  # no member to answer for
            await settle(app, pilot)
            assert _notes(app)[-1] == "select a member first"
            await pilot.press("s")
            await settle(app, pilot)
            assert members.row_count == expected and f"{expected} members from its segment" in _notes(app)[-1]

    run(scenario())
    assert _campaign(demo, "Letters").started_at is not None and len(_members(demo, "Letters")) == expected


def test_a_campaign_edited_from_its_screen_its_segment_only_while_a_draft(demo: AppContext) -> None:
    from crmcli.core import campaigns, segments

    with demo.database.session(write=True) as session:
        draft_id = campaigns.add(session, "Letters", segment=segments.get(session, "VIP clients"), channel="letter",
                                 now=demo.now(), start=False).id
    quiet = _segments(demo)["Prospects gone quiet"].id

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            _, table = await _marketing(app, pilot)
            _select(table, f"campaign:{draft_id}")
            await pilot.press("enter")
            await settle(app, pilot)
            await pilot.press("e")
            await settle(app, pilot)
            form = app.screen
            assert form.query_one("#segment").value == "VIP clients" and form.query_one("#channel").value == "letter"
            form.query_one("#segment").value = "gone quiet"
            form.query_one("#cost").value = "1.200,50 EUR"
            form.query_one("#note").value = "Printed by Acme"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen.name == "campaign" and _notes(app)[-1] == f"updated campaign #{draft_id} Letters"
            edited = _campaign(demo, "Letters")
            assert (edited.segment_id, edited.cost_minor, edited.note, edited.channel) == \
                (quiet, 120_050, "Printed by Acme", "letter")

            await pilot.press("escape")
            await settle(app, pilot)
            _select(table, "campaign:1")  # Winter offer has started: its members are frozen, no segment to change
            await pilot.press("e")
            await settle(app, pilot)
            assert not app.screen.query("#segment") and app.screen.query_one("#name").value == "Winter offer"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert _notes(app)[-1] == "campaign #1 Winter offer: nothing changed"

    run(scenario())


@pytest.fixture
def empty(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from crmcli.context import open_context

    monkeypatch.setenv("CRMCLI_NOW", "2026-11-25T10:30:00Z")
    context = open_context(str(tmp_path / "empty.db"))
    yield context
    context.close()


def test_with_nothing_saved_the_view_says_how_to_add_and_the_actions_say_what_is_missing(empty: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(empty, watch_seconds=3600)
        async with app.run_test(size=(80, 24)) as pilot:
            segments, campaigns = await _marketing(app, pilot)
            assert _cells(segments, 2) == ["no segment yet: a adds one"]
            assert _cells(campaigns, 0) == ["no campaign yet: a adds one"]
            for key, said in (("e", "no segment selected"), ("d", "no segment selected"),
                              ("enter", None), ("s", "no campaign selected")):
                await pilot.press(key)
                await settle(app, pilot)
                assert app.screen.name == "marketing"
                if said is not None:
                    assert _notes(app)[-1] == said

    run(scenario())


def test_a_segments_edit_form_keeps_its_organisation_when_it_is_left_as_it_was(demo: AppContext, ok) -> None:  # type: ignore[no-untyped-def]
    """The form shows the organisation's name; left alone it means that organisation (its id), and
    the other conditions are kept as they were."""
    ok("--db", str(demo.database.path), "segments", "add", "Vertex people", "--org", "Vertex Design Ltd",
       "--last-contact-after", "1 year ago", "--won-above", "1000 EUR")
    before = _segments(demo)["Vertex people"]

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            table, _ = await _marketing(app, pilot)
            _select(table, f"segment:{before.id}")
            await pilot.press("e")
            await settle(app, pilot)
            form = app.screen
            assert (form.query_one("#org").value, form.query_one("#won_above").value,
                    form.query_one("#last_contact_after").value) == ("Vertex Design Ltd", "1000.00 EUR", "1 year ago")
            form.query_one("#description").value = "Everyone at Vertex"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen.name == "marketing", _error_line(app) if app.screen.name == "form" else ""

    run(scenario())
    after = _segments(demo)["Vertex people"]
    assert json.loads(after.definition) == json.loads(before.definition) and after.description == "Everyone at Vertex"


def test_a_members_timeline_shows_the_campaign_and_enter_opens_it(demo: AppContext) -> None:
    member = min(_members(demo, "Winter offer"))

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            _, campaigns = await _marketing(app, pilot)
            _select(campaigns, "campaign:1")
            await pilot.press("enter")
            await settle(app, pilot)
            _select(app.screen.query_one("#members", RecordTable), f"contact:{member}")
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen.name == "contact" and app.screen.contact_id == member
            timeline = app.screen.query_one("#timeline", RecordTable)
            texts = _cells(timeline, 2)
            joined = texts.index("added to campaign Winter offer")
            timeline.focus()
            timeline.move_cursor(row=joined)
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen.name == "campaign" and app.screen.campaign_id == 1

    run(scenario())
