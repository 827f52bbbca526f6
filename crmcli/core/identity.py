"""Who is working: the name that owners, and later the audit history, record.

On SQLite (one person's file) it is the `me` setting, else the login name. On PostgreSQL (a team's
server) it is the server's session user, the role the password logged in as: a settings value
cannot claim to be somebody else there."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any, Callable

from crmcli.core.rows import Rows
from crmcli.core.stages import Stages

SETTING, LOGIN, SESSION = "the me setting", "your login name", "the PostgreSQL session user"

Me = Callable[[], str]  # who is working, asked only when needed (on PostgreSQL it is a query)


def login_name() -> str:
    """Who "me" is for a caller that names no one (a test, a script on a local file)."""
    return getpass.getuser()


@dataclass(frozen=True)
class Identity:
    name: str
    source: str    # SETTING, LOGIN or SESSION: why this is the name
    database: str  # the database it is on, as shown (a path, or a URL without its password)

    def rows(self) -> Rows:
        return Rows(("user", "source", "database"), [(self.name, self.source, self.database)])


def current(database: Any, me_setting: str | None) -> Identity:
    """The identity on `database` (crmcli.storage.database.Database) for the `me` setting given."""
    if not database.is_sqlite:
        with database.connect() as conn:
            user = conn.exec_driver_sql("SELECT session_user").scalar_one()
        return Identity(str(user), SESSION, database.describe())
    if me_setting and me_setting.strip():
        return Identity(me_setting.strip(), SETTING, database.describe())
    return Identity(getpass.getuser(), LOGIN, database.describe())


def owner_name(text: str, me: Me) -> str | None:
    """An owner as typed (`--owner`, a form, an imported cell): "me" is who is working, blank is
    nobody (None), anything else the name, trimmed."""
    name = text.strip()
    if name.lower() == "me":
        return me()
    return name or None


def new_owner(text: str | None, me: Me) -> str | None:
    """The owner of a record being added: as typed, else (None) whoever adds it."""
    return me() if text is None else owner_name(text, me)


def owner_filter(text: str | None, me: Me) -> str | None:
    """Whose records a listing keeps (`--owner` as typed): a name, "" for the records nobody owns,
    or None (not given) for everyone's."""
    return None if text is None else owner_name(text, me) or ""


def owned_by(column: Any, owner: str | None) -> tuple[Any, ...]:
    """SQL conditions (for `where(*...)`) keeping the rows of `owner`, an owner_filter result ("":
    the rows nobody owns); none when `owner` is None (everyone's)."""
    if owner is None:
        return ()
    return (column == owner,) if owner else (column.is_(None),)


class Acting:
    """Settings (crmcli.config.Settings, or any deals.DealSettings) with "me" as the identity says:
    `--owner me` on a team's server is the session user, whatever the `me` setting holds."""

    def __init__(self, settings: Any, who: Callable[[], Identity]) -> None:
        self._settings = settings
        self._who = who  # asked only when "me" is used (on PostgreSQL it is a query)

    @property
    def owner_me(self) -> str:
        return self._who().name

    @property
    def stages(self) -> Stages:
        return self._settings.stages  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:  # every other setting as it is
        return getattr(self._settings, name)
