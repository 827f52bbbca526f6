"""`crm db ...`: where the database is, checking, migrating and backing it up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmcli.cli import state
from crmcli.cli.output import note

app = typer.Typer(add_completion=False, help="The database: path, check, migrate, backup, reindex, password.",
                  no_args_is_help=True)


@app.command("path")
def path(ctx: typer.Context) -> None:
    """Print the database in use (file path or URL without password)."""
    from crmcli.storage.database import Database

    context = state.context(ctx)
    target = context.settings.db
    print(Database(target).describe() if "://" not in target else context.open_database(migrate=False).describe())


@app.command("check")
def check(ctx: typer.Context) -> None:
    """Run SQLite's integrity and foreign-key checks; exit 1 if anything is wrong."""
    from crmcli.core.health import check as health_check
    from crmcli.errors import StorageError

    found = health_check(state.context(ctx).database)
    problems = list(found.storage)
    if found.drifted_links:
        problems.append(f"timeline: {found.drifted_links} interaction link(s) out of step with their "
                        "interaction's time")
    if found.stale_last_contacts:
        problems.append(f"contacts: {found.stale_last_contacts} last-contact time(s) out of step with the history")
    if found.drifted_stage_times:
        problems.append(f"deals: {found.drifted_stage_times} stage-change time(s) out of step with the stage "
                        "history")
    if found.drifted_deal_activity:
        problems.append(f"deals: {found.drifted_deal_activity} last-activity time(s) out of step with their "
                        "stage history and contacts")
    for line in problems:
        print(line)
    if problems:
        raise StorageError(f"{found.problem_count} problem(s) found in {found.database}")
    note(f"ok: {found.database} passed the integrity and foreign key checks")


@app.command("migrate")
def migrate(ctx: typer.Context) -> None:
    """Bring the schema up to date (every command also does this when needed, after a backup)."""
    from crmcli.storage import migrations

    db = state.context(ctx).open_database(migrate=False)
    applied = db.ensure_schema()
    for line in applied:
        note(f"applied {line}" if not line.startswith("(") else line)
    note(f"schema is at version {migrations.LATEST}" + ("" if applied else " (already up to date)"))


@app.command("backup")
def backup(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy (a new file).")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Copy the database to FILE (SQLite online backup, safe while crm runs); an existing FILE only with --force."""
    db = state.context(ctx).database
    db.backup(dest, replace=force)
    note(f"backed up {db.describe()} to {dest}")


password_app = typer.Typer(add_completion=False, help="The team database's password, kept in the OS keyring.", no_args_is_help=True)
app.add_typer(password_app, name="password")


def _team_url(ctx: typer.Context, *, has: str = "a password") -> str:
    from crmcli.errors import UsageProblem

    target = state.context(ctx).settings.db
    if "://" not in target:
        raise UsageProblem(f"the database is a local file ({target}); only a team database URL has {has}")
    return target


@password_app.command("set")
def password_set(ctx: typer.Context) -> None:
    """Store the password for the database URL in use (asks on a TTY, else reads one line of stdin)."""
    from crmcli.errors import Invalid
    from crmcli.storage import secrets

    url = _team_url(ctx)
    password = _read_password("Database password")
    if not password:
        raise Invalid("empty password; nothing stored")
    secrets.store(url, password)
    note(f"password for {secrets.account(url)} stored in the keyring")


def _read_password(prompt: str) -> str:
    """Asked twice, unseen, on a terminal; else one line of stdin (scripts pipe it)."""
    import sys

    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True))
    return sys.stdin.readline().rstrip("\r\n")


@app.command("add-user")
def add_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The new user's login name (lower-case).")],
    no_password: Annotated[bool, typer.Option("--no-password", help="No password (a server that trusts or "
                                                                    "peer-checks its users).")] = False,
) -> None:
    """Create a login for a teammate on the PostgreSQL database in use (run by its owner): read and
    write the data, never the schema or its migration record. The password is asked on a terminal,
    else read from one line of stdin."""
    from crmcli.errors import Invalid
    from crmcli.storage import team
    from crmcli.storage.database import translate_errors

    url = _team_url(ctx, has="users")
    team.check_name(name)  # before asking for a password
    password = None if no_password else _read_password(f"Password for {name}")
    if not no_password and not password:
        raise Invalid("empty password; give one, or --no-password for a server that does not ask")
    db = state.context(ctx).database
    with db.connect(write=True) as conn, translate_errors(db):
        team.add_user(conn, name, password)
    from sqlalchemy.engine import make_url

    theirs = make_url(url).set(username=name, password=None).render_as_string(hide_password=True)
    note(f"added user {name}: they work with crm --db {theirs} (and store their password with crm db password set)")


@password_app.command("forget")
def password_forget(ctx: typer.Context) -> None:
    """Remove the stored password for the database URL in use."""
    from crmcli.storage import secrets

    url = _team_url(ctx)
    removed = secrets.forget(url)
    note(f"password for {secrets.account(url)} removed" if removed else "no password was stored")


@app.command("copy")
def copy(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="TARGET", help="An empty database: a SQLite file path or a "
                                                                 "URL (postgresql+psycopg://user@host/db).")],
) -> None:
    """Copy every row of the database in use into TARGET, which must be empty (made if missing), and
    check the counts: a freelancer's file becomes a team's database in one step."""
    import time

    from crmcli.core import db_copy
    from crmcli.storage.database import Database, translate_errors

    source = state.context(ctx).database
    started = time.perf_counter()
    into = Database.open(target)
    try:
        if into.describe() == source.describe():
            from crmcli.errors import UsageProblem

            raise UsageProblem("the target is the database in use; name another one")
        with source.connect() as reading, into.connect(write=True) as writing, translate_errors(into):
            copied = db_copy.copy(reading, writing, described=into.describe())
    finally:
        into.dispose()
    total = sum(copied.values())
    note(f"copied {total:,} rows in {len(copied)} tables into {into.describe()} in "
         f"{time.perf_counter() - started:.1f} s; counts checked")


@app.command("reindex")
def reindex(ctx: typer.Context) -> None:
    """Rebuild the full-text search index from the data."""
    import time

    from crmcli.storage import search_index

    db = state.context(ctx).database
    started = time.perf_counter()
    with db.connect(write=True) as conn:
        search_index.rebuild(conn)
    note(f"search index rebuilt in {time.perf_counter() - started:.1f} s")
