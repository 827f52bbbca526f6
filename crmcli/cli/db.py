"""`crm db ...`: where the database is, checking, migrating and backing it up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmcli.cli import state
from crmcli.cli.output import note

app = typer.Typer(help="The database: path, check, migrate, backup.", no_args_is_help=True)


@app.command("path")
def path() -> None:
    """Print the database in use (file path or URL without password)."""
    from crmcli.storage.database import Database

    print(Database(state.settings().db).describe() if "://" not in state.settings().db
          else state.database(migrate=False).describe())


@app.command("check")
def check() -> None:
    """Run SQLite's integrity and foreign-key checks; exit 1 if anything is wrong."""
    from crmcli.errors import StorageError

    db = state.database()
    problems = db.check()
    for line in problems:
        print(line)
    if problems:
        raise StorageError(f"{len(problems)} problem(s) found in {db.describe()}")
    note(f"ok: {db.describe()} passed the integrity and foreign key checks")


@app.command("migrate")
def migrate() -> None:
    """Bring the schema up to date (every command also does this when needed, after a backup)."""
    from crmcli.storage import migrations

    db = state.database(migrate=False)
    applied = db.ensure_schema()
    for line in applied:
        note(f"applied {line}" if not line.startswith("(") else line)
    note(f"schema is at version {migrations.LATEST}" + ("" if applied else " (already up to date)"))


@app.command("backup")
def backup(dest: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy.")]) -> None:
    """Copy the database to FILE with SQLite's online backup API (safe while crm runs)."""
    db = state.database()
    db.backup(dest)
    note(f"backed up {db.describe()} to {dest}")
