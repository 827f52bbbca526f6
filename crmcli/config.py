"""Settings and paths. Precedence: command-line flags > environment (CRMCLI_*) > config TOML > defaults.

Every setting is checked twice. `set_value` refuses a bad value and leaves the file as it was. A value
that arrives through the environment or a hand-edited file is checked when a command first reads it
(`Settings` resolves each setting on demand), so a broken one stops only the commands that use it,
with one line naming the setting and where it came from; `crm config set/unset` always work, so it
can be fixed.

Kept light (stdlib + platformdirs) because every database command reads it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from crmcli.errors import CrmError, Invalid, StorageError

if TYPE_CHECKING:
    from crmcli.core.business_hours import BusinessHours
    from crmcli.core.case_deadlines import CaseDeadlines
    from crmcli.core.stages import Stages

APP_NAME = "crmcli"
DEFAULT_KIND = "call"


class BrokenSetting(CrmError):
    """A setting from the environment or the config file holds a value crm cannot use.

    Exit 1 (like a config file that is not TOML): the command itself was fine, what it reads is not."""

    exit_code = 1

    def __init__(self, setting: str, origin: "Origin", reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"{setting} from {origin.where}: {reason}", hint=hint or f"config-{origin.kind}")
        self.setting, self.origin, self.reason = setting, origin, reason


# -- parsing one value (each raises Invalid with a message that does not repeat the setting's name) --

def _str(value: object) -> str:
    """Text, as the environment and `crm config set` give it; a TOML number or list is refused."""
    if not isinstance(value, str):
        raise Invalid(f"expected text in quotes, not {value!r}")
    if any(ord(ch) < 32 for ch in value):
        raise Invalid(f"control characters are not allowed in {value!r}")
    return value.strip()


def _db(value: object) -> str:
    """A file path or a database URL; never echoes a URL back (it may hold a password)."""
    text = _str(value)
    if not text:
        raise Invalid("a database file path or URL cannot be empty")
    if "://" in text:
        scheme = text.split("://", 1)[0]
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
            raise Invalid("neither a file path nor a database URL such as postgresql+psycopg://user@host/db")
        backend = scheme.split("+", 1)[0].lower()
        if backend not in ("sqlite", "postgresql"):
            raise Invalid(f"unsupported database {backend!r}: use a SQLite file path or a URL such as "
                          "postgresql+psycopg://user@host/db")
        from urllib.parse import urlsplit

        try:
            password = urlsplit(text).password
        except ValueError:
            raise Invalid("cannot read the database URL; write it like postgresql+psycopg://user@host/db") from None
        if password:
            raise Invalid("a password in the database URL would end up in shell history and config files",
                          hint="password")
    return text


def _phone_region(value: object) -> str:
    region = _str(value).upper()
    if len(region) != 2 or not region.isalpha():
        raise Invalid(f"a two-letter country code such as GB or US, not {value!r}")
    import phonenumbers

    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise Invalid(f"{region!r} is not a country phone numbers are known for (a two-letter country code "
                      "such as GB or US)")
    return region


def _text(value: object) -> str:
    text = _str(value)
    if not text:
        raise Invalid("cannot be empty (remove the setting instead)")
    return text


def _kinds(value: object) -> tuple[str, ...]:
    """A list in TOML, or comma-separated text in the environment and `crm config set`."""
    if isinstance(value, list):
        items = [_str(k) for k in value]
    else:
        items = _str(value).split(",")
    kinds = tuple(dict.fromkeys(k.strip().lower() for k in items if k.strip()))
    if not kinds or not all(k.replace("-", "").isalnum() for k in kinds):
        raise Invalid(f"words separated by commas (e.g. call,email,meeting), not {value!r}")
    return kinds


def _kind(value: object) -> str:
    """One kind (it must also be one of log_kinds: `Settings` and `set_value` check that)."""
    kind = _str(value).lower()
    if not kind or not kind.replace("-", "").isalnum():
        raise Invalid(f"one word such as call or email, not {value!r}")
    return kind


def _currency(value: object) -> str:
    from crmcli.core.money import currency

    return currency(_str(value))


def _locale(value: object) -> str:
    from crmcli.core.money import locale_name

    return locale_name(_str(value))


def _theme(value: object) -> str:
    """A theme's name as Textual spells them. Which themes exist is for `crm tui` to say: asking
    Textual here would import it into every command that reads a setting."""
    name = _str(value).lower()
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise Invalid(f"a theme name such as textual-light or nord, not {value!r}")
    return name


def _stages(value: object) -> "Stages":
    from crmcli.core import stages

    return stages.parse(value if isinstance(value, list) else _str(value))


def _business_hours(value: object) -> "BusinessHours":
    from crmcli.core import business_hours

    return business_hours.parse(_str(value))


def _case_deadlines(value: object) -> "CaseDeadlines":
    from crmcli.core import case_deadlines

    return case_deadlines.parse(_str(value))


def _my_emails(value: object) -> tuple[str, ...]:
    """The user's own addresses, comma-separated (a list in the file): a mail from one is outgoing."""
    from crmcli.core import validate

    items = value if isinstance(value, list) else _str(value).split(",")
    return tuple(dict.fromkeys(validate.email(_str(item)) for item in items if _str(item)))


