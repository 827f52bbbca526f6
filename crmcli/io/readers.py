"""Reading records back: CSV, TSV, JSON and NDJSON, the formats crmcli/io/formats.py writes, each
record with the line it starts on, so that a bad row can be named `FILE:LINE`.

- csv: RFC 4180, a header row, a byte-order mark tolerated (Excel, Google Contacts and Outlook
  write one); a record may span lines (a quoted newline): its number is the line it starts on.
- tsv: a header row, `\\t`, `\\n`, `\\r` and `\\\\` inside a value read back as what they stand for.
- json: one array of objects (the number is the object's position, from 1); ndjson: one object per
  line (blank lines skipped).
- vcard: one record per card, numbered by its BEGIN line (crmcli/io/vcard.py).
Values are handed on as read: text from CSV and TSV (an empty cell is None), JSON's own types
(lists, objects, numbers) from JSON. What a column means is for the caller (crmcli.core.importing).

CSV and TSV cells are read back from what a spreadsheet is kept from running (crmcli.io.formats.
neutralise): one `'` before a formula character is dropped, so crm's own export imports exactly;
`raw=True` reads every cell as it is written.

Hostile files are refused with a ReadError naming the line, never let through to fail later: text
crm cannot store (a NUL, or a lone surrogate a JSON escape such as \\ud800 makes), JSON nested past
what Python's parser can follow, a JSON number of thousands of digits. A CSV cell may be as long as
the file (the csv module's own limit, 128 KiB, would refuse a long note crm itself exported).
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

from crmcli.io.formats import unneutralise

csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))  # a cell as long as the file (a C long everywhere)

READ_FORMATS = ("csv", "tsv", "json", "ndjson", "vcard")
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson",
             ".vcf": "vcard", ".vcard": "vcard"}


class ReadError(ValueError):
    """The file cannot be read as the format says (not a row's content: its shape)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Record:
    line: int                 # where the record starts (an object's position for json)
    values: dict[str, Any]    # column -> value as read


def format_of(path: str | None, given: str | None) -> str:
    """The format named, else the file's suffix, else csv (stdin without --format)."""
    if given:
        return given
    if path and path != "-":
        return _SUFFIXES.get(Path(path).suffix.lower(), "csv")
    return "csv"


def read(stream: TextIO, fmt: str, *, raw: bool = False) -> tuple[list[str], Iterator[Record]]:
    """The columns (the header, or every key seen first for JSON) and the records, streamed; text
    crm cannot store is a ReadError. `raw`: CSV and TSV cells as written (no `'` dropped)."""
    if fmt == "csv":
        columns, records = _read_csv(stream, delimiter=",", cell=_as_written if raw else unneutralise)
    elif fmt == "tsv":
        columns, records = _read_tsv(stream, cell=_as_written if raw else unneutralise)
    elif fmt == "json":
        columns, records = _read_json(stream)
    elif fmt == "ndjson":
        columns, records = _read_ndjson(stream)
    elif fmt == "vcard":  # cards, each under crm's own column names (crmcli.io.vcard), checked there
        from crmcli.io import vcard

        return vcard.read(stream)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return checked(columns, records)


# -- text crm cannot store ---------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSTORABLE = re.compile("[\0\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """Why crm cannot store `text`, or None: a NUL (PostgreSQL refuses it in text, and many tools
    stop reading at it), or a lone surrogate (no character: UTF-8 cannot encode it)."""
    if "\0" in text:
        return "a NUL character, which crm does not store"
    found = _SURROGATE.search(text)
    if found:
        return f"a lone surrogate \\u{ord(found.group()):04x}, which is no character (a broken \\u escape?)"
    return None


def _wrong_in(value: Any) -> str | None:
    """The first reason any text in `value` (a JSON value: keys too, nested lists and objects walked
    without recursion, however deep) cannot be stored."""
    if isinstance(value, dict):  # a record of text cells, most often: one search over all of it
        try:
            whole = "\x01".join(chain(value, value.values()))
        except TypeError:  # a number, null, a list or an object among them: walked below
            pass
        else:
            if not _UNSTORABLE.search(whole):
                return None
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            wrong = unstorable(item)
            if wrong:
                return wrong
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def checked(columns: list[str], records: Iterable[Record]) -> tuple[list[str], Iterator[Record]]:
    """The columns and records of a reader, each checked as it passes: a column name or value crm
    cannot store is a ReadError at its line."""
    for column in columns:
        wrong = unstorable(column)
        if wrong:
            raise ReadError(1, f"a column name holds {wrong}")

    def check() -> Iterator[Record]:
        for record in records:
            wrong = _wrong_in(record.values)
            if wrong:
                raise ReadError(record.line, f"this record holds {wrong}")
            yield record
    return columns, check()


def _as_written(cell: str) -> str:
    return cell


def _without_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _read_csv(stream: TextIO, *, delimiter: str, cell: Any = unneutralise) -> tuple[list[str], Iterator[Record]]:
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return [], iter(())
    except csv.Error as err:
        raise ReadError(reader.line_num, f"not CSV: {err}") from None
    columns = [cell(_without_bom(h).strip() if i == 0 else h.strip()) for i, h in enumerate(header)]

    def records() -> Iterator[Record]:
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                raise ReadError(start, f"not CSV: {err}") from None
            if "".join(row).strip():  # not blank: some cell holds more than spaces
                if len(row) > len(columns):
                    raise ReadError(start, f"{len(row)} cells in a row under a header of {len(columns)} columns")
                yield Record(start, {c: cell(v) or None for c, v in zip(columns, row)})
            start = reader.line_num + 1
    return columns, records()


_TSV_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def _tsv_value(cell: str) -> str | None:
    if cell == "":
        return None
    if "\\" not in cell:
        return cell
    out, i = [], 0
    while i < len(cell):
        ch = cell[i]
        if ch == "\\" and i + 1 < len(cell) and cell[i + 1] in _TSV_UNESCAPES:
            out.append(_TSV_UNESCAPES[cell[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _tsv_cell(text: str, cell: Any) -> str | None:
    value = _tsv_value(text)
    return None if value is None else cell(value)


def _read_tsv(stream: TextIO, *, cell: Any = unneutralise) -> tuple[list[str], Iterator[Record]]:
    first = stream.readline()
    if not first:
        return [], iter(())
    columns = [cell(c.strip()) for c in _without_bom(first).rstrip("\r\n").split("\t")]

    def records() -> Iterator[Record]:
        for number, line in enumerate(stream, start=2):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            cells = line.split("\t")
            if len(cells) > len(columns):
                raise ReadError(number, f"{len(cells)} cells in a row under a header of {len(columns)} columns")
            yield Record(number, {c: _tsv_cell(v, cell) for c, v in zip(columns, cells)})
    return columns, records()


def _object(value: Any, line: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReadError(line, f"expected an object, not {type(value).__name__}")
    return value


class NotAJsonNumber(ValueError):
    """NaN, Infinity or -Infinity: Python's parser reads them, JSON (RFC 8259) has no such number,
    and stored they would come back as the text "nan" or break another program's reader."""


