from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import Result

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
    assert "passed the integrity, foreign key, search index and copy checks" in ann("db", "check").stderr
    copy = tmp_path / "copy.db"
    ann("db", "backup", str(copy))
    assert dump(copy) == dump(db_path)
    assert ann("--db", str(copy), "contacts", "list", "-q").stdout == "1\n2\n3\n"


def test_check_reports_broken_foreign_keys(ann: Run, crm: Run, db_path: Path) -> None:
    sql(db_path, "insert into contact_email (contact_id, address, position) values (999, 'ghost@x.example', 0)")
    result = crm("db", "check")
    assert result.exit_code == 1
    assert result.stdout == "foreign key: contact_email: 1 row points to a missing contact (e.g. row 4)\n"
    assert result.stderr == f"crm: 1 problem(s) found in {db_path}\n"


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


def test_demo_has_a_database_of_its_own_and_runs_again(ok: Run, db_path: Path) -> None:
    ok("contacts", "add", "Real Person")
    real = dump(db_path)
    for _ in range(2):  # the README's first set-up command must run twice
        result = ok("demo")
        assert "300 contacts" in result.stderr and "demo.db" in result.stderr
        assert "crm --demo contacts list" in result.stderr
        assert len(ok("--demo", "contacts", "list", "-q").stdout.split()) == 300
        assert len(ok("--demo", "orgs", "list", "-q").stdout.split()) == 40
    assert dump(db_path) == real  # the user's own database is never touched
    assert ok("contacts", "list", "-q").stdout.split() == ["1"]


def test_demo_into_a_given_database_fills_it_once(ok: Run, crm: Run, tmp_path: Path) -> None:
    target = tmp_path / "given.db"
    ok("--db", str(target), "demo")
    assert len(ok("--db", str(target), "contacts", "list", "-q").stdout.split()) == 300
    before = dump(target)
    again = crm("--db", str(target), "demo")
    assert again.exit_code == 5 and "already holds data" in again.stderr and again.stdout == ""
    assert dump(target) == before


def test_demo_and_db_together_are_a_usage_error(crm: Run, tmp_path: Path) -> None:
    result = crm("--db", str(tmp_path / "x.db"), "--demo", "contacts", "list")
    assert result.exit_code == 2
    assert result.stderr == "crm: --db and --demo cannot be used together\n"


def test_demo_is_deterministic(ok: Run, tmp_path: Path) -> None:
    names = []
    for name in ("one.db", "two.db"):
        ok("--db", str(tmp_path / name), "demo")
        out = ok("--db", str(tmp_path / name), "contacts", "list", "-f", "csv").stdout
        names.append([line.split(",")[2] for line in out.splitlines()])
    assert names[0] == names[1]


# -- every setting is checked when it is set, and again when a command reads it --------------------

def _config(isolated: Path) -> Path:
    return isolated / ".config" / "crmcli" / "config.toml"


