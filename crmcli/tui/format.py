"""How values read on screen: local times, stored text shown and never obeyed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from crmcli.core.text import printable


def local(value: Any) -> str:
    """A stored UTC time (ISO text or datetime) in the local zone, to the minute; a whole day as is."""
    if value in (None, ""):
        return ""
    if isinstance(value, str) and len(value) == 10:
        return value
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    from crmcli.core.clock import to_local

    return to_local(moment).strftime("%Y-%m-%d %H:%M")


def cell(value: Any) -> Text:
    """One table cell: plain text (no markup from the data), one line, control characters visible."""
    if value is None:
        return Text("")
    if isinstance(value, Text):
        return value
    text = str(value)
    if "\n" in text:
        text = " ⏎ ".join(line for line in text.splitlines() if line.strip())
    return Text(printable(text))
