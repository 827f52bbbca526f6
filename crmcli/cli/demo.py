"""`crm demo`: a realistic sample to look around in, kept in a database of its own.

Re-runnable: without --db (or CRMCLI_DB) it rebuilds `demo.db` beside the default database, so the
user's real data is never touched and running it twice just starts the demo afresh. Given a
database explicitly, it fills that one only if it is empty."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from crmcli.cli import state
from crmcli.cli.output import note

app = typer.Typer(add_completion=False)


def demo_db_path() -> Path:
    from crmcli.config import default_db_path

    return default_db_path().with_name("demo.db")


@app.command("demo")
def demo(ctx: typer.Context) -> None:
    """Fill the demo database with a deterministic sample: contacts, organisations, their history,
    follow-ups and deals (browse it with `crm --demo ...`)."""
    from crmcli.core import sample
    from crmcli.errors import Conflict

    given = ctx.find_root().params.get("db") or os.environ.get("CRMCLI_DB")
    own = not given or Path(given).expanduser() == demo_db_path()
    if own:
        _remove_database(demo_db_path())
        state.begin(ctx, str(demo_db_path()))  # this command's context, instead of the root's
    context = state.context(ctx)
    db = context.database
    with db.connect(write=True) as conn:
        if not sample.is_empty(conn):
            raise Conflict(f"{db.describe()} already holds data; demo only fills an empty database "
                           "(without --db it uses a demo database of its own)")
        counts = sample.generate(conn, sample.DEMO, now=context.now())
    note("demo data added to " + db.describe() + ": " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    flag = "--demo" if own else f"--db {db.describe()}"
    note(f"try: crm {flag} contacts list --limit 20    crm {flag} timeline 1    crm {flag} pipeline    "
         f"crm {flag} remind")


def _remove_database(path: Path) -> None:
    """The previous demo, with SQLite's side files: it holds nothing but sample data."""
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            part.unlink()
        except FileNotFoundError:
            pass