def _one_line(result: Result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


BAD_SETTINGS = [
    ("default_kind", "fax", "cannot set default_kind: 'fax' is not one of the default log_kinds"),
    ("default_kind", "call,email", "cannot set default_kind: one word"),
    ("phone_region", "ZZ", "cannot set phone_region: 'ZZ' is not a country"),
    ("phone_region", "Britain", "two-letter country code"),
    ("locale", "xx_YY", "cannot set locale: unknown locale 'xx_YY'"),
    ("locale", "en US", "cannot set locale: cannot read the locale 'en US'"),
    ("currency", "EUX", "cannot set currency: unknown currency 'EUX'"),
    ("stages", "lead:10:30d, won:100:won", "cannot set stages: stages need at least one lost stage"),
    ("log_kinds", "call;email", "cannot set log_kinds: words separated by commas"),
    ("db", "mysql://sales@db.example/crm", "cannot set db: unsupported database 'mysql'"),
    ("db", "postgresql+psycopg://sales:hunter2@db.example/crm", "a password in the database URL"),
    ("me", " ", "cannot set me: cannot be empty"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_SETTINGS, ids=[f"{k}={v}" for k, v, _ in BAD_SETTINGS])
def test_config_set_refuses_a_bad_value_and_leaves_the_file_as_it_was(ok: Run, crm: Run, isolated: Path, key: str,
                                                                      value: str, message: str) -> None:
    ok("config", "set", "currency", "EUR")
    before = _config(isolated).read_bytes()
    result = crm("config", "set", key, value)
    assert result.exit_code == 2 and result.stdout == ""
    assert message in _one_line(result)
    assert "hunter2" not in result.stderr
    assert _config(isolated).read_bytes() == before


def test_config_set_default_kind_fax_is_refused_and_crm_log_keeps_working(ann: Run, crm: Run, isolated: Path) -> None:
    result = crm("config", "set", "default_kind", "fax")
    assert result.exit_code == 2
    assert _one_line(result) == ("crm: cannot set default_kind: 'fax' is not one of the default log_kinds (call, "
                                 "email, meeting, message, note); or add it: crm config set log_kinds ...")
    assert not _config(isolated).exists()
    ann("log", "bob", "Still works")
    ann("config", "set", "log_kinds", "call,email,fax")
    ann("config", "set", "default_kind", "fax")
    ann("log", "bob", "Faxed the contract")
    assert [r["kind"] for r in json.loads(ann("notes", "list", "-f", "json").stdout)] == ["fax", "call"]


def test_log_kinds_cannot_leave_out_default_kind(ok: Run, crm: Run, isolated: Path) -> None:
    ok("config", "set", "log_kinds", "call,fax")
    ok("config", "set", "default_kind", "fax")
    before = _config(isolated).read_bytes()
    narrowed = crm("config", "set", "log_kinds", "call,email")
    assert narrowed.exit_code == 2
    assert "cannot set log_kinds: default_kind 'fax' (in the config file) would not be one of them" in \
        _one_line(narrowed)
    assert "crm config unset default_kind" in narrowed.stderr
    removed = crm("config", "unset", "log_kinds")
    assert removed.exit_code == 2 and "cannot unset log_kinds" in _one_line(removed)
    assert _config(isolated).read_bytes() == before
    # Without a default_kind of its own, the default follows log_kinds: call, else the first of them.
    ok("config", "unset", "default_kind")
    ok("config", "set", "log_kinds", "visit,sms")
    assert ok("config", "get", "default_kind").stdout == "visit\n"


def test_a_bad_default_kind_in_the_config_file_breaks_only_crm_log(ann: Run, crm: Run, isolated: Path,
                                                                  db_path: Path) -> None:
    ann("follow-ups", "add", "bob", "Send the quote", "--due", "2026-03-01")
    path = _config(isolated)
    path.parent.mkdir(parents=True)
    path.write_text('default_kind = "fax"\n')
    before = dump(db_path)
    # cron's `crm remind`, listing and the config commands are not stopped by it.
    assert "Send the quote" in ann("remind", "--as-of", "2026-03-05", "-f", "json").stdout
    assert "Bob Marsh" in ann("contacts", "list").stdout
    listed = ann("config", "list").stdout
    assert "default_kind = fax  # file; INVALID: 'fax' is not one of the default log_kinds" in listed
    assert "\nlog_kinds = call,email,meeting,message,note  # default;" in listed
    # `crm log` is: one line naming the setting and the file, nothing written.
    result = crm("log", "bob", "Called")
    assert result.exit_code == 1 and result.stdout == ""
    assert _one_line(result) == (f"crm: default_kind from config file {path}: 'fax' is not one of the default "
                                 "log_kinds (call, email, meeting, message, note); change it with `crm config set` "
                                 "or remove it with `crm config unset`")
    assert dump(db_path) == before
    got = crm("config", "get", "default_kind")
    assert got.exit_code == 1 and "default_kind from config file" in _one_line(got)
    # ...and `crm config set` fixes it.
    ann("config", "set", "default_kind", "note")
    ann("log", "bob", "Called")
    assert json.loads(ann("notes", "list", "-f", "json").stdout)[0]["kind"] == "note"


def test_a_bad_phone_region_in_the_environment_breaks_only_commands_that_parse_phones(
        ann: Run, crm: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_PHONE_REGION", "ZZ")
    before = dump(db_path)
    result = crm("contacts", "edit", "bob", "--add-phone", "020 7946 0018")
    assert result.exit_code == 1 and result.stdout == ""
    assert _one_line(result) == ("crm: phone_region from environment variable CRMCLI_PHONE_REGION: 'ZZ' is not a "
                                 "country phone numbers are known for (a two-letter country code such as GB or US); "
                                 "change or unset that environment variable")
    added = crm("contacts", "add", "Eve Local", "--phone", "020 7946 0019")
    assert added.exit_code == 1 and "CRMCLI_PHONE_REGION" in _one_line(added)
    assert dump(db_path) == before
    assert ann("contacts", "list", "-q").stdout == "1\n2\n3\n"
    ann("remind")
    ann("log", "bob", "Called about the quote")
    ann("config", "set", "phone_region", "GB")  # the file is fine; the environment still wins
    assert crm("contacts", "edit", "bob", "--add-phone", "020 7946 0018").exit_code == 1
    monkeypatch.delenv("CRMCLI_PHONE_REGION")
    ann("contacts", "edit", "bob", "--add-phone", "020 7946 0018")
    assert "+442079460018" in ann("contacts", "show", "bob", "-f", "json").stdout


@pytest.mark.parametrize(("toml", "env", "message"), [
    ('locale = "xx_YY"\n', None, "locale from config file {path}: unknown locale 'xx_YY'"),
    ("", ("CRMCLI_LOCALE", "xx_YY"), "locale from environment variable CRMCLI_LOCALE: unknown locale 'xx_YY'"),
    ('currency = "EUX"\n', None, "currency from config file {path}: unknown currency 'EUX'"),
    ('stages = "lead:10:30d"\n', None, "stages from config file {path}: stages need at least one won stage"),
], ids=["locale-file", "locale-env", "currency-file", "stages-file"])
def test_a_broken_deal_setting_stops_deals_add_not_contacts(ann: Run, crm: Run, isolated: Path, db_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch, toml: str,
                                                            env: tuple[str, str] | None, message: str) -> None:
    path = _config(isolated)
    path.parent.mkdir(parents=True)
    path.write_text(toml)
    if env:
        monkeypatch.setenv(*env)
    before = dump(db_path)
    result = crm("deals", "add", "Retainer", "--value", "12.000", *(() if "currency" in toml else ("--currency", "EUR")))
    assert result.exit_code == 1 and result.stdout == ""
    assert message.format(path=path) in _one_line(result)
    assert dump(db_path) == before
    assert ann("contacts", "list", "-q").stdout == "1\n2\n3\n"
    ann("log", "bob", "Called")
    ann("remind")


def test_a_toml_value_of_the_wrong_type_is_named(ann: Run, crm: Run, isolated: Path) -> None:
    path = _config(isolated)
    path.parent.mkdir(parents=True)
    path.write_text("phone_region = 44\n")
    result = crm("contacts", "add", "Eve", "--phone", "020 7946 0019")
    assert result.exit_code == 1
    assert f"phone_region from config file {path}: expected text in quotes, not 44" in _one_line(result)
    ann("config", "unset", "phone_region")
    ann("contacts", "add", "Eve", "--phone", "+44 20 7946 0019")


def test_deals_add_checks_the_locale_flag_like_the_setting(ok: Run, crm: Run, db_path: Path) -> None:
    ok("contacts", "list")
    before = dump(db_path)
    result = crm("deals", "add", "Retainer", "--value", "12.000", "--currency", "EUR", "--locale", "xx_YY")
    assert result.exit_code == 2 and result.stdout == ""
    assert _one_line(result).startswith("crm: unknown locale 'xx_YY': no decimal mark is known for the language 'xx'")
    assert dump(db_path) == before
    ok("deals", "add", "Retainer", "--value", "12.000", "--currency", "EUR", "--locale", "de_de")
    assert json.loads(ok("deals", "list", "-f", "json").stdout)[0]["value"] == "12000.00"


def test_db_flag_and_env_are_checked_too(crm: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    flag = crm("--db", "mysql://sales@db.example/crm", "contacts", "list")
    assert flag.exit_code == 2 and "unsupported database 'mysql'" in _one_line(flag)
    monkeypatch.setenv("CRMCLI_DB", "postgresql+psycopg://sales:hunter2@db.example/crm")
    env = crm("contacts", "list")
    assert env.exit_code == 1 and "hunter2" not in env.stderr
    assert _one_line(env).startswith("crm: db from environment variable CRMCLI_DB: a password in the database URL")
    assert crm("config", "path").exit_code == 0


# -- crm db backup ---------------------------------------------------------------------------------

def test_backup_refuses_an_existing_file_without_force(ann: Run, crm: Run, db_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "precious.db"
    target.write_bytes(b"my notes, not a backup\n")
    result = crm("db", "backup", str(target))
    assert result.exit_code == 5 and result.stdout == ""
    assert _one_line(result) == f"crm: backup target {target} already exists; add --force to replace it"
    assert target.read_bytes() == b"my notes, not a backup\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".precious")] == []  # no temp file left
    replaced = ann("db", "backup", str(target), "--force")
    assert f"backed up {db_path} to {target}" in replaced.stderr
    assert dump(target) == dump(db_path)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_backup_with_force_ignores_a_stale_wal_beside_the_target(ann: Run, db_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    ann("db", "backup", str(target))
    # A write-ahead log of another database beside the old copy, as a crashed process leaves one.
    other = tmp_path / "other.db"
    holder = sqlite3.connect(other)
    holder.execute("pragma journal_mode=wal")
    holder.execute("pragma wal_autocheckpoint=0")
    holder.execute("create table junk (x)")
    holder.executemany("insert into junk values (?)", [(i,) for i in range(500)])
    holder.commit()
    Path(f"{target}-wal").write_bytes(Path(f"{other}-wal").read_bytes())
    holder.close()
    ann("contacts", "add", "Dee New")
    ann("db", "backup", str(target), "--force")
    assert dump(target) == dump(db_path)


def test_db_help_names_every_command(ok: Run) -> None:
    summary = "The database: path, check, repair, migrate, backup, copy, reindex, password."
    assert summary in ok("db", "--help").stdout
    assert summary in ok("--help").stdout
