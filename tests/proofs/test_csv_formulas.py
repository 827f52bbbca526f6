"""CSV and TSV exports keep spreadsheets from running a cell as a formula (crmcli.io.formats.neutralise),
and crm's own import reads them back exactly (unneutralise): the rule, the commands, the round trip."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crmcli.io.formats import FORMULA_STARTS, is_formula, neutralise, unneutralise
from tests.conftest import Run
from tests.proofs.hostile import Databases, databases, fuzz


@pytest.mark.parametrize(("stored", "written"), [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("@SUM(1)", "'@SUM(1)"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-", "'-"),
    ("+", "'+"),
    ("- call back", "'- call back"),
    ("+44 20 7946 0000", "'+44 20 7946 0000"),  # spaces: no plain number (crm keeps phones as +442079460000)
    ("'=1", "''=1"),             # a stored ' before a formula gets one more: the import drops exactly one
    ("''@x", "'''@x"),
    ("'+4930123456", "''+4930123456"),
    # As they are: no formula character first, or a plain signed number (or a list of them).
    ("+4930123456", "+4930123456"),
    ("-12.50", "-12.50"),
    ("+4930123456; +4930987654", "+4930123456; +4930987654"),
    ("Ann Lee", "Ann Lee"),
    ("'quoted'", "'quoted'"),
    ("", ""),
    ("1+1", "1+1"),
    (" =1", " =1"),
    ("{\"notes\": \"=1\"}", "{\"notes\": \"=1\"}"),
])
def test_the_rule(stored: str, written: str) -> None:
    assert neutralise(stored) == written
    assert unneutralise(written) == stored


@fuzz(1000)
@given(st.text())
@example("'")
@example("''")
@example("'-1")
def test_unneutralise_is_the_exact_inverse(text: str) -> None:
    written = neutralise(text)
    assert unneutralise(written) == text
    # What a spreadsheet sees first is never a formula character, but for a plain number.
    assert not written.startswith(FORMULA_STARTS) or not is_formula(written)
    assert written in (text, "'" + text)


@pytest.fixture
def hostile(ok: Run) -> Run:
    """Contacts a spreadsheet would run, and the numbers it must not change."""
    ok("contacts", "add", '=HYPERLINK("http://x.example")', "--phone", "+49 30 1234567",
       "--org", "@SUM(1)", "--title", "+cmd|' /C calc'!A0")
    ok("contacts", "add", "--field", "note=-12.50", "--tag", "vip", "--", "-2+3")
    ok("contacts", "add", "'=already quoted", "--phone", "+49 30 7654321", "--phone", "+49 30 7654322")
    ok("contacts", "add", "--email", "sum@x.example", "--", "@SUM(1)")
    ok("contacts", "add", "--email", "cmd@x.example", "--", "+cmd|' /C calc'!A0")
    return ok


NAMES = {'=HYPERLINK("http://x.example")', "-2+3", "'=already quoted", "@SUM(1)", "+cmd|' /C calc'!A0"}


def _cells(text: str, fmt: str) -> list[list[str]]:
    if fmt == "tsv":
        return [line.split("\t") for line in text.splitlines()]
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_an_export_neutralises_formulas_and_keeps_numbers(hostile: Run, fmt: str) -> None:
    rows = _cells(hostile("export", "contacts", "-f", fmt).stdout, fmt)
    by_name = {row[rows[0].index("name")]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert set(by_name) == {"'" + name for name in NAMES}
    first = by_name['\'=HYPERLINK("http://x.example")']
    assert (first["org"], first["title"], first["phones"]) == ("'@SUM(1)", "'+cmd|' /C calc'!A0", "+49301234567")
    assert by_name["''=already quoted"]["phones"] == "+49307654321; +49307654322"  # a list of numbers stays
    # Custom fields are a JSON object: `{`, never a formula, whatever the values.
    assert by_name["'-2+3"]["fields"] == '{"note":"-12.50"}'


def test_listings_in_csv_are_neutralised_too(hostile: Run) -> None:
    """Every CSV and TSV writer goes through the one function: `contacts list -f csv` as well."""
    for fmt in ("csv", "tsv"):
        rows = _cells(hostile("contacts", "list", "-f", fmt).stdout, fmt)
        names = [row[rows[0].index("name")] for row in rows[1:]]
        assert '\'=HYPERLINK("http://x.example")' in names and "'-2+3" in names
        rows = _cells(hostile("orgs", "list", "-f", fmt).stdout, fmt)
        assert [row[rows[0].index("name")] for row in rows[1:]] == ["'@SUM(1)"]


def test_raw_writes_cells_as_stored_and_json_is_never_changed(hostile: Run) -> None:
    raw = _cells(hostile("export", "contacts", "--raw").stdout, "csv")
    assert {row[2] for row in raw[1:]} == NAMES
    assert {c["name"] for c in json.loads(hostile("export", "contacts", "-f", "json").stdout)} == NAMES


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_crms_own_export_imports_back_exactly(hostile: Run, tmp_path: Path, fmt: str) -> None:
    def kept(*db: str) -> list[dict[str, object]]:  # every column but the row number (the uid carries over)
        return [{k: v for k, v in c.items() if k != "id"}
                for c in json.loads(hostile(*db, "export", "contacts", "-f", "json").stdout)]

    exported = hostile("export", "contacts", "-f", fmt).stdout
    other = str(tmp_path / "other.db")
    hostile("--db", other, "import", "contacts", "-", "-f", fmt, input=exported)
    assert kept("--db", other) == kept()
    # --raw on both sides: the same, for files a script wrote.
    raw = hostile("export", "contacts", "-f", fmt, "--raw").stdout
    third = str(tmp_path / "third.db")
    hostile("--db", third, "import", "contacts", "-", "-f", fmt, "--raw", input=raw)
    assert kept("--db", third) == kept()


# Text a person may give a contact, formulas and quotes favoured: one line (a name), or any (a note).
_formulaic = st.lists(st.sampled_from(["=", "+", "-", "@", "'", "''", "\t", "\r", "1", "2.5", "; ", "cmd|", "A0",
                                       "Zoë", " ", "\n", '"', ",", "😀"]), min_size=1, max_size=6).map("".join)
_line = st.one_of(_formulaic, st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12))
_name = _line.map(lambda s: " ".join(s.split())).filter(bool)
_note = st.one_of(_formulaic, st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                                      min_size=1, max_size=12)).filter(str.strip)


@pytest.fixture
def empty(ok: Run, tmp_path: Path) -> Databases:
    return databases(ok, tmp_path / "empty")


@fuzz(15)
@given(people=st.lists(st.tuples(_name, st.none() | _name, st.none() | _note), min_size=1, max_size=3),
       fmt=st.sampled_from(["csv", "tsv"]))
@example(people=[("=1+1", "-2+3", "'@x"), ("'-1", None, "\t=cmd")], fmt="csv")
def test_any_text_exported_and_imported_is_the_same(ok: Run, empty: Databases,
                                                    people: list[tuple[str, str | None, str | None]],
                                                    fmt: str) -> None:
    """Any text values -> export CSV/TSV -> import into an empty database -> the same values (JSON compared,
    every column but the row number)."""
    first, second = empty.fresh(), empty.fresh()
    stored = [{"name": name, "title": title, "emails": [f"p{i}@trip.example"], "fields": {"note": note} if note else {}}
              for i, (name, title, note) in enumerate(people)]  # JSON: stored exactly as given
    ok("--db", first, "import", "contacts", "-", "-f", "json", input=json.dumps(stored))
    exported = ok("--db", first, "export", "contacts", "-f", fmt).stdout
    ok("--db", second, "import", "contacts", "-", "-f", fmt, input=exported)

    def kept(db: str) -> list[dict[str, object]]:
        return [{k: v for k, v in c.items() if k != "id"}
                for c in json.loads(ok("--db", db, "export", "contacts", "-f", "json").stdout)]
    assert kept(second) == kept(first)
