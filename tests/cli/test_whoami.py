"""`crm whoami`: who, why and on which database; and `--owner me` is that user on PostgreSQL."""

from __future__ import annotations

import getpass
from pathlib import Path

from tests.conftest import Run
from tests.core.test_identity import _as_kim


def test_whoami_says_who_why_and_where(ok: Run, tmp_path: Path, pg_url: str) -> None:
    local = str(tmp_path / "crm.db")
    assert ok("--db", local, "whoami").stdout == f"{getpass.getuser()} (your login name) on {local}\n"
    ok("--db", local, "config", "set", "me", "sam")
    assert ok("--db", local, "whoami").stdout == f"sam (the me setting) on {local}\n"
    assert ok("--db", local, "whoami", "-f", "csv").stdout == f"user,source,database\nsam,the me setting,{local}\n"
    kim_url = _as_kim(pg_url)
    shown = ok("--db", kim_url, "whoami").stdout
    assert shown.startswith("kim (the PostgreSQL session user) on postgresql")
    ok("--db", kim_url, "deals", "add", "Brand refresh", "-v", "1200", "--currency", "EUR", "--owner", "me")
    listed = ok("--db", kim_url, "deals", "list", "--owner", "me", "--format", "json").stdout
    assert '"owner": "kim"' in listed and "Brand refresh" in listed
