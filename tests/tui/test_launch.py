"""`crm tui`'s launch path: the dashboard's panels read before the app starts, then painted from
what was read; a panel that failed is a notification; a write in between is not missed."""

from __future__ import annotations

import pytest

from crmcli.context import AppContext
from crmcli.errors import Invalid
from crmcli.storage.changes import ChangeWatch
from crmcli.tui import panels
from crmcli.tui.app import create_app
from crmcli.tui.widgets.tables import RecordTable
from tests.tui.conftest import note_from_another_process, settle
from tests.tui.test_app import run


def test_prefetched_panels_are_what_a_fresh_read_gives(demo: AppContext) -> None:
    read = panels.prefetch(demo)
    assert set(read) == set(panels.PANELS) - panels.LATE and panels.LATE == {"customers"}
    for name in read:
        assert read[name].result() == panels.PANELS[name][1](demo)


def test_a_panel_that_cannot_be_read_is_a_notification_and_the_others_paint(
        demo: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(context: AppContext) -> panels.Panel:
        raise Invalid("stages setting: 'lead:x' is not a probability")

    columns, _ = panels.PANELS["pipeline"]
    monkeypatch.setitem(panels.PANELS, "pipeline", (columns, broken))
    read = panels.prefetch(demo)
    assert isinstance(read["pipeline"].exception(), Invalid)

    async def scenario() -> None:
        app = create_app(demo, panels=read)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            shown = [str(n.message) for n in app._notifications]
            assert shown == ["stages setting: 'lead:x' is not a probability"]
            assert app.screen.query_one("#agenda", RecordTable).row_count > 3
            assert app.screen.query_one("#recent", RecordTable).row_count == 30

    run(scenario())


def test_a_write_between_the_first_read_and_the_app_start_shows(demo: AppContext) -> None:
    """The watch takes its baseline before the panels are read, as `launch.run` does: a write that
    lands after the read reloads the dashboard."""
    watch = ChangeWatch(demo.database)
    read = panels.prefetch(demo)
    note_from_another_process(demo, "Written meanwhile")

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=0.1, watch=watch, panels=read)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            recent = app.screen.query_one("#recent", RecordTable)
            for _ in range(20):
                if "Written meanwhile" in str(recent.get_row_at(0)[3]):
                    break
                await pilot.pause(0.1)
                await app.workers.wait_for_complete()
            assert "Written meanwhile" in str(recent.get_row_at(0)[3])

    run(scenario())


def test_launch_reads_the_panels_and_starts_the_app_with_the_collector_back_on(
        demo: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """`crm tui`'s path: the panels read and the watch set before the app runs; the garbage collector,
    held off while starting, is on again when the app runs, what start-up made frozen out of it."""
    import gc

    from crmcli.tui import launch
    from crmcli.tui.app import CrmApp

    seen: dict[str, object] = {}

    def started(app: CrmApp, *, headless: bool = False) -> None:
        seen.update(collector=gc.isenabled(), frozen=gc.get_freeze_count() > 0,
                    panels=sorted(app._prefetched or {}), watch=app._watch is not None)

    monkeypatch.setattr(CrmApp, "run", started)
    try:
        launch.run(demo)
    finally:
        gc.unfreeze()
    assert seen == {"collector": True, "frozen": True, "panels": sorted(set(panels.PANELS) - panels.LATE),
                    "watch": True}
