"""`crm db ...`: where the database is, checking, migrating and backing it up."""

from __future__ import annotations

from pathlib import Path
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.output import note

if TYPE_CHECKING:
    from crmcli.core.health import Health, Problem


class CheckFormat(str, Enum):
    text = "text"
    json = "json"

app = typer.Typer(add_completion=False, help="The database: path, check, repair, migrate, backup, copy, reindex, password.",
                  no_args_is_help=True)


@app.command("path")
def path(ctx: typer.Context) -> None:
    """Print the database in use (file path or URL without password)."""
    from crmcli.storage.database import Database

    context = state.context(ctx)
    target = context.settings.db
    print(Database(target).describe() if "://" not in target else context.open_database(migrate=False).describe())


@app.command("check")
def check(
    ctx: typer.Context,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", metavar="FORMAT", case_sensitive=False,
                                             help="text (a line per problem) or json (for scripts).")]
    = CheckFormat.text,
) -> None:
    """Check integrity, foreign keys, the search index and the copies kept beside the data; exit 1 if anything is wrong.

    One line per problem, naming what, how many and a few ids. `crm db repair` fixes what can be fixed."""
    from crmcli.core.health import check as health_check

    found = health_check(state.context(ctx).database)
    _report(found, fmt)
    _exit_if_problems(found)
    note(f"ok: {found.database} passed the integrity, foreign key, search index and copy checks")


@app.command("repair")
def repair(
    ctx: typer.Context,
    drop_orphans: Annotated[bool, typer.Option(
        "--drop-orphans", help="Also remove rows pointing to a record that is gone (SQLite): deleted, or "
                               "unlinked where the link is optional, as deleting that record would have done.")] = False,
    reindex: Annotated[bool, typer.Option("--reindex", help="Rebuild the search index even if it looks right.")] = False,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", metavar="FORMAT", case_sensitive=False,
                                             help="text or json (for scripts).")] = CheckFormat.text,
) -> None:
    """Fix what `crm db check` found, in one transaction; say what was fixed and what was not.

    Rebuilds the search index, writes the drifted copies again from the data, closes audit commands
    left open (and with --drop-orphans, removes rows pointing nowhere), then checks again. Exit 0
    when the database is sound afterwards, 1 when problems remain."""
    from crmcli.core.health import repair as health_repair

    done = health_repair(state.context(ctx).database, drop_orphans=drop_orphans, reindex=reindex)
    if fmt is CheckFormat.json:
        _json({"database": done.after.database, "ok": done.ok, "fixed": list(done.fixed),
               "before": [_problem(p) for p in done.before.problems],
               "problems": [_problem(p) for p in done.after.problems], "notes": list(done.after.notes)})
    else:
        for line in done.fixed:
            note(f"fixed: {line}")
        for problem in done.left:
            print(f"{problem.line}: {_advice(problem)}")
        for line in done.after.notes:
            note(f"note: {line}")
    if not done.ok:
        from crmcli.errors import StorageError

        raise StorageError(f"{done.after.problem_count} problem(s) left in {done.after.database}"
                           + ("; nothing was changed" if not done.changed else ""))
    note(f"ok: {done.after.database} " + ("repaired and checked" if done.changed else "needed no repair"))


def _problem(p: "Problem") -> dict[str, object]:
    return {"check": p.check, "subject": p.subject, "count": p.count, "message": p.message,
            "examples": list(p.examples), "fix": p.fix}


def _json(document: dict[str, object]) -> None:
    import json

    print(json.dumps(document, ensure_ascii=False, indent=2))


def _report(found: "Health", fmt: "CheckFormat") -> None:
    if fmt is CheckFormat.json:
        _json({"database": found.database, "ok": found.ok, "schema_version": found.schema_version,
               "problems": [_problem(p) for p in found.problems], "notes": list(found.notes)})
        return
    for problem in found.problems:
        print(problem.line)
    for line in found.notes:
        note(f"note: {line}")


def _exit_if_problems(found: "Health") -> None:
    if found.problems:
        from crmcli.errors import StorageError

        fixable = sum(1 for p in found.problems if p.fix == "repair")
        hint = f"; `crm db repair` fixes {fixable} of them" if fixable else ""
        raise StorageError(f"{found.problem_count} problem(s) found in {found.database}{hint}")


def _advice(problem: "Problem") -> str:
    """What to do about a problem the repair left."""
    if problem.fix == "backup":
        index = " (an index's finding alone: the sqlite3 shell's REINDEX rebuilds the indexes)" \
            if " index " in f" {problem.message} " else ""
        return ("the file is damaged: restore a backup (crm db backup, or the .bak-vN copies migrations keep), "
                f"or salvage with the sqlite3 shell's .recover{index}")
    if problem.fix == "drop-orphans":
        return "restore a backup to bring the missing records back, or remove these rows with --drop-orphans"
    return "not fixed"


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
