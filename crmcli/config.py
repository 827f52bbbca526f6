"""Settings and paths. Precedence: command-line flags > environment (CRMCLI_*) > config TOML > defaults.

Kept light (stdlib + platformdirs) because every database command reads it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from crmcli.errors import Invalid, StorageError

if TYPE_CHECKING:
    from crmcli.core.stages import Stages

APP_NAME = "crmcli"


def _phone_region(value: str) -> str:
    region = value.strip().upper()
    if len(region) != 2 or not region.isalpha():
        raise Invalid(f"phone_region must be a two-letter country code such as GB or US, not {value!r}")
    return region


def _text(value: str) -> str:
    return str(value).strip()


def _kinds(value: object) -> tuple[str, ...]:
    """A list in TOML, or comma-separated text in the environment and `crm config set`."""
    items = value if isinstance(value, list) else str(value).split(",")
    kinds = tuple(dict.fromkeys(str(k).strip().lower() for k in items if str(k).strip()))
    if not kinds or not all(k.replace("-", "").isalnum() for k in kinds):
        raise Invalid(f"log_kinds must be words separated by commas (e.g. call,email,meeting), not {value!r}")
    return kinds


def _kind(value: object) -> str:
    return _kinds(value)[0]


def _currency(value: object) -> str:
    from crmcli.core.money import currency

    return currency(str(value))


def _stages(value: object) -> "Stages":
    from crmcli.core import stages

    return stages.parse(value)


def _stages_toml(value: "Stages") -> list[dict[str, Any]]:
    return [s.as_table() for s in value.all]


def _locale(value: object) -> str:
    text = str(value).strip()
    if not text or not text.replace("_", "").replace("-", "").replace(".", "").replace("@", "").isalnum():
        raise Invalid(f"locale is a name such as en_US or de_DE, not {value!r}")
    return text


@dataclass(frozen=True)
class Key:
    name: str
    help: str
    parse: Callable[[Any], Any]
    default: Any = None
    dump: Callable[[Any], Any] | None = None  # the value as TOML, when it is not a plain one


# Every setting crm knows. `crm config set` refuses anything else, so typos are caught at once.
KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("db", "database file path or SQLAlchemy URL (postgresql+psycopg://user@host/db)", _text),
        Key("phone_region", "country used for phone numbers written without +country code (e.g. GB)", _phone_region),
        Key("log_kinds", "the kinds of interaction `crm log` accepts, comma-separated", _kinds,
            ("call", "email", "meeting", "message", "note")),
        Key("default_kind", "the kind `crm log` uses without --kind", _kind, "call"),
        Key("currency", "the currency of deals added without --currency (ISO 4217: EUR, USD...)", _currency),
        Key("locale", "how typed amounts read, e.g. de_DE for 12.000,50 (default: LC_NUMERIC / LANG)", _locale),
        Key("me", "the name `--owner me` stands for (default: your login name)", _text),
        Key("stages", "deal stages in order, NAME:PERCENT:ROTDAYSd or NAME:PERCENT:won|lost", _stages,
            None, _stages_toml),
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
class Settings:
    db: str
    phone_region: str | None
    log_kinds: tuple[str, ...]
    default_kind: str
    currency: str | None
    locale: str | None
    me: str | None
    stage_setting: "Stages | None"

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


def load(db_flag: str | None = None) -> Settings:
    """Resolve every setting once per command."""
    file = read_file()
    values: dict[str, Any] = {}
    for name, key in KEYS.items():
        env = os.environ.get(f"CRMCLI_{name.upper()}")
        if env:
            values[name] = key.parse(env)
        elif name in file:
            values[name] = key.parse(file[name])
        else:
            values[name] = key.default
    if db_flag:
        values["db"] = db_flag
    if not values["db"]:
        values["db"] = str(default_db_path())
    if values["default_kind"] not in values["log_kinds"]:
        raise Invalid(f"default_kind {values['default_kind']!r} is not one of log_kinds "
                      f"({', '.join(values['log_kinds'])}); fix it with crm config set")
    values["stage_setting"] = values.pop("stages")
    return Settings(**values)


def set_value(name: str, raw: str) -> Any:
    """Validate and write one key to the config file (TOML), keeping the others."""
    key = _known(name)
    value = key.parse(raw)
    path = config_path()
    data = read_file(path)
    data[name] = key.dump(value) if key.dump else list(value) if isinstance(value, tuple) else value
    _write(path, data)
    return value


def unset_value(name: str) -> bool:
    _known(name)
    path = config_path()
    data = read_file(path)
    if name not in data:
        return False
    del data[name]
    _write(path, data)
    return True


def get_value(name: str) -> tuple[Any, str]:
    """The effective value of a key and where it came from (env, file, default)."""
    key = _known(name)
    env = os.environ.get(f"CRMCLI_{name.upper()}")
    if env:
        return key.parse(env), f"env CRMCLI_{name.upper()}"
    file = read_file()
    if name in file:
        return key.parse(file[name]), "file"
    if name == "db":
        return str(default_db_path()), "default"
    if name == "stages":
        from crmcli.core.stages import DEFAULT

        return DEFAULT, "default"
    return key.default, "default"


def _known(name: str) -> Key:
    try:
        return KEYS[name]
    except KeyError:
        raise Invalid(f"unknown setting {name!r}; known settings: {', '.join(KEYS)}") from None


def _write(path: Path, data: dict[str, Any]) -> None:
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    os.replace(tmp, path)
