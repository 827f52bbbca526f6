"""How a service case (core.cases.CaseView) reads in the TUI's tables (the dashboard panel and the cases view): its
priority, coloured by urgency, and its next deadline as a person counts it ("reply in 3 h",
"resolve 2 h late"). No textual here: the dashboard's panels are read before the app starts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.text import Text

PRIORITY_STYLES = {"urgent": "bold red", "high": "yellow", "normal": "", "low": "dim"}


def priority(value: str) -> Text:
    return Text(value, style=PRIORITY_STYLES.get(value, ""))


def span(delta: timedelta) -> str:
    """A length of time, rounded down to what matters at a glance: `40 min`, `5 h`, `3 d`."""
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def deadline(case: Any, now: datetime, *, short: bool = False) -> Text:
    """The deadline that counts now: the first response's until someone answered, then the
    resolution's (`short`: without saying which). Past it: red (the core's breach flags say so); near it: yellow; while the case
    waits on the customer the clock is stopped; a resolved or closed case has none left."""
    due: datetime | None = case.next_due  # None once resolved or closed
    if due is None:
        return Text("")
    if case.status == "waiting":
        return Text("paused" if short else "paused (waiting)", style="dim")
    replying = case.first_response_at is None
    what = "" if short else "reply " if replying else "resolve "
    left = due - now
    if left < timedelta(0):
        return Text(f"{what}{span(left)} late", style="bold red")
    style = "bold red" if case.breached else "yellow" if case.due_soon else ""
    return Text(f"{what}in {span(left)}", style=style)


def cells(case: Any, now: datetime) -> list[Any]:
    """A case's row in the cases view: id, priority, deadline, status, title, contact, owner."""
    return [f"#{case.id}", priority(case.priority), deadline(case, now), case.status, case.title,
            case.contact_name, case.owner or ""]


CELLS = ["#", "priority", "deadline", "status", "title", "contact", "owner"]
