"""`crm tui` from the command line: a database that cannot be opened is the CLI's one line, before
any screen is drawn; the command list shows it without importing textual."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import Run, run_crm, sql

UPDATE = bool(os.environ.get("CRMCLI_README_UPDATE"))  # read before the autouse fixture clears CRMCLI_*


def test_an_unusable_database_is_one_line_before_the_app_starts(crm: Run, tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("just text\n" * 100)
    result = crm("--db", str(not_a_db), "tui")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("crm: ") and result.stderr.count("\n") == 1
    assert "not a usable SQLite database" in result.stderr


def test_a_database_from_a_newer_crm_is_refused_before_the_app_starts(ok: Run, crm: Run, db_path: Path) -> None:
    ok("contacts", "add", "Ann Lee")
    sql(db_path, "INSERT INTO crm_migrations (version, name, applied_at) VALUES (999, 'future', '2030-01-01')")
    result = crm("tui")
    assert result.exit_code == 1 and "newer than this crmcli" in result.stderr and result.stdout == ""


def test_the_command_list_offers_tui(isolated: Path) -> None:
    listed = run_crm("--help")
    assert listed.returncode == 0 and " tui " in listed.stdout


def test_the_readme_keys_table_is_the_keymap() -> None:
    """Keys are defined once (tui/keymap.py); the README's table must say the same.
    `CRMCLI_README_UPDATE=1 pytest tests/tui/test_command.py` rewrites the table from the keymap."""
    from crmcli.tui import keymap

    path = Path(__file__).resolve().parents[2] / "README.md"
    readme = path.read_text(encoding="utf-8")
    start = readme.index("| screen | key | does |")
    end = readme.index("\n\n", start) + 1
    if UPDATE:
        readme = readme[:start] + keymap.markdown_table() + readme[end:]
        path.write_text(readme, encoding="utf-8")
    assert readme[start:readme.index("\n\n", start) + 1] == keymap.markdown_table()
