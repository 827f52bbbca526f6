"""`crm db add-user NAME`: the database owner gives a teammate a login that reads and writes the
data and nothing more; refused on a local file, for a name taken, and for a user who is no owner."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import Run


def test_a_teammate_works_on_the_data_but_cannot_touch_the_schema(ok: Run, crm: Run, pg_url: str) -> None:
    ok("--db", pg_url, "contacts", "add", "Ann Lee")
    added = ok("--db", pg_url, "db", "add-user", "sam", input="s3cret-pass\n")
    host = pg_url.split("@", 1)[1]
    assert added.stderr == f"added user sam: they work with crm --db postgresql+psycopg://sam@{host} " \
                           "(and store their password with crm db password set)\n"
    sam = pg_url.replace("://postgres@", "://sam@")
    ok("--db", sam, "log", "ann", "Called about the quote")
    ok("--db", sam, "contacts", "add", "Bob Marsh")
    assert "sam (the PostgreSQL session user)" in ok("--db", sam, "whoami").stdout
    engine = sa.create_engine(sam)
    with engine.connect() as conn:
        for statement in ("ALTER TABLE contact ADD COLUMN x int", "DELETE FROM crm_migrations",
                          "CREATE TABLE mine (id int)"):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"):
                conn.exec_driver_sql(statement)
            conn.rollback()
    engine.dispose()
    again = crm("--db", pg_url, "db", "add-user", "sam", "--no-password")
    assert (again.exit_code, again.stderr) == (5, "crm: the server has a role sam already; pick another name\n")
    by_sam = crm("--db", sam, "db", "add-user", "kim", "--no-password")
    assert by_sam.exit_code == 1 and "only the database's owner" in by_sam.stderr and "sam cannot" in by_sam.stderr


@pytest.mark.parametrize(("args", "code", "message"), [
    (("Sam",), 2, "crm: user name 'Sam': lower-case letters, digits and _ (not first), at most 63\n"),
    (("sam",), 2, "crm: empty password; give one, or --no-password for a server that does not ask\n"),
])
def test_bad_names_and_empty_passwords_are_one_line(crm: Run, pg_url: str, args: tuple[str, ...], code: int,
                                                    message: str) -> None:
    result = crm("--db", pg_url, "db", "add-user", *args, input="\n")
    assert (result.exit_code, result.stderr) == (code, message)


def test_a_local_file_has_no_users(crm: Run, tmp_path: Path) -> None:
    local = tmp_path / "crm.db"
    result = crm("--db", str(local), "db", "add-user", "sam")
    assert (result.exit_code, result.stderr) == (
        2, f"crm: the database is a local file ({local}); only a team database URL has users\n")
