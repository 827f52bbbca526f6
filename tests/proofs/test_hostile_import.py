"""Hostile files fed to every importer through the real command line (`crm import ...`, in-process):
random bytes, random Unicode (lone surrogates written as the bytes UTF-8 refuses), wrong encodings and
BOMs, NUL bytes, huge cells and rows, CSV injection cells, malformed CSV, TSV, JSON (wrong shapes,
deep nesting, 5,000-digit numbers, NaN, \\u0000 and \\ud800 escapes), malformed vCards (no END, bad
ENCODING and CHARSET parameters, folded lines, base64 garbage, a folder of them), interaction files
and `crm export all` documents changed at random. Each command must accept the file or refuse it in
one line with a documented exit code, and a refused import leaves the database as it was
(tests/proofs/hostile.py says the contract and the settings).

The importers: `crm import contacts` (csv, tsv, json, ndjson, vcard: a file, stdin, or a folder of
*.vcf), `crm import interactions` (csv, tsv, json, ndjson), `crm import all` (the JSON document
of `crm export all`) and `crm import mail` (an mbox file or a maildir folder of hostile mails: random
headers, encoded words and charsets, MIME structures, bodies, bytes changed at random), with `crm log
--eml`, which reads one such mail. crm reads no iCalendar (it writes one: `crm export ics`, fed
hostile stored text in test_hostile_parsers.py). test_every_importer_is_fuzzed_here fails when an
importer comes that is not fuzzed here.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from crmcli.storage.migrations import LATEST
from tests.conftest import Run, dump
from tests.proofs.hostile import ACCEPTED, MAIL_NOTES, REFUSED, SEEDED, Databases, databases, fuzz, outcome

FUZZED_IMPORTS = {"contacts", "interactions", "all", "mail"}


def test_every_importer_is_fuzzed_here() -> None:
    """A new `crm import X` (issue 14: mail) must get its hostile-input property in this module."""
    import typer.main

    from crmcli.cli import importing

    group = typer.main.get_command(importing.app)
    assert set(group.commands) == FUZZED_IMPORTS, (  # type: ignore[attr-defined]
        f"fuzz the new importer(s) {set(group.commands) - FUZZED_IMPORTS} in this module, then add them here")


# -- what hostile text is made of -------------------------------------------------------------------

INJECTIONS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x.example/?"&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0",
              "+cmd|' /C calc'!A0", "-2+3", "\t=1+1", "\r=1+1", "'=1+1", "''@x", "=1", "+4930123456", "-12.50", "'"]
NASTY = ["\x00", "\ufeff", "\u2028", "\x85", "\r\n", "\r", "\n", '"', "'", ",", ";", "; ", "\t", "\\", "\\t", "\\n",
         "{", "}", "[", "]", ":", " ::: ", "* ", "#1", "#99999999999999999999", "²", "%", "_", "\u202e", "\x1b[31m",
         "😀", "é", "e\u0301", "\ud800", "\udfff", "work:", "mailto:", "tel:", "ann@acme.example", "+44 20 7946 0000",
         "every 99999999999 days", "9999-12-31", "0001-01-01T00:00:00+05:00", "NaN", "1e999", " ", ""]
# Everything but a few characters, lone surrogates included (a file gets them as the bytes UTF-8 refuses).
any_text = st.text(max_size=24)
cell = st.one_of(
    any_text,
    st.sampled_from(INJECTIONS + NASTY),
    st.lists(st.sampled_from(INJECTIONS + NASTY + ["a", "Zoë", " ", "x@y.example"]), max_size=6).map("".join),
    st.emails(),
    st.from_regex(r"\+?[0-9 ()-]{0,22}", fullmatch=True),
    st.sampled_from([1_000, 70_000, 140_000]).map(lambda n: "x" * n),  # past the csv module's 128 KiB
)

CONTACT_COLUMNS = ["uid", "name", "title", "org", "emails", "phones", "tags", "fields", "cadence_days", "created",
                   "updated", "owner", "id", "last_contact", "version", "Given Name", "Family Name", "First Name",
                   "Last Name", "E-mail 1 - Value", "E-mail 1 - Label", "Phone 1 - Value", "Labels", "Notes",
                   "E-mail Address", "Mobile Phone", "Company", "Job Title", "Categories", "Name"]
INTERACTION_COLUMNS = ["uid", "occurred", "kind", "direction", "contacts", "body", "created", "updated",
                       "contact_uids", "id", "when", "date", "text", "note", "subject", "contact", "with", "email",
                       "phone", "name", "type"]
ENCODINGS = ["utf-8", "utf-8-sig", "two BOMs", "utf-16", "latin-1", "cp1252"]


def encoded(text: str, encoding: str) -> bytes:
    """The bytes of `text` in an encoding; lone surrogates are written as UTF-8 would if it could."""
    if encoding == "two BOMs":
        return codecs.BOM_UTF8 * 2 + text.encode("utf-8", "surrogatepass")
    if encoding in ("latin-1", "cp1252"):
        return text.encode(encoding, "replace")
    return text.encode(encoding, "surrogatepass")


def _table_text(header: list[str], rows: list[list[str]], fmt: str, style: str) -> str:
    if fmt == "tsv":
        return "".join("\t".join(r) + "\n" for r in [header, *rows])
    if style == "broken":  # cells joined by hand: stray quotes, bare newlines
        return "".join(",".join(r) + "\n" for r in [header, *rows])
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n" if style == "crlf" else "\n",
                        quoting=csv.QUOTE_ALL if style == "quoted" else csv.QUOTE_MINIMAL)
    for row in [header, *rows]:
        writer.writerow(row)
    return out.getvalue()


@st.composite
def tables(draw: Any, columns: list[str], fmt: str) -> str:
    """A CSV or TSV text: a header (mostly of columns the importer knows) and rows of hostile cells."""
    column = st.one_of(st.sampled_from(columns), any_text, st.sampled_from(INJECTIONS))
    header = draw(st.lists(column, max_size=7))
    if draw(st.booleans()):
        header = ["name" if "name" in columns else draw(st.sampled_from(columns)), *header]
    rows = draw(st.lists(st.lists(cell, max_size=len(header) + 2), max_size=5))
    return _table_text(header, rows, fmt, draw(st.sampled_from(["crlf", "lf", "quoted", "broken"])))


json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), cell)
json_value = st.recursive(json_scalar, lambda kids: st.lists(kids, max_size=3)
                          | st.dictionaries(st.one_of(st.sampled_from(CONTACT_COLUMNS), any_text), kids, max_size=3),
                          max_leaves=8)


@st.composite
def json_files(draw: Any, columns: list[str], fmt: str) -> str:
    """A JSON array (json) or lines (ndjson) of records of random values, keys mostly the importer's;
    sometimes another shape altogether, or cut short."""
    record = st.dictionaries(st.one_of(st.sampled_from(columns), any_text), json_value, max_size=6)
    items = draw(st.lists(st.one_of(record, record, json_value), max_size=4))
    ascii_only = draw(st.booleans())  # escapes (\ud800, \u0000) or the characters themselves
    if fmt == "ndjson":
        text = "".join(json.dumps(item, ensure_ascii=ascii_only) + draw(st.sampled_from(["\n", "\r\n", "\n\n"]))
                       for item in items)
    else:
        text = json.dumps(draw(st.one_of(st.just(items), st.just(items), json_value)), ensure_ascii=ascii_only)
    if draw(st.integers(0, 9)) == 0:
        text = text[:draw(st.integers(0, len(text)))]
    return text


PARAMS = ["TYPE=work", 'TYPE="home,voice"', "WORK", "PREF", "INTERNET", "ENCODING=QUOTED-PRINTABLE",
          "QUOTED-PRINTABLE", "ENCODING=BASE64", "ENCODING=b", "CHARSET=utf-8", "CHARSET=latin-1", "CHARSET=undefined",
          "CHARSET=idna", "CHARSET=punycode", "CHARSET=rot13", "CHARSET=utf-16", "CHARSET=base64", "CHARSET=x-nope",
          "KEY=notes", "KEY=source", "KEY=1bad", "KEY=", "VALUE=uri", 'X="unterminated', 'X="a:b;c"', ""]
PROPERTIES = ["FN", "N", "EMAIL", "TEL", "ORG", "TITLE", "CATEGORIES", "NOTE", "UID", "X-CRMCLI-FIELD", "PHOTO",
              "item1.EMAIL", "VERSION", "BEGIN", "END", "REV", "X-UNKNOWN"]
vcard_value = st.one_of(
    cell,
    st.from_regex(r"(=[0-9A-Fa-f]{2}|[a-z ;,\\]|=)*", fullmatch=True),  # quoted-printable, and not quite
    st.binary(max_size=30).map(lambda b: codecs.encode(b, "base64").decode().replace("\n", "")),
    st.sampled_from(["tel:+1-555-555-0100;ext=12", "mailto:ann@x.example", "VCARD", "vcard", ";;;;", "\\,\\;\\n"]),
)


@st.composite
def vcards(draw: Any) -> str:
    """Cards of random properties, parameters and values, some without BEGIN or END, lines folded at
    random places, the text sometimes cut short."""
    cards = []
    for _ in range(draw(st.integers(0, 3))):
        lines = []
        for _ in range(draw(st.integers(0, 6))):
            name = draw(st.one_of(st.sampled_from(PROPERTIES), any_text))
            params = draw(st.lists(st.sampled_from(PARAMS), max_size=3))
            lines.append(";".join([name, *params]) + ":" + draw(vcard_value))
        begin, end = draw(st.sampled_from([(True, True)] * 4 + [(False, True), (True, False)]))
        cards += (["BEGIN:VCARD", "VERSION:" + draw(st.sampled_from(["2.1", "3.0", "4.0"]))] if begin else []) \
            + lines + (["END:VCARD"] if end else [])
    newline = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    text = "".join(line + newline for line in cards)
    for _ in range(draw(st.integers(0, 3))):  # fold somewhere (a continuation starts with a space or a tab)
        at = draw(st.integers(0, len(text)))
        text = text[:at] + newline + draw(st.sampled_from([" ", "\t", ""])) + text[at:]
    if draw(st.integers(0, 9)) == 0:
        text = text[:draw(st.integers(0, len(text)))]
    return text


# -- the importers ------------------------------------------------------------------------------------

CONTACT_OPTIONS = st.sampled_from([[], [], ["--skip-invalid"], ["--dry-run"], ["--on-duplicate", "create"],
                                   ["--on-duplicate", "skip"], ["--raw"], ["--tag", "imported"]])


@pytest.fixture
def seeded(ok: Run, tmp_path: Path) -> Databases:
    """Ann Lee and Bob Marsh: what a file may match, refer to, or collide with."""
    return databases(ok, tmp_path / "dbs", *SEEDED)


@pytest.fixture
def empty(ok: Run, tmp_path: Path) -> Databases:
    return databases(ok, tmp_path / "empty")


class Files:
    """Files written for the examples of a property, each under a new name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def write(self, data: bytes, suffix: str) -> str:
        self.count += 1
        path = self.folder / f"f{self.count}{suffix}"
        path.write_bytes(data)
        return str(path)


