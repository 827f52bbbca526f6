"""Machine-readable output: CSV, TSV, JSON and NDJSON, streamed row by row.

Stable formats for scripts (the table view for people lives in cli/table.py):
- csv: RFC 4180, UTF-8, header row, CRLF line ends, empty cell for null; several values in one
  cell are joined by "; ", custom fields are a JSON object.
- tsv: tab-separated, header row, LF line ends; tab, newline, CR and backslash inside a value are
  written as \\t, \\n, \\r and \\\\ so that every line is one record.
- json: one array of objects; ndjson: one object per line. Multi-valued cells become arrays and
  custom fields an object.
A value is written as its text (str): a number as digits, money (crmcli.core.money.Amount) as its
plain decimal. The listings come from the core (crmcli.core.rows.Rows); `Table` says what is read
of them, so this module imports nothing of the core.
"""

from __future__ import annotations

import csv
import json
from typing import Any, Callable, Iterable, Protocol, Sequence, TextIO

MACHINE_FORMATS = ("csv", "tsv", "json", "ndjson")
LIST_SEPARATOR = "; "  # several values in one cell; JSON shows them as an array


class Table(Protocol):
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    list_columns: frozenset[str]  # cells of values joined by LIST_SEPARATOR
    json_columns: frozenset[str]  # cells holding a JSON object as text


def write(rows: Table, fmt: str, out: TextIO) -> int:
    """Write rows in a machine format; returns how many rows were written."""
    writer: Callable[[Table, TextIO], int] = {"csv": write_csv, "tsv": write_tsv, "json": write_json,
                                             "ndjson": write_ndjson}[fmt]
    return writer(rows, out)


def write_ids(rows: Table, out: TextIO) -> int:
    """`-q`: the id column only, one per line, for xargs."""
    index = list(rows.columns).index("id")
    count = 0
    for row in rows.rows:
        out.write(f"{row[index]}\n")
        count += 1
    return count


def write_csv(rows: Table, out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(rows.columns)
    count = 0
    for row in rows.rows:
        writer.writerow(row)
        count += 1
    return count


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _tsv_cell(value: Any) -> str:
    return "" if value is None else str(value).translate(_TSV_ESCAPES)


def write_tsv(rows: Table, out: TextIO) -> int:
    out.write("\t".join(rows.columns) + "\n")
    count = 0
    for row in rows.rows:
        out.write("\t".join(map(_tsv_cell, row)) + "\n")
        count += 1
    return count


def as_objects(rows: Table) -> Iterable[dict[str, Any]]:
    """Rows as dicts with lists and objects restored: the JSON shape of every listing."""
    columns: Sequence[str] = list(rows.columns)
    lists = [i for i, name in enumerate(columns) if name in rows.list_columns]
    objects = [i for i, name in enumerate(columns) if name in rows.json_columns]
    for row in rows.rows:
        values = list(row)
        for i in lists:
            values[i] = values[i].split(LIST_SEPARATOR) if values[i] else []
        for i in objects:
            values[i] = json.loads(values[i]) if values[i] else {}
        yield dict(zip(columns, values))


# Characters that some line readers (Python's splitlines, JavaScript) take as line breaks: escaped,
# so that one NDJSON record is always one line whatever reads it.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str).translate(_LINE_BREAKS)


def write_json(rows: Table, out: TextIO) -> int:
    count = 0
    out.write("[")
    for obj in as_objects(rows):
        out.write(",\n" if count else "\n")
        out.write(_dumps(obj))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write_ndjson(rows: Table, out: TextIO) -> int:
    count = 0
    for obj in as_objects(rows):
        out.write(_dumps(obj) + "\n")
        count += 1
    return count
