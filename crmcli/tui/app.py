"""The app factory: one `CrmApp` for `crm tui` and for the tests, built on the same application
context as the CLI (settings, database, clock), so a test pins the clock and the database.

Every read and write runs in a worker thread through a core service; the UI thread only draws.
Another process's writes show within ~2 s: the app polls storage.changes (PRAGMA data_version on
SQLite) and asks the current screen to reload, keeping what the user is typing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from textual.app import App, SystemCommand
from textual.screen import Screen

from crmcli.context import AppContext
from crmcli.tui import keymap, theme

if TYPE_CHECKING:
    from crmcli.storage.changes import ChangeWatch
    from crmcli.tui.panels import Prefetched

WATCH_SECONDS = 2.0


class CrmApp(App[None]):
    TITLE = "crm"
    CSS_PATH = "app.tcss"
    BINDINGS = keymap.app_bindings()
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, context: AppContext, *, watch_seconds: float = WATCH_SECONDS,
                 watch: ChangeWatch | None = None, panels: Prefetched | None = None) -> None:
        super().__init__()
        self.context = context
        self._watch_seconds = watch_seconds
        self._watch = watch
        self._prefetched = panels
        self._started_theme = self.theme

    def take_prefetched(self) -> Prefetched | None:
        """The dashboard's panels read at launch, once: every later reload reads afresh."""
        panels, self._prefetched = self._prefetched, None
        return panels

    def on_mount(self) -> None:
        from crmcli.storage.changes import ChangeWatch
        from crmcli.tui.screens.dashboard import DashboardScreen

        if self._watch is None:
            self._watch = ChangeWatch(self.context.database)
        theme.apply_setting(self)
        self._started_theme = self.theme  # saved at exit if the user picks another
        self.push_screen(DashboardScreen())
        self.set_interval(self._watch_seconds, self.check_changes)

    def check_changes(self) -> None:
        """Reload the screen in view when the database moved (our own writes included); the screens
        under it read again when they are back on top (CrmScreen.on_screen_resume)."""
        if self._watch is not None and self._watch.changed():
            for screen in self.screen_stack[:-1]:
                if hasattr(screen, "stale"):
                    screen.stale = True
            self.reload_screen()

    def reload_screen(self) -> None:
        reload = getattr(self.screen, "action_reload", None)
        if reload is not None:
            reload()

    def action_go(self, name: str) -> None:
        """Switch to a top-level screen, keeping the dashboard underneath."""
        from crmcli.tui.screens.cases import CasesScreen
        from crmcli.tui.screens.contacts import ContactsScreen
        from crmcli.tui.screens.followups import FollowUpsScreen
        from crmcli.tui.screens.marketing import MarketingScreen
        from crmcli.tui.screens.orgs import OrgsScreen
        from crmcli.tui.screens.pipeline import PipelineScreen
        from crmcli.tui.screens.search import SearchScreen

        screens = {"contacts": ContactsScreen, "pipeline": PipelineScreen, "followups": FollowUpsScreen,
                   "search": SearchScreen, "orgs": OrgsScreen, "cases": CasesScreen,
                   "marketing": MarketingScreen}
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if name == "dashboard":
            if len(self.screen_stack) > 1 and getattr(self.screen, "name", None) != "dashboard":
                self.pop_screen()
        elif name in screens and getattr(self.screen, "name", None) != name:
            if getattr(self.screen, "name", None) != "dashboard":
                self.pop_screen()
            self.push_screen(screens[name]())

    # Quick actions (screens/forms.py), on the contact selected in the screen in view; never over a
    # modal (a form or a question is answered first).
    QUICK = frozenset({"log", "add_follow_up", "add_contact", "edit_contact", "add_deal", "delete_contact",
                       "add_case"})

    def _quick(self, name: str) -> None:
        from crmcli.tui.screens import forms
        from crmcli.tui.screens.base import CrmScreen

        if isinstance(self.screen, CrmScreen):
            getattr(forms, name)(self.screen)

    def action_log(self) -> None:
        self._quick("log")

    def action_add_follow_up(self) -> None:
        self._quick("add_follow_up")

    def action_add_contact(self) -> None:
        self._quick("add_contact")

    def action_edit_contact(self) -> None:
        self._quick("edit_contact")

    def action_add_deal(self) -> None:
        self._quick("add_deal")

    def action_delete_contact(self) -> None:
        self._quick("delete_contact")

    def action_add_case(self) -> None:
        self._quick("add_case")

    def action_help(self) -> None:
        from crmcli.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(getattr(self.screen, "name", None) or "dashboard"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:  # type: ignore[type-arg]
        """The palette reaches every screen and every key's action by name, from the keymap."""
        yield from super().get_system_commands(screen)
        for key in keymap.GLOBAL:
            if key.action.startswith("go("):
                target = key.action[4:-2]
                yield SystemCommand(key.description, f"Open the {key.description.lower()} screen",
                                    lambda t=target: self.action_go(t))
            elif key.action in self.QUICK:
                yield SystemCommand(key.description, f"{key.description} ({keymap.shown(key.keys)})",
                                    lambda name=key.action: self._quick(name))
        yield SystemCommand("Keys", "List every key of this screen", self.action_help)
        for key in keymap.SCREENS.get(getattr(screen, "name", None) or "", ()):
            if key.action.startswith("app."):
                continue
            method = getattr(screen, f"action_{key.action}", None)
            if method is not None:
                yield SystemCommand(key.description, f"{key.description} ({keymap.shown(key.keys)})", method)

    def on_unmount(self) -> None:
        theme.save_choice(self, self._started_theme)
        if self._watch is not None:
            self._watch.close()


def create_app(context: AppContext, *, watch_seconds: float = WATCH_SECONDS, watch: ChangeWatch | None = None,
               panels: Prefetched | None = None) -> CrmApp:
    return CrmApp(context, watch_seconds=watch_seconds, watch=watch, panels=panels)
