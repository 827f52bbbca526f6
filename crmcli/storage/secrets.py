"""The team database's password: in the OS keyring, never in the config file or the URL.

Order: CRMCLI_DB_PASSWORD, then the keyring; with neither, libpq's own PGPASSWORD and ~/.pgpass
still apply. keyring is imported only for URL databases, never on the SQLite path.
"""

from __future__ import annotations

import os

from crmcli.errors import StorageError, UsageProblem

SERVICE = "crmcli"
NO_BACKEND = ("no keyring backend on this machine; set CRMCLI_DB_PASSWORD, or use PGPASSWORD or ~/.pgpass "
              "for PostgreSQL")


def account(url: object) -> str:
    """The keyring entry name for a URL: user@host:port/database (no driver, no password)."""
    from sqlalchemy.engine import make_url

    u = make_url(str(url)) if not hasattr(url, "username") else url
    return f"{u.username or ''}@{u.host or 'localhost'}:{u.port or ''}/{u.database or ''}"  # type: ignore[attr-defined]


def refuse_inline_password(url: object) -> None:
    if getattr(url, "password", None):
        raise UsageProblem("a password in the database URL would end up in shell history and config files",
                           hint="password")


def lookup(url: object) -> str | None:
    env = os.environ.get("CRMCLI_DB_PASSWORD")
    if env:
        return env
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    try:
        return keyring.get_password(SERVICE, account(url))
    except NoKeyringError:
        return None  # libpq's PGPASSWORD / ~/.pgpass may still answer
    except KeyringError as err:
        raise StorageError(f"cannot read the database password from the keyring: {err}") from None


def store(url: object, password: str) -> None:
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    try:
        keyring.set_password(SERVICE, account(url), password)
    except NoKeyringError:
        raise StorageError(NO_BACKEND) from None
    except KeyringError as err:
        raise StorageError(f"cannot store the password in the keyring: {err}") from None


def forget(url: object) -> bool:
    import keyring
    from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, account(url))
        return True
    except PasswordDeleteError:
        return False
    except NoKeyringError:
        raise StorageError(NO_BACKEND) from None
    except KeyringError as err:
        raise StorageError(f"cannot remove the password from the keyring: {err}") from None
