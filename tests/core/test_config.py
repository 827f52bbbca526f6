"""Settings: each checked when set, and when a command reads it; a broken one stops only its readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmcli import config
from crmcli.config import BrokenSetting, Settings
from crmcli.core import money
from crmcli.errors import Conflict, CrmError, Invalid, StorageError


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def _no_cli_words(err: CrmError) -> None:
    """Core messages never name a command or a flag (the TUI shows them too)."""
    assert "crm " not in str(err) and "--" not in str(err), str(err)


def test_a_broken_setting_fails_only_when_read(tmp_path: Path) -> None:
    path = _file(tmp_path, 'default_kind = "fax"\nphone_region = "gb"\n')
    settings = Settings(environ={}, path=path)
    assert settings.phone_region == "GB"
    assert settings.log_kinds == ("call", "email", "meeting", "message", "note")
    assert settings.db == str(config.default_db_path())
    with pytest.raises(BrokenSetting) as caught:
        settings.default_kind
    err = caught.value
    assert str(err) == (f"default_kind from config file {path}: 'fax' is not one of the default log_kinds "
                        "(call, email, meeting, message, note)")
    assert (err.exit_code, err.hint, err.setting, err.origin.kind) == (1, "config-file", "default_kind", "file")
    _no_cli_words(err)


def test_the_environment_is_named_and_wins_over_the_file(tmp_path: Path) -> None:
    path = _file(tmp_path, 'phone_region = "GB"\n')
    settings = Settings(environ={"CRMCLI_PHONE_REGION": "ZZ"}, path=path)
    with pytest.raises(BrokenSetting) as caught:
        settings.phone_region
    assert str(caught.value).startswith("phone_region from environment variable CRMCLI_PHONE_REGION: 'ZZ' is not a "
                                        "country phone numbers are known for")
    assert caught.value.hint == "config-env"
    _no_cli_words(caught.value)
    assert Settings(environ={"CRMCLI_PHONE_REGION": ""}, path=path).phone_region == "GB"  # empty means unset


def test_the_file_is_read_only_for_a_setting_the_environment_does_not_give(tmp_path: Path) -> None:
    path = _file(tmp_path, "db = [unclosed\n")
    settings = Settings(environ={"CRMCLI_DB": str(tmp_path / "x.db")}, path=path)
    assert settings.db == str(tmp_path / "x.db")
    with pytest.raises(StorageError, match="is not valid TOML"):
        settings.currency


def test_the_db_flag_wins_and_is_a_usage_problem_when_bad(tmp_path: Path) -> None:
    settings = Settings("mysql://x@y/z", environ={"CRMCLI_DB": "env.db"}, path=tmp_path / "none.toml")
    with pytest.raises(Invalid) as caught:
        settings.db
    assert type(caught.value) is Invalid and "unsupported database 'mysql'" in str(caught.value)
    assert Settings("flag.db", environ={"CRMCLI_DB": "env.db"}, path=tmp_path / "none.toml").db == "flag.db"


def test_default_kind_follows_log_kinds_without_call(tmp_path: Path) -> None:
    none = tmp_path / "none.toml"
    assert Settings(environ={"CRMCLI_LOG_KINDS": "visit,sms"}, path=none).default_kind == "visit"
    assert Settings(environ={"CRMCLI_LOG_KINDS": "sms,call"}, path=none).default_kind == "call"
    broken = Settings(environ={"CRMCLI_LOG_KINDS": "visit", "CRMCLI_DEFAULT_KIND": "call"}, path=none)
    with pytest.raises(BrokenSetting, match="'call' is not one of the log_kinds from environment variable "
                                            "CRMCLI_LOG_KINDS \\(visit\\)"):
        broken.default_kind


def test_inspect_shows_a_broken_value_and_why(tmp_path: Path) -> None:
    path = _file(tmp_path, 'currency = "EUX"\nlog_kinds = "a b"\n')
    settings = Settings(environ={}, path=path)
    assert settings.inspect("currency")[0::2] == ("EUX", "unknown currency 'EUX' (a three-letter ISO 4217 code such "
                                                         "as EUR, USD, GBP, JPY)")
    assert settings.inspect("default_kind")[2] == "needs a valid log_kinds"
    assert settings.inspect("locale") == (None, config.DEFAULT_ORIGIN, None)
    assert str(settings.inspect("stages")[0]).startswith("lead:10:30d")


@pytest.mark.parametrize(("toml", "message"), [
    ("phone_region = 44\n", "expected text in quotes, not 44"),
    ('default_kind = ["call"]\n', "expected text in quotes"),
    ("log_kinds = [1, 2]\n", "expected text in quotes, not 1"),
    ('stages = {lead = 10}\n', "expected text in quotes"),
    ('me = "Ann\\nLee"\n', "control characters are not allowed"),
    ('db = "sqlite:///x.db\\u0000"\n', "control characters are not allowed"),
])
def test_hand_edited_values_of_the_wrong_type(tmp_path: Path, toml: str, message: str) -> None:
    name = toml.split(" ")[0]
    with pytest.raises(BrokenSetting, match=message) as caught:
        Settings(environ={}, path=_file(tmp_path, toml)).value(name)
    assert caught.value.setting == name


# -- set and unset ----------------------------------------------------------------------------------

def _path() -> Path:
    return config.config_path()


def test_set_value_refuses_and_leaves_the_file_as_it_was() -> None:
    config.set_value("currency", "eur")
    before = _path().read_bytes()
    for name, raw in (("default_kind", "fax"), ("phone_region", "ZZ"), ("locale", "xx_YY"), ("currency", "EUX"),
                      ("stages", "lead:10"), ("db", "mysql://h/db"), ("db", ""), ("log_kinds", ",")):
        with pytest.raises(Invalid) as caught:
            config.set_value(name, raw)
        assert str(caught.value).startswith(f"cannot set {name}: ")
        assert caught.value.exit_code == 2
        _no_cli_words(caught.value)
        assert _path().read_bytes() == before
    assert config.read_file() == {"currency": "EUR"}


def test_set_value_keeps_default_kind_within_log_kinds() -> None:
    config.set_value("log_kinds", "call,fax")
    assert config.set_value("default_kind", "FAX") == "fax"
    before = _path().read_bytes()
    with pytest.raises(Invalid, match="cannot set log_kinds: default_kind 'fax' \\(in the config file\\) would not "
                                      "be one of them \\(call, email\\)") as caught:
        config.set_value("log_kinds", "call,email")
    assert caught.value.hint == "default_kind"
    with pytest.raises(Invalid, match="cannot unset log_kinds: default_kind 'fax'"):
        config.unset_value("log_kinds")
    assert _path().read_bytes() == before
    assert config.unset_value("default_kind") is True  # always possible: the default follows log_kinds
    config.set_value("log_kinds", "sms,visit")
    assert config.get_value("default_kind") == ("sms", "default")


def test_the_file_must_hold_together_without_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment comes and goes; `set` and `unset` only ever write the file, so they keep it whole."""
    monkeypatch.setenv("CRMCLI_LOG_KINDS", "call,fax")
    assert Settings().log_kinds == ("call", "fax")
    with pytest.raises(Invalid, match="'fax' is not one of the default log_kinds"):
        config.set_value("default_kind", "fax")
    config.set_value("log_kinds", "call,fax")
    config.set_value("default_kind", "fax")


