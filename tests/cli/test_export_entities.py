"""`crm export contacts|orgs|interactions|follow-ups|deals`: every format parses, files are written
whole or not at all, usage errors exit 2, and a reader leaving early is no error."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CRM, Run

ENTITIES = ("contacts", "orgs", "interactions", "follow-ups", "deals")
FORMATS = ("csv", "tsv", "json", "ndjson")


@pytest.fixture
def filled(ann: Run) -> Run:
    """`ann`'s three contacts, with a call and its follow-up, a meeting of two, and a deal."""
    ann("log", "ann", "Called about the quote", "--kind", "call", "-d", "out", "--follow-up", "fri: send quote")
    ann("log", "ann", "bob", "Kick-off\nwith both", "--kind", "meeting")
    ann("deals", "add", "Website", "-c", "ann", "-c", "bob", "--value", "1200.50", "--currency", "EUR")
    return ann


def parse(text: str, fmt: str) -> list[dict[str, Any]]:
    """Read an export back as other programs would."""
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text, newline="")))
    if fmt == "tsv":
        header, *lines = text.split("\n")[:-1]
        return [dict(zip(header.split("\t"), line.split("\t"))) for line in lines]
    if fmt == "json":
        return list(json.loads(text))
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("entity", ENTITIES)
def test_every_export_parses_in_every_format(filled: Run, entity: str, fmt: str) -> None:
    result = filled("export", entity, "--format", fmt)
    assert result.stderr == ""
    records = parse(result.stdout, fmt)
    assert len(records) == {"contacts": 3, "orgs": 2, "interactions": 2, "follow-ups": 1, "deals": 1}[entity]
    assert all(r["uid"] for r in records)


def test_csv_is_the_default_with_a_header_and_crlf(filled: Run) -> None:
    result = filled("export", "orgs")
    assert result.stdout_bytes.startswith(b"id,uid,name,website,people,created,updated\r\n")  # .stdout drops CRs
    assert result.stdout_bytes == filled("export", "orgs", "-o", "-").stdout_bytes


def test_contacts_carry_labels_that_contacts_add_reads_back(filled: Run) -> None:
    records = {r["name"]: r for r in parse(filled("export", "contacts").stdout, "csv")}
    assert records["Bob Marsh"]["emails"] == "work:bob@acme.example"
    assert records["Ann Lee"]["emails"] == "ann@acme.example"  # no label, no prefix
    listed = {r["name"]: r for r in parse(filled("contacts", "list", "--format", "csv").stdout, "csv")}
    assert listed["Bob Marsh"]["emails"] == "bob@acme.example"  # the listing stays as it was
    filled("contacts", "add", "Bob Copy", "--email", "x@copy.example", "--email", records["Bob Marsh"]["emails"]
           .replace("bob@", "bob2@"))
    again = {r["name"]: r for r in parse(filled("export", "contacts").stdout, "csv")}
    assert again["Bob Copy"]["emails"] == "x@copy.example; work:bob2@acme.example"


def test_json_shows_lists_as_arrays_and_references_by_uid(filled: Run) -> None:
    people = {r["name"]: r["uid"] for r in parse(filled("export", "contacts", "-f", "json").stdout, "json")}
    [meeting] = [r for r in parse(filled("export", "interactions", "-f", "ndjson").stdout, "ndjson")
                 if r["kind"] == "meeting"]
    assert meeting["contacts"] == ["Ann Lee", "Bob Marsh"] and meeting["body"] == "Kick-off\nwith both"
    assert meeting["contact_uids"] == [people["Ann Lee"], people["Bob Marsh"]]
    assert meeting["occurred"].endswith("Z")
    [deal] = parse(filled("export", "deals", "-f", "json").stdout, "json")
    assert (deal["value"], deal["value_minor"], deal["currency"]) == ("1200.50", 120050, "EUR")
    assert deal["contact_uids"] == [people["Ann Lee"], people["Bob Marsh"]] and deal["org"] == "Acme Ltd"
    [item] = parse(filled("export", "follow-ups", "-f", "json").stdout, "json")
    assert item["contact_uid"] == people["Ann Lee"] and item["title"] == "send quote"


