"""A throwaway PostgreSQL server on a loopback port, for the team-database tests.

initdb refuses to run as root, so as root the server runs as the `postgres` system user.
Skipped when PostgreSQL's server binaries are not installed, unless CRMCLI_REQUIRE_POSTGRES=1 (set by
.ci/run) says this machine is meant to have them: then the missing binaries fail the tests instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator, Mapping, NoReturn

import pytest

REQUIRE_VARIABLE = "CRMCLI_REQUIRE_POSTGRES"


def required(environ: Mapping[str, str]) -> bool:
    """Whether the PostgreSQL tests must run here: the variable set to anything but empty or 0."""
    return environ.get(REQUIRE_VARIABLE, "").strip() not in ("", "0")


# Read once, at import: the autouse `isolated` fixture clears every CRMCLI_* variable during a test.
REQUIRED = required(os.environ)


def unavailable(reason: str, *, must_run: bool = REQUIRED) -> NoReturn:
    """Skip the PostgreSQL tests, or fail them when this machine is meant to run them."""
    if must_run:
        pytest.fail(f"{reason}, and {REQUIRE_VARIABLE}=1 says this machine must run the PostgreSQL tests",
                    pytrace=False)
    pytest.skip(reason)


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or ([shutil.which("initdb")] if shutil.which("initdb") else [])
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def server(settings: Mapping[str, str] | None = None) -> Iterator[str | None]:
    """Yields a SQLAlchemy URL to an empty database, or None when PostgreSQL is not available.
    `settings`: server settings beside the tests' own (a benchmark's shared_buffers, say)."""
    bindir = _bindir()
    if bindir is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="crmcli-pg-"))
    data = root / "data"
    port = _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        os.chmod(root, 0o700)
    run = lambda args: subprocess.run(_as_server_user(args), check=True, capture_output=True, cwd="/")  # noqa: E731
    try:
        run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
        run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "start", "-o",
             # No autovacuum: its ANALYZE writes, and the change-watch tests need a server nobody else writes to.
             # A time zone that is neither UTC nor the tests' local one: crm must not depend on the server's.
             f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c autovacuum=off "
             "-c timezone=America/New_York"
             + "".join(f" -c {name}={value}" for name, value in (settings or {}).items())])
        run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "crm_test"])
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/crm_test"
    finally:
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, cwd="/")
        shutil.rmtree(root, ignore_errors=True)
