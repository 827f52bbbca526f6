"""The application context: settings, the database and the clock, built by one factory and used
by the CLI, the TUI and the tests alike. A test pins the clock and the database here; the TUI holds
one for its whole run, the CLI one per command."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from crmcli.config import Settings
    from crmcli.storage.database import Database


def _utc_now() -> datetime:
    from crmcli.core.clock import utc_now

    return utc_now()


@dataclass
class AppContext:
    settings: "Settings"
    database: "Database"
    now: Callable[[], datetime] = field(default=_utc_now)  # aware UTC; CRMCLI_NOW pins it

    def local_now(self) -> datetime:
        from crmcli.core.clock import local_zone

        return self.now().astimezone(local_zone())

    def close(self) -> None:
        self.database.dispose()


def open_context(db_flag: str | None = None, *, migrate: bool = True) -> AppContext:
    """Settings (flags > env > file > defaults) and the database they name, opened and migrated:
    an unusable database fails here, with one line, before any screen is drawn."""
    from crmcli import config
    from crmcli.storage.database import Database

    settings = config.load(db_flag)
    return AppContext(settings, Database.open(settings.db, migrate=migrate))