def _stages_toml(value: "Stages") -> list[dict[str, Any]]:
    return [s.as_table() for s in value.all]


@dataclass(frozen=True)
class Key:
    name: str
    help: str
    parse: Callable[[Any], Any]
    default: Any = None
    dump: Callable[[Any], Any] | None = None  # the value as TOML, when it is not a plain one

    @property
    def env(self) -> str:
        return f"CRMCLI_{self.name.upper()}"


# Every setting crm knows. `crm config set` refuses anything else, so typos are caught at once.
KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("db", "database file path or SQLAlchemy URL (postgresql+psycopg://user@host/db)", _db),
        Key("phone_region", "country used for phone numbers written without +country code (e.g. GB)", _phone_region),
        Key("log_kinds", "the kinds of interaction `crm log` accepts, comma-separated", _kinds,
            ("call", "email", "meeting", "message", "note")),
        Key("default_kind", "the kind `crm log` uses without --kind (one of log_kinds; default: call, "
                            "else the first of log_kinds)", _kind),
        Key("currency", "the currency of deals added without --currency (ISO 4217: EUR, USD...)", _currency),
        Key("locale", "how typed amounts read, e.g. de_DE for 12.000,50 (default: LC_NUMERIC / LANG)", _locale),
        Key("me", "the name `--owner me` stands for (default: your login name)", _text),
        Key("stages", "deal stages in order, NAME:PERCENT:ROTDAYSd or NAME:PERCENT:won|lost", _stages,
            None, _stages_toml),
        Key("business_hours", "when service deadlines count, e.g. 'mon-fri 09:00-17:00 Europe/Berlin' "
                              "(default: every hour counts)", _business_hours, None, str),
        Key("case_deadlines", "response/resolution time per case priority, e.g. "
                              "'urgent=4h/1d, high=8h/2d, normal=1d/5d, low=2d/10d'", _case_deadlines, None, str),
        Key("my_emails", "your own email addresses, comma-separated: a mail from one is logged as outgoing",
            _my_emails, (), lambda v: list(v)),
        Key("tui_theme", "the colour theme of `crm tui` (textual-dark, textual-light, nord...); choosing one "
                         "in the TUI (ctrl+p, Theme) saves it here", _theme),
    )
}


