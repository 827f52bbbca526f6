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
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, TextIO

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


def read(stream: TextIO, fmt: str) -> tuple[list[str], Iterator[Record]]:
    """The columns (the header, or every key seen first for JSON) and the records, streamed."""
    if fmt == "csv":
        return _read_csv(stream, delimiter=",")
    if fmt == "tsv":
        return _read_tsv(stream)
    if fmt == "json":
        return _read_json(stream)
    if fmt == "ndjson":
        return _read_ndjson(stream)
    if fmt == "vcard":  # cards, each under crm's own column names (crmcli.io.vcard)
        from crmcli.io import vcard

        return vcard.read(stream)
    raise ValueError(f"unknown format {fmt!r}")


def _without_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _read_csv(stream: TextIO, *, delimiter: str) -> tuple[list[str], Iterator[Record]]:
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return [], iter(())
    except csv.Error as err:
        raise ReadError(reader.line_num, f"not CSV: {err}") from None
    columns = [_without_bom(h).strip() if i == 0 else h.strip() for i, h in enumerate(header)]

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
                yield Record(start, {c: v or None for c, v in zip(columns, row)})
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


def _read_tsv(stream: TextIO) -> tuple[list[str], Iterator[Record]]:
    first = stream.readline()
    if not first:
        return [], iter(())
    columns = [c.strip() for c in _without_bom(first).rstrip("\r\n").split("\t")]

    def records() -> Iterator[Record]:
        for number, line in enumerate(stream, start=2):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            cells = line.split("\t")
            if len(cells) > len(columns):
                raise ReadError(number, f"{len(cells)} cells in a row under a header of {len(columns)} columns")
            yield Record(number, {c: _tsv_value(v) for c, v in zip(columns, cells)})
    return columns, records()


def _object(value: Any, line: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReadError(line, f"expected an object, not {type(value).__name__}")
    return value


def _read_json(stream: TextIO) -> tuple[list[str], Iterator[Record]]:
    try:
        data = json.loads(_without_bom(stream.read()))
    except json.JSONDecodeError as err:
        raise ReadError(err.lineno, f"not JSON: {err.msg} (column {err.colno})") from None
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
        try:
            items.append(Record(number, _object(json.loads(line), number)))
        except json.JSONDecodeError as err:
            raise ReadError(number, f"not JSON: {err.msg} (column {err.colno})") from None
    columns = list(dict.fromkeys(key for r in items for key in r.values))
    return columns, iter(items)