@pytest.fixture
def files(tmp_path: Path) -> Files:
    folder = tmp_path / "files"
    folder.mkdir()
    return Files(folder)


SUFFIXES = {"csv": ".csv", "tsv": ".tsv", "json": ".json", "ndjson": ".ndjson", "vcard": ".vcf"}


@fuzz(60)
@given(data=st.binary(max_size=400), fmt=st.sampled_from(list(SUFFIXES)), command=st.sampled_from(["contacts",
                                                                                                  "interactions"]))
@example(data=b"name\nA\x00nn\n", fmt="csv", command="contacts")
@example(data=b"name\n\xff\xfe\n", fmt="csv", command="contacts")
@example(data=b"\xef\xbb\xbf\xef\xbb\xbfname\nAnn\n", fmt="csv", command="contacts")
def test_random_bytes(crm: Run, seeded: Databases, files: Files, data: bytes, fmt: str, command: str) -> None:
    if command == "interactions" and fmt == "vcard":
        fmt = "csv"
    seeded.check(crm("--db", seeded.path, "import", command, files.write(data, SUFFIXES[fmt])), allowed={2})


@fuzz(60)
@given(text=st.text(max_size=300), fmt=st.sampled_from(list(SUFFIXES)), encoding=st.sampled_from(ENCODINGS))
@example(text="name\nAnn\ud800\n", fmt="csv", encoding="utf-8")  # a lone surrogate: bytes UTF-8 refuses
@example(text="name\nZoë\n", fmt="csv", encoding="utf-16")
@example(text='[{"name": "Zoë"}]', fmt="json", encoding="latin-1")
def test_random_unicode_in_any_encoding(crm: Run, seeded: Databases, files: Files, text: str, fmt: str,
                                        encoding: str) -> None:
    path = files.write(encoded(text, encoding), SUFFIXES[fmt])
    seeded.check(crm("--db", seeded.path, "import", "contacts", path), allowed={2})


