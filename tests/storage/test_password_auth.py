"""A team server that asks for passwords: the daily commands work with the password stored or in
the environment; without one anywhere, or with a wrong one, one line says how to give it."""

from __future__ import annotations

import json
import uuid
from typing import Iterator

import keyring
import pytest
import sqlalchemy as sa
from keyring.backends import fail

from tests.conftest import Run

PASSWORD = "s3cret-Pa55"


@pytest.fixture
def pat(pg_url: str, ok: Run) -> Iterator[str]:
    """The URL of pat, a user of the test database that must log in with a password (scram)."""
    name = f"pat_{uuid.uuid4().hex[:8]}"  # roles are the server's, shared by this module's tests
    ok("--db", pg_url, "db", "add-user", name, input=PASSWORD + "\n")
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        hba = conn.exec_driver_sql("SHOW hba_file").scalar_one()
        with open(hba, encoding="utf-8") as f:
            rules = f.read()
        line = f"host all {name} 127.0.0.1/32 scram-sha-256\n"
        if line not in rules:
            with open(hba, "w", encoding="utf-8") as f:
                f.write(line + rules)  # first match wins: pat alone must give a password
        conn.exec_driver_sql("SELECT pg_reload_conf()")
    engine.dispose()
    yield pg_url.replace("://postgres@", f"://{name}@")


def test_without_a_password_anywhere_one_line_names_the_ways(crm: Run, pat: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for backend in (None, fail.Keyring()):  # an empty keyring, then no keyring backend at all
        if backend is not None:
            monkeypatch.setattr(keyring, "get_keyring", lambda: backend)
            keyring.set_keyring(backend)
        result = crm("--db", pat, "contacts", "list")
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr == (f"crm: {pat} asks for a password and none was found: store it with `crm db password "
                                 "set` (the OS keyring), or set CRMCLI_DB_PASSWORD, or use PGPASSWORD or ~/.pgpass\n")


def test_a_wrong_password_is_one_line(crm: Run, pat: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_DB_PASSWORD", "not-it")
    result = crm("--db", pat, "contacts", "list")
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1 and "not-it" not in result.stderr
    assert result.stderr.endswith(" refused the password: store the right one with `crm db password set` "
                                  "(or check CRMCLI_DB_PASSWORD, PGPASSWORD, ~/.pgpass)\n")


def test_with_the_password_in_the_keyring_the_daily_work_runs(ok: Run, pat: str) -> None:
    ok("--db", pat, "db", "password", "set", input=PASSWORD + "\n")
    ok("--db", pat, "contacts", "add", "José Núñez", "--email", "jose@nunez.example")
    ok("--db", pat, "log", "jose", "Sent the discount offer", "--kind", "email")
    ok("--db", pat, "follow-ups", "add", "jose", "Call about the offer", "--due", "2030-01-02")
    ok("--db", pat, "deals", "add", "Stand at the fair", "-c", "jose", "-v", "2400", "--currency", "EUR")
    ok("--db", pat, "import", "contacts", "-", input="name,emails\nAnn Lee,ann@acme.example\n")
    found = json.loads(ok("--db", pat, "search", "jose", "--format", "json").stdout)
    assert any(hit["title"] == "José Núñez" for hit in found)
    exported = json.loads(ok("--db", pat, "export", "deals", "--format", "json").stdout)
    assert [d["name"] for d in exported] == ["Stand at the fair"]
    assert ok("--db", pat, "whoami").stdout.startswith("pat_")
