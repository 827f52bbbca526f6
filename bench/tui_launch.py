"""`crm tui` from launch to the dashboard's data painted, then exit: the candidate of the TUI
start-up figure. The same path as `crm --db DB tui` (the database opened, then `tui.launch.run`),
run headless. Once the dashboard has drawn what the last of its first-paint panels brought it writes
`painted` on stdout, where bench/tui.py stops its clock (the interpreter's exit is not the user's
wait); the panels read after the start (panels.LATE: the customer figures) then come in, and once
they are drawn it writes `complete` (timed apart, informational) and exits.
The dashboard is patched when it is first imported, so textual is imported where `crm tui`
imports it, not earlier.

    python bench/tui_launch.py DB
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from types import ModuleType
from typing import Any

DASHBOARD = "crmcli.tui.screens.dashboard"


def painted(app: Any) -> None:
    os.write(1, b"painted\n")  # the fd itself: textual holds sys.stdout while it runs


def complete(app: Any) -> None:
    os.write(1, b"complete\n")
    app.exit()


def exit_once_painted(dashboard: ModuleType) -> None:
    from crmcli.tui.panels import LATE

    shown = dashboard.DashboardScreen._show
    said: list[str] = []

    def show_then_exit(self: Any, name: str, panel: Any) -> None:
        shown(self, name, panel)
        if not (self.waiting - LATE) and not said:  # the first paint's panels have their data
            said.append("painted")
            self.app.call_after_refresh(painted, self.app)
        if not self.waiting:  # and the late ones: say so once that is painted, and exit
            self.app.call_after_refresh(complete, self.app)

    dashboard.DashboardScreen._show = show_then_exit


class PatchDashboard(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != DASHBOARD:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        self.real = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec: Any) -> Any:
        return self.real.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.real.exec_module(module)
        exit_once_painted(module)


def main(db: str) -> None:
    from crmcli.context import open_context
    from crmcli.tui import launch

    sys.meta_path.insert(0, PatchDashboard())
    launch.run(open_context(db), headless=True)


if __name__ == "__main__":
    main(sys.argv[1])
