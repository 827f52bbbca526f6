"""`crm cases ...`: customers' requests and complaints, each tracked until resolved, with deadlines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.options import (Format, FormatOpt, IfVersionOpt, LimitOpt, NoOwnerOpt, OwnerFilterOpt, OwnerOpt,
                                QuietOpt, exclusive)
from crmcli.cli.output import added, card, emit, local_time, note

if TYPE_CHECKING:
    from crmcli.context import AppContext
    from crmcli.core.cases import CasePolicy
    from crmcli.core.models import ServiceCase

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Service cases: add, list, show, edit, assign, close, reopen, note.")
Id = Annotated[str, typer.Argument(metavar="CASE", help="The case's number: 12 or #12 (see `crm cases list`).")]
Kind = Annotated[str | None, typer.Option("--kind", "-k", metavar="KIND",
                                          help="request, complaint, question or incident.")]
Priority = Annotated[str | None, typer.Option("--priority", "-p", metavar="PRIORITY",
                                              help="low, normal, high or urgent: sets the deadlines.")]
DealOpt = Annotated[str | None, typer.Option("--deal", metavar="DEAL", help="The deal it concerns (id or name).")]


def _policy(context: "AppContext") -> "CasePolicy":
    """The deadlines and business hours settings, read before anything is written."""
    from crmcli.core import cases

    return cases.policy(context.settings)


@app.command("add")
def add(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="CONTACT", help="Id, email, or a unique part of the name.")],
    title: Annotated[str, typer.Argument(metavar="TITLE", help="What it is about, e.g. \"Invoice 1043 charged "
                                                               "twice\".")],
    kind: Kind = None,
    priority: Priority = None,
    deal: DealOpt = None,
    owner: OwnerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Open a case for a contact (a normal request unless --kind and --priority say otherwise; yours
    unless --owner says whose). Its deadlines count from now."""
    from crmcli.core import cases, contacts, deals

    context = state.context(ctx)
    policy = _policy(context)
    with context.database.session(write=True) as session:
        contact = contacts.resolve(session, ref)
        concerned = deals.resolve(session, deal) if deal is not None else None
        case = cases.add(session, contact, title, kind=kind or "request", priority=priority or "normal",
                         deal=concerned, owner=owner, now=context.now(), policy=policy, me=context.me)
    added(case.id, f"case #{case.id} for {contact.name}: {case.priority} {case.kind}, response due "
                   f"{local_time(case.response_due_at)}, resolution due {local_time(case.resolve_due_at)}",
          quiet=quiet)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[list[str] | None, typer.Option("--status", "-s", metavar="STATUS",
                                                     help="new, open, waiting, resolved or closed; repeatable "
                                                          "(default: new, open and waiting).")] = None,
    everything: Annotated[bool, typer.Option("--all", "-a", help="Every status, resolved and closed too.")] = False,
    owner: OwnerFilterOpt = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only yours: --owner me.")] = False,
    contact: Annotated[str | None, typer.Option("--contact", "-c", metavar="CONTACT")] = None,
    deal: DealOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """Cases, breached deadlines first, then by priority (urgent first), then the nearest deadline."""
    from crmcli.core import cases, contacts, deals
    from crmcli.core.identity import owner_filter

    exclusive(ctx, "status", "everything")
    exclusive(ctx, "owner", "mine")
    chosen = None if everything else tuple(dict.fromkeys(cases.check_status(s) for s in status)) if status \
        else cases.OPEN_STATUSES
    context = state.context(ctx)
    policy = _policy(context)
    with context.database.session() as session:
        contact_id = contacts.resolve(session, contact).id if contact else None
        deal_id = deals.resolve(session, deal).id if deal else None
        views = cases.rows(session.connection(), context.now(), statuses=chosen, owner=owner_filter("me" if mine else owner, context.me),
                           contact_id=contact_id, deal_id=deal_id, limit=limit, policy=policy)
    emit(cases.as_rows(views), fmt, quiet=quiet,
         empty="no cases" if chosen is None else f"no {', '.join(chosen)} cases" if status else "no open cases")


