"""The audit history on a team's PostgreSQL server: each change under the session user who made it,
and no ordinary user can rewrite it (no update, no delete) or write it under another name."""

from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy as sa

from crmcli.core import contacts, history
from crmcli.core.models import AUDIT_CHANGE, AUDIT_COMMAND, Contact
from crmcli.errors import StorageError
from crmcli.storage import team
from crmcli.storage.audit import Actor
from crmcli.storage.database import Database


@pytest.fixture
def team_db(pg_url: str) -> Iterator[dict[str, Database]]:
    """The owner's database with users sam and kim added by `crm db add-user`'s service."""
    owner = Database.open(pg_url)
    with owner.connect(write=True) as conn:
        for name in ("sam", "kim"):
            team.add_user(conn, name, None)
    users = {name: Database.open(pg_url.replace("://postgres@", f"://{name}@"), migrate=False)
             for name in ("sam", "kim")}
    for name, database in users.items():
        database.actor = Actor(lambda: "somebody-else", f"crm as {name}")  # PostgreSQL ignores the claim
    yield {"owner": owner, **users}
    for database in (owner, *users.values()):
        database.dispose()


def test_each_change_is_recorded_under_the_session_user(team_db: dict[str, Database]) -> None:
    with team_db["sam"].session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee", title="CTO"))
    with team_db["kim"].session(write=True) as s:
        contacts.apply(s, s.get(Contact, ann.id), contacts.ContactChanges(title="CEO"))  # type: ignore[arg-type]
    with team_db["kim"].connect() as conn:
        rows = [r._asdict() for r in history.rows(conn, history.Filter(contact_id=ann.id)).records()]
    assert [(r["user"], r["action"], r["field"], r["before"], r["after"], r["command"]) for r in rows] == [
        ("kim", "changed", "title", "CTO", "CEO", "crm as kim"),
        ("sam", "added", "", "", "Ann Lee", "crm as sam"),
    ]


@pytest.mark.parametrize("statement", [
    "DELETE FROM audit_change", "UPDATE audit_change SET after = NULL", "DELETE FROM audit_command",
    "UPDATE audit_command SET actor = 'sam'", "TRUNCATE audit_change",
])
def test_an_ordinary_user_cannot_rewrite_the_history(team_db: dict[str, Database], statement: str) -> None:
    with team_db["kim"].session(write=True) as s:
        contacts.add(s, contacts.ContactChanges(name="Ann Lee"))
    with pytest.raises(StorageError, match="permission denied"):
        with team_db["kim"].connect(write=True) as conn:
            conn.exec_driver_sql(statement)
    with team_db["owner"].connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(AUDIT_CHANGE)).scalar() == 1
        assert conn.execute(sa.select(AUDIT_COMMAND.c.actor)).scalar() == "kim"


def test_a_command_row_written_by_hand_still_names_its_real_user(team_db: dict[str, Database]) -> None:
    with team_db["kim"].connect(write=True) as conn:
        conn.exec_driver_sql("SELECT set_config('crmcli.audit', 'off', true)")  # the owner's copy switch: not kim's
        conn.exec_driver_sql("INSERT INTO audit_command (at, actor, command) VALUES (now(), 'sam', 'forged')")
    with team_db["owner"].connect() as conn:
        assert conn.execute(sa.select(AUDIT_COMMAND.c.actor)).scalar() == "kim"


def test_a_write_from_psql_is_recorded_without_a_command_line(team_db: dict[str, Database]) -> None:
    with team_db["sam"].engine.begin() as conn:  # no crm command named: as psql would write
        conn.exec_driver_sql("INSERT INTO tag (name) VALUES ('from-psql')")
    with team_db["owner"].connect() as conn:
        assert conn.execute(sa.select(AUDIT_COMMAND.c.actor, AUDIT_COMMAND.c.command)).one() == ("sam", None)
