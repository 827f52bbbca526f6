"""How a service case (core.cases.CaseView) reads in the TUI: its priority, coloured by urgency,
and its next deadline in the core's words (`crm cases show` says the same): "reply in 3 h",
"resolve 6 h late (breached)". No textual here: the dashboard's panels are read before the app starts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.text import Text

PRIORITY_STYLES = {"urgent": "bold red", "high": "yellow", "normal": "", "low": "dim"}
LATE = "bold red"


def priority(value: str) -> Text:
    return Text(value, style=PRIORITY_STYLES.get(value, ""))


def which(case: Any) -> str:
    """The deadline the case works towards: the first response's until someone answered."""
    return "response" if case.first_response_at is None else "resolution"


def deadline(case: Any, now: datetime, *, short: bool = False) -> Text:
    """The deadline that counts now (`short`: its length only, for the dashboard's narrow panel).
    Past it: red; near it: yellow; while the case waits on the customer the clock is stopped, dim;
    a resolved or closed case has none left."""
    from crmcli.core.cases import deadline_text, span_text

    due: datetime | None = case.next_due
    if due is None:
        return Text("")
    if case.status == "waiting":
        return Text("paused" if short else "paused while waiting", style="dim")
    style = LATE if case.breached or now > due else "yellow" if case.due_soon else ""
    if short:
        return Text(f"{span_text(now - due)} late" if now > due else f"in {span_text(due - now)}", style=style)
    verb = "reply" if which(case) == "response" else "resolve"
    return Text(f"{verb} {deadline_text(case, which(case), now)}", style=style)


def against(case: Any, what: str, now: datetime) -> Text:
    """One deadline in full, as `crm cases show` gives it: `due 2026-11-25 04:30, 6 h late (breached)`."""
    from crmcli.core.cases import deadline_text
    from crmcli.tui.format import local

    due = case.response_due_at if what == "response" else case.resolve_due_at
    late = case.response_breached if what == "response" else case.resolution_breached
    return Text(f"due {local(due)}, {deadline_text(case, what, now)}", style=LATE if late else "")


def cells(case: Any, now: datetime) -> list[Any]:
    """A case's row in the cases view: id, priority, deadline, status, title, contact, owner."""
    return [f"#{case.id}", priority(case.priority), deadline(case, now), case.status, case.title,
            case.contact_name, case.owner or ""]


CELLS = ["#", "priority", "deadline", "status", "title", "contact", "owner"]


def waited(length: timedelta) -> str:
    from crmcli.core.cases import span_text

    return span_text(length) if length > timedelta(0) else ""