def files_of(make: Any, columns: list[str], *formats: str) -> st.SearchStrategy[tuple[str, str]]:
    """(format, text) of one of `formats`, the text made by `make(columns, format)`."""
    return st.sampled_from(formats).flatmap(lambda fmt: st.tuples(st.just(fmt), make(columns, fmt)))


WIDE = ",".join(f"a{i}" if i else "a" for i in range(100_000)) + "\n" + ",".join("x" * 100_000) + "\n"
HUGE_CELL = "name,fields\n" + "A" * 1_000_000 + ',"{""notes"": ""' + "=cmd|' /C calc'!A0" * 10 + '""}"\n'


@fuzz(90)
@given(file=files_of(tables, CONTACT_COLUMNS, "csv", "tsv"), options=CONTACT_OPTIONS)
@example(file=("csv", HUGE_CELL), options=[]).via("a 1 MB cell (the csv module refused past 128 KiB)")
@example(file=("csv", WIDE), options=["--map", "a=name"]).via("a row of 100,000 columns")
@example(file=("csv", WIDE), options=[]).via("100,000 columns, none a name: the message lists 20")
@example(file=("csv", "name\nA\x00nn\n"), options=[]).via("a NUL in a cell")
@example(file=("csv", "name,fields\nx,\"{\"\"k\"\": \"\"\\ud800\"\"}\"\n"), options=[]).via("\\ud800 in a cell's JSON")
def test_hostile_tables_of_contacts(crm: Run, seeded: Databases, files: Files, file: tuple[str, str],
                                    options: list[str]) -> None:
    fmt, text = file
    path = files.write(text.encode("utf-8", "surrogatepass"), SUFFIXES[fmt])
    seeded.check(crm("--db", seeded.path, "import", "contacts", path, *options), allowed={2})


