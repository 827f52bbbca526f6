"""`crm tui` from launch to the dashboard's data painted, then exit: the candidate of the TUI
start-up figure. The same path as `crm --db DB tui` (settings, database, app factory), run
headless, leaving as soon as the dashboard has drawn what the last of its panels' workers brought.

    python bench/tui_launch.py DB
"""

from __future__ import annotations

import sys


def main(db: str) -> None:
    from crmcli.context import open_context
    from crmcli.tui.app import create_app
    from crmcli.tui.screens import dashboard

    shown = dashboard.DashboardScreen._show

    def show_then_exit(self: dashboard.DashboardScreen, name: str, panel: dashboard.Panel) -> None:
        shown(self, name, panel)
        if not self.waiting:  # every panel has its data: exit once that is painted
            self.app.call_after_refresh(self.app.exit)

    dashboard.DashboardScreen._show = show_then_exit  # type: ignore[method-assign]
    create_app(open_context(db)).run(headless=True)


if __name__ == "__main__":
    main(sys.argv[1])
