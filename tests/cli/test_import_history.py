"""`crm import interactions`: history in from crm's own export or a call log, matched to contacts,
all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Run, dump


def test_crms_own_history_export_imports_back_exactly_and_only_once(ann: Run, ok: Run, tmp_path: Path) -> None:
    ok("log", "ann", "Called about the quote, \"urgent\"\nsecond line", "--at", "2026-11-20 10:00")
    ok("log", "ann", "bob", "Met them both", "--kind", "meeting")
    other = str(tmp_path / "other.db")
    ok("--db", other, "import", "contacts", "-", input=ok("export", "contacts").stdout)
    history = ok("export", "interactions", "--format", "json").stdout
    first = ok("--db", other, "import", "interactions", "-", "--format", "json", input=history)
    assert first.stderr.splitlines()[-1] == "imported stdin (interactions): 2 created, 0 updated, 0 unchanged, 0 skipped"
    again = ok("--db", other, "import", "interactions", "-", "--format", "json", input=history)
    assert "0 created, 0 updated, 2 unchanged" in again.stderr

    def shown(text: str) -> list[dict[str, object]]:
        return [{k: v for k, v in row.items() if k != "id"} for row in json.loads(text)]

    assert shown(ok("--db", other, "export", "interactions", "--format", "json").stdout) == shown(history)
    assert json.loads(ok("--db", other, "contacts", "show", "ann", "-f", "json").stdout)[0]["last_contact"] is not None


def test_a_call_log_names_people_by_email_phone_or_name(ann: Run, ok: Run) -> None:
    log = ("when,with,text,kind,direction\n"
           "2026-11-20 10:00,ann@acme.example,Called Ann,call,out\n"
           "2026-11-21 09:30,+44 20 7946 0000,Ann called back,call,in\n"
           "yesterday 3pm,Anna Berg; bob@acme.example,Met both,meeting,\n")
    result = ok("import", "interactions", "-", "-q", input=log)
    assert len(result.stdout.split()) == 3
    timeline = ok("timeline", "ann", "--format", "csv").stdout
    assert "Called Ann" in timeline and "Ann called back" in timeline
    assert "Met both" in ok("timeline", "anna", "--format", "csv").stdout


def test_bad_rows_are_named_and_nothing_is_logged(ann: Run, crm: Run, ok: Run, db_path: Path) -> None:
    before = dump(db_path)
    log = ("when,with,text,kind\n"
           "2026-11-20 10:00,ann@acme.example,Fine,call\n"
           "2026-11-20 11:00,nobody@x.example,Who?,call\n"
           "whenever,ann@acme.example,When?,call\n"
           "2026-11-20 12:00,ann,What kind?,fax\n"
           "2026-11-20 13:00,an,Which one?,call\n")
    result = crm("import", "interactions", "-", input=log)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert [line.split(":")[1] for line in lines[:-1]] == ["3", "4", "5", "6"]
    assert "no contact has the email 'nobody@x.example'" in lines[0] and "unknown kind 'fax'" in lines[2]
    assert "matches several contacts" in lines[3]
    assert lines[-1] == "crm: 4 bad rows in stdin; nothing imported (fix them, or --skip-invalid imports the rest)"
    assert dump(db_path) == before
    kept = ok("import", "interactions", "-", "--skip-invalid", input=log)
    assert kept.stderr.splitlines()[-1].endswith("1 created, 0 updated, 0 unchanged, 0 skipped, 4 bad rows skipped")


def test_columns_without_a_time_text_or_people_are_refused(crm: Run) -> None:
    result = crm("import", "interactions", "-", input="who,what\nAnn,hello\n")
    assert result.exit_code == 2
    assert result.stderr == ("crm: an interaction needs a time (occurred, when or date), a text (body, text, note or "
                             "subject), the people (contacts, contact, with, email, phone or name); the columns: who, "
                             "what\n")


def test_a_dry_run_logs_nothing(ann: Run, crm: Run, db_path: Path) -> None:
    before = dump(db_path)
    result = crm("import", "interactions", "-", "--dry-run", input="when,with,text\n2026-11-20 10:00,ann,Called\n")
    assert result.exit_code == 0 and result.stdout == "stdin:2\tcreate\tcall with Ann Lee\n"
    assert dump(db_path) == before
