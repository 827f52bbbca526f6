"""A throwaway PostgreSQL server on a loopback port, for the team-database tests.

initdb refuses to run as root, so as root the server runs as the `postgres` system user.
Skipped when PostgreSQL's server binaries are not installed.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or ([shutil.which("initdb")] if shutil.which("initdb") else [])
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def server() -> Iterator[str | None]:
    """Yields a SQLAlchemy URL to an empty database, or None when PostgreSQL is not available."""
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
             f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"])
        run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "crm_test"])
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/crm_test"
    finally:
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, cwd="/")
        shutil.rmtree(root, ignore_errors=True)
