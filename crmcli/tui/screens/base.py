"""What every screen shares: its keys from the keymap, the context, and database work in workers."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from textual.screen import Screen

from crmcli.context import AppContext
from crmcli.errors import CrmError

T = TypeVar("T")


class CrmScreen(Screen[None]):
    @property
    def context(self) -> AppContext:
        return self.app.context  # type: ignore[attr-defined,no-any-return]

    def in_thread(self, work: Callable[[], T], done: Callable[[T], None], *, group: str = "load",
                  exclusive: bool = True) -> None:
        """Run `work` (core calls only) in a worker thread, then `done(result)` on the UI thread.
        A CrmError becomes a notification with its message, as the CLI prints it on stderr."""

        def run() -> None:
            try:
                result = work()
            except CrmError as err:
                self.app.call_from_thread(self.notify, str(err), severity="error", timeout=6)
                return
            self.app.call_from_thread(done, result)

        self.run_worker(run, thread=True, group=group, exclusive=exclusive)

    def write(self, work: Callable[[], str]) -> None:
        """A change in a worker; its line is shown, then the screen reads the data again."""
        self.in_thread(work, self._after_write, group="write", exclusive=False)

    def _after_write(self, message: str) -> None:
        self.notify(message)
        reload = getattr(self, "action_reload", None)
        if reload is not None:
            reload()

    def snooze_follow_up(self, follow_up_id: int) -> None:
        """Ask how long or until when (checked as typed), then snooze: the dashboard and the follow-ups view."""
        from crmcli.tui.screens.prompt import PromptModal, check_snooze
        from crmcli.tui.writes import snooze

        def save(text: str | None) -> None:
            if text is not None:
                self.write(lambda: snooze(self.context, follow_up_id, text))

        self.app.push_screen(PromptModal("Snooze until or for", "2 days, monday, next friday 9am",
                                         lambda text: check_snooze(text, self.context.local_now())), save)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.action_go("dashboard")  # type: ignore[attr-defined]


def rows_of(rows: Any) -> list[tuple[Any, ...]]:
    """Core Rows consumed into plain tuples inside the transaction (they outlive it)."""
    return [tuple(r) for r in rows.rows]
