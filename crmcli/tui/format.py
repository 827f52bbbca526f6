"""How values read on screen: local times, stored text shown and never obeyed."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from crmcli.core.clock import shown_local as local  # noqa: F401 - the screens' one name for local times
from crmcli.core.text import one_line, printable

# Before a contact marked "do not contact", wherever the TUI lists or shows one (one cell wide).
DO_NOT_CONTACT_MARK = "⊘ "


def cell(value: Any) -> Text:
    """One table cell: plain text (no markup from the data), one line, control characters visible."""
    if value is None:
        return Text("")
    if isinstance(value, Text):
        return value
    return Text(printable(one_line(str(value))))
