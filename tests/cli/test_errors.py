"""Bad input of every kind: one line on stderr, the documented exit code, and nothing written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Run, dump, sql

BAD_INPUTS = [
    # (args, exit code, words the message must contain)
    (("contacts", "add", "Eve", "--email", "not-an-email"), 2, "invalid email 'not-an-email'"),
    (("contacts", "add", "Eve", "--phone", "12"), 2, "invalid phone number '12'"),
    (("contacts", "add", "Eve", "--phone", "020 7946 0000"), 2, "crm config set phone_region"),
    (("contacts", "add", "Eve", "--email", "ann@acme.example"), 5, "already belongs to #1 Ann Lee"),
    (("contacts", "add", "Eve", "--field", "no equals sign"), 2, "KEY=VALUE"),
    (("contacts", "add", "Eve", "--tag", "two words"), 2, "invalid tag"),
    (("contacts", "add", "   "), 2, "name cannot be empty"),
    (("contacts", "add", "Eve", "--org", "a"), 4, "matches several organisations"),
    (("contacts", "show", "nobody"), 3, "no contact matches 'nobody'"),
    (("contacts", "show", "99"), 3, "no contact with id 99"),
    (("contacts", "show", "eve@nowhere.example"), 3, "no contact has the email"),
    (("contacts", "show", "an"), 4, "matches several contacts: #1 Ann Lee <ann@acme.example>, #2 Anna Berg"),
    (("contacts", "edit", "an", "--title", "Boss"), 4, "use the id"),
    (("contacts", "edit", "bob"), 2, "nothing to change"),
    (("contacts", "edit", "bob", "--org", "x", "--no-org"), 2, "--org and --no-org cannot be used together"),
    (("contacts", "edit", "bob", "--remove-email", "nope@x.example"), 3, "has no email"),
    (("contacts", "edit", "bob", "--untag", "vip"), 3, "is not tagged 'vip'"),
    (("contacts", "edit", "bob", "--title", "Boss", "--add-email", "bad"), 2, "invalid email"),
    (("contacts", "rm", "bob"), 2, "refused without --yes"),
    (("contacts", "list", "--org", "nowhere"), 3, "no organisation matches"),
    (("contacts", "list", "--format", "xml"), 2, "Invalid value for '--format'"),
    (("contacts", "add", "Eve", "--frobnicate"), 2, "No such option: --frobnicate"),
    (("contacts", "frobnicate"), 2, "No such command 'frobnicate'"),
    (("orgs", "add", "acme ltd"), 5, "already exists"),
    (("orgs", "rm", "acme"), 2, "refused without --yes"),
    (("config", "set", "colour", "red"), 2, "unknown setting 'colour'"),
    (("config", "set", "phone_region", "Britain"), 2, "two-letter country code"),
    (("contacts", "add", "Eve", "--phone", "+44 12345"), 2, "invalid phone number '+44 12345': a local number without"),
    (("contacts", "add", "Eve", "--phone", "+1 23"), 2, "invalid phone number '+1 23': too short for its country"),
    (("contacts", "add", "Eve", "--phone", "+1 202 555 0100 1234"), 2, "too long for its country"),
    (("deals", "show", "nothing"), 3, "no deal matches 'nothing'; try `crm deals list --all`"),
    (("notes", "show", "42"), 3, "no interaction with id 42; see `crm notes list`"),
    (("log", "ann", "Planned call", "--at", "in 2 years"), 2, "in the future, and count as the last contact"),
    (("log", "ann", "Planned call", "--at", "tomorrow 9am"), 2, "add --future if it really is planned"),
    (("log", "ann", "Meeting", "--kind", "note", "--direction", "in"), 2, "a note has no direction; only calls, emails and messages have one; leave out --direction"),
]


@pytest.mark.parametrize(("args", "code", "message"), BAD_INPUTS, ids=[" ".join(a) for a, _, _ in BAD_INPUTS])
def test_bad_input_is_one_line_and_changes_nothing(ann: Run, crm: Run, db_path: Path, args: tuple[str, ...],
                                                   code: int, message: str) -> None:
    before = dump(db_path)
    result = crm(*args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("crm")
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert dump(db_path) == before


def test_unwritable_database_path(crm: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = crm("--db", str(blocker / "crm.db"), "contacts", "list")
    assert result.exit_code == 1
    assert result.stderr == f"crm: cannot create database at {blocker / 'crm.db'}: Not a directory\n"


def test_a_file_that_is_not_a_database(crm: Run, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("these are my notes, not a database\n" * 100)
    result = crm("--db", str(junk), "contacts", "add", "Eve")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert "is not a usable SQLite database" in result.stderr
    assert junk.read_text() == "these are my notes, not a database\n" * 100


def test_a_database_of_another_program(crm: Run, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sql(other, "create table notes (body text)")
    result = crm("--db", str(other), "contacts", "list")
    assert result.exit_code == 1
    assert "is a database, but not a crmcli one" in result.stderr


def test_database_from_a_newer_crmcli(ann: Run, crm: Run, db_path: Path) -> None:
    sql(db_path, "insert into crm_migrations values (99, 'from the future', '2030-01-01 00:00:00')")
    result = crm("contacts", "list")
    assert result.exit_code == 1
    assert "newer than this crmcli understands" in result.stderr


def test_locked_database_waits_then_fails_cleanly(ann: Run, crm: Run, db_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.storage import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 1500)  # 60 s in use: see tests/storage/test_busy.py
    monkeypatch.setattr(database, "NOTICE_AFTER_MS", 500)
    before = dump(db_path)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = crm("contacts", "add", "Eve Locked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "is locked by another process (waited 1 s)" in result.stderr and len(result.stderr.splitlines()) == 1
    assert dump(db_path) == before


def test_no_arguments_shows_help(crm: Run) -> None:
    result = crm()
    assert result.exit_code == 0 and "contacts" in result.stdout


def test_help_lists_every_command_in_its_panel(crm: Run) -> None:
    out = crm("--help").stdout
    for word in ("History", "Follow-ups", "People", "Setup", "log", "timeline", "search", "notes", "follow-ups",
                 "remind", "export", "contacts", "orgs", "demo", "db", "config", "install-completion"):
        assert word in out
    sub = crm("contacts", "--help").stdout
    assert "add" in sub and "install-completion" not in sub
    assert crm("fu", "--help").exit_code == 0 and "snooze" in crm("fu", "--help").stdout


def test_every_hint_the_core_gives_has_command_line_words() -> None:
    """Core errors name a hint key (errors.py); a key the CLI does not know would silently lose the hint."""
    import re

    from crmcli.cli.hints import HINTS

    root = Path(__file__).resolve().parents[2] / "crmcli"
    used = {key for path in root.rglob("*.py") for key in re.findall(r'hint="([^"]+)"', path.read_text("utf-8"))}
    used |= {f"list-{what}" for what in ("contact", "organisation", "deal", "follow-up", "interaction")}
    assert len(used) > 10 and used <= HINTS.keys(), used - HINTS.keys()


def test_a_write_waiting_for_another_says_so_on_a_terminal_only(capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from crmcli.cli import state

    state._waiting("crm.db")
    assert capsys.readouterr().err == ""  # a script's or cron's output stays as it was
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    state._waiting("crm.db")
    assert capsys.readouterr().err == "waiting for another process to finish writing to crm.db (up to 60 s)...\n"
