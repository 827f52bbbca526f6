"""What every screen shares: its keys from the keymap, the context, and database work in workers."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from textual.screen import Screen

from crmcli.context import AppContext
from crmcli.errors import CrmError

T = TypeVar("T")


def threaded(node: Screen[Any], work: Callable[[], T], done: Callable[[T], None], failed: Callable[[str], None], *,
             group: str, exclusive: bool) -> None:
    """Run `work` (core calls only) in a worker thread of `node`, then on the UI thread `done(result)`,
    or `failed(message)` for a CrmError: screens notify it, forms show it inline."""

    app = node.app  # read here, on the UI thread: a worker still running as the app closes has none

    def run() -> None:
        try:
            result = work()
        except CrmError as err:
            app.call_from_thread(failed, str(err))
            return
        except Exception:
            if not app.is_running:  # the app closed while this ran (a reload as it quit): nobody to tell
                return
            raise
        if app.is_running:
            app.call_from_thread(done, result)

    node.run_worker(run, thread=True, group=group, exclusive=exclusive)


class CrmScreen(Screen[None]):
    stale = False  # the database moved while another screen was on top (CrmApp.check_changes)

    _crm_context: AppContext | None = None

    @property
    def context(self) -> AppContext:
        """The app's context, kept from the first read (on the UI thread): workers read it too."""
        if self._crm_context is None:
            self._crm_context = self.app.context  # type: ignore[attr-defined]
        return self._crm_context

    def on_screen_resume(self) -> None:
        """Back on top after the database moved: read again (a screen that reads on every resume
        anyway, with a handler of its own, is left to it)."""
        stale, self.stale = self.stale, False
        reload = getattr(self, "action_reload", None)
        if stale and reload is not None and type(self).on_screen_resume is CrmScreen.on_screen_resume:
            reload()

    def selected_contact(self) -> int | None:
        """The contact the quick actions (log, follow-up, edit, delete...) are about: each screen says
        which its selection means; None when nothing is selected."""
        return None

    def in_thread(self, work: Callable[[], T], done: Callable[[T], None], *, group: str = "load",
                  exclusive: bool = True) -> None:
        """Run `work` in a worker thread, then `done(result)` on the UI thread. A CrmError becomes
        a notification with its message, as the CLI prints it on stderr."""
        threaded(self, work, done, lambda message: self.notify(message, severity="error", timeout=6),
                 group=group, exclusive=exclusive)

    _asking = False
    _waiting: tuple[Callable[[], Any], Callable[[Any], None]] | None = None

    def newest(self, work: Callable[[], T], done: Callable[[T], None]) -> None:
        """`in_thread` for what follows typing: one question at a time, and while it runs only the
        newest waits (slow searches on a big database never pile up); an answer already overtaken
        by a newer question is not shown."""
        if self._asking:
            self._waiting = (work, done)
            return
        self._asking = True

        def guarded() -> T | CrmError:
            try:
                return work()
            except CrmError as err:
                return err

        def answered(result: T | CrmError) -> None:
            self._asking = False
            waiting, self._waiting = self._waiting, None
            if waiting is not None:
                self.newest(*waiting)
            elif isinstance(result, CrmError):
                self.notify(str(result), severity="error", timeout=6)
            else:
                done(result)

        self.in_thread(guarded, answered, group="newest")

    def write(self, work: Callable[[], str]) -> None:
        """A change in a worker; its line is shown, then the screen reads the data again."""
        self.in_thread(work, self.written, group="write", exclusive=False)

    def written(self, message: str | None) -> None:
        """After a write (here or in a form; None: the form was cancelled): say it, read again."""
        if message is None:
            return
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

    def done_and_log(self, follow_up_id: int) -> None:
        """Ask what was done (checked as typed), then mark it done and log that, in one transaction."""
        from crmcli.tui.screens.prompt import PromptModal, check_body
        from crmcli.tui.writes import complete

        def save(text: str | None) -> None:
            if text is not None:
                self.write(lambda: complete(self.context, follow_up_id, text))

        self.app.push_screen(PromptModal("Done: what was done?", "Called, all settled", check_body), save)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.action_go("dashboard")  # type: ignore[attr-defined]


def rows_of(rows: Any) -> list[tuple[Any, ...]]:
    """Core Rows consumed into plain tuples inside the transaction (they outlive it)."""
    return [tuple(r) for r in rows.rows]