@fuzz(75)
@given(file=files_of(json_files, CONTACT_COLUMNS, "json", "ndjson"), options=CONTACT_OPTIONS)
@example(file=("json", "[" * 100_000 + "]" * 100_000), options=[]).via("nested 100,000 deep")
@example(file=("ndjson", '{"name": ' + "9" * 5_000 + "}\n"), options=[]).via("a 5,000-digit number")
@example(file=("json", '[{"name": "A\\u0000nn"}, {"name": "Bo\\ud800b"}]'), options=["--skip-invalid"])
@example(file=("json", '[{"name": "x", "cadence_days": "' + "9" * 30 + '"}]'), options=[]).via("a cadence past INTEGER")
@example(file=("json", '[{"name": "x", "created": "0001-01-01T00:00:00-05:00"}]'), options=[])
@example(file=("json", '[{"Given Name": [1], "Family Name": {"a": 2}}]'), options=[]).via("Google's names as lists")
@example(file=("json", '[{"E-mail Address": "a@b.example", "First Name": [1]}]'), options=[]).via("Outlook's too")
def test_hostile_json_of_contacts(crm: Run, seeded: Databases, files: Files, file: tuple[str, str],
                                  options: list[str]) -> None:
    fmt, text = file
    path = files.write(text.encode("utf-8", "surrogatepass"), SUFFIXES[fmt])
    seeded.check(crm("--db", seeded.path, "import", "contacts", path, *options), allowed={2})


@fuzz(75)
@given(text=vcards(), options=st.sampled_from([[], ["--skip-invalid"], ["--dry-run"]]))
@example(text="BEGIN:VCARD\r\nFN;ENCODING=QUOTED-PRINTABLE;CHARSET=undefined:Zo=C3=AB\r\nEND:VCARD\r\n", options=[])
@example(text="BEGIN:VCARD\r\nFN;ENCODING=QUOTED-PRINTABLE;CHARSET=idna:Zo=FF\r\nEND:VCARD\r\n", options=[])
@example(text="BEGIN:VCARD\r\nFN;ENCODING=QUOTED-PRINTABLE;CHARSET=punycode:Zo=FF\r\nEND:VCARD\r\n", options=[])
@example(text="BEGIN:VCARD\r\nFN:Ann\r\n", options=[])
@example(text="garbage, not a card\r\n", options=[])
def test_hostile_vcards(crm: Run, seeded: Databases, files: Files, text: str, options: list[str]) -> None:
    path = files.write(text.encode("utf-8", "surrogatepass"), ".vcf")
    seeded.check(crm("--db", seeded.path, "import", "contacts", path, *options), allowed={2})


@fuzz(30)
@given(cards=st.lists(st.one_of(vcards().map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=60)),
                      max_size=3))
