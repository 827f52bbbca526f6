"""The interaction history as a user drives it: log, timeline, notes, search."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run, dump, sql


def _ids(result_stdout: str) -> list[int]:
    return [int(x) for x in result_stdout.split()]


def _search(ok: Run, *words: str) -> list[tuple[str, int]]:
    data = json.loads(ok("search", *words, "-f", "json").stdout)
    return [(hit["type"], hit["id"]) for hit in data]


def test_one_line_log_tops_the_timeline_and_is_found_by_search(ann: Run) -> None:
    ann("log", "ann lee", "Older call", "--at", "2026-01-05 10:00")
    result = ann("log", "ann lee", "Called about the Q3 quote, she wants 10% off")
    assert result.stderr == "logged call #2 with Ann Lee\n" and result.stdout == ""
    timeline = json.loads(ann("timeline", "ann lee", "-f", "json").stdout)
    assert [t["body"] for t in timeline] == ["Called about the Q3 quote, she wants 10% off", "Older call"]
    assert timeline[0]["kind"] == "call" and timeline[0]["contacts"] == ["Ann Lee"]
    assert ("interaction", 2) in _search(ann, "quote")
    assert "**quote**" in ann("search", "quote", "-f", "csv").stdout
    card = ann("contacts", "show", "ann lee").stdout
    assert "last contact" in card and "call     #2  Called about the Q3 quote" in card


def test_meeting_with_two_contacts_is_one_row_on_both_timelines(ann: Run, db_path: Path) -> None:
    assert ann("log", "ann lee", "bob", "Kickoff meeting", "--kind", "meeting", "-q").stdout == "1\n"
    for who in ("ann lee", "bob"):
        rows = json.loads(ann("timeline", who, "-f", "json").stdout)
        assert [(r["id"], r["kind"], r["contacts"]) for r in rows] == [(1, "meeting", ["Ann Lee", "Bob Marsh"])]
    con = sqlite3.connect(db_path)
    assert con.execute("select count(*) from interaction").fetchone() == (1,)
    assert con.execute("select count(*) from interaction_contact").fetchone() == (2,)
    con.close()


def test_editing_a_note_changes_search_and_deleting_removes_it(ann: Run) -> None:
    ann("log", "bob", "Prefers invoices by post", "--kind", "note")
    assert _search(ann, "invoices") == [("interaction", 1)]
    ann("notes", "edit", "1", "--text", "Prefers invoices by email")
    assert _search(ann, "post") == [] and _search(ann, "email", "invoices") == [("interaction", 1)]
    ann("notes", "rm", "1", "--yes")
    assert _search(ann, "invoices") == []
    assert ann("timeline", "bob", "-f", "csv").stdout.count("\n") == 1


@pytest.mark.parametrize(("ref", "code"), [("nobody", 3), ("an", 4), ("99", 3)])
def test_log_against_unknown_or_ambiguous_contact_writes_nothing(ann: Run, crm: Run, db_path: Path, ref: str,
                                                                 code: int) -> None:
    before = dump(db_path)
    result = crm("log", "bob", ref, "Some text")
    assert result.exit_code == code and len(result.stderr.splitlines()) == 1
    assert dump(db_path) == before


@pytest.mark.parametrize(("args", "message"), [
    (("log", "bob", "x", "--kind", "fax"), "unknown kind 'fax'; use one of: call, email, meeting, message, note"),
    (("log", "bob", "x", "--kind", "note", "--direction", "in"), "a note has no direction"),
    (("log", "bob", "x", "--direction", "sideways"), "direction must be 'in' or 'out'"),
    (("log", "bob", "   "), "nothing to log: the text is empty"),
    (("log", "bob", "x", "--at", "fribday"), "fribday"),
    (("notes", "show", "42"), "no interaction with id 42"),
    (("notes", "show", "abc"), "is referred to by its id"),
    (("search", "***"), "nothing to search for"),
])
def test_bad_history_input_is_one_line(ann: Run, crm: Run, db_path: Path, args: tuple[str, ...],
                                       message: str) -> None:
    before = dump(db_path)
    result = crm(*args)
    assert result.exit_code in (2, 3), result.stderr
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert dump(db_path) == before


def test_text_from_stdin_with_dash(ann: Run) -> None:
    ann("log", "bob", "--kind", "email", "--direction", "in", "-", input="Subject: quote\n\nPlease resend it.\n")
    note = json.loads(ann("notes", "show", "1", "-f", "json").stdout)[0]
    assert note["body"] == "Subject: quote\n\nPlease resend it." and note["direction"] == "in"


def test_editor_on_a_terminal(ann: Run, crm: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "fake-editor"
    script.write_text("#!/bin/sh\nprintf 'Written in the editor\\n# a comment line\\n' > \"$1\"\n")
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.setattr("crmcli.cli.editor.interactive", lambda: True)
    ann("log", "bob")
    assert json.loads(ann("notes", "show", "1", "-f", "json").stdout)[0]["body"] == "Written in the editor"
    empty = tmp_path / "empty-editor"
    empty.write_text("#!/bin/sh\n: > \"$1\"\n")
    empty.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(empty))
    result = crm("log", "bob")
    assert result.exit_code == 2 and "nothing to log" in result.stderr
    assert ann("notes", "list", "-q").stdout == "1\n"


def test_log_under_cron_refuses_instead_of_waiting_for_an_editor(isolated: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(isolated), "LANG": "C", "LC_ALL": "C",
           "XDG_DATA_HOME": str(isolated / ".local" / "share"), "XDG_CONFIG_HOME": str(isolated / ".config"),
           "EDITOR": "sleep 60"}
    crm = str(Path(sys.executable).with_name("crm"))
    subprocess.run([crm, "contacts", "add", "Zoë Øster"], env=env, check=True, capture_output=True)
    done = subprocess.run([crm, "log", "zoë"], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=20)
    assert done.returncode == 2
    assert "no text for the call with Zoë Øster" in done.stderr and "stdin" in done.stderr
    ok = subprocess.run([crm, "log", "zoe", "Called from cron, café ☕"], env=env, stdin=subprocess.DEVNULL,
                        capture_output=True, text=True, timeout=20)
    assert ok.returncode == 0 and "logged call #1 with Zoë Øster" in ok.stderr


def test_timeline_filters_pages_and_everything(ann: Run) -> None:
    for n in range(25):
        ann("log", "ann lee", f"Call number {n}", "--at", f"2026-0{1 + n % 9}-1{n % 10} 09:00")
    ann("log", "ann lee", "A note", "--kind", "note", "--at", "2026-10-01 09:00")
    page = ann("timeline", "ann lee", "-q")
    assert len(_ids(page.stdout)) == 20 and "showing the newest 20" in page.stderr
    everything = ann("timeline", "ann lee", "--all", "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(everything, newline="")))
    assert len(rows) == 26 and [r["occurred"] for r in rows] == sorted((r["occurred"] for r in rows), reverse=True)
    assert _ids(ann("timeline", "ann lee", "--kind", "note", "-q").stdout) == [26]
    since = ann("timeline", "ann lee", "--since", "2026-09-01", "-f", "json").stdout
    assert [r["body"] for r in json.loads(since)] == ["A note", "Call number 8", "Call number 17"]


def test_empty_timeline_says_so(ann: Run) -> None:
    result = ann("timeline", "bob")
    assert result.stdout == "" and "nothing on Bob Marsh's timeline yet" in result.stderr


def test_last_contact_is_derived_and_sortable(ann: Run) -> None:
    ann("log", "bob", "Old", "--at", "2025-01-01 09:00")
    ann("log", "anna", "Newer", "--at", "2026-03-01 09:00")
    data = json.loads(ann("contacts", "list", "-f", "json", "--sort", "last-contact").stdout)
    assert [(d["name"], d["last_contact"]) for d in data] == [
        ("Anna Berg", "2026-03-01T09:00:00Z"), ("Bob Marsh", "2025-01-01T09:00:00Z"), ("Ann Lee", None)]
    ann("notes", "rm", "2", "--yes")
    assert json.loads(ann("contacts", "show", "anna", "-f", "json").stdout)[0]["last_contact"] is None


def test_moving_an_interaction_in_time_moves_it_on_every_timeline(ann: Run, crm: Run, db_path: Path) -> None:
    ann("log", "bob", "ann lee", "Planning", "--kind", "meeting", "--at", "2026-01-10 10:00")
    ann("log", "bob", "Follow-up call", "--at", "2026-02-10 10:00")
    ann("notes", "edit", "1", "--at", "2026-03-01 10:00")
    assert [r["body"] for r in json.loads(ann("timeline", "bob", "-f", "json").stdout)] == ["Planning",
                                                                                           "Follow-up call"]
    assert json.loads(ann("contacts", "show", "ann lee", "-f", "json").stdout)[0]["last_contact"] == \
        "2026-03-01T10:00:00Z"
    assert "passed" in ann("db", "check").stderr
    con = sqlite3.connect(db_path)
    con.execute("update interaction_contact set occurred_at = '2020-01-01 00:00:00.000000' where contact_id = 1")
    con.commit()
    con.close()
    broken = crm("db", "check")
    assert broken.exit_code == 1 and "1 interaction link out of step" in broken.stdout


def test_last_contact_follows_every_change_to_the_history(ann: Run, crm: Run, db_path: Path) -> None:
    def last(who: str) -> str | None:
        return json.loads(ann("contacts", "show", who, "-f", "json").stdout)[0]["last_contact"]  # type: ignore[no-any-return]

    assert last("bob") is None
    ann("log", "bob", "ann lee", "Planning", "--kind", "meeting", "--at", "2026-01-10 10:00")
    ann("log", "bob", "Call", "--at", "2026-02-10 10:00")
    assert (last("bob"), last("ann lee")) == ("2026-02-10T10:00:00Z", "2026-01-10T10:00:00Z")
    ann("notes", "rm", "2", "--yes")
    assert last("bob") == "2026-01-10T10:00:00Z"
    ann("notes", "edit", "1", "--at", "2025-12-01 09:00")
    assert (last("bob"), last("ann lee")) == ("2025-12-01T09:00:00Z", "2025-12-01T09:00:00Z")
    ann("contacts", "rm", "bob", "--yes")  # the shared meeting stays, and Ann's last contact with it
    assert last("ann lee") == "2025-12-01T09:00:00Z"
    ann("notes", "rm", "1", "--yes")
    assert last("ann lee") is None
    assert "passed" in ann("db", "check").stderr
    sql(db_path, "update contact set last_contact_at = '2020-01-01 00:00:00.000000' where id = 2")
    broken = crm("db", "check")
    assert broken.exit_code == 1 and "contacts: 1 last-contact time out of step" in broken.stdout


def test_deleting_a_contact_takes_its_own_interactions_not_shared_ones(ann: Run) -> None:
    ann("log", "bob", "Only Bob")
    ann("log", "bob", "ann lee", "Both", "--kind", "meeting")
    result = ann("contacts", "rm", "bob", "--yes")
    assert "1 interaction" in result.stderr
    assert [r["body"] for r in json.loads(ann("notes", "list", "-f", "json").stdout)] == ["Both"]
    assert json.loads(ann("timeline", "ann lee", "-f", "json").stdout)[0]["contacts"] == ["Ann Lee"]


def test_search_accents_prefix_phrase_and_types(ann: Run) -> None:
    ann("contacts", "add", "José Núñez", "--org", "Núñez SL")
    ann("log", "jose", "Quotation sent to José, he asked for a discount")
    ann("log", "bob", "Discount talk with the board", "--kind", "meeting")
    assert ("contact", 4) in _search(ann, "jose") and ("interaction", 1) in _search(ann, "JOSE")
    assert ("interaction", 1) in _search(ann, "quot*")
    assert _search(ann, "quote") == []  # whole words unless asked for a prefix
    assert {h for h in _search(ann, "discount") if h[0] == "interaction"} == {("interaction", 1), ("interaction", 2)}
    assert _search(ann, "discount", "board") == [("interaction", 2)]  # every word must match
    assert _search(ann, '"asked for a discount"') == [("interaction", 1)]
    assert sorted(_search(ann, "acme")) == [("contact", 1), ("contact", 3), ("organisation", 1)]
    assert sorted(ann("search", "acme", "--type", "contact", "-q").stdout.split()) == ["1", "3"]
    assert ann("search", "acme", "--type", "organisation", "-q").stdout == "1\n"
    # Text that looks like FTS5 syntax is just words.
    assert ann("search", "AND", "OR", "NOT", "(", "-f", "json").stdout == "[]\n"


def test_index_follows_contact_email_and_org_changes(ann: Run) -> None:
    ann("contacts", "edit", "bob", "--add-email", "robert@marsh-home.example")
    assert ("contact", 3) in _search(ann, "marsh-home")
    ann("contacts", "add", "Cleo Park", "--org", "Cobalt Labs")
    ann("orgs", "edit", "cobalt", "--name", "Zenith Works")
    assert sorted(_search(ann, "zenith")) == [("contact", 4), ("organisation", 3)]
    assert _search(ann, "cobalt") == []
    ann("contacts", "edit", "anna", "--name", "Anna Øberg")
    assert _search(ann, "oberg") == [("contact", 2)]


def test_reindex_rebuilds_and_check_stays_green(ann: Run, db_path: Path) -> None:
    ann("log", "bob", "Rebuild me please")
    con = sqlite3.connect(db_path)
    con.execute("delete from entity_fts")  # an index gone out of step
    con.commit()
    con.close()
    assert _search(ann, "bob") == [("interaction", 1)]  # only by its person's name: interaction_fts is intact
    assert "search index rebuilt" in ann("db", "reindex").stderr
    assert ("contact", 3) in _search(ann, "bob") and ("interaction", 1) in _search(ann, "rebuild")


def test_configured_kinds(ann: Run, crm: Run) -> None:
    ann("config", "set", "log_kinds", "call,email,meeting,note,lunch")
    ann("log", "bob", "Lunch at the harbour", "--kind", "lunch")
    assert crm("log", "bob", "x", "--kind", "message").exit_code == 2
    ann("config", "set", "default_kind", "note")
    ann("log", "bob", "Default kind now")
    kinds = [r["kind"] for r in json.loads(ann("notes", "list", "-f", "json").stdout)]
    assert kinds == ["note", "lunch"]


def test_notes_show_and_edit_metadata(ann: Run) -> None:
    ann("log", "bob", "Called Bob", "--direction", "out")
    ann("notes", "edit", "1", "--kind", "email", "--at", "2026-02-03 14:00")
    shown = ann("notes", "show", "1").stdout
    assert shown.startswith("email out #1") and "Bob Marsh" in shown and "Called Bob" in shown
    ann("notes", "edit", "1", "--kind", "note")
    assert json.loads(ann("notes", "show", "1", "-f", "json").stdout)[0]["direction"] is None


def test_timezones_show_local_and_store_utc(ann: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    ann("log", "bob", "Morning call", "--at", "2026-03-02 09:00")
    row = json.loads(ann("notes", "show", "1", "-f", "json").stdout)[0]
    assert row["occurred"] == "2026-03-02T03:30:00Z"
    assert "2026-03-02 09:00" in ann("notes", "show", "1").stdout
    monkeypatch.setenv("TZ", "America/New_York")
    assert "2026-03-01 22:30" in ann("notes", "show", "1").stdout
