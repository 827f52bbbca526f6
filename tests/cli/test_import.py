"""`crm import contacts` as a user meets it: what it says, what it writes, and what it leaves alone."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Run, dump

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "import"
BROKEN = str(EXAMPLES / "broken.csv")


def test_bad_rows_are_each_named_and_nothing_is_imported(ann: Run, crm: Run, db_path: Path) -> None:
    before = dump(db_path)
    result = crm("import", "contacts", BROKEN)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{BROKEN}:7: invalid email 'frank@@ocean.example': The part after the @-sign contains invalid characters: '@'.",
        f"{BROKEN}:12: no name: a contact needs one",
        f"crm: 2 bad rows in {BROKEN}; nothing imported (fix them, or --skip-invalid imports the rest)",
    ]
    assert dump(db_path) == before


def test_skip_invalid_imports_the_rest_and_says_what_it_skipped(ann: Run, ok: Run) -> None:
    result = ok("import", "contacts", BROKEN, "--skip-invalid")
    assert f"{BROKEN}:7: invalid email" in result.stderr and f"{BROKEN}:12: no name" in result.stderr
    # Ann Lee's row matches the Ann Lee kept? No: her email differs, so she is a new contact of that name.
    assert result.stderr.splitlines()[-1] == (f"imported {BROKEN} (crmcli): 10 created, 0 updated, 0 unchanged, "
                                              "0 skipped, 2 bad rows skipped")
    assert len(ok("contacts", "list", "-q").stdout.split()) == 13


def test_a_dry_run_says_what_each_row_would_do_and_writes_nothing(ann: Run, crm: Run, db_path: Path) -> None:
    source = "name,emails\nAnn Lee,ann@acme.example\nZed Ray,zed@ray.example\n"
    before = dump(db_path)
    result = crm("import", "contacts", "-", "--dry-run", input=source)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["stdin:2\tunchanged\t#1 Ann Lee", "stdin:3\tcreate\tZed Ray"]
    assert result.stderr.splitlines()[-1] == ("dry run of stdin (crmcli), nothing written: it would be 1 created, "
                                              "0 updated, 1 unchanged, 0 skipped")
    assert dump(db_path) == before


def test_quiet_prints_the_ids_created_or_updated(ann: Run, ok: Run) -> None:
    source = "name,emails,tags\nAnn Lee,ann@acme.example,new-tag\nZed Ray,zed@ray.example,\nBob,bob@acme.example,\n"
    assert ok("import", "contacts", "-", "-q", input=source).stdout == "1\n4\n"  # Bob had nothing new


def test_google_and_outlook_files_import_without_a_mapping(ok: Run) -> None:
    google = ok("import", "contacts", str(EXAMPLES / "google-contacts.csv"), "--tag", "imported-2026-12")
    assert google.stderr.splitlines()[-1].endswith("(Google Contacts): 3 created, 0 updated, 0 unchanged, 0 skipped")
    assert google.stderr.startswith("ignored columns: Phonetic First Name, ")
    outlook = ok("import", "contacts", str(EXAMPLES / "outlook-contacts.csv"))
    assert "(Outlook): 2 created" in outlook.stderr
    listed = json.loads(ok("contacts", "list", "--format", "json", "--tag", "imported-2026-12").stdout)
    assert sorted(c["name"] for c in listed) == ["Berg AB", "Bob Marsh", "Zoë Øster"]


def test_unknown_columns_ask_for_a_mapping(crm: Run, ok: Run) -> None:
    source = "Full Name,Mail\nAnn Lee,ann@acme.example\n"
    result = crm("import", "contacts", "-", input=source)
    assert result.exit_code == 2
    assert result.stderr == ("crm: cannot tell which column holds the name among: Full Name, Mail; say which is which "
                             "with --map, e.g. --map 'Full Name=name' --map 'Mail=email'\n")
    ok("import", "contacts", "-", "--map", "Full Name=name", "--map", "Mail=email", input=source)
    assert ok("contacts", "show", "ann").stdout.count("ann@acme.example") == 1


@pytest.mark.parametrize(("args", "stdin", "code", "message"), [
    (("no-such-file.csv",), None, 3, "crm: no file no-such-file.csv"),
    (("-", "--format", "json"), '[{"name": "Ann"},', 2, "crm: stdin:1: not JSON: Expecting value (column 18); nothing imported"),
    (("-",), "name\nAnn\nBob,extra\n", 2, "crm: stdin:3: 2 cells in a row under a header of 1 columns; nothing imported"),
    (("-", "--map", "Nom"), "Nom\nAnn\n", 2, "crm: a mapping is COLUMN=FIELD (e.g. 'E-mail Address=email'), not 'Nom'"),
])
def test_a_file_that_cannot_be_read_is_one_line(crm: Run, args: tuple[str, ...], stdin: str | None, code: int,
                                                message: str) -> None:
    result = crm("import", "contacts", *args, input=stdin)
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", message + "\n")


def test_a_file_that_is_not_utf8_is_one_line(crm: Run, tmp_path: Path) -> None:
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("name\nZoë\n".encode("latin-1"))
    result = crm("import", "contacts", str(latin))
    assert result.exit_code == 2 and result.stderr == f"crm: {latin} is not UTF-8 text; save it as UTF-8 and import again\n"


# -- round trips: crm's own export out, into an empty database, out again: the same ---------------

_word = st.text(st.characters(categories=("L", "M", "N", "P", "S"), exclude_characters=";"), min_size=1, max_size=8)
_name = st.lists(_word, min_size=1, max_size=3).map(" ".join)
_note = st.lists(st.sampled_from(list("aZé€ ,\";=\n\r\t'ß😀") + ["=SUM(A1)"]), min_size=1, max_size=12) \
    .map("".join).map(str.strip).filter(bool)
_org = _name.filter(lambda n: not n.lstrip("#").isdigit())  # `--org 12` means organisation #12
_person = st.fixed_dictionaries({"name": _name, "title": st.none() | _name, "org": st.none() | _org,
                                 "note": st.none() | _note, "tags": st.lists(st.sampled_from(["vip", "a-b", "x1"]),
                                                                             unique=True, max_size=2),
                                 "cadence": st.none() | st.integers(1, 400)})


def _add(ok: Run, db: str, i: int, p: dict[str, object]) -> None:
    options = [f"--email=work:p{i}@example.com", f"--phone=mobile:+4420794600{i:02d}"]
    options += [f"--title={p['title']}"] if p["title"] else []
    options += [f"--org={p['org']}"] if p["org"] else []
    options += [f"--field=note={p['note']}"] if p["note"] else []
    options += [f"--tag={tag}" for tag in p["tags"]]  # type: ignore[attr-defined]
    options += [f"--cadence=every {p['cadence']} days"] if p["cadence"] else []
    ok("--db", db, "contacts", "add", *options, "--", str(p["name"]))  # a name may start with "-"


def _without_ids(text: str, fmt: str) -> object:
    import csv
    import io

    if fmt in ("json", "ndjson"):
        rows = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
        return [{k: v for k, v in row.items() if k != "id"} for row in rows]
    if fmt == "tsv":  # no quoting in TSV: a '"' is a character like any other
        return [line.split("\t")[1:] for line in text.splitlines()]
    return [row[1:] for row in csv.reader(io.StringIO(text, newline=""))]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "ndjson"])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(_person, min_size=1, max_size=4))
def test_an_export_imported_into_an_empty_database_exports_the_same(ok: Run, fmt: str, people: list[dict[str, object]]) -> None:
    folder = tempfile.mkdtemp()
    first, second = f"{folder}/a.db", f"{folder}/b.db"
    for i, person in enumerate(people):
        _add(ok, first, i, person)
    out = ok("--db", first, "export", "contacts", "--format", fmt).stdout
    ok("--db", second, "import", "contacts", "-", "--format", fmt, input=out)
    # Everything but `id`, the row number in each database (the uid is what carries over).
    assert _without_ids(ok("--db", second, "export", "contacts", "--format", fmt).stdout, fmt) == _without_ids(out, fmt)
    again = ok("--db", second, "import", "contacts", "-", "--format", fmt, input=out)
    assert f"0 created, 0 updated, {len(people)} unchanged" in again.stderr


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "ndjson"])
def test_each_sample_of_crms_own_formats_imports_the_same_four_contacts_exactly(ok: Run, fmt: str) -> None:
    """examples/import/contacts.{csv,tsv,json,ndjson}: `crm export contacts` output, back in exactly
    (labels, several emails, tags, fields, cadence, uids, times)."""
    sample = EXAMPLES / f"contacts.{fmt}"
    result = ok("import", "contacts", str(sample))
    assert result.stderr == f"imported {sample} (crmcli): 4 created, 0 updated, 0 unchanged, 0 skipped\n"
    exported = ok("export", "contacts", "--format", fmt).stdout
    assert _without_ids(exported, fmt) == _without_ids(sample.read_text(encoding="utf-8"), fmt)


def test_another_tools_csv_needs_a_mapping_and_a_call_log_lands_on_the_right_people(ok: Run, crm: Run) -> None:
    other, calls = EXAMPLES / "other-tool.csv", EXAMPLES / "call-log.csv"
    unmapped = crm("import", "contacts", str(other))
    assert unmapped.exit_code == 2 and "cannot tell which column holds the name" in unmapped.stderr
    ok("import", "contacts", str(other), "--map", "Full Name=name", "--map", "Mail=email", "--map", "Company=org",
       "--map", "Position=title", "--map", "Mobile=phone", "--map", "Source=field:source")
    greta = json.loads(ok("contacts", "show", "greta", "--format", "json").stdout)[0]
    assert (greta["org"], greta["title"], greta["phones"], greta["fields"]) == \
        ("Lindqvist Design AB", "Art Director", ["+46701234567"], {"source": "referral"})
    ok("import", "contacts", str(EXAMPLES / "contacts.csv"))
    ok("import", "interactions", str(calls))
    logged = json.loads(ok("export", "interactions", "--format", "json").stdout)
    assert [(i["kind"], i["contacts"]) for i in sorted(logged, key=lambda i: i["occurred"])] == [
        ("call", ["Zoë Øster"]), ("meeting", ["Ann Lee"]), ("call", ["José Núñez"])]


def test_the_same_files_import_alike_on_postgres(pg_url: str, ok: Run, crm: Run, tmp_path: Path) -> None:
    """The bulk writes and the row-by-row matches on PostgreSQL: what SQLite keeps, it keeps."""
    source = ("name,emails,phones,org,tags,fields\n"
              'Zoë Øster,work:zoe@acme.example,mobile:+44 7700 900123,Acme Ltd,vip,"{""met"": ""Berlin""}"\n'
              "Bob Marsh,bob@acme.example,,Acme Ltd,,\n"
              "Zoe Oster,zoe@acme.example; zoe@mail.example,,,press,\n")  # Zoë again: her new email added
    exports = []
    for db in (pg_url, str(tmp_path / "lite.db")):
        first = ok("--db", db, "import", "contacts", "-", input=source)
        assert first.stderr.endswith("(crmcli): 2 created, 1 updated, 0 unchanged, 0 skipped\n")
        again = ok("--db", db, "import", "contacts", "-", input=source)
        assert again.stderr.endswith("(crmcli): 0 created, 0 updated, 3 unchanged, 0 skipped\n")
        bad = crm("--db", db, "import", "contacts", "-", input="name,emails\nEve,eve@@x.example\n")
        assert bad.exit_code == 2
        exports.append(_without_ids(ok("--db", db, "export", "contacts", "--format", "json").stdout, "json"))
    # The owner is each database's importer: the session user on PostgreSQL, the login name on SQLite.
    strip = [[{k: v for k, v in row.items() if k not in ("uid", "created", "updated", "owner")} for row in rows]  # type: ignore[union-attr]
             for rows in exports]
    assert strip[0] == strip[1] and len(strip[0]) == 2
    assert strip[0][1]["emails"] == ["work:zoe@acme.example", "zoe@mail.example"]


def test_a_fields_cell_with_a_number_json_does_not_have_is_a_bad_row(ann: Run, crm: Run, db_path: Path,
                                                                      tmp_path: Path) -> None:
    """`{"score": NaN}` in a CSV's fields column: Python reads it, JSON has no NaN; it was stored as "nan"."""
    path = tmp_path / "nan.csv"
    path.write_text('name,fields\nZed,"{""score"": NaN}"\n', encoding="utf-8")
    before = dump(db_path)
    result = crm("import", "contacts", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[0] == (f"{path}:2: fields must be a JSON object such as "
                                             "{\"source\": \"website\"}, not '{\"score\": NaN}'")
    assert dump(db_path) == before
