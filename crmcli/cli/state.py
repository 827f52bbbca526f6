"""Per-invocation state: the global options and the database, opened only by commands that need it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crmcli.config import Settings
    from crmcli.storage.database import Database

_db_flag: str | None = None
_settings: "Settings | None" = None
_db: "Database | None" = None


def reset(db_flag: str | None) -> None:
    global _db_flag, _settings, _db
    close()
    _db_flag, _settings = db_flag, None


def settings() -> "Settings":
    global _settings
    if _settings is None:
        from crmcli import config

        _settings = config.load(_db_flag)
    return _settings


def database(*, migrate: bool = True) -> "Database":
    """The store for this command, created on first use and migrated if it is behind."""
    global _db
    if _db is None:
        from crmcli.storage.database import Database

        _db = Database.open(settings().db, migrate=migrate)
    return _db


def close() -> None:
    global _db
    if _db is not None:
        _db.dispose()
        _db = None
