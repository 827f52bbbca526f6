"""Machine formats round-trip any text: what a script reads back is what was stored."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given
from hypothesis import strategies as st

from crmcli.core.rows import Rows
from crmcli.io import formats

COLUMNS = ("id", "name", "emails", "fields")
# Any text but lone surrogates (not encodable as UTF-8) and NUL (not storable by the csv module).
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))


def _rows(values: list[tuple[int, str | None]]) -> Rows:
    return Rows(COLUMNS, [(i, name, "a@x.example; b@x.example", '{"k": "v"}') for i, name in values],
                list_columns=frozenset({"emails"}), json_columns=frozenset({"fields"}))


@given(st.lists(st.tuples(st.integers(min_value=1), st.one_of(st.none(), TEXT)), max_size=20))
def test_raw_csv_round_trip(values: list[tuple[int, str | None]]) -> None:
    out = io.StringIO(newline="")
    assert formats.write_csv(_rows(values), out, raw=True) == len(values)
    back = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert back[0] == list(COLUMNS)
    assert [(int(r[0]), r[1]) for r in back[1:]] == [(i, name or "") for i, name in values]


@given(st.lists(st.tuples(st.integers(min_value=1), st.one_of(st.none(), TEXT)), max_size=20))
def test_csv_round_trip_through_crms_own_reader(values: list[tuple[int, str | None]]) -> None:
    """Neutralised for spreadsheets, and read back exactly by crm's import (crmcli.io.readers)."""
    from crmcli.io import readers

    out = io.StringIO(newline="")
    assert formats.write_csv(_rows(values), out) == len(values)
    columns, records = readers.read(io.StringIO(out.getvalue(), newline=""), "csv")
    assert columns == list(COLUMNS)
    assert [(int(r.values["id"]), r.values["name"]) for r in records] == [(i, name or None) for i, name in values]


@given(st.lists(st.tuples(st.integers(min_value=1), st.one_of(st.none(), TEXT)), max_size=20))
def test_tsv_round_trip_through_crms_own_reader(values: list[tuple[int, str | None]]) -> None:
    from crmcli.io import readers

    out = io.StringIO(newline="")
    formats.write_tsv(_rows(values), out)
    columns, records = readers.read(io.StringIO(out.getvalue(), newline=""), "tsv")
    assert columns == list(COLUMNS)
    # A record of blank cells is skipped by the reader, as a blank line is: none here (ids are numbers).
    assert [(int(r.values["id"]), r.values["name"]) for r in records] == [(i, name or None) for i, name in values]


@given(st.lists(st.tuples(st.integers(min_value=1), st.one_of(st.none(), TEXT)), max_size=20))
def test_tsv_is_one_line_per_record_and_unescapes(values: list[tuple[int, str | None]]) -> None:
    out = io.StringIO()
    formats.write_tsv(_rows(values), out, raw=True)
    lines = out.getvalue().split("\n")[:-1]
    assert len(lines) == len(values) + 1

    def unescape(cell: str) -> str:
        mapping = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}
        result, i = [], 0
        while i < len(cell):
            pair = cell[i:i + 2]
            if pair in mapping:
                result.append(mapping[pair])
                i += 2
            else:
                result.append(cell[i])
                i += 1
        return "".join(result)

    assert [unescape(line.split("\t")[1]) for line in lines[1:]] == [name or "" for _, name in values]


@given(st.lists(st.tuples(st.integers(min_value=1), st.one_of(st.none(), TEXT)), max_size=20))
def test_json_and_ndjson_round_trip(values: list[tuple[int, str | None]]) -> None:
    out = io.StringIO()
    formats.write_json(_rows(values), out)
    data = json.loads(out.getvalue())
    assert [(o["id"], o["name"]) for o in data] == values
    assert all(o["emails"] == ["a@x.example", "b@x.example"] and o["fields"] == {"k": "v"} for o in data)
    out = io.StringIO()
    formats.write_ndjson(_rows(values), out)
    assert [json.loads(line)["name"] for line in out.getvalue().splitlines()] == [n for _, n in values]


def test_empty_lists_become_empty_arrays() -> None:
    out = io.StringIO()
    formats.write_json(Rows(COLUMNS, [(1, "x", None, None)], list_columns=frozenset({"emails"}),
                            json_columns=frozenset({"fields"})), out)
    assert json.loads(out.getvalue()) == [{"id": 1, "name": "x", "emails": [], "fields": {}}]