def test_a_folder_of_hostile_vcards(crm: Run, seeded: Databases, tmp_path: Path, cards: list[bytes]) -> None:
    folder = tmp_path / f"cards-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    for i, card in enumerate(cards):
        (folder / f"{i}.vcf").write_bytes(card)
    seeded.check(crm("--db", seeded.path, "import", "contacts", str(folder)), allowed={1, 2})


HOSTILE_INTERACTIONS = json.dumps([
    {"occurred": "yesterday", "body": "x", "contacts": "#99999999999999999999999"},
    {"occurred": "yesterday", "body": "x", "contacts": "#" + "9" * 5_000},
    {"occurred": "yesterday", "body": "x", "contacts": "ann", "created": "0001-01-01T00:00+05:00"},
    {"occurred": "9" * 5_000 + " days ago", "body": "x", "contacts": "²"}])


@fuzz(60)
@given(file=files_of(tables, INTERACTION_COLUMNS, "csv", "tsv") | files_of(json_files, INTERACTION_COLUMNS, "json",
                                                                            "ndjson"),
       options=st.sampled_from([[], ["--skip-invalid"], ["--dry-run"]]))
@example(file=("json", HOSTILE_INTERACTIONS), options=["--skip-invalid"]).via("ids past INTEGER, a time before the year 1")
def test_hostile_interactions(crm: Run, seeded: Databases, files: Files, file: tuple[str, str],
                              options: list[str]) -> None:
    fmt, text = file
    path = files.write(text.encode("utf-8", "surrogatepass"), SUFFIXES[fmt])
    seeded.check(crm("--db", seeded.path, "import", "interactions", path, *options), allowed={2})


@fuzz(45)
@given(text=st.text(max_size=200) | json_value.map(json.dumps))
@example(text="[" * 100_000)
@example(text='{"format": "crmcli-database", "format_version": 1, "schema_version": ' + "9" * 5_000 + "}")
@example(text=json.dumps({"format": "crmcli-database", "format_version": 1, "schema_version": LATEST,
                          "tables": {"tag": {"columns": ["\u2028"], "rows": []}}}, ensure_ascii=False))
def test_random_text_as_a_whole_database(crm: Run, empty: Databases, files: Files, text: str) -> None:
    path = files.write(text.encode("utf-8", "surrogatepass"), ".json")
    empty.check(crm("--db", empty.path, "import", "all", path), allowed={2})


def _mutations(document: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Ways to break a real document: a value, a row, a table, a column name, a header field."""
    tables = document["tables"]
    names = sorted(n for n, t in tables.items() if t["rows"])

    @st.composite
    def mutate(draw: Any) -> dict[str, Any]:
        doc = json.loads(json.dumps(document))
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["value", "value", "value", "row", "table", "column", "header", "drop"]))
            name = draw(st.sampled_from(names))
            if not isinstance(doc.get("tables"), dict) or not isinstance(doc["tables"].get(name), dict) \
                    or not {"columns", "rows"} <= set(doc["tables"][name]):
                continue  # an earlier change took it away
            body = doc["tables"][name]
            if kind == "value" and body["rows"] and body["columns"]:
                row = draw(st.integers(0, len(body["rows"]) - 1))
                if isinstance(body["rows"][row], list) and body["rows"][row]:
                    at = draw(st.integers(0, len(body["rows"][row]) - 1))
                    body["rows"][row][at] = draw(json_value | st.sampled_from(
                        [2**31, 2**63, 2**70, -1, "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
                         "A\x00B", "A\ud800B", "", "not-a-uuid", True, 1.5]))
            elif kind == "row" and body["rows"]:
                body["rows"].append(draw(st.one_of(json_value, st.lists(json_value, max_size=len(body["columns"]) + 1),
                                                   st.just(list(body["rows"][0])))))  # a duplicate: same key
            elif kind == "table":
                doc["tables"][draw(st.sampled_from([name, "people", "\ud800"]))] = draw(json_value)
            elif kind == "column" and body["columns"]:
                at = draw(st.integers(0, len(body["columns"]) - 1))
                body["columns"][at] = draw(st.one_of(any_text, json_value, st.sampled_from(body["columns"])))
            elif kind == "header":
                doc[draw(st.sampled_from(["format", "format_version", "schema_version", "exported_at", "tables"]))] = \
                    draw(json_value)
            elif kind == "drop":
                if draw(st.booleans()):
                    del doc["tables"][name]
                else:
                    body.pop(draw(st.sampled_from(["columns", "rows"])))
        return doc
    return mutate()


@pytest.fixture
def document(ok: Run, tmp_path: Path) -> dict[str, Any]:
    """A whole database as `crm export all` writes it: contacts with everything, a deal, a follow-up,
    an interaction, the audit history."""
    db = str(tmp_path / "source.db")
    for command in SEEDED:
        ok("--db", db, *command)
    ok("--db", db, "log", "ann", "Called about the quote", "--at", "yesterday")
    ok("--db", db, "fu", "add", "ann", "Send the quote", "--due", "fri", "--every", "every 2 weeks")
    ok("--db", db, "deals", "add", "Website", "--org", "Acme Ltd", "--value", "12000", "--currency", "EUR",
       "--contact", "ann")
    return json.loads(ok("--db", db, "export", "all").stdout)


@fuzz(60)
@given(data=st.data())
def test_a_whole_database_changed_at_random(crm: Run, empty: Databases, files: Files, document: dict[str, Any],
                                            data: Any) -> None:
    doc = data.draw(_mutations(document))
    text = json.dumps(doc, ensure_ascii=data.draw(st.booleans()))
    path = files.write(text.encode("utf-8", "surrogatepass"), ".json")
    db = empty.path
    if empty.check(crm("--db", db, "import", "all", path), allowed={2, 5}) == ACCEPTED:
        # What was restored is what the document holds, table by table.
        back = json.loads(crm("--db", db, "export", "all").stdout)["tables"]
        given = {n: len(t["rows"]) for n, t in doc["tables"].items()}  # accepted: tables of rows, each
        assert {n: len(t["rows"]) for n, t in back.items() if n in given} == given


def test_the_unchanged_document_restores(crm: Run, empty: Databases, files: Files, document: dict[str, Any]) -> None:
    """The mutations start from a document that restores: a refusal above is the mutation's doing."""
    path = files.write(json.dumps(document).encode(), ".json")
    assert empty.check(crm("--db", empty.path, "import", "all", path)) == ACCEPTED


# -- accepted means: the data is what was given ----------------------------------------------------------

printable_text = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=20) | \
    st.sampled_from(INJECTIONS).filter(lambda s: s.strip() and s[0] not in "\t\r")