def test_set_and_unset_work_beside_a_broken_value() -> None:
    _path().parent.mkdir(parents=True)
    _path().write_text('default_kind = "fax"\nphone_region = "ZZ"\n')
    config.set_value("currency", "GBP")
    config.set_value("default_kind", "note")
    assert config.unset_value("phone_region") is True
    assert config.read_file() == {"default_kind": "note", "currency": "GBP"}
    assert Settings().default_kind == "note"


# -- one setting at a time --------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "region"), [("GB", "GB"), (" us ", "US"), ("de", "DE")])
def test_phone_region_is_a_region_phonenumbers_knows(raw: str, region: str) -> None:
    assert config.KEYS["phone_region"].parse(raw) == region


@pytest.mark.parametrize("raw", ["ZZ", "XX", "UK", "GBR", "4", ""])
def test_phone_region_refused(raw: str) -> None:
    with pytest.raises(Invalid):
        config.KEYS["phone_region"].parse(raw)


@pytest.mark.parametrize(("raw", "name"), [
    ("de_DE", "de_DE"), ("de_de", "de_DE"), ("de-DE", "de_DE"), ("fr_CH.UTF-8", "fr_CH.UTF-8"),
    ("es_419", "es_419"), ("pt", "pt"), ("en_US.utf8@euro", "en_US.utf8@euro"), ("ja_JP", "ja_JP"), ("C", "C"),
    ("C.UTF-8", "C.UTF-8"), ("POSIX", "POSIX"), ("fil_PH", "fil_PH"),
])
def test_a_locale_is_a_language_whose_decimal_mark_is_known(raw: str, name: str) -> None:
    assert money.locale_name(raw) == name
    assert config.KEYS["locale"].parse(raw) == name


