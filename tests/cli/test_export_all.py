"""`crm export all` and `crm import all`: the whole database out as one JSON document and back into
an empty one (a file or PostgreSQL), exactly; a database with data, or a file that is not such a
document, is one line on stderr and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_db_copy import _demo, _same_listings
from tests.conftest import Run, dump


def _without_time(document: str) -> dict[str, object]:
    whole = json.loads(document)
    assert whole.pop("exported_at").endswith("Z")
    return whole  # type: ignore[no-any-return]


def test_the_demo_goes_out_and_back_into_an_empty_file_exactly(ok: Run, tmp_path: Path) -> None:
    source, target = _demo(ok, tmp_path), str(tmp_path / "restored.db")
    out = ok("--db", source, "export", "all")
    assert out.stderr == ""  # stdout carries the document alone
    document = json.loads(out.stdout)
    assert document["format"] == "crmcli-database" and len(document["tables"]["contact"]["rows"]) == 300
    rows = sum(len(t["rows"]) for t in document["tables"].values())
    restored = ok("--db", target, "import", "all", "-", input=out.stdout)
    assert restored.stdout == ""
    assert document["tables"]["service_case"]["rows"]  # the demo's cases go too
    assert restored.stderr == f"restored {rows:,} rows of {sum(1 for t in document['tables'].values() if t['rows'])} tables from stdin into {target}\n"
    _same_listings(ok, source, target)
    assert _without_time(ok("--db", target, "export", "all").stdout) == _without_time(out.stdout)
    assert "passed" in ok("--db", target, "db", "check").stderr


def test_a_file_round_trip_into_postgres(ok: Run, tmp_path: Path, pg_url: str) -> None:
    source, file = _demo(ok, tmp_path), tmp_path / "crm.json"
    wrote = ok("--db", source, "export", "all", "-o", str(file))
    assert wrote.stdout == "" and wrote.stderr.startswith("wrote ") and wrote.stderr.endswith(f"to {file}\n")
    ok("--db", pg_url, "import", "all", str(file))
    _same_listings(ok, source, pg_url)
    assert _without_time(ok("--db", pg_url, "export", "all").stdout) == _without_time(file.read_text(encoding="utf-8"))
    ok("--db", pg_url, "contacts", "add", "Somebody New")  # the id sequences moved past the restored ids
    assert json.loads(ok("--db", pg_url, "contacts", "show", "somebody new", "--format", "json").stdout)[0]["id"] == 301


def test_a_database_with_data_is_refused_and_unchanged(ok: Run, crm: Run, tmp_path: Path) -> None:
    source, target = _demo(ok, tmp_path), tmp_path / "busy.db"
    document = ok("--db", source, "export", "all").stdout
    ok("--db", str(target), "contacts", "add", "Somebody Else")
    before = dump(target)
    refused = crm("--db", str(target), "import", "all", "-", input=document)
    assert (refused.exit_code, refused.stdout) == (5, "")
    assert refused.stderr == f"crm: {target} already holds data (table contact); use an empty database\n"
    assert dump(target) == before


def test_what_is_not_a_document_is_one_line_and_writes_nothing(ok: Run, crm: Run, tmp_path: Path) -> None:
    source, target = _demo(ok, tmp_path), tmp_path / "new.db"
    whole = json.loads(ok("--db", source, "export", "all").stdout)
    whole["tables"]["follow_up"]["rows"][-1][5] = "next tuesday"  # due_at
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(whole), encoding="utf-8")
    cases = [((str(broken),), None, 2, f"crm: {broken}: follow_up row {len(whole['tables']['follow_up']['rows'])}: "
              "due_at must be a time (2026-11-25T10:30:00.000000Z), not \"next tuesday\"\n"),
             (("-",), "name,email\nAnn,ann@x.example\n", 2, "crm: stdin:1: not JSON (Expecting value)\n"),
             (("-",), '{"format": "crmcli-database", "format_version": 1, "schema_version": 1, "tables": {}}', 2,
              None),
             ((str(tmp_path / "missing.json"),), None, 3, f"crm: no file {tmp_path / 'missing.json'}\n")]
    for args, stdin, code, message in cases:
        result = crm("--db", str(target), "import", "all", *args, input=stdin)
        assert (result.exit_code, result.stdout) == (code, ""), args
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
        if message is not None:
            assert result.stderr == message
    assert ok("--db", str(target), "contacts", "list", "--format", "json").stdout.strip() == "[]"
