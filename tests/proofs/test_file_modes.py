"""Every file crm makes that holds personal data is created with mode 0600, under the usual umask
(022, which leaves new files world-readable), and an existing file's mode is never widened: the
database and its -wal and -shm, the copies a migration keeps, `crm db backup`, `crm db copy` into
a SQLite file, every export written with -o (contacts, orgs, interactions, follow-ups, deals, all,
vcard, ics, privacy) and the config file. Each is written through crmcli.io.files (a private temp
file renamed over the target) or created by Database.open (os.open with 0600)."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import Run, run_crm


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def filled(ann: Run) -> Run:
    """Ann, Anna and Bob, with a call, a follow-up and a deal: something in every export."""
    ann("log", "Ann Lee", "Called about the quote", "--follow-up", "fri: send the quote")
    ann("deals", "add", "Website", "--contact", "Ann Lee", "--value", "1200", "--currency", "EUR")
    return ann


def test_a_new_database_and_its_wal_and_shm_are_private(tmp_path: Path) -> None:
    from crmcli.storage.database import Database

    for target, path in ((str(tmp_path / "crm.db"), tmp_path / "crm.db"),
                         (f"sqlite:///{tmp_path / 'url.db'}", tmp_path / "url.db")):  # a sqlite:/// URL too
        done = run_crm("--db", target, "contacts", "add", "Ann Lee")  # a real process, umask 022
        assert done.returncode == 0, done.stderr
        assert mode(path) == 0o600
        db = Database.open(target)
        with db.connect(write=True) as conn:  # while a writer is open, the -wal and -shm exist
            conn.exec_driver_sql("INSERT INTO tag (name) VALUES ('x')")
            side = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
            assert all(p.exists() for p in side) and [mode(p) for p in side] == [0o600, 0o600]
        db.dispose()


def test_the_copy_a_migration_keeps_is_private_even_of_a_readable_database(tmp_path: Path) -> None:
    from crmcli.storage import migrations
    from crmcli.storage.database import Database

    path = tmp_path / "old.db"
    db = Database.open(str(path), migrate=False)
    with db.connect(write=True, audit=False) as conn:
        migrations.apply(conn, 0, target=1)
    db.dispose()
    path.chmod(0o644)  # the user's choice for the database: its backup copy is still crm's
    Database.open(str(path)).dispose()
    assert mode(tmp_path / "old.db.bak-v1") == 0o600
    assert mode(path) == 0o644  # the database itself: left as the user set it


def test_backups_and_copies_are_private(filled: Run, tmp_path: Path) -> None:
    filled("db", "backup", str(tmp_path / "backup.db"))
    assert mode(tmp_path / "backup.db") == 0o600
    (tmp_path / "old-backup.db").write_text("old")
    (tmp_path / "old-backup.db").chmod(0o644)
    filled("db", "backup", str(tmp_path / "old-backup.db"), "--force")  # replaced: 0600, never wider
    assert mode(tmp_path / "old-backup.db") == 0o600
    filled("db", "copy", str(tmp_path / "copy.db"))
    filled("db", "copy", f"sqlite:///{tmp_path / 'copy-url.db'}")
    assert mode(tmp_path / "copy.db") == mode(tmp_path / "copy-url.db") == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


EXPORTS = [
    ("contacts.csv", ["export", "contacts"]),
    ("orgs.json", ["export", "orgs", "-f", "json"]),
    ("interactions.ndjson", ["export", "interactions", "-f", "ndjson"]),
    ("follow-ups.tsv", ["export", "follow-ups", "-f", "tsv"]),
    ("deals.csv", ["export", "deals"]),
    ("all.json", ["export", "all"]),
    ("cards.vcf", ["export", "vcard"]),
    ("follow-ups.ics", ["export", "ics"]),
    ("ann.json", ["privacy", "export", "Ann Lee"]),
]


@pytest.mark.parametrize(("name", "command"), EXPORTS, ids=[" ".join(c[:2]) for _, c in EXPORTS])
def test_an_export_to_a_new_file_is_private_and_an_existing_one_is_never_widened(
        filled: Run, tmp_path: Path, name: str, command: list[str]) -> None:
    target = tmp_path / name
    filled(*command, "-o", str(target))
    assert mode(target) == 0o600 and target.stat().st_size > 0
    target.chmod(0o640)  # the user let their group read it: kept (or made private), never wider
    filled(*command, "-o", str(target))
    assert mode(target) & ~0o640 == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{name}")] == []  # no temp file left


def test_a_vcard_folder_and_its_cards_are_private(filled: Run, tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    filled("export", "vcard", "-o", f"{folder}/")
    cards = list(folder.iterdir())
    assert len(cards) == 3 and {mode(card) for card in cards} == {0o600}
    assert mode(folder) == 0o700  # made by crm: the names in it are the contacts' uids


def test_the_config_file_is_private(ok: Run, isolated: Path) -> None:
    ok("config", "set", "default_kind", "call")
    [config] = (isolated / ".config" / "crmcli").glob("config.toml")
    assert mode(config) == 0o600


def test_a_database_made_by_sqlite_itself_keeps_the_mode_it_was_given(tmp_path: Path, ok: Run) -> None:
    """crm never widens: a database the user made readable to their group stays so, and its -wal with it."""
    path = tmp_path / "shared.db"
    sqlite3.connect(path).close()
    path.chmod(0o640)
    ok("--db", str(path), "contacts", "add", "Ann Lee")
    assert mode(path) == 0o640


def test_the_text_handed_to_the_editor_is_private_and_removed(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.cli import editor

    seen = tmp_path / "seen"
    script = tmp_path / "editor.sh"
    script.write_text(f'#!/bin/sh\nstat -c %a "$1" > {seen}\necho "$1" >> {seen}\necho "Called Ann" > "$1"\n')
    script.chmod(0o700)
    monkeypatch.setenv("EDITOR", str(script))
    assert editor.edit("", header="a note about Ann") == "Called Ann"
    file_mode, path = seen.read_text().split()
    assert file_mode == "600" and not Path(path).exists()
