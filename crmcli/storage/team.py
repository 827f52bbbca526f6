"""A team's PostgreSQL database: its users are the server's login roles (the session user is who
works, crmcli.core.identity). `add_user` makes one with what daily work needs and no more: read and
write the data, never change the schema or the migration record (the owner migrates), and add
to the audit history but never update or delete it."""

from __future__ import annotations

import re
from typing import Any

from crmcli.errors import Conflict, CrmError, Invalid

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")  # plain lower-case names: shown as typed, never quoted apart


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise Invalid(f"user name {name!r}: lower-case letters, digits and _ (not first), at most 63")
    return name


def add_user(conn: Any, name: str, password: str | None) -> None:
    """Create login role `name` (with `password`, or none for servers that trust or peer-check) and
    grant it the daily work on every table, now and made by later migrations; in `conn`'s transaction."""
    from psycopg import errors, sql

    check_name(name)
    me, here = conn.exec_driver_sql("SELECT session_user, current_database()").one()
    role, database = sql.Identifier(name), sql.Identifier(here)
    statements = [
        sql.SQL("CREATE ROLE {} LOGIN").format(role) + (sql.SQL(" PASSWORD {}").format(sql.Literal(password))
                                                         if password else sql.SQL("")),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, role),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(role),
        sql.SQL("REVOKE INSERT, UPDATE, DELETE ON crm_migrations FROM {}").format(role),
        # The audit history takes new rows and is read, but nobody rewrites it.
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON audit_command, audit_change FROM {}").format(role),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role),
        # Tables and sequences the owner's later migrations make are the user's to use too.
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}")
        .format(role),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(role),
    ]
    cursor = conn.connection.driver_connection.cursor()
    try:
        for statement in statements:
            cursor.execute(statement)
    except errors.DuplicateObject:
        raise Conflict(f"the server has a role {name} already; pick another name") from None
    except errors.InsufficientPrivilege:
        raise CrmError(f"only the database's owner (a role allowed to create roles) can add users; {me} cannot") \
            from None