@app.command("show")
def show(ctx: typer.Context, ref: Id, fmt: FormatOpt = Format.table) -> None:
    """One case in full: its contact, deadlines, status history and notes."""
    from crmcli.core import cases

    context = state.context(ctx)
    policy = _policy(context)
    now = context.now()
    with context.database.session() as session:
        case_id: int = cases.get(session, ref).id  # type: ignore[assignment]
        info = cases.detail(session.connection(), case_id, now, policy=policy)
    view = info.view
    if fmt is not Format.table:
        emit(cases.as_rows([view]), fmt)
        return
    waited = info.waited
    card(f"case #{view.id}: {view.title}", [
        ("contact", f"#{view.contact_id} {view.contact_name}"), ("kind", view.kind), ("priority", view.priority),
        ("status", view.status + (f" since {local_time(view.waiting_since)}" if view.waiting_since else "")),
        ("owner", view.owner), ("deal", f"#{view.deal_id} {view.deal_name}" if view.deal_id else None),
        ("opened", local_time(view.opened_at)),
        ("response", f"due {local_time(view.response_due_at)}, {cases.deadline_text(view, 'response', now)}"),
        ("first response", local_time(view.first_response_at)),
        ("resolution", f"due {local_time(view.resolve_due_at)}, {cases.deadline_text(view, 'resolution', now)}"),
        ("resolved", local_time(view.resolved_at)), ("closed", local_time(view.closed_at)),
        ("waited", cases.span_text(waited) if waited else None), ("uid", view.uid),
    ], [("status history", [f"{local_time(step.at)}  {step.from_status or '(opened)'} -> {step.to_status}"
                            for step in info.history]),
        ("notes and mail", [f"{local_time(entry.occurred_at)}  {entry.kind}"
                            + (f" ({entry.direction})" if entry.direction else "") + f"  #{entry.id}  "
                            + " ".join(entry.body.split()) for entry in info.interactions])])


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: Id,
    title: Annotated[str | None, typer.Option("--title", "-t", metavar="TEXT")] = None,
    kind: Kind = None,
    priority: Annotated[str | None, typer.Option("--priority", "-p", metavar="PRIORITY",
                                                 help="low, normal, high or urgent: the deadlines are set again "
                                                      "from the opening (waits still count).")] = None,
    status: Annotated[str | None, typer.Option("--status", "-s", metavar="STATUS",
                                               help="open, waiting (on the customer: the clock stops), resolved, "
                                                    "closed.")] = None,
    deal: DealOpt = None,
    no_deal: Annotated[bool, typer.Option("--no-deal", help="It concerns no deal any more.")] = False,
    owner: OwnerOpt = None,
    no_owner: NoOwnerOpt = False,
    if_version: IfVersionOpt = None,
) -> None:
    """Change a case's title, kind, priority, status, deal or owner."""
    from crmcli.core import cases, deals, versions
    from crmcli.errors import UsageProblem

    exclusive(ctx, "deal", "no_deal")
    exclusive(ctx, "owner", "no_owner")
    if all(v is None for v in (title, kind, priority, status, deal, owner)) and not (no_deal or no_owner):
        raise UsageProblem("nothing to change; see `crm cases edit --help`")
    context = state.context(ctx)
    policy = _policy(context)
    with context.database.session(write=True) as session:
        case = cases.get(session, ref)
        versions.check(session, case, if_version)
        concerned = deals.resolve(session, deal) if deal is not None else None
        cases.edit(session, case, cases.CaseChanges(title=title, kind=kind, priority=priority, status=status,
                                                    deal=concerned, clear_deal=no_deal,
                                                    owner="" if no_owner else owner),
                   now=context.now(), policy=policy, me=context.me)
    note(f"updated case #{case.id}: {case.status}, {case.priority}, resolution due "
         f"{local_time(case.resolve_due_at)}")


@app.command("assign")
def assign(ctx: typer.Context, ref: Id,
           owner: Annotated[str, typer.Argument(metavar="OWNER", help="A name, 'me', or '' for nobody.")]) -> None:
    """Give a case to someone."""
    from crmcli.core import cases

    context = state.context(ctx)
    with context.database.session(write=True) as session:
        case = cases.assign(session, cases.get(session, ref), owner, me=context.me)
    note(f"case #{case.id} is now {case.owner}'s" if case.owner else f"case #{case.id} is now nobody's")


def _status(ctx: typer.Context, ref: str, move: str) -> "ServiceCase":
    from crmcli.core import cases

    context = state.context(ctx)
    policy = _policy(context)
    with context.database.session(write=True) as session:
        case = cases.get(session, ref)
        before = case.status
        getattr(cases, move)(session, case, now=context.now(), policy=policy)
    note(f"case #{case.id}: {before} -> {case.status}")
    return case


@app.command("close")
def close(ctx: typer.Context, ref: Id) -> None:
    """Close a case (resolved too, if it was not yet)."""
    _status(ctx, ref, "close")


@app.command("reopen")
def reopen(ctx: typer.Context, ref: Id) -> None:
    """Open a resolved or closed case again; its deadlines stay as they were."""
    _status(ctx, ref, "reopen")


@app.command("note")
def note_(ctx: typer.Context, ref: Id,
          text: Annotated[str, typer.Argument(metavar="TEXT", help="What was done or said.")],
          quiet: QuietOpt = False) -> None:
    """Add a note to a case; it is on the contact's timeline too. The first note on a new case is its
    first response (the case becomes open)."""
    from crmcli.core import cases

    context = state.context(ctx)
    with context.database.session(write=True) as session:
        case = cases.get(session, ref)
        before = case.status
        entry = cases.note(session, case, text, now=context.now())
    added(entry.id, f"note #{entry.id} on case #{case.id}" + (f" ({before} -> {case.status})"
                                                             if before != case.status else ""), quiet=quiet)
