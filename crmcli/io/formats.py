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

CSV and TSV cells are kept from running as spreadsheet formulas (`neutralise`, OWASP's advice):
a cell a spreadsheet would read as a formula gets a leading `'`, which spreadsheets take as "this is
text" and do not show. crm's own import drops exactly that `'` again (`unneutralise`, used by
crmcli.io.readers), so an export imports back exactly; `raw=True` writes cells as stored (scripts).
JSON and NDJSON are never changed: no spreadsheet runs them.
"""

from __future__ import annotations

import csv
import json
import re
from typing import Any, Callable, Iterable, Protocol, Sequence, TextIO

MACHINE_FORMATS = ("csv", "tsv", "json", "ndjson")
LIST_SEPARATOR = "; "  # several values in one cell; JSON shows them as an array


class Table(Protocol):
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    list_columns: frozenset[str]  # cells of values joined by LIST_SEPARATOR
    json_columns: frozenset[str]  # cells holding a JSON object as text


# -- formulas: what a spreadsheet would run, and the `'` that keeps it text ----------------------------

# A cell starting with one of these is a formula to Excel, LibreOffice Calc or Google Sheets (= + - @),
# or may become one after the spreadsheet drops a leading TAB or CR.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
# A signed number, or several joined by LIST_SEPARATOR: an E.164 phone (+4930123456, or a contact's
# phones "+4930123456; +4930987654"), an amount (-12.50). A spreadsheet reads it as the number it is
# (no function, no reference), so it is written as it is.
_NUMBERS = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]+)?)(?:; [+-]?(?:[0-9]+(?:\.[0-9]+)?))*")


def is_formula(text: str) -> bool:
    """Whether `neutralise` puts a `'` before `text`: it starts with = + - @ TAB or CR (unless it is a
    plain signed number, or a list of them), or with `'`s and then one of those characters (so that
    the one `'` unneutralise drops is always the one neutralise added)."""
    if not _FORMULA.match(text):
        return False
    return text[0] == "'" or text[0] not in "+-" or not _NUMBERS.fullmatch(text)


def neutralise(text: str) -> str:
    """A CSV or TSV cell as a spreadsheet should see it: `'=HYPERLINK(...)` (shown as text), never
    the formula; `+4930123456` and `-12.50` as they are."""
    return "'" + text if is_formula(text) else text


def unneutralise(text: str) -> str:
    """The exact inverse of `neutralise`: one leading `'` dropped where neutralise would have put it."""
    return text[1:] if text[:1] == "'" and is_formula(text[1:]) else text


def write(rows: Table, fmt: str, out: TextIO, *, raw: bool = False) -> int:
    """Write rows in a machine format; returns how many rows were written. CSV and TSV cells are
    neutralised unless `raw`."""
    if fmt == "csv":
        return write_csv(rows, out, raw=raw)
    if fmt == "tsv":
        return write_tsv(rows, out, raw=raw)
    writer: Callable[[Table, TextIO], int] = {"json": write_json, "ndjson": write_ndjson}[fmt]
    return writer(rows, out)


def write_ids(rows: Table, out: TextIO) -> int:
    """`-q`: the id column only, one per line, for xargs."""
    index = list(rows.columns).index("id")
    count = 0
    for row in rows.rows:
        out.write(f"{row[index]}\n")
        count += 1
    return count


def _cells(row: Iterable[Any], raw: bool) -> list[str]:
    """A row's cells as text (None as empty), neutralised unless `raw`: the one place CSV and TSV
    cells are made."""
    cells = ["" if value is None else str(value) for value in row]
    return cells if raw else [neutralise(cell) for cell in cells]


def write_csv(rows: Table, out: TextIO, *, raw: bool = False) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_cells(rows.columns, raw))
    count = 0
    for row in rows.rows:
        writer.writerow(_cells(row, raw))
        count += 1
    return count


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def write_tsv(rows: Table, out: TextIO, *, raw: bool = False) -> int:
    out.write("\t".join(cell.translate(_TSV_ESCAPES) for cell in _cells(rows.columns, raw)) + "\n")
    count = 0
    for row in rows.rows:
        out.write("\t".join(cell.translate(_TSV_ESCAPES) for cell in _cells(row, raw)) + "\n")
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
