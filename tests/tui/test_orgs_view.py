"""Organisations driven with Pilot: the list narrows as you type, an organisation shows its people
and its deals from the demo data, and enter opens them."""

from __future__ import annotations

from typing import Any

import pytest

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from crmcli.tui.widgets.tables import RecordTable
from tests.tui.conftest import settle
from tests.tui.test_app import run


def _keys(table: RecordTable) -> list[str]:
    return [str(table.coordinate_to_cell_key((k, 0)).row_key.value) for k in range(table.row_count)]


def _status(app: Any) -> str:
    return str(app.screen.query_one("#status").render())


async def _orgs(app: Any, pilot: Any) -> RecordTable:
    await settle(app, pilot)
    await pilot.press("g")  # from the dashboard
    await settle(app, pilot)
    assert app.screen.name == "orgs"
    return app.screen.query_one("#orgs", RecordTable)


def test_the_list_narrows_as_you_type_with_people_and_open_deals(demo: AppContext) -> None:
    from crmcli.core import orgs

    with demo.database.connect() as conn:
        every, beacons = orgs.listing(conn), orgs.listing(conn, match="BEAC")
    assert 1 < len(beacons) < len(every) == 40

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            table = await _orgs(app, pilot)
            assert _keys(table) == [f"org:{o.id}" for o in every]
            assert _status(app) == "40 of 40 organisations"
            busy = next(k for k, o in enumerate(every) if len(o.open_value) > 1)  # two currencies, side by side
            assert str(table.get_row_at(busy)[3]) == ", ".join(v.display() for v in every[busy].open_value)
            for ch in "beac":
                await pilot.press(ch)
            await settle(app, pilot)
            assert _keys(table) == [f"org:{o.id}" for o in beacons]
            assert [str(table.get_row_at(k)[1]) for k in range(table.row_count)] == [str(o.people) for o in beacons]
            assert _status(app) == f"{len(beacons)} of 40 organisations"

    run(scenario())


def test_a_page_at_most_and_the_status_says_how_many_there_are(demo: AppContext,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.tui.screens import orgs as screen

    monkeypatch.setattr(screen, "PAGE", 10)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            table = await _orgs(app, pilot)
            assert table.row_count == 10
            assert _status(app) == "10+ of 40 organisations; type to narrow"

    run(scenario())


def test_an_organisation_lists_its_people_and_deals_and_enter_opens_them(demo: AppContext) -> None:
    from crmcli.core import orgs

    with demo.database.session() as session:
        seen = orgs.overview(session, orgs.resolve(session, "Beacon Labs"), demo.settings.stages)
    assert seen.people and len(seen.deals) > 1 and {d.status for d in seen.deals} >= {"open", "won"}

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(80, 24)) as pilot:
            table = await _orgs(app, pilot)
            for ch in "beacon labs":
                await pilot.press("space" if ch == " " else ch)
            await pilot.press("enter")  # from the box to the list
            await settle(app, pilot)
            assert _keys(table) == [f"org:{seen.id}"]
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen.name == "org" and app.screen.org_id == seen.id
            card = str(app.screen.query_one("#card").render())
            assert seen.name in card and f"deals {len(seen.deals)} ({seen.open_deals} open:" in card
            people, deals = app.screen.query_one("#people", RecordTable), app.screen.query_one("#deals", RecordTable)
            assert _keys(people) == [f"contact:{p.id}" for p in seen.people]
            assert _keys(deals) == [f"deal:{d.id}" for d in seen.deals]
            assert [str(deals.get_row_at(k)[1]) for k in range(deals.row_count)] == [d.stage for d in seen.deals]
            assert people.border_title == f"People ({len(seen.people)})"

            await pilot.press("down", "enter")  # the second person
            await settle(app, pilot)
            assert app.screen.name == "contact" and app.screen.contact_id == seen.people[1].id
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "org"

            await pilot.press("tab", "enter")  # the deals, the first
            await settle(app, pilot)
            assert app.screen.name == "deal" and app.screen.view.id == seen.deals[0].id
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "org"
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "orgs"
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "dashboard"

    run(scenario())


def test_an_organisation_renamed_elsewhere_shows_on_reload(demo: AppContext) -> None:
    from crmcli.core import orgs

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            table = await _orgs(app, pilot)
            await pilot.press("tab", "enter")
            await settle(app, pilot)
            first = app.screen.org_id
            with demo.database.session(write=True) as session:  # another process, as far as the app knows
                orgs.edit(session, orgs.resolve(session, str(first)), orgs.OrgChanges(name="Zzyzx Works"))
            app.check_changes()
            await settle(app, pilot)
            assert app.screen.sub_title == "Zzyzx Works" and "Zzyzx Works" in str(app.screen.query_one("#card").render())
            await pilot.press("escape")
            app.check_changes()
            await settle(app, pilot)
            assert _keys(table)[-1] == f"org:{first}"  # by name, now last

    run(scenario())
