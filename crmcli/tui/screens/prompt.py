"""Modal forms, typed `ModalScreen[T]` (posting's habit): they validate as the user types, with the
core's own rules and messages, and `dismiss()` a value only when it is valid (None: cancelled)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from crmcli.errors import CrmError

Check = Callable[[str], str | None]  # text -> the error to show, or None when it is fine


def check_body(text: str) -> str | None:
    from crmcli.core.interactions import check_body as core_check

    return _error(lambda: core_check(text))


def check_snooze(text: str, now: datetime) -> str | None:
    """A length of time or a due date, as `fu snooze` reads it (the past is refused when saving)."""
    from crmcli.core import dates

    if not text.strip():
        return "say for how long or until when"
    try:
        dates.parse_duration(text)
        return None
    except CrmError:
        return _error(lambda: dates.parse(text, now=now, lean="future"))


def _error(check: Callable[[], Any]) -> str | None:
    try:
        check()
    except CrmError as err:
        return str(err)
    return None


PROMPT_CSS = """
PromptModal, LogModal { align: center middle; }
#form { width: 72; max-width: 100%; height: auto; border: round $accent; padding: 0 1; background: $surface; }
#form Label { margin-top: 1; }
.error { color: $error; height: auto; }
"""


class PromptModal(ModalScreen[str | None]):
    """One line of text, checked on every keystroke."""

    DEFAULT_CSS = PROMPT_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str, check: Check) -> None:
        super().__init__()
        self._title, self._placeholder, self._check = title, placeholder, check

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(self._title)
            yield Input(placeholder=self._placeholder, id="value")
            yield Static("", id="error", classes="error")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#error", Static).update(self._check(event.value) or "" if event.value else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        problem = self._check(event.value)
        if problem:
            self.query_one("#error", Static).update(problem)
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class LogRequest:
    kind: str
    text: str
    at: datetime | None
    follow_up: Any  # followups.Planned | None


class LogModal(ModalScreen[LogRequest | None]):
    """Log an interaction: kind, text, when (the CLI's date grammar) and an optional follow-up."""

    DEFAULT_CSS = PROMPT_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, who: str, kinds: Any, now: Callable[[], datetime]) -> None:
        super().__init__()
        self._who, self._kinds, self._now = who, kinds, now

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(f"Log with {self._who}  (ctrl+s saves, esc cancels)")
            yield Label("Kind")
            yield Input(value=self._kinds.default, id="kind")
            yield Label("What happened")
            yield Input(placeholder="Called about the quote", id="text")
            yield Label("When (empty: now)")
            yield Input(placeholder="yesterday 3pm, fri, 2026-11-20 10:00", id="at")
            yield Label("Follow-up (optional)")
            yield Input(placeholder="fri: send the revised quote", id="follow_up")
            yield Static("", id="error", classes="error")

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def request(self) -> LogRequest:
        """The form as a request, or a CrmError naming what is wrong (the core's own message)."""
        from crmcli.core import dates, followups, interactions

        kind = self._kinds.check(self._value("kind") or None)
        text = interactions.check_body(self._value("text"))
        at = None
        if self._value("at").strip():
            now = self._now()
            at = dates.parse_moment(self._value("at"), now=now, lean="past")
            interactions.check_occurred(kind, at, now)
        follow_up = None
        if self._value("follow_up").strip():
            follow_up = followups.Planned.parse(self._value("follow_up"), now=self._now())
        return LogRequest(kind, text, at, follow_up)

    def _problem(self) -> str | None:
        try:
            self.request()
        except CrmError as err:
            return str(err)
        return None

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._value("text"):  # an empty form is not an error yet
            self.query_one("#error", Static).update(self._problem() or "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "follow_up":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        try:
            request = self.request()
        except CrmError as err:
            self.query_one("#error", Static).update(str(err))
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)
