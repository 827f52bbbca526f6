"""`crm tui` from an opened database to the running app. The dashboard's panels are read before
textual is imported: the database work is done by the time the first frame is, and the app starts
without threads racing to import the same modules.

The cyclic garbage collector is held off while starting, as for every command (crmcli.startup):
start-up makes long-lived objects only (modules, classes, SQL statements, widgets) and each
collection walked them all again (~70 ms of a ~0.8 s start on the bench dataset). They are then
frozen out of later collections."""

from __future__ import annotations

from crmcli.context import AppContext
from crmcli.startup import pause_collector, resume_collector


def run(context: AppContext, *, headless: bool = False) -> None:
    pause_collector()  # again: opening the database resumed it, and textual is still to be imported
    try:
        from crmcli.storage.changes import ChangeWatch
        from crmcli.tui.panels import prefetch

        watch = ChangeWatch(context.database)  # its baseline before the first reads: a write meanwhile reloads
        panels = prefetch(context)
        from crmcli.tui.app import create_app

        app = create_app(context, watch=watch, panels=panels)
    finally:
        resume_collector()
    app.run(headless=headless)
