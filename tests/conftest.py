"""Every test runs against its own temp folders: never the user's real config or database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from typer.testing import CliRunner, Result

from tests import pg

if TYPE_CHECKING:
    from sqlalchemy import Engine

CRM = Path(sys.executable).with_name("crm")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("CRMCLI_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("TZ", "UTC")
    return home


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring: tests never touch the machine's real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def db_path(isolated: Path) -> Path:
    """Where crm puts its database by default in the isolated home."""
    return isolated / ".local" / "share" / "crmcli" / "crm.db"


Run = Callable[..., Result]


@pytest.fixture
def crm() -> Run:
    """Invoke `crm ARGS...` in-process; stdout and stderr are captured separately."""
    from crmcli.cli.main import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, prog_name="crm")

    return run


@pytest.fixture
def ok(crm: Run) -> Run:
    """Like `crm`, but the command must succeed."""

    def run(*args: str, input: str | None = None) -> Result:
        result = crm(*args, input=input)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr, result.exception)
        return result

    return run


@pytest.fixture
def ann(ok: Run) -> Run:
    """A database with Ann Lee at Acme Ltd, and Anna Berg and Bob Marsh."""
    ok("contacts", "add", "Ann Lee", "--email", "ann@acme.example", "--phone", "+44 20 7946 0000",
       "--org", "Acme Ltd", "--title", "CTO", "--tag", "client", "--tag", "vip", "--field", "source=referral")
    ok("contacts", "add", "Anna Berg", "--email", "anna@berg.example", "--org", "Berg AB")
    ok("contacts", "add", "Bob Marsh", "--email", "work:bob@acme.example", "--org", "Acme Ltd")
    return ok


def sql(path: Path, statement: str) -> None:
    """Change a database behind crm's back (to build broken or foreign states)."""
    con = sqlite3.connect(path)
    try:
        con.execute(statement)
        con.commit()
    finally:
        con.close()


def dump(path: Path) -> list[str]:
    """Every row of a database as SQL text: equal dumps mean nothing changed."""
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def run_crm(*args: str, env: dict[str, str] | None = None, input: str | None = None,
            stdin: int | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `crm` script in a real process (for environment, TTY and import checks)."""
    return subprocess.run([str(CRM), *args], capture_output=stdin is None, stdin=stdin, text=True,
                          encoding="utf-8", env=env if env is not None else os.environ.copy(), input=input,
                          timeout=60, **({"stdout": subprocess.PIPE, "stderr": subprocess.PIPE} if stdin is not None else {}))


# -- PostgreSQL: one throwaway server for the whole run (tests/pg.py) ------------------------------

BACKENDS = ("sqlite", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): a service test that runs on SQLite alone, and why")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that reaches the `backend` fixture (through `db`, say) runs once per backend, ids
    `[sqlite]` and `[postgres]`; `@pytest.mark.sqlite_only("why")` keeps it on SQLite."""
    if "backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        if only is not None and not only.args:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a reason")
        metafunc.parametrize("backend", BACKENDS[:1] if only else BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The session's server: a URL to its `crm_test` database (skips, or fails in CI, without binaries)."""
    for url in pg.server():
        if url is None:
            pg.unavailable("PostgreSQL server binaries are not installed")
        yield url


def _admin(url: str) -> "Engine":
    """An engine for statements outside transactions (CREATE DATABASE, VACUUM); no pooled connections."""
    import sqlalchemy as sa

    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@pytest.fixture
def pg_url(pg_server: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database on the shared server for each test. Databases and roles the test makes
    are dropped after it: the server is the session's, and roles are the server's, not a database's."""
    name = "t_" + request.node.name.lower().replace("-", "_")[:50]
    admin = _admin(pg_server)
    with admin.connect() as conn:
        roles = set(conn.exec_driver_sql("SELECT rolname FROM pg_roles").scalars())
        databases = set(conn.exec_driver_sql("SELECT datname FROM pg_database").scalars())
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield pg_server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        for made in set(conn.exec_driver_sql("SELECT datname FROM pg_database").scalars()) - databases:
            conn.exec_driver_sql(f'DROP DATABASE "{made}" WITH (FORCE)')
        for made in set(conn.exec_driver_sql("SELECT rolname FROM pg_roles").scalars()) - roles:
            conn.exec_driver_sql(f'DROP ROLE "{made}"')
    admin.dispose()


class ServiceDatabase:
    """One database on the session's server, migrated once by the code's own migrations, and emptied
    before each service test: DELETE of every table (triggers and foreign keys off, as a superuser
    may) and every sequence restarted, about 5 ms; a TRUNCATE of them all took 50 ms and a copy of
    a template database 160 ms."""

    def __init__(self, url: str) -> None:
        from crmcli.storage.database import Database

        Database.open(url).dispose()  # migrate: the schema as the code has it now
        self.url = url
        self.emptied = 0
        self.engine = _admin(url)
        with self.engine.connect() as conn:
            tables = conn.exec_driver_sql(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'crm_migrations'").scalars().all()
            sequences = conn.exec_driver_sql(
                "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public'").scalars().all()
        self.empty_sql = "; ".join(["BEGIN", "SET LOCAL lock_timeout = '5s'",  # a leaked transaction: say so
                                    "SET LOCAL session_replication_role = replica",
                                    *(f"DELETE FROM {t}" for t in tables),
                                    *(f"ALTER SEQUENCE {s} RESTART" for s in sequences), "COMMIT"])

    def empty(self) -> str:
        self.emptied += 1
        with self.engine.connect() as conn:
            conn.exec_driver_sql(self.empty_sql)
            if self.emptied % 50 == 0:  # the server runs no autovacuum (tests/pg.py): keep the tables small
                conn.exec_driver_sql("VACUUM")
        return self.url


@pytest.fixture(scope="session")
def pg_services(pg_server: str) -> Iterator[ServiceDatabase]:
    with _admin(pg_server).connect() as conn:
        conn.exec_driver_sql("CREATE DATABASE crm_services")
    services = ServiceDatabase(pg_server.rsplit("/", 1)[0] + "/crm_services")
    yield services
    services.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once by the code's migrations, that service tests start from a copy of:
    migrating a new file takes ~130 ms, a copy well under 1 ms."""
    from crmcli.storage.database import Database

    path = tmp_path_factory.mktemp("template") / "crm.db"
    Database.open(str(path)).dispose()  # the last connection closed: WAL checkpointed, the file whole
    return path


@pytest.fixture
def db_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where a service test's database is: a new SQLite file, or the session's PostgreSQL service
    database, emptied; either migrated, nothing in it, ids from 1."""
    if backend == "sqlite":
        import shutil

        return str(shutil.copy2(request.getfixturevalue("sqlite_template"), tmp_path / "crm.db"))  # mode 0600 kept
    services: ServiceDatabase = request.getfixturevalue("pg_services")
    return services.empty()