@fuzz(45)
@given(people=st.lists(st.tuples(printable_text, st.one_of(st.none(), printable_text)), min_size=1, max_size=4),
       fmt=st.sampled_from(["csv", "tsv", "json", "ndjson", "vcard"]))
def test_what_an_import_accepts_is_what_the_file_holds(crm: Run, seeded: Databases, files: Files,
                                                      people: list[tuple[str, str | None]], fmt: str) -> None:
    """Names and titles of hostile text (formulas, quotes, separators, any script) in each format, each
    row a new person (its own email): accepted, each is kept as written (spaces collapsed, as
    `contacts add` keeps a name); refused, nothing is kept."""
    rows = [{"name": name, "title": title, "emails": f"p{i}@fuzz.example"} for i, (name, title) in enumerate(people)]
    if fmt in ("csv", "tsv"):
        from crmcli.io.formats import neutralise

        # As crm's own export writes them: a formula cell behind its `'`; TSV's escapes.
        cells = [[neutralise(r["name"]), neutralise(r["title"] or ""), r["emails"]] for r in rows]
        if fmt == "tsv":
            table = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
            cells = [[c.translate(table) for c in row] for row in cells]
        text = _table_text(["name", "title", "emails"], cells, fmt, "crlf")
    elif fmt == "json":
        text = json.dumps(rows)
    elif fmt == "ndjson":
        text = "".join(json.dumps(r) + "\n" for r in rows)
    else:
        from crmcli.io.vcard import Card, write

        out = io.StringIO(newline="")
        write([Card(uid=f"00000000-0000-4000-8000-{i:012d}", name=r["name"], title=r["title"],
                    emails=[(None, r["emails"])]) for i, r in enumerate(rows)], out)
        text = out.getvalue()
    path = files.write(text.encode(), SUFFIXES[fmt])
    db = seeded.path
    if seeded.check(crm("--db", db, "import", "contacts", path), allowed={2}) == REFUSED:
        return
    listed = json.loads(crm("--db", db, "export", "contacts", "-f", "json").stdout)
    kept = {c["emails"][0]: (c["name"], c["title"]) for c in listed}
    for r in rows:  # a name's spaces collapsed, as `contacts add` keeps it; a title trimmed
        assert kept[r["emails"]] == (" ".join(r["name"].split()), (r["title"] or "").strip() or None)