def test_to_a_new_file_it_is_private_and_says_so(filled: Run, tmp_path: Path) -> None:
    target = tmp_path / "contacts.csv"
    result = filled("export", "contacts", "-o", str(target))
    assert result.stdout == "" and result.stderr == f"wrote 3 contacts to {target}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert len(parse(target.read_text(encoding="utf-8"), "csv")) == 3
    assert target.read_bytes().count(b"\r\n") == 4  # written as is: no newline translation


def test_an_existing_file_is_replaced_whole_and_keeps_its_mode(filled: Run, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "deals.ndjson"
    target.write_text("old\n")
    os.chmod(target, 0o644)
    filled("export", "deals", "-f", "ndjson", "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [r["name"] for r in parse(target.read_text(encoding="utf-8"), "ndjson")] == ["Website"]
    assert [p.name for p in folder.iterdir()] == ["deals.ndjson"]  # no temp file left behind


def test_a_failed_export_leaves_the_old_file(filled: Run, crm: Run, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.errors import CrmError
    from crmcli.io import formats

    def breaks_midway(rows: Any, out: Any, **options: Any) -> int:
        out.write("id,uid\r\n1,half\r\n")
        raise CrmError("the database went away")

    monkeypatch.setattr(formats, "write_csv", breaks_midway)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "contacts.csv"
    target.write_text("old\n")
    result = crm("export", "contacts", "-o", str(target))
    assert result.exit_code == 1 and result.stderr == "crm: the database went away\n"
    assert target.read_text() == "old\n" and [p.name for p in folder.iterdir()] == ["contacts.csv"]


def test_into_a_missing_folder_fails_in_one_line(filled: Run, crm: Run, tmp_path: Path) -> None:
    result = crm("export", "orgs", "-o", str(tmp_path / "nowhere" / "orgs.csv"))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("crm: cannot write ") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("args", [["contacts", "--format", "xml"], ["contacts", "--format", "table"],
                                  ["contacts", "--limit", "3"], ["people"]])
def test_usage_errors_exit_2_in_one_line(filled: Run, crm: Run, args: list[str]) -> None:
    result = crm("export", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_an_empty_database_gives_well_formed_output(ok: Run) -> None:
    assert ok("export", "deals").stdout.startswith("id,uid,name,stage,")
    assert ok("export", "deals", "-f", "json").stdout == "[]\n"
    assert ok("export", "interactions", "-f", "ndjson").stdout == ""


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """cron's environment with the demo database, for real pipes (as tests/test_process.py)."""
    home = tmp_path_factory.mktemp("demo-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMCLI_")}
    env.update({"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C", "LC_ALL": "C",
                "XDG_DATA_HOME": str(home / ".local" / "share"), "XDG_CONFIG_HOME": str(home / ".config")})
    subprocess.run([str(CRM), "demo"], env=env, capture_output=True, check=True)
    return env


@pytest.mark.parametrize("args", ["contacts", "interactions -f ndjson", "deals -f json", "follow-ups -f tsv"])
@pytest.mark.parametrize("reader", ["head -n 1", "true"])
def test_a_reader_closing_the_pipe_early_is_not_an_error(demo_home: dict[str, str], args: str, reader: str) -> None:
    # `true` has gone before crm writes a byte; `head` leaves mid-stream.
    script = f"set -o pipefail; '{CRM}' --demo export {args} | {reader}"
    pipeline = subprocess.run(["bash", "-c", script], env=demo_home, capture_output=True, text=True)
    assert pipeline.returncode == 0, pipeline.stderr
    assert pipeline.stderr == ""
    if reader.startswith("head"):
        assert len(pipeline.stdout.splitlines()) == 1