def _refuse_constant(name: str) -> Any:
    raise NotAJsonNumber(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    """A JSON number too large for a float (1e999) would read as infinity: refused as well."""
    number = float(text)
    if math.isinf(number):
        raise NotAJsonNumber(f"{text[:40]} is too large a number")
    return number


# json.load/loads options for every reader of JSON here: strict about numbers.
STRICT_NUMBERS: dict[str, Any] = {"parse_constant": _refuse_constant, "parse_float": _finite}


def loads(text: str, line: int = 1) -> Any:
    """JSON text parsed, or a ReadError that says why (its line counted from `line`): not JSON
    (NaN and Infinity included); a number of thousands of digits (which int() refuses); arrays or
    objects nested deeper than Python's parser follows."""
    try:
        return json.loads(text, **STRICT_NUMBERS)
    except json.JSONDecodeError as err:
        raise ReadError(line + err.lineno - 1, f"not JSON: {err.msg} (column {err.colno})") from None
    except NotAJsonNumber as err:
        raise ReadError(line, f"not JSON: {err}") from None
    except RecursionError:
        raise ReadError(line, "not JSON crm can read: arrays or objects nested too deeply") from None
    except ValueError:  # a number past int()'s 4,300 digits
        raise ReadError(line, "not JSON crm can read: a number of thousands of digits") from None


def _read_json(stream: TextIO) -> tuple[list[str], Iterator[Record]]:
    data = loads(_without_bom(stream.read()))
    if not isinstance(data, list):
        raise ReadError(1, "expected a JSON array of objects")
    items = [_object(item, i) for i, item in enumerate(data, start=1)]
    columns = list(dict.fromkeys(key for item in items for key in item))
    return columns, (Record(i, item) for i, item in enumerate(items, start=1))


def _read_ndjson(stream: TextIO) -> tuple[list[str], Iterator[Record]]:
    items: list[Record] = []
    for number, line in enumerate(stream, start=1):
        line = _without_bom(line) if number == 1 else line
        if not line.strip():
            continue
        items.append(Record(number, _object(loads(line, number), number)))
    columns = list(dict.fromkeys(key for r in items for key in r.values))
    return columns, iter(items)