def test_a_refused_import_of_a_big_file_leaves_the_database_as_it_was(ok: Run, crm: Run, seeded: Databases,
                                                                       files: Files) -> None:
    """Thousands of good rows written in batches, then one bad row: all rolled back."""
    rows = "".join(f"Person {i},p{i}@big.example\n" for i in range(5_000))
    path = files.write(("name,emails\n" + rows + "Bad\x00Row,bad@big.example\n").encode(), ".csv")
    before = dump(Path(seeded.path))
    result = crm("--db", seeded.path, "import", "contacts", path)
    assert outcome(result) == REFUSED and result.stderr == (
        f"crm: {path}:5002: this record holds a NUL character, which crm does not store; nothing imported\n")
    assert dump(Path(seeded.path)) == before


# -- mail: crm import mail (an mbox, a maildir) and crm log --eml ------------------------------------------

MAIL_ADDRESSES = ["ann@acme.example", "Ann Lee <ANN@Acme.Example>", "bob@acme.example", "stranger@else.example",
                  "=?utf-8?q?Zo=C3=AB_=C3=98ster?= <zoe@oster.example>", "=?x-nope?q?=FF?= <q@x.example>",
                  '"Lee, Ann" <ann@acme.example>', "undisclosed-recipients:;", "<>", "a@", "@b", "ann@acme.example>",
                  '"\\" <q@x.example>', "(" * 60 + "x@y.example", "ann@acme.example, " * 40, "x" * 300 + "@big.example",
                  "me@mine.example", "\udcff@x.example", "Ann\x00 <ann@acme.example>", ""]
MAIL_DATES = ["Fri, 4 Dec 2026 10:17:42 +0100", "4 Dec 2026 10:17 -0000", "Fri, 31 Dec 9999 23:59:59 -1400",
              "Mon, 1 Jan 1900 00:00:00 +1400", "yesterday", "Thu, 1 Jan 1970 00:00:00 +0000", "Sat, 4 Dec 2100 10:00 GMT",
              "", "9" * 400]
MAIL_IDS = ["<a.1@acme.example>", "<a.1@acme.example>", "<b.2@acme.example>", "bare@acme.example", "<>", "<<x@y>>",
            "<" + "i" * 3_000 + "@long.example>", "<\x00@nul.example>", "<é@x.example>"]
SUBJECTS = st.one_of(cell, st.sampled_from(["=?utf-8?q?Re:_Angebot_f=C3=BCr_Sie?=", "=?utf-8?b?/w==?=",
                                            "=?iso-8859-1?q?caf=E9?= [case #1]", "[case #99999999999999999999]",
                                            "[case #1]", "=?utf-8?q?" + "=E2=80" * 50 + "?=", "=?unknown?x?y?="]))
CONTENT = ["text/plain; charset=utf-8", "text/plain; charset=iso-8859-1", "text/plain; charset=x-nope",
           "text/plain; charset=idna", "text/plain; charset=utf-8; format=flowed; delsp=yes", "text/html",
           "text/html; charset=windows-1252", "application/pdf", "multipart/alternative; boundary=b",
           "multipart/mixed", "message/rfc822", ""]
ENCODINGS_CTE = ["7bit", "8bit", "quoted-printable", "base64", "x-uuencode", "binary", "nonsense", ""]
BODIES = st.one_of(cell, st.lists(st.sampled_from(
    ["> quoted", "On Mon, Ann wrote:", "-- ", "Sent from my iPhone", "-----Original Message-----", "From: x",
     "Sent: y", "<p>para</p>", "<![if x]>", "<script>x", "<a href=javascript:x>y</a>", "=E9=", "=\n", "AAAA",
     "--b", "--b--", "Content-Type: text/html", "", "From the start", ">From quoted", "\x00", "é", "\ud800"]),
    max_size=8).map("\n".join))


@st.composite
def mails(draw: Any) -> bytes:
    """A mail of hostile headers, MIME structure and body; sometimes its bytes changed at random, or
    no mail at all."""
    if draw(st.integers(0, 14)) == 0:
        return draw(st.binary(max_size=200))
    lines = []
    for name, values in [("From", MAIL_ADDRESSES), ("To", MAIL_ADDRESSES), ("Cc", MAIL_ADDRESSES),
                         ("Date", MAIL_DATES), ("Message-ID", MAIL_IDS), ("In-Reply-To", MAIL_IDS),
                         ("Content-Type", CONTENT), ("Content-Transfer-Encoding", ENCODINGS_CTE)]:
        if draw(st.integers(0, 5)) or name == "From" and draw(st.booleans()):
            lines.append(f"{name}: {draw(st.sampled_from(values) | any_text)}")
    if draw(st.booleans()):
        lines.append(f"Subject: {draw(SUBJECTS)}")
    draw(st.randoms()).shuffle(lines)
    body = draw(BODIES)
    if draw(st.integers(0, 3)) == 0:  # a multipart body: a plain and an HTML part
        body = f"--b\nContent-Type: text/plain\n\n{body}\n--b\nContent-Type: text/html\n\n<p>{body}</p>\n--b--\n"
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    data = encoded(newline.join([*lines, "", body]), draw(st.sampled_from(["utf-8", "latin-1", "cp1252"])))
    for _ in range(draw(st.integers(0, 2))):  # bytes changed at random
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at + draw(st.integers(0, 8)):]
    return data


