"""Every test runs against its own temp folders: never the user's real config or database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from typer.testing import CliRunner, Result

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
