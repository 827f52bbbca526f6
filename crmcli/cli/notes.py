"""`crm notes ...`: every logged interaction by id: list, show, edit, remove."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.confirm import delete_confirmed
from crmcli.cli.options import Format, FormatOpt, QuietOpt, YesOpt, exclusive, needs
from crmcli.cli.output import card, emit, local_time, note
from crmcli.cli.timeline import PAGE, All, Kinds, Limit, Since, show_interactions

if TYPE_CHECKING:
    from sqlmodel import Session

app = typer.Typer(add_completion=False, help="Logged interactions (calls, emails, meetings, messages, notes): list, show, edit, rm.",
                  no_args_is_help=True)
Id = Annotated[str, typer.Argument(metavar="ID", help="The interaction's id (see `crm notes list`).")]


@app.command("list")
def list_(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Option("--contact", "-c", metavar="CONTACT",
                                                help="Only this contact's.")] = None,
    kind: Kinds = None, since: Since = None, limit: Limit = PAGE, everything: All = False,
    fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
) -> None:
    """Interactions, newest first."""
    from crmcli.core import contacts

    exclusive(ctx, "limit", "everything")
    context = state.context(ctx)
    with context.database.session() as session:
        contact_id = contacts.resolve(session, contact).id if contact else None
        show_interactions(session, context.local_now(), contact_id=contact_id, kind=kind, since=since,
                          limit=None if everything else limit, fmt=fmt, quiet=quiet, empty="nothing logged yet")


@app.command("show")
def show(ctx: typer.Context, ref: Id, fmt: FormatOpt = Format.table) -> None:
    """One interaction in full: when, kind, who, and the whole text."""
    from crmcli.core import interactions

    with state.context(ctx).database.session() as session:
        entry = interactions.get(session, ref)
        if fmt is not Format.table:
            emit(interactions.rows(session.connection(), ids=[entry.id]), fmt)  # type: ignore[list-item]
            return
        people = interactions.participants(session, entry)
    card(f"{entry.kind}{' ' + entry.direction if entry.direction else ''} #{entry.id}", [
        ("when", local_time(entry.occurred_at)), ("with", ", ".join(f"#{p.id} {p.name}" for p in people)),
        ("logged", local_time(entry.created_at)), ("edited", local_time(entry.updated_at)
                                                   if entry.updated_at != entry.created_at else None),
        ("uid", entry.uid),
    ], [("text", entry.body.splitlines() or [""])])


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: Id,
    text: Annotated[str | None, typer.Option("--text", "-t", metavar="TEXT",
                                             help="The new text ('-' reads stdin); without it and without other "
                                                  "changes, $EDITOR opens on the current text.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", "-k", metavar="KIND")] = None,
    direction: Annotated[str | None, typer.Option("--direction", "-d", metavar="in|out|\"\"")] = None,
    at: Annotated[str | None, typer.Option("--at", metavar="WHEN", help="When it happened.")] = None,
    future: Annotated[bool, typer.Option("--future", help="Allow --at in the future.")] = False,
) -> None:
    """Change an interaction's text, kind, direction or time."""
    from crmcli.cli.editor import obtain
    from crmcli.core import interactions

    needs(ctx, "future", "at")
    context = state.context(ctx)
    settings = context.settings
    kinds = interactions.Kinds(settings.log_kinds, settings.default_kind)
    when = None
    if at is not None:
        from crmcli.core import dates

        when = dates.parse_moment(at, now=context.local_now(), lean="past")
    db = context.database
    with db.session() as session:
        current = interactions.get(session, ref)
    body = text
    if text is not None or (kind is None and direction is None and at is None):
        body = obtain(text, what=f"{current.kind} #{current.id}", initial=current.body, use_editor=text is None)
        if not body.strip():
            raise typer.Abort()
    changes = interactions.InteractionChanges(body=body, kind=kind, direction=direction, occurred_at=when,
                                                 future=future)
    with db.session(write=True) as session:
        entry = interactions.edit(session, interactions.get(session, current.id), changes, kinds)  # type: ignore[arg-type]
    note(f"updated {entry.kind} #{entry.id}")


@app.command("rm")
def rm(ctx: typer.Context, ref: Id, yes: YesOpt = False) -> None:
    """Delete an interaction (from every contact's timeline, and from search)."""
    from crmcli.core import interactions

    def describe(session: Session) -> tuple[int, str]:
        entry = interactions.get(session, ref)
        people = ", ".join(p.name for p in interactions.participants(session, entry))
        return entry.id, f"{entry.kind} #{entry.id} with {people} ({local_time(entry.occurred_at)})"  # type: ignore[return-value]

    delete_confirmed(state.context(ctx).database, describe,
                     lambda session, iid: interactions.remove(session, interactions.get(session, iid)), yes=yes)
