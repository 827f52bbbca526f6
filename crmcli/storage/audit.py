"""Who and which command a write transaction belongs to, for the audit history's triggers
(storage/audit_triggers.py).

Every crm write transaction begins by naming its command: on SQLite a row of `audit_command`
marked `in_progress`, which the triggers attach their rows to and which is closed at commit
(deleted when the command changed nothing); on PostgreSQL the transaction's settings
`crmcli.command_line` and `crmcli.at`, from which the first change makes the command row.
"""

from __future__ import annotations

import getpass
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# Options whose value is a secret: left out of the recorded command line.
SECRET_OPTIONS = ("password", "secret", "token")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Actor:
    """Who works (on SQLite; PostgreSQL records its session user), the command line they ran, and
    the clock (the front ends pass theirs, which a test or the README tour may pin)."""

    user: Callable[[], str] = field(default=getpass.getuser)
    command_line: str | None = None
    now: Callable[[], datetime] = field(default=_now)


def command_line(argv: Sequence[str], program: str = "crm") -> str:
    """`argv` as one shell line, the values of secret-bearing options left out."""
    shown: list[str] = [program]
    hide_next = False
    for argument in argv:
        if hide_next:
            shown.append("***")
            hide_next = False
            continue
        name, has_value, _ = argument.partition("=")
        secret = argument.startswith("-") and any(word in name.lower() for word in SECRET_OPTIONS)
        if secret and has_value:
            shown.append(f"{name}=***")
        else:
            shown.append(argument)
            hide_next = secret
    return shlex.join(shown)


def begin(conn: Connection, actor: Actor) -> None:
    """Name the command of the write transaction `conn` has just begun."""
    at = actor.now().astimezone(UTC)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO audit_command (at, actor, command, in_progress) VALUES (?, ?, ?, 1)",
                             (at.strftime("%Y-%m-%d %H:%M:%S.%f"), actor.user(), actor.command_line))
    else:
        conn.exec_driver_sql("SELECT set_config('crmcli.command_line', %s, true), set_config('crmcli.at', %s, true)",
                             (actor.command_line or "", at.isoformat()))


def finish_sqlite(dbapi_connection: object) -> None:
    """At commit (SQLite): close the command, or drop it when it changed nothing."""
    run = dbapi_connection.execute  # type: ignore[attr-defined]
    run("DELETE FROM audit_command WHERE in_progress = 1 AND NOT EXISTS "
        "(SELECT 1 FROM audit_change WHERE command_id = audit_command.id)")
    run("UPDATE audit_command SET in_progress = NULL WHERE in_progress = 1")


def marks_undo(conn: Connection, undone: int) -> None:
    """Record that the running command reverts command `undone`."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("UPDATE audit_command SET undoes = ? WHERE in_progress = 1", (undone,))
    else:
        conn.exec_driver_sql("SELECT set_config('crmcli.undoes', %s, true)", (str(undone),))


def suspend(conn: Connection) -> None:
    """Record nothing more in this transaction: a bulk copy into an empty database is not history.
    (On PostgreSQL only the tables' owner may; anyone else's writes are recorded regardless.)"""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DELETE FROM audit_command WHERE in_progress = 1")
    else:
        conn.exec_driver_sql("SELECT set_config('crmcli.audit', 'off', true)")
