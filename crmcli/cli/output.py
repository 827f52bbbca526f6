"""Printing: rows in every format, record cards, and messages. Data goes to stdout, messages to stderr.

rich is imported only for the table view, so scripts and writes never pay for it.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from typing import Any, Iterable, Sequence

from crmcli.cli.options import Format
from crmcli.core.rows import LIST_SEPARATOR, Rows


def note(message: str) -> None:
    """A message for the person at the terminal (stderr, so pipes carry data only)."""
    sys.stderr.write(message + "\n")


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
    """A stored UTC time (ISO text or datetime) shown in the local zone, to the minute."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone()).strftime("%Y-%m-%d %H:%M")


def _zone() -> Any:
    from crmcli.core.clock import local_zone

    return local_zone()


def console() -> Any:
    from rich.console import Console

    # rich follows NO_COLOR, TERM=dumb and a non-TTY stdout by itself. Piped into a file or a pager,
    # a table should not be squeezed into 80 columns.
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
    return Console(highlight=False, soft_wrap=False, width=width)


def _table(rows: Rows, empty: str) -> int:
    from rich.table import Table

    names = list(rows.columns)
    shown = [names.index(n) for n in (rows.table_columns or names)]
    headers = [names[i] for i in shown]
    cells = [[_cell(names[i], row[i], rows) for i in shown] for row in rows.rows]
    if not cells:
        note(empty)
        return 0
    out = console()
    widths = fit_widths(headers, cells, out.width - 2 * (len(headers) - 1), keep={"id"})
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name, width in zip(headers, widths):
        table.add_column(name, no_wrap=True, overflow="ellipsis", width=width,
                         justify="right" if name == "id" else "left")
    for line in cells:
        table.add_row(*line)
    out.print(table)
    return len(cells)


def fit_widths(headers: Sequence[str], cells: list[list[str]], available: int, keep: set[str]) -> list[int]:
    """Column widths that fit `available`: the widest columns give way first, `keep` columns never."""
    widths = [max([len(h)] + [len(line[i]) for line in cells]) for i, h in enumerate(headers)]
    floor = 8
    while sum(widths) > available:
        candidates = [i for i, h in enumerate(headers) if h not in keep and widths[i] > floor]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


SHOW_FIRST_ONLY = frozenset({"emails", "phones"})  # the primary one, and how many more


def _cell(name: str, value: Any, rows: Rows) -> str:
    if value is None:
        return ""
    if name in rows.time_columns:
        return local_time(value)
    if isinstance(value, str) and "\n" in value:
        return " ⏎ ".join(line for line in value.splitlines() if line.strip())
    if name in rows.list_columns:
        values = str(value).split(LIST_SEPARATOR)
        if name in SHOW_FIRST_ONLY:
            return values[0] + (f" (+{len(values) - 1})" if len(values) > 1 else "")
        return ", ".join(values)
    return str(value)


def card(title: str, fields: Sequence[tuple[str, Any]], sections: Iterable[tuple[str, list[str]]] = ()) -> None:
    """One record for people: a title, aligned key/value lines, then titled lists."""
    from rich.table import Table
    from rich.text import Text

    out = console()
    out.print(Text(title, style="bold"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in fields:
        if value not in (None, "", []):
            grid.add_row(key, Text(str(value)))
    out.print(grid)
    for heading, lines in sections:
        if lines:
            out.print(Text(heading, style="bold"))
            for line in lines:
                out.print(Text("  " + line))
