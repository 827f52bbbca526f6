"""Modals that ask, typed `ModalScreen[T]` (posting's habit): they validate as the user types, with
the core's own rules and messages. `PromptModal` asks one line and `dismiss()`es it only when it is
valid; `FormModal`, the base of every form (forms.py), also saves what it asks, in a worker, and
shows what the database refuses inline too. Both dismiss None when cancelled."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, NamedTuple, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from crmcli.core.text import printable
from crmcli.errors import CrmError
from crmcli.tui import keymap
from crmcli.tui.screens.base import threaded

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
PromptModal, FormModal { align: center middle; }
#form { width: 72; max-width: 100%; height: auto; border: round $accent; padding: 0 1; background: $surface; }
#form Label { margin-top: 1; }
.error { color: $error; height: auto; }
"""

# Forms: one line per field, label beside its input, so the longest (seven fields) fits 80x24.
FORM_CSS = PROMPT_CSS + """
FormModal #form { width: 76; max-height: 100%; overflow-y: auto; }
FormModal #form Label { margin-top: 0; }
FormModal #form .title { text-style: bold; margin-bottom: 1; }
FormModal #form .row { height: 1; margin-bottom: 1; }
FormModal #form .row Label { width: 16; color: $text-muted; }
FormModal #form .row Input { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
FormModal #form .row Input:focus { border: none; background: $accent 30%; }
FormModal #form .help { color: $text-muted; }
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
            yield Label(printable(self._title), markup=False)  # it may quote a name
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


class Field(NamedTuple):
    id: str
    label: str
    placeholder: str = ""
    value: str = ""
    required: bool = False  # no error is shown as typed until every required field has something


class FormModal(ModalScreen[str | None]):
    """Labelled one-line inputs and one error line. `request()` reads the inputs with the core's
    own checks (a CrmError says what is wrong) on every keystroke; ctrl+s, or enter in the last
    input, saves: `save(request)` runs in a worker, one transaction through the core services, and
    returns the line to show. What the database refuses (an unknown or ambiguous contact, an email
    another contact has) shows in the form as well, and nothing is written."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = keymap.bindings("form")

    def __init__(self, title: str, fields: Sequence[Field], *, focus: str | None = None) -> None:
        super().__init__(name="form")
        self._title, self._fields, self._focus = title, tuple(fields), focus
        self._saving = False

    @property
    def context(self) -> Any:
        return self.app.context  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(printable(self._title), classes="title", markup=False)
            for field in self._fields:
                with Horizontal(classes="row"):
                    yield Label(field.label)
                    yield Input(value=field.value, placeholder=field.placeholder, id=field.id)
            yield Static("", id="error", classes="error", markup=False)
            yield Label("ctrl+s saves   esc cancels", classes="help")

    def on_mount(self) -> None:
        if self._focus is not None:
            self.query_one(f"#{self._focus}", Input).focus()

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

    def request(self) -> Any:
        """The form as what `save` needs, or a CrmError naming what is wrong (the core's message)."""
        raise NotImplementedError

    def save(self, request: Any) -> str:
        """Write `request` (in a worker thread) and return the line that says what was done."""
        raise NotImplementedError

    def _say(self, problem: str) -> None:
        self.query_one("#error", Static).update(problem)

    def on_input_changed(self, event: Input.Changed) -> None:
        if all(self.value(f.id).strip() for f in self._fields if f.required):  # half-filled is not wrong yet
            try:
                self.request()
            except CrmError as err:
                self._say(str(err))
                return
        self._say("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == self._fields[-1].id:
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        if self._saving:
            return
        try:
            request = self.request()
        except CrmError as err:
            self._say(str(err))
            return
        self._saving = True

        def refused(problem: str) -> None:
            self._saving = False
            self._say(problem)

        threaded(self, lambda: self.save(request), self.dismiss, refused, group="save", exclusive=True)

    def action_cancel(self) -> None:
        self.dismiss(None)
