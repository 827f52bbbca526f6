"""Reading records back: each with the line it starts on, values as written."""

from __future__ import annotations

import io

import pytest

from crmcli.io import formats, readers


def _read(text: str, fmt: str) -> tuple[list[str], list[readers.Record]]:
    columns, records = readers.read(io.StringIO(text, newline=""), fmt)
    return columns, list(records)


def test_csv_records_start_on_their_line_even_after_a_quoted_newline() -> None:
    columns, records = _read('\ufeffname,notes\r\nAnn,"two\r\nlines"\r\n\r\nBob,\r\n', "csv")
    assert columns == ["name", "notes"]  # the byte-order mark is not part of the first column's name
    assert [(r.line, r.values) for r in records] == [(2, {"name": "Ann", "notes": "two\r\nlines"}),
                                                     (5, {"name": "Bob", "notes": None})]


def test_a_csv_row_longer_than_its_header_is_named_by_line() -> None:
    _, records = readers.read(io.StringIO("name\nAnn\nBob,extra\n"), "csv")
    with pytest.raises(readers.ReadError) as err:
        list(records)
    assert err.value.line == 3 and "2 cells" in str(err.value)


def test_tsv_reads_back_what_the_writer_escaped() -> None:
    class Rows:
        columns = ("name", "notes")
        rows = [("Ann", "tab\there\nnewline \\ backslash"), ("Bob", None)]
        list_columns = json_columns = frozenset()

    out = io.StringIO()
    formats.write_tsv(Rows(), out)  # type: ignore[arg-type]
    columns, records = _read(out.getvalue(), "tsv")
    assert [tuple(r.values.values()) for r in records] == Rows.rows
    assert [r.line for r in records] == [2, 3]


def test_json_and_ndjson_keep_their_types_and_positions() -> None:
    _, records = _read('[{"name": "Ann", "emails": ["a@x.example"]}, {"name": "Bob", "fields": {"k": "v"}}]', "json")
    assert [(r.line, r.values["name"]) for r in records] == [(1, "Ann"), (2, "Bob")]
    assert records[0].values["emails"] == ["a@x.example"]
    columns, records = _read('{"name": "Ann"}\n\n{"name": "Bob", "title": "CTO"}\n', "ndjson")
    assert columns == ["name", "title"] and [r.line for r in records] == [1, 3]


@pytest.mark.parametrize(("text", "fmt", "line", "words"), [
    ('[{"name": "Ann"},', "json", 1, "not JSON"),
    ('{"name": 1}\n[1, 2]\n', "ndjson", 2, "expected an object"),
    ('{"name": 1}\n{oops\n', "ndjson", 2, "not JSON"),
    ('{"name": "Ann"}', "json", 1, "array of objects"),
])
def test_broken_json_is_named_by_line(text: str, fmt: str, line: int, words: str) -> None:
    with pytest.raises(readers.ReadError) as err:
        _read(text, fmt)
    assert err.value.line == line and words in str(err.value)


@pytest.mark.parametrize(("path", "given", "expected"), [
    ("a.csv", None, "csv"), ("A.TSV", None, "tsv"), ("a.jsonl", None, "ndjson"), ("a.json", None, "json"),
    ("-", None, "csv"), ("a.txt", None, "csv"), ("a.csv", "json", "json"),
])
def test_the_format_comes_from_the_flag_then_the_suffix(path: str, given: str | None, expected: str) -> None:
    assert readers.format_of(path, given) == expected


# -- hostile files (tests/proofs/test_hostile_import.py): each a ReadError at its line, not a crash later -----

@pytest.mark.parametrize(("text", "fmt", "line", "message"), [
    ("name\nAnn\nA\x00nn\n", "csv", 3, "this record holds a NUL character, which crm does not store"),
    ("name\nA\x00nn\n", "tsv", 2, "this record holds a NUL character"),
    ('[{"name": "A\\u0000nn"}]', "json", 1, "this record holds a NUL character"),
    ('{"name": "x"}\n{"name": "Bo\\ud800b"}\n', "ndjson", 2, "this record holds a lone surrogate \\ud800"),
    ('[{"fields": {"k\\udfff": 1}}]', "json", 1, "this record holds a lone surrogate \\udfff"),  # a key too
    ("na\x00me\nAnn\n", "csv", 1, "a column name holds a NUL character"),
    ("[" * 100_000 + "]" * 100_000, "json", 1, "not JSON crm can read: arrays or objects nested too deeply"),
    ('{"name": ' + "9" * 5_000 + "}\n", "ndjson", 1, "not JSON crm can read: a number of thousands of digits"),
    # Python's parser reads these; JSON has no such numbers, and stored they came back as the text "nan"
    ('[{"name": "Ann", "fields": {"score": NaN}}]', "json", 1, "not JSON: NaN is not a JSON number"),
    ('{"name": "Ann"}\n{"name": "Bo", "cadence_days": -Infinity}\n', "ndjson", 2,
     "not JSON: -Infinity is not a JSON number"),
    ('[{"name": "Ann", "fields": {"score": 1e999}}]', "json", 1, "not JSON: 1e999 is too large a number"),
    ("BEGIN:VCARD\r\nFN:A\x00nn\r\nEND:VCARD\r\n", "vcard", 1, "this record holds a NUL character"),
    ("just some text\r\n", "vcard", 1, "no vCard here (no BEGIN:VCARD line)"),
])
def test_what_crm_cannot_store_or_read_is_named_by_line(text: str, fmt: str, line: int, message: str) -> None:
    with pytest.raises(readers.ReadError) as err:
        _read(text, fmt)
    assert err.value.line == line and str(err.value).startswith(message)


def test_a_csv_cell_may_be_as_long_as_the_file() -> None:
    """The csv module refuses a cell past 128 KiB by default: a long note crm itself exported."""
    _, records = _read("name,notes\nAnn," + "x" * 1_000_000 + "\n", "csv")
    assert len(records[0].values["notes"]) == 1_000_000


def test_an_empty_vcard_file_imports_nothing_but_is_no_error() -> None:
    assert _read("\r\n\r\n", "vcard")[1] == []


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_one_quote_before_a_formula_is_dropped_unless_raw(fmt: str) -> None:
    sep = "," if fmt == "csv" else "\t"
    text = f"name{sep}title\n'=1+1{sep}''@x\n'+4930123456{sep}'quoted\n"
    assert [r.values for r in _read(text, fmt)[1]] == [{"name": "=1+1", "title": "'@x"},
                                                       {"name": "'+4930123456", "title": "'quoted"}]
    columns, records = readers.read(io.StringIO(text, newline=""), fmt, raw=True)
    assert [r.values["name"] for r in records] == ["'=1+1", "'+4930123456"]
