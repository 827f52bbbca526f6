"""CRMCLI_REQUIRE_POSTGRES: on a machine meant to run the PostgreSQL tests (CI), missing server
binaries fail the run instead of quietly skipping the team-database tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import pg

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("value", "required"), [
    (None, False), ("", False), ("0", False), ("1", True), ("yes", True),
])
def test_the_flag_decides_whether_postgres_is_required(value: str | None, required: bool) -> None:
    assert pg.required({} if value is None else {pg.REQUIRE_VARIABLE: value}) is required


@pytest.mark.parametrize(("must_run", "outcome"), [(False, pytest.skip.Exception), (True, pytest.fail.Exception)])
def test_missing_binaries_skip_or_fail(must_run: bool, outcome: type[BaseException]) -> None:
    with pytest.raises(outcome, match="^PostgreSQL server binaries are not installed"):
        pg.unavailable("PostgreSQL server binaries are not installed", must_run=must_run)


@pytest.mark.parametrize(("flag", "code", "summary"), [
    (None, 0, "skipped"),
    ("1", 1, "error"),
])
def test_the_postgres_tests_fail_without_binaries_only_when_required(tmp_path: Path, flag: str | None, code: int,
                                                                     summary: str) -> None:
    # A plugin loaded before the tests are collected hides the server binaries, as on a machine without them.
    (tmp_path / "no_postgres_here.py").write_text("import tests.pg\ntests.pg._bindir = lambda: None\n")
    env = {name: value for name, value in os.environ.items() if name != pg.REQUIRE_VARIABLE}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT)])
    if flag is not None:
        env[pg.REQUIRE_VARIABLE] = flag
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no_postgres_here",
                           "tests/storage/test_postgres.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == code, done.stdout + done.stderr
    last = done.stdout.splitlines()[-1]
    assert summary in last and ("passed" not in last), last
    said = "PostgreSQL server binaries are not installed"
    assert said in done.stdout
    assert (f"{pg.REQUIRE_VARIABLE}=1 says this machine must run the PostgreSQL tests" in done.stdout) is bool(flag)
