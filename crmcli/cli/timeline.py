"""`crm timeline CONTACT`: the whole relationship, newest first."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Annotated, Callable

import typer

from crmcli.cli import state
from crmcli.cli.options import Format, FormatOpt, QuietOpt, exclusive

if TYPE_CHECKING:
    from datetime import datetime

    from crmcli.core.rows import Rows

app = typer.Typer(add_completion=False)

PAGE = 20
Kinds = Annotated[list[str] | None, typer.Option("--kind", "-k", metavar="KIND", help="Only this kind. Repeatable.")]
Since = Annotated[str | None, typer.Option("--since", metavar="WHEN", help="Only since then: '3 months ago', "
                                                                         "'2026-01-01', 'som'.")]
Limit = Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N", help=f"Newest N (default {PAGE}).")]
All = Annotated[bool, typer.Option("--all", "-a", help="Everything, not only the newest page.")]


@app.command("timeline")
def timeline(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="CONTACT", help="Id, email, or a unique part of the name.")],
    kind: Kinds = None, since: Since = None, limit: Limit = PAGE, everything: All = False,
    fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
) -> None:
    """A contact's history, newest first: calls, emails, meetings, messages, notes, follow-ups, deals, cases,
    campaigns."""
    from crmcli.core import contacts
    from crmcli.core import timeline as core

    exclusive(ctx, "limit", "everything")
    context = state.context(ctx)
    with context.database.session() as session:
        contact = contacts.resolve(session, ref)
        if fmt is Format.table and not quiet and contact.do_not_contact_at is not None:
            from crmcli.cli.output import note

            note(f"{contact.name}: do not contact "
                 f"{contacts.do_not_contact_since(contact.do_not_contact_at, contact.do_not_contact_reason)}")
        show_interactions(session, context.local_now(), contact_id=contact.id, kind=kind, since=since,
                          limit=None if everything else limit, fmt=fmt, quiet=quiet,
                          empty=f"nothing on {contact.name}'s timeline yet",
                          source=lambda conn, **kw: core.rows(conn, contact.id, **kw,
                                                              only=core.quiet_type(kw["kinds"]) if quiet else None,
                                                              marked=fmt is Format.table))


def show_interactions(session: object, now: datetime, *, contact_id: int | None, kind: list[str] | None,
                      since: str | None, limit: int | None, fmt: Format, quiet: bool, empty: str,
                      source: Callable[..., Rows] | None = None) -> None:
    """The listing `timeline` and `notes list` share: filters, the page, and a word when it is cut.
    `source` gives the rows (default: interactions, optionally of one contact); `--since` counts back
    from `now`."""
    from crmcli.cli.output import emit, note
    from crmcli.core import interactions

    if source is None:
        source = partial(interactions.rows, contact_id=contact_id)
    since_at = None
    if since is not None:
        from crmcli.core import dates

        since_at = dates.parse_since(since, now=now)
    conn = session.connection()  # type: ignore[attr-defined]
    kinds = [k.strip().lower() for k in kind or []]
    rows = source(conn, kinds=kinds, since=since_at,
                  limit=None if limit is None else limit + 1)  # one more tells whether there is more
    if limit is None:
        emit(rows, fmt, quiet=quiet, empty=empty)
        return
    page = list(rows.rows)
    rows.rows = page[:limit]
    emit(rows, fmt, quiet=quiet, empty=empty)
    if len(page) > limit:
        note(f"showing the newest {limit}; --all for everything, --limit N for more")