def config_path() -> Path:
    override = os.environ.get("CRMCLI_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "crm.db"


def read_file(path: Path | None = None) -> dict[str, Any]:
    path = path or config_path()
    if not path.exists():
        return {}
    import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise StorageError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise StorageError(f"cannot read config file {path}: {exc.strerror}") from None
    return data


@dataclass(frozen=True)
class Origin:
    """Where a setting's value comes from."""

    kind: str   # "flag", "env", "file" or "default"
    where: str  # for people: "environment variable CRMCLI_LOCALE", "config file /home/ann/.config/crmcli/config.toml"

    @property
    def short(self) -> str:
        """For `crm config list`: env CRMCLI_X, file, default."""
        return f"env {self.where.removeprefix('environment variable ')}" if self.kind == "env" else self.kind


DEFAULT_ORIGIN = Origin("default", "the default")


class Settings:
    """The settings of one command, each resolved and checked the first time it is read.

    A broken value raises `BrokenSetting` only when read, so `crm remind` never trips over a bad
    `default_kind`; the error names the setting and where the value came from."""

    def __init__(self, db_flag: str | None = None, *, environ: Mapping[str, str] | None = None,
                 file: dict[str, Any] | None = None, path: Path | None = None) -> None:
        self._db_flag = db_flag
        self._environ = os.environ if environ is None else environ
        self._file = file
        self._path = path
        self._values: dict[str, Any] = {}

    # -- where values come from ----------------------------------------------------------------

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = config_path()
        return self._path

    def _file_data(self) -> dict[str, Any]:
        if self._file is None:
            self._file = read_file(self.path)  # only when a setting is not in the environment
        return self._file

    def raw(self, name: str) -> tuple[Any, Origin] | None:
        """The value as written and where it comes from; None when nothing sets it (the default)."""
        key = _known(name)
        if name == "db" and self._db_flag:
            return self._db_flag, Origin("flag", "the command line")
        env = self._environ.get(key.env)
        if env:
            return env, Origin("env", f"environment variable {key.env}")
        file = self._file_data()
        if name in file:
            return file[name], Origin("file", f"config file {self.path}")
        return None

    def origin(self, name: str) -> Origin:
        found = self.raw(name)
        return found[1] if found else DEFAULT_ORIGIN

    # -- checked values ------------------------------------------------------------------------

    def value(self, name: str) -> Any:
        """The checked value (the default when unset); BrokenSetting when it came in broken."""
        if name not in self._values:
            self._values[name] = self._resolve(name)
        return self._values[name]

    def effective(self, name: str) -> Any:
        """The value a command works with: `value`, except the default stages instead of None."""
        return self.stages if name == "stages" else self.value(name)

    def inspect(self, name: str) -> tuple[Any, Origin, str | None]:
        """(value, origin, problem): the effective value, or the value as written and what is wrong."""
        try:
            return self.effective(name), self.origin(name), None
        except BrokenSetting as err:
            found = self.raw(name)
            raw = found[0] if found else KEYS[name].default
            return raw, self.origin(name), err.reason if err.setting == name else f"needs a valid {err.setting}"

    def _resolve(self, name: str) -> Any:
        key = KEYS[name]
        found = self.raw(name)
        if name == "default_kind":
            return self._default_kind(found)
        if found is None:
            return str(default_db_path()) if name == "db" else key.default
        raw, origin = found
        try:
            return key.parse(raw)
        except Invalid as err:
            if origin.kind == "flag":
                raise
            raise BrokenSetting(name, origin, str(err), hint=err.hint) from None

    def _default_kind(self, found: tuple[Any, Origin] | None) -> str:
        kinds = self.log_kinds
        if found is None:
            return DEFAULT_KIND if DEFAULT_KIND in kinds else kinds[0]
        raw, origin = found
        try:
            kind = _kind(raw)
        except Invalid as err:
            raise BrokenSetting("default_kind", origin, str(err)) from None
        if kind not in kinds:
            raise BrokenSetting("default_kind", origin, _not_a_kind(kind, kinds, self.origin("log_kinds")))
        return kind

    # -- what commands read --------------------------------------------------------------------

    @property
    def db(self) -> str:
        return self.value("db")

    @property
    def phone_region(self) -> str | None:
        return self.value("phone_region")

    @property
    def log_kinds(self) -> tuple[str, ...]:
        return self.value("log_kinds")

    @property
    def default_kind(self) -> str:
        return self.value("default_kind")

    @property
    def currency(self) -> str | None:
        return self.value("currency")

    @property
    def locale(self) -> str | None:
        return self.value("locale")

    @property
    def me(self) -> str | None:
        return self.value("me")

    @property
    def business_hours(self) -> "BusinessHours | None":
        return self.value("business_hours")

    @property
    def case_deadline_setting(self) -> "CaseDeadlines | None":
        return self.value("case_deadlines")

    @property
    def my_emails(self) -> tuple[str, ...]:
        return self.value("my_emails")

    @property
    def tui_theme(self) -> str | None:
        return self.value("tui_theme")

    @property
    def stage_setting(self) -> "Stages | None":
        return self.value("stages")

    @property
    def stages(self) -> "Stages":
        """The configured deal stages, or the defaults (imported only by the commands that use them)."""
        from crmcli.core.stages import DEFAULT

        return self.stage_setting or DEFAULT

    @property
    def money_locale(self) -> str | None:
        """The locale typed amounts are read in: the setting, else the environment's."""
        from crmcli.core.money import environment_locale

        return self.locale or environment_locale()

    @property
    def owner_me(self) -> str:
        import getpass

        return self.me or getpass.getuser()

    @property
    def db_is_url(self) -> bool:
        return "://" in self.db


def _not_a_kind(kind: str, kinds: tuple[str, ...], origin: Origin) -> str:
    listed = ", ".join(kinds)
    where = "the default log_kinds" if origin.kind == "default" else f"the log_kinds from {origin.where}"
    return f"{kind!r} is not one of {where} ({listed})"


def load(db_flag: str | None = None) -> Settings:
    """The settings of one command (each one read and checked when first used)."""
    return Settings(db_flag)


def set_value(name: str, raw: str) -> Any:
    """Validate and write one key to the config file (TOML), keeping the others. A bad value, or one
    that would leave default_kind outside log_kinds, is refused and the file left as it was."""
    key = _known(name)
    try:
        value = key.parse(raw)
    except Invalid as err:
        raise Invalid(f"cannot set {name}: {err}", hint=err.hint) from None
    path = config_path()
    data = read_file(path)
    data[name] = key.dump(value) if key.dump else list(value) if isinstance(value, tuple) else value
    _check_kinds(name, data, path, "set")
    _write(path, data)
    return value


def unset_value(name: str) -> bool:
    _known(name)
    path = config_path()
    data = read_file(path)
    if name not in data:
        return False
    del data[name]
    _check_kinds(name, data, path, "unset")
    _write(path, data)
    return True


def _check_kinds(name: str, data: dict[str, Any], path: Path, verb: str) -> None:
    """The config file on its own (the environment aside: it comes and goes) must keep default_kind
    one of log_kinds. A value already broken in the file is left for the command that reads it."""
    if name not in ("default_kind", "log_kinds"):
        return
    alone = Settings(environ={}, file=data, path=path)
    try:
        kinds = alone.log_kinds
        found = alone.raw("default_kind")
        kind = _kind(found[0]) if found else None
    except (BrokenSetting, Invalid):
        return
    if kind is None or kind in kinds:
        return
    if name == "default_kind":
        raise Invalid(f"cannot set default_kind: {_not_a_kind(kind, kinds, alone.origin('log_kinds'))}",
                      hint="log_kinds")
    raise Invalid(f"cannot {verb} log_kinds: default_kind {kind!r} (in the config file) would not be one of "
                  f"{'them' if verb == 'set' else 'the default log_kinds'} ({', '.join(kinds)})",
                  hint="default_kind")


def get_value(name: str) -> tuple[Any, str]:
    """The effective value of a key and where it came from (env CRMCLI_X, file, default)."""
    settings = Settings()
    return settings.effective(_known(name).name), settings.origin(name).short


def _known(name: str) -> Key:
    try:
        return KEYS[name]
    except KeyError:
        raise Invalid(f"unknown setting {name!r}; known settings: {', '.join(KEYS)}") from None


def _write(path: Path, data: dict[str, Any]) -> None:
    import tomli_w

    from crmcli.io.files import write_atomically

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, tomli_w.dumps(data).encode("utf-8"))
