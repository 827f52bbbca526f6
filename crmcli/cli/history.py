"""`crm history`: who changed what and when — the audit history of a contact, a deal, or everything
since a time — with the values before and after, field by field, newest first."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli import state
from crmcli.cli.options import Format, FormatOpt

app = typer.Typer(add_completion=False)

PAGE = 50


@app.command("history")
def history(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(metavar="[CONTACT]", help="Id, email, or a unique part of the name.")]
    = None,
    deal: Annotated[str | None, typer.Option("--deal", "-d", metavar="DEAL", help="A deal's changes (id or name).")]
    = None,
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN", help="Only since then: 'yesterday', "
                                                                             "'2 weeks ago', '2026-01-01'.")] = None,
    user: Annotated[str | None, typer.Option("--user", "-u", metavar="NAME", help="Only this user's changes "
                                                                                 "('me': yours).")] = None,
    command: Annotated[int | None, typer.Option("--command", "-c", metavar="N", help="Only command #N's changes.")]
    = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N", help=f"Newest N changes (default {PAGE}).")]
    = PAGE,
    everything: Annotated[bool, typer.Option("--all", "-a", help="Every change, not only the newest page.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Who changed what: each change with its time, user, command, and the values before and after."""
    from crmcli.cli.options import exclusive
    from crmcli.cli.output import emit, note
    from crmcli.core import contacts, dates, deals
    from crmcli.core import history as core

    exclusive(ctx, "limit", "everything")
    context = state.context(ctx)
    with context.database.session() as session:
        where = core.Filter(
            contact_id=contacts.resolve(session, ref).id if ref is not None else None,
            deal_id=deals.resolve(session, deal).id if deal is not None else None,
            since=dates.parse_since(since, now=context.local_now()) if since is not None else None,
            user=context.identity.name if user == "me" else user,
            command_id=command)
        rows = core.rows(session.connection(), where, limit=None if everything else limit + 1)
    page = rows.rows
    if not everything:
        rows.rows = page[:limit]
    emit(rows, fmt, empty="no changes recorded that match")
    if not everything and len(page) > limit:
        note(f"showing the newest {limit}; --all for everything, --limit N for more")