def _mbox(mails: list[bytes], quote: bool) -> bytes:
    """Mails as one mbox: a "From " line before each; a body's "From " lines quoted (mboxrd) or not."""
    out = []
    for mail in mails:
        if quote:
            mail = re.sub(rb"(?m)^(>*From )", rb">\1", mail)
        out.append(b"From sender@x.example Fri Dec  4 10:17:42 2026\n" + mail + b"\n\n")
    return b"".join(out)


MAIL_OPTIONS = st.sampled_from([[], [], ["--skip-invalid"], ["--dry-run"], ["--create"], ["--create", "--skip-invalid"],
                                ["--since", "2026-01-01"]])


@fuzz(60)
@given(mails=st.lists(mails(), max_size=4), form=st.sampled_from(["mbox", "mboxrd", "maildir"]), options=MAIL_OPTIONS)
@example(mails=[(Path(__file__).parents[2] / "examples" / "mail" / "sample-reply.eml").read_bytes()] * 2, form="mbox",
         options=[]).via("the README's mail, twice in one mbox: logged once")
@example(mails=[b"From: ann@acme.example\nSubject: =?utf-8?b?/w==?=\n\nhi", b"not a mail"], form="maildir",
         options=[]).via("a bad mail refuses the whole folder")
def test_hostile_mailboxes(crm: Run, seeded: Databases, tmp_path: Path, mails: list[bytes], form: str,
                           options: list[str]) -> None:
    """A mailbox of hostile mails: imported, or refused in one line after its bad mails, each named by
    its place, with nothing written. Imported, importing it again writes nothing (each mail is known
    by its Message-ID or its hash)."""
    folder = tmp_path / f"mail-{len(list(tmp_path.iterdir()))}"
    if form == "maildir":
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True)
        for n, mail in enumerate(mails):
            (folder / ("cur" if n % 2 else "new") / f"{1796547600 + n}.M{n}P1.host:2,S").write_bytes(mail)
        path = folder
    else:
        folder.mkdir()
        path = folder / "box"
        path.write_bytes(_mbox(mails, quote=form == "mboxrd"))
    db = seeded.path
    verdict = seeded.check(crm("--db", db, "import", "mail", str(path), *options), allowed={2}, notes=MAIL_NOTES)
    event(verdict)  # --hypothesis-show-statistics: how many of each
    if verdict == ACCEPTED and "--dry-run" not in options:
        before = dump(Path(db))
        again = crm("--db", db, "import", "mail", str(path), *options)
        assert outcome(again, notes=MAIL_NOTES) == ACCEPTED and " 0 logged" in again.stderr, again.stderr[-2000:]
        assert dump(Path(db)) == before


@fuzz(60)
@given(mail=mails(), options=st.sampled_from([[], ["--create"]]), stdin=st.booleans())
@example(mail=b"", options=[], stdin=True)
@example(mail=b"From: ann@acme.example\nMessage-ID: <" + b"i" * 3_000 + b"@long.example>\n\nhi", options=[],
         stdin=False).via("a Message-ID past what an index holds")
def test_hostile_mail_logged(crm: Run, seeded: Databases, files: Files, mail: bytes, options: list[str],
                             stdin: bool) -> None:
    """One hostile mail to `crm log --eml`, from a file or stdin: logged, or refused in one line (exit 2
    for what is not a mail, 3 when it names no contact), nothing written."""
    db = seeded.path
    if stdin:
        result = crm("--db", db, "log", "--eml", "-", *options, input=mail)  # type: ignore[arg-type]
    else:
        result = crm("--db", db, "log", "--eml", files.write(mail, ".eml"), *options)
    event(f"{seeded.check(result, allowed={2, 3}, notes=MAIL_NOTES)} (exit {result.exit_code})")
