"""`crm orgs ...`: organisations and their people."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.confirm import delete_confirmed
from crmcli.cli.options import Format, FormatOpt, IfVersionOpt, LimitOpt, QuietOpt, YesOpt
from crmcli.cli.output import added, card, emit, local_time, note

if TYPE_CHECKING:
    from sqlmodel import Session

app = typer.Typer(add_completion=False, help="Organisations: add, list, show (with their people), edit, remove.", no_args_is_help=True)

Ref = Annotated[str, typer.Argument(metavar="ORG", help="Id or a unique part of the name.")]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Organisation name, e.g. \"Acme Ltd\".")],
    website: Annotated[str | None, typer.Option("--website", "-w", metavar="URL")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Add an organisation."""
    from crmcli.core import orgs

    with state.context(ctx).database.session(write=True) as session:
        org = orgs.add(session, name, website)
    added(org.id, f"organisation {orgs.label(org)}", quiet=quiet)


@app.command("list")
def list_(
    ctx: typer.Context,
    match: Annotated[str | None, typer.Option("--match", "-m", metavar="TEXT", help="Only names containing this.")] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """List organisations with how many people each has."""
    from crmcli.core import orgs

    with state.context(ctx).database.connect() as conn:
        emit(orgs.rows(conn, match=match, limit=limit), fmt, quiet=quiet)


@app.command("show")
def show(ctx: typer.Context, ref: Ref, fmt: FormatOpt = Format.table) -> None:
    """Show an organisation and its people."""
    from crmcli.core import orgs

    with state.context(ctx).database.session() as session:
        org = orgs.resolve(session, ref)
        if fmt is not Format.table:
            emit(orgs.rows(session.connection(), match=None, limit=None, ids=[org.id]), fmt)  # type: ignore[list-item]
            return
        info = orgs.card(session, org)
    people = [f"#{p['id']} {p['name']}" + (f", {p['title']}" if p["title"] else "") for p in info["people"]]
    card(f"{info['name']}  #{info['id']}", [
        ("website", info["website"]), ("people", len(people)),
        ("created", local_time(info["created"])), ("updated", local_time(info["updated"])), ("uid", info["uid"]),
    ], [("people", people)])


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: Ref,
    name: Annotated[str | None, typer.Option("--name", metavar="TEXT", help="New name.")] = None,
    website: Annotated[str | None, typer.Option("--website", "-w", metavar="URL", help="New website (\"\" clears it).")] = None,
    if_version: IfVersionOpt = None,
) -> None:
    """Rename an organisation or change its website."""
    from crmcli.core import orgs, versions
    from crmcli.errors import UsageProblem

    if name is None and website is None:
        raise UsageProblem("nothing to change; give --name or --website")
    with state.context(ctx).database.session(write=True) as session:
        org = orgs.resolve(session, ref)
        versions.check(session, org, if_version)
        org = orgs.edit(session, org, orgs.OrgChanges(name=name, website=website))
    note(f"updated organisation {orgs.label(org)}")


@app.command("rm")
def rm(ctx: typer.Context, ref: Ref, yes: YesOpt = False) -> None:
    """Delete an organisation; its people and deals stay, without an organisation (asks first)."""
    from crmcli.core import deals, orgs
    from crmcli.core.text import counted

    def describe(session: Session) -> tuple[int, str]:
        org = orgs.resolve(session, ref)
        people = len(orgs.people(session, org))
        kept = "".join(f"; deal #{did} {name} stays, without an organisation"
                       for did, name in deals.of_org(session, org.id))  # type: ignore[arg-type]
        return org.id, f"organisation {orgs.label(org)}" + (  # type: ignore[return-value]
            f" ({counted(people, 'person', 'people')} {'stays' if people == 1 else 'stay'}, unlinked)"
            if people else "") + kept

    delete_confirmed(state.context(ctx).database, describe,
                     lambda session, oid: orgs.remove(session, orgs.resolve(session, str(oid))), yes=yes)
