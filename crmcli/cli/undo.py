"""`crm undo`: revert your last command that changed data (a whole import or merge at once), after
saying what it will revert; `--list` shows what can be undone."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli import state
from crmcli.cli.options import Format, FormatOpt, YesOpt

app = typer.Typer(add_completion=False)


@app.command("undo")
def undo(
    ctx: typer.Context,
    command: Annotated[int | None, typer.Argument(metavar="[N]", help="Undo command #N (yours) instead of "
                                                                      "your last one; see --list.")] = None,
    listing: Annotated[bool, typer.Option("--list", "-l", help="Show your commands that changed data, "
                                                               "newest first.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N", help="With --list: how many "
                                                                                 "(default 20).")] = 20,
    yes: YesOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Revert your last change to the data: every record it added removed, changed set back, removed
    put back. Refused when someone changed the same records since. An undo can be undone."""
    from crmcli.cli.confirm import confirm_or_refuse
    from crmcli.cli.output import emit, note
    from crmcli.core import undo as core

    context = state.context(ctx)
    database = context.database
    me = context.identity.name
    if listing:
        with database.connect() as conn:
            emit(core.listing(conn, me, limit=limit), fmt, empty=f"nothing recorded for {me} yet")
        return
    with database.connect() as conn:
        chosen = core.target(conn, me, command)
        core.check(conn, chosen)
    confirm_or_refuse(f"Undo {core.describe(chosen)}?", yes=yes)
    with database.connect(write=True) as conn:
        chosen = core.target(conn, me, chosen.id)  # again in the write: nothing changed meanwhile
        core.revert(conn, chosen)
    note(f"undone {core.describe(chosen)}")