@pytest.mark.parametrize(("raw", "message"), [
    ("xx_YY", "unknown locale 'xx_YY': no decimal mark is known for the language 'xx'"),
    ("klingon", "cannot read the locale 'klingon'"),
    ("en US", "cannot read the locale 'en US'"),
    ("en_USA", "cannot read the locale"),
    ("de_DE; rm -rf", "cannot read the locale"),
    ("", "cannot read the locale ''"),
])
def test_locale_refused(raw: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as caught:
        money.locale_name(raw)
    _no_cli_words(caught.value)


def test_a_checked_locale_reads_amounts_as_its_language_does() -> None:
    assert money.parse("12.000", "EUR", locale=money.locale_name("de_de")) == 1_200_000
    assert money.parse("12,000", "USD", locale=money.locale_name("en_us")) == 1_200_000
    assert money.parse("12,000", "CHF", locale=money.locale_name("de_ch")) == 1_200_000  # Swiss German: a point


@pytest.mark.parametrize("raw", ["~/crm.db", "/srv/crm/team.db", "crm.db", "sqlite:///tmp/x.db",
                                 "postgresql+psycopg://sales@db.example:5433/crm"])
def test_db_is_a_path_or_url(raw: str) -> None:
    assert config.KEYS["db"].parse(raw) == raw


@pytest.mark.parametrize(("raw", "message"), [
    ("", "cannot be empty"),
    ("mysql://u@h/db", "unsupported database 'mysql'"),
    ("://nothing", "neither a file path nor a database URL"),
    ("postgresql+psycopg://sales:hunter2@db.example/crm", "a password in the database URL"),
])
def test_db_refused_without_echoing_a_password(raw: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as caught:
        config.KEYS["db"].parse(raw)
    assert "hunter2" not in str(caught.value)


def test_kinds_and_stages() -> None:
    assert config.KEYS["log_kinds"].parse(["Call", "e-mail", "call"]) == ("call", "e-mail")
    with pytest.raises(Invalid, match="one word"):
        config.KEYS["default_kind"].parse("call,email")
    with pytest.raises(Invalid, match="at least one won stage"):
        config.KEYS["stages"].parse("lead:10:30d, lost:0:lost")
    with pytest.raises(Invalid, match="unknown currency"):
        config.KEYS["currency"].parse("EURO")


# -- the backup refuses to overwrite -----------------------------------------------------------------

@pytest.mark.sqlite_only("SQLite's online backup of a file; PostgreSQL is backed up with pg_dump")
def test_backup_refuses_an_existing_file_unless_told(tmp_path: Path) -> None:
    from crmcli.storage.database import Database

    db = Database.open(str(tmp_path / "crm.db"))
    try:
        target = tmp_path / "copy.db"
        target.write_bytes(b"keep me")
        with pytest.raises(Conflict, match="already exists") as caught:
            db.backup(target, replace=False)
        assert caught.value.hint == "force" and caught.value.exit_code == 5
        _no_cli_words(caught.value)
        assert target.read_bytes() == b"keep me"
        db.backup(target, replace=True)
        assert target.read_bytes().startswith(b"SQLite format 3\x00")
        fresh = tmp_path / "fresh.db"
        db.backup(fresh, replace=False)
        assert fresh.read_bytes().startswith(b"SQLite format 3\x00")
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
    finally:
        db.dispose()
