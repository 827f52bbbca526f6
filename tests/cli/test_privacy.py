"""`crm privacy export|forget`: the document written privately, the erasure asked for, and the
acceptance of issue 13 — after `crm privacy forget vera --yes` a dump of the database (the sqlite3
shell's `.dump`, pg_dump on PostgreSQL) holds none of her name, email or phone, and `crm search
vera` finds nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from tests import pg
from tests.conftest import Run

# Her name, email and phone in every form the tests gave them (the phone as stored, shown and dialled at home).
HER = re.compile(r"vera|novak|vera@novak\.example|442079460000|7946 0000|79460000", re.IGNORECASE)


def people(ok: Run, *db: str) -> None:
    """Vera and Bob with a meeting of both, a call of hers alone, a deal of both, her follow-up."""
    ok(*db, "contacts", "add", "Vera Novak", "-e", "vera@novak.example", "-p", "+44 20 7946 0000", "--title", "CFO",
       "--field", "met=fair", "-t", "vip")
    ok(*db, "contacts", "add", "Bob Marsh", "-e", "bob@marsh.example", "-o", "Marsh Ltd")
    ok(*db, "log", "vera", "bob", "Vera Novak and Bob: she gave vera@novak.example and 020 7946 0000", "-k", "meeting")
    ok(*db, "log", "vera", "Vera called about her move")
    ok(*db, "deals", "add", "Website for Vera", "-c", "vera", "-c", "bob", "-v", "1200", "--currency", "EUR")
    ok(*db, "follow-ups", "add", "vera", "Call Vera back", "--due", "tomorrow")


def test_the_export_goes_to_stdout_or_to_a_private_file(ok: Run, tmp_path: Path) -> None:
    people(ok)
    shown = ok("privacy", "export", "vera")
    document = json.loads(shown.stdout)
    assert shown.stderr == ""
    assert document["contact"]["name"] == "Vera Novak" and len(document["interactions"]) == 2
    assert [i["with"] for i in document["interactions"] if i["with"]] == [[{"id": 2, "name": "Bob Marsh"}]]
    target = tmp_path / "vera.json"
    target.write_text("old")
    target.chmod(0o644)  # an existing file's mode is not kept: the document is one person's data
    written = ok("privacy", "export", "vera", "-o", str(target))
    assert written.stdout == ""
    assert written.stderr == (f"wrote everything stored about contact #1 Vera Novak to {target} (2 interactions, "
                              "1 follow-up, 1 deal, 0 cases, 0 campaigns, 6 history entries)\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["contact"] == document["contact"]


def test_forget_asks_and_without_a_terminal_needs_yes(ok: Run, crm: Run, db_path: Path) -> None:
    people(ok)
    before = sqlite3.connect(db_path).execute("SELECT count(*) FROM contact").fetchone()
    refused = crm("privacy", "forget", "vera")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("crm: Erase contact #1 Vera Novak <vera@novak.example> with 1 email, 1 phone, "
                                     "1 custom field, 1 tag, 1 follow-up, 1 interaction; their name taken out of 1 "
                                     "shared interaction; 1 deal kept without them; ")
    assert refused.stderr.endswith("This cannot be undone: refused without --yes (no terminal to confirm on)\n")
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM contact").fetchone() == before
    assert crm("privacy", "forget", "nobody", "--yes").exit_code == 3


def _dump_sqlite(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        dumped = "\n".join(con.iterdump())
    finally:
        con.close()
    if shutil.which("sqlite3"):  # the shell's own .dump, as the issue says, where it is installed
        dumped += subprocess.run(["sqlite3", str(path), ".dump"], capture_output=True, text=True, check=True).stdout
    return dumped


def test_after_forget_a_dump_holds_none_of_her_and_search_finds_nothing(ok: Run, crm: Run, db_path: Path) -> None:
    people(ok)
    ok("contacts", "edit", "bob", "--set-field", "referred_by=Vera Novak")
    assert HER.search(_dump_sqlite(db_path))
    backup = db_path.with_name("crm.db.bak-v10")  # a migration's copy beside the file
    ok("db", "backup", str(backup))
    done = ok("privacy", "forget", "vera", "--yes")
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0].startswith("erased contact #1, 1 email, 1 phone, 1 custom field, 1 tag, 1 follow-up, "
                               "1 interaction; their name, emails and phones taken out of ")
    assert f"deleted the migration backup {backup}, an older copy of the database with them in it" in lines
    assert lines[-1].startswith("crm does not keep track of other copies, which still hold them: backups made with "
                                "`crm db backup`")
    assert not backup.exists()
    found = HER.findall(_dump_sqlite(db_path))
    assert found == [], found
    assert not HER.search(db_path.read_bytes().decode("latin-1"))  # nor any byte of the file (freed pages zeroed)
    assert not db_path.with_name("crm.db-wal").exists() or db_path.with_name("crm.db-wal").stat().st_size == 0
    searched = ok("search", "vera")
    assert (searched.stdout, searched.stderr) == ("", "nothing matches 'vera'\n")
    assert ok("search", "marsh").stdout  # Bob is still found
    assert ok("db", "check").stderr.startswith("ok: ")  # integrity, keys, the search index against the data
    refused = crm("undo", "--yes")
    assert refused.exit_code == 5 and "an erasure cannot be undone" in refused.stderr
    assert "crm privacy forget" in ok("history").stdout


def _pg_dump(url: str) -> str:
    from sqlalchemy.engine import make_url

    bindir = pg._bindir()
    assert bindir is not None
    where = make_url(url)
    return subprocess.run([str(bindir / "pg_dump"), "-h", str(where.host), "-p", str(where.port), "-U",
                           str(where.username), "--no-password", str(where.database)],
                          capture_output=True, text=True, check=True, env={**os.environ, "PGTZ": "UTC"}).stdout


def test_after_forget_pg_dump_holds_none_of_her_and_search_finds_nothing(ok: Run, crm: Run, pg_url: str) -> None:
    people(ok, "--db", pg_url)
    assert HER.search(_pg_dump(pg_url))
    ok("--db", pg_url, "privacy", "forget", "vera", "--yes")
    found = HER.findall(_pg_dump(pg_url))
    assert found == [], found
    assert ok("--db", pg_url, "search", "vera").stderr == "nothing matches 'vera'\n"
    assert ok("--db", pg_url, "db", "check").stderr.startswith("ok: ")
    assert crm("--db", pg_url, "undo", "--yes").exit_code == 5


def test_on_postgresql_only_the_owner_may_erase(ok: Run, crm: Run, pg_url: str) -> None:
    people(ok, "--db", pg_url)
    ok("--db", pg_url, "db", "add-user", "kim", "--no-password")
    kim = pg_url.replace("://postgres@", "://kim@")
    refused = crm("--db", kim, "privacy", "forget", "vera", "--yes")
    assert refused.exit_code == 1
    assert refused.stderr == ("crm: only the database's owner (postgres) can erase a person: an erasure rewrites the "
                              "audit history, which other users may add to but never change; nothing was erased\n")
    assert ok("--db", kim, "contacts", "show", "vera").stdout
    assert json.loads(ok("--db", kim, "privacy", "export", "vera").stdout)["contact"]["name"] == "Vera Novak"
