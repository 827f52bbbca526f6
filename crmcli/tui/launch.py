"""`crm tui` from an opened database to the running app. The dashboard's panels start reading
before textual is imported: the database work overlaps the UI's start instead of following it."""

from __future__ import annotations

from crmcli.context import AppContext


def run(context: AppContext, *, headless: bool = False) -> None:
    from crmcli.storage.changes import ChangeWatch
    from crmcli.tui.panels import prefetch

    watch = ChangeWatch(context.database)  # its baseline before the first reads: a write meanwhile reloads
    panels = prefetch(context)
    from crmcli.tui.app import create_app

    create_app(context, watch=watch, panels=panels).run(headless=headless)
