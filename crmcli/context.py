"""The application context: settings, the database and the clock, built by one factory and used
by the CLI, the TUI and the tests alike. A test pins the clock and the database here; the TUI holds
one for its whole run, the CLI one per command.

Lazy: settings are read, and the database opened (and migrated when behind), on first use. So a
command that needs neither touches neither (`crm config ...` works with a broken database setting),
and a broken setting stops only the commands that read it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from crmcli.config import Settings
    from crmcli.core.identity import Acting, Identity
    from crmcli.storage.database import Database


def _utc_now() -> datetime:
    from crmcli.core.clock import utc_now

    return utc_now()


class AppContext:
    def __init__(self, db_flag: str | None = None, *, now: Callable[[], datetime] = _utc_now,
                 command_line: str | None = None) -> None:
        self.db_flag = db_flag  # --db (a path or URL), else the settings decide
        self.now = now  # aware UTC; CRMCLI_NOW pins the default clock
        self.command_line = command_line  # what the audit history records for this front end's writes
        self._settings: "Settings | None" = None
        self._database: "Database | None" = None
        self._identity: "Identity | None" = None
        # Told when a write waits for another process's (storage.database.Database.on_wait): the
        # CLI says so on a terminal; the TUI's writes run in workers and need no word.
        self.on_wait: Callable[[str], None] | None = None

    @property
    def settings(self) -> "Settings":
        """Flags > env > file > defaults, each setting checked when first read."""
        if self._settings is None:
            from crmcli import config

            self._settings = config.load(self.db_flag)
        return self._settings

    @property
    def database(self) -> "Database":
        return self.open_database()

    def open_database(self, *, migrate: bool = True) -> "Database":
        """The store the settings name, opened on first use; `migrate=False` leaves an older schema as
        it is (for the commands that report on it or migrate it themselves)."""
        if self._database is None:
            from crmcli.storage.database import Database

            from crmcli.storage.audit import Actor

            database = Database.open(self.settings.db, migrate=migrate)
            database.actor = Actor(lambda: self.identity.name, self.command_line, self.now)
            database.on_wait = self.on_wait
            self._database = database
            from crmcli.startup import resume_collector

            resume_collector()  # the imports are done: see crmcli.startup
        return self._database

    @property
    def identity(self) -> "Identity":
        """Who is working on this database (crmcli.core.identity); asked of the server once."""
        if self._identity is None:
            from crmcli.core import identity

            self._identity = identity.current(self.database, self.settings.me)
        return self._identity

    def me(self) -> str:
        """The identity's name: the owner of what this front end adds, and `--owner me` (a core.identity.Me)."""
        return self.identity.name

    @property
    def deal_settings(self) -> "Acting":
        """The settings deals read, "me" being the identity (on PostgreSQL, the session user)."""
        from crmcli.core.identity import Acting

        return Acting(self.settings, lambda: self.identity)

    def local_now(self) -> datetime:
        from crmcli.core.clock import local_zone

        return self.now().astimezone(local_zone())

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()
            self._database = None
            self._identity = None


def open_context(db_flag: str | None = None, *, migrate: bool = True, command_line: str | None = None) -> AppContext:
    """A context with its database opened now: an unusable one fails here, with one line, before
    any screen is drawn."""
    context = AppContext(db_flag, command_line=command_line)
    context.open_database(migrate=migrate)
    return context
