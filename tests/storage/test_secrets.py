"""Team database passwords: keyring first, CRMCLI_DB_PASSWORD, a clear line without a backend."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends.fail import Keyring as NoBackend

from crmcli.storage import secrets
from tests.conftest import MemoryKeyring, Run

URL = "postgresql+psycopg://sales@db.example:5433/crm"


def test_password_set_stores_in_keyring_and_lookup_finds_it(ok: Run, memory_keyring: MemoryKeyring) -> None:
    result = ok("--db", URL, "db", "password", "set", input="s3cret\n")
    assert "password for sales@db.example:5433/crm stored in the keyring" in result.stderr
    assert memory_keyring.store == {("crmcli", "sales@db.example:5433/crm"): "s3cret"}
    from sqlalchemy.engine import make_url

    assert secrets.lookup(make_url(URL)) == "s3cret"
    ok("--db", URL, "db", "password", "forget")
    assert memory_keyring.store == {}


def test_env_password_wins(memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.engine import make_url

    memory_keyring.store[("crmcli", "sales@db.example:5433/crm")] = "from-keyring"
    monkeypatch.setenv("CRMCLI_DB_PASSWORD", "from-env")
    assert secrets.lookup(make_url(URL)) == "from-env"


def test_no_keyring_backend_is_one_clear_line(crm: Run) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoBackend())
    try:
        result = crm("--db", URL, "db", "password", "set", input="s3cret\n")
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 1
    assert result.stderr == f"crm: {secrets.NO_BACKEND}\n"


def test_password_in_url_is_refused(crm: Run) -> None:
    result = crm("--db", "postgresql+psycopg://sales:hunter2@db.example/crm", "contacts", "list")
    assert result.exit_code == 2 and "crm db password set" in result.stderr
    assert "hunter2" not in result.stderr


def test_password_commands_need_a_url(crm: Run) -> None:
    result = crm("db", "password", "set", input="x\n")
    assert result.exit_code == 2 and "only a team database URL has a password" in result.stderr


def test_unreachable_server_is_one_line(crm: Run, memory_keyring: MemoryKeyring) -> None:
    result = crm("--db", "postgresql+psycopg://sales@127.0.0.1:9/crm", "contacts", "list")
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("crm: database error on postgresql+psycopg://sales@127.0.0.1:9/crm")
