from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from tests.conftest import Run, dump, sql


def test_first_use_creates_private_database_in_user_data_dir(ok: Run, db_path: Path) -> None:
    assert ok("db", "path").stdout == f"{db_path}\n"
    ok("contacts", "list")
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    con = sqlite3.connect(db_path)
    assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    con.close()


def test_db_flag_and_env_choose_the_database(ok: Run, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ok("--db", str(tmp_path / "a.db"), "contacts", "add", "Only In A")
    assert ok("--db", str(tmp_path / "a.db"), "contacts", "list", "-q").stdout == "1\n"
    monkeypatch.setenv("CRMCLI_DB", str(tmp_path / "b.db"))
    assert ok("db", "path").stdout == f"{tmp_path / 'b.db'}\n"
    assert ok("contacts", "list", "-q").stdout == ""


def test_check_and_backup(ann: Run, db_path: Path, tmp_path: Path) -> None:
    assert "passed the integrity and foreign key checks" in ann("db", "check").stderr
    copy = tmp_path / "copy.db"
    ann("db", "backup", str(copy))
    assert dump(copy) == dump(db_path)
    assert ann("--db", str(copy), "contacts", "list", "-q").stdout == "1\n2\n3\n"


def test_check_reports_broken_foreign_keys(ann: Run, crm: Run, db_path: Path) -> None:
    sql(db_path, "insert into contact_email (contact_id, address, position) values (999, 'ghost@x.example', 0)")
    result = crm("db", "check")
    assert result.exit_code == 1
    assert "foreign key: contact_email" in result.stdout
    assert "1 problem(s) found" in result.stderr


def test_migrate_on_current_database_is_a_no_op(ann: Run) -> None:
    assert "already up to date" in ann("db", "migrate").stderr


def test_config_set_get_list_and_env_override(ok: Run, isolated: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = Path(ok("config", "path").stdout.strip())
    assert path == isolated / ".config" / "crmcli" / "config.toml"
    ok("config", "set", "phone_region", "gb")
    assert 'phone_region = "GB"' in path.read_text()
    assert ok("config", "get", "phone_region").stdout == "GB\n"
    # The region now lets a local number through.
    ok("contacts", "add", "Local Number", "--phone", "020 7946 0018")
    assert "+442079460018" in ok("contacts", "list", "-f", "csv").stdout
    monkeypatch.setenv("CRMCLI_PHONE_REGION", "US")
    assert "US  # env CRMCLI_PHONE_REGION" in ok("config", "list").stdout
    ok("config", "unset", "phone_region")
    assert "phone_region" not in path.read_text()


def test_config_override_path(ok: Run, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "elsewhere.toml"
    monkeypatch.setenv("CRMCLI_CONFIG", str(target))
    ok("config", "set", "db", str(tmp_path / "team.db"))
    assert ok("db", "path").stdout == f"{tmp_path / 'team.db'}\n"


def test_broken_config_file_is_one_clear_line(crm: Run, isolated: Path) -> None:
    path = isolated / ".config" / "crmcli" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("phone_region = [unclosed\n")
    result = crm("contacts", "list")
    assert result.exit_code == 1 and "is not valid TOML" in result.stderr and len(result.stderr.splitlines()) == 1


def test_demo_fills_once_and_refuses_a_non_empty_database(ok: Run, crm: Run, db_path: Path) -> None:
    result = ok("demo")
    assert "300 contacts" in result.stderr
    listed = ok("contacts", "list", "-q").stdout.split()
    assert len(listed) == 300
    assert len(ok("orgs", "list", "-q").stdout.split()) == 40
    before = dump(db_path)
    again = crm("demo")
    assert again.exit_code == 5 and "already holds data" in again.stderr
    assert dump(db_path) == before


def test_demo_is_deterministic(ok: Run, tmp_path: Path) -> None:
    names = []
    for name in ("one.db", "two.db"):
        ok("--db", str(tmp_path / name), "demo")
        out = ok("--db", str(tmp_path / name), "contacts", "list", "-f", "csv").stdout
        names.append([line.split(",")[2] for line in out.splitlines()])
    assert names[0] == names[1]
