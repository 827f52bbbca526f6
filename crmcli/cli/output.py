"""Printing: rows in every format, record cards, and messages. Data goes to stdout, messages to stderr."""

from __future__ import annotations

import sys
from typing import Any, Iterable, Sequence

from crmcli.cli.options import Format
from crmcli.core.rows import LIST_SEPARATOR, Rows


def note(message: str) -> None:
    """A message for the person at the terminal (stderr, so pipes carry data only); names in it are
    user data, so control characters are shown, not obeyed."""
    from crmcli.cli.table import printable
    from crmcli.core.text import shortened

    sys.stderr.write("\n".join(printable(shortened(line)) for line in message.split("\n")) + "\n")


def added(record_id: int | None, what: str, *, quiet: bool, verb: str = "added") -> None:
    """After creating a record: its id alone on stdout with -q (for scripts), else a message."""
    if quiet:
        sys.stdout.write(f"{record_id}\n")
    else:
        note(f"{verb} {what}")


def emit(rows: Rows, fmt: Format, *, quiet: bool = False, empty: str = "no matching rows") -> int:
    """Print rows in the chosen format. An empty table says `empty` on stderr; the machine formats
    stay well-formed (a CSV header, an empty JSON array) for scripts."""
    from crmcli.io import formats

    if quiet:
        return formats.write_ids(rows, sys.stdout)
    if fmt is not Format.table:
        return formats.write(rows, fmt.value, sys.stdout)
    return _table(rows, empty)


def local_time(value: Any) -> str:
    from crmcli.core.clock import shown_local

    return shown_local(value)


def _table(rows: Rows, empty: str) -> int:
    from crmcli.cli.table import render_table

    names = list(rows.columns)
    shown = [names.index(n) for n in (rows.table_columns or names)]
    cells = [[_cell(names[i], row[i], rows) for i in shown] for row in rows.rows]
    if not cells:
        note(empty)
        return 0
    # Ids and times are never cut: a truncated id or date is worse than a truncated name.
    sys.stdout.write(render_table([names[i] for i in shown], cells, keep={"id", *rows.time_columns}, right=NUMBERS))
    return len(cells)


NUMBERS = frozenset({"id", "value", "weighted", "probability"})  # right-aligned in tables
SHOW_FIRST_ONLY = frozenset({"emails", "phones"})  # the primary one, and how many more


def _cell(name: str, value: Any, rows: Rows) -> str:
    if value is None:
        return ""
    if name in rows.time_columns:
        return local_time(value)
    if isinstance(value, str) and "\n" in value:
        from crmcli.core.text import one_line

        return one_line(value)
    if name in rows.list_columns:
        values = str(value).split(LIST_SEPARATOR)
        if name in SHOW_FIRST_ONLY:
            return values[0] + (f" (+{len(values) - 1})" if len(values) > 1 else "")
        return ", ".join(values)
    return str(value)


def card(title: str, fields: Sequence[tuple[str, Any]], sections: Iterable[tuple[str, list[str]]] = ()) -> None:
    """One record for people: a title, aligned key/value lines, then titled lists."""
    from crmcli.cli.table import render_card

    sys.stdout.write(render_card(title, [(k, "" if v in (None, []) else str(v)) for k, v in fields], list(sections)))
