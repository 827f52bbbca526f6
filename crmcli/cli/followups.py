"""`crm follow-ups ...` (alias `crm fu`): what to do for whom, by when."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.confirm import delete_confirmed
from crmcli.cli.options import (Format, FormatOpt, IfVersionOpt, LimitOpt, NoOwnerOpt, OwnerFilterOpt, OwnerOpt,
                                QuietOpt, YesOpt, exclusive, needs)
from crmcli.cli.output import added, card, emit, local_time, note

if TYPE_CHECKING:
    from sqlmodel import Session

app = typer.Typer(add_completion=False, help="Follow-ups: add, list, done, snooze, edit, rm (alias: crm fu).", no_args_is_help=True)
Id = Annotated[str, typer.Argument(metavar="ID", help="The follow-up's id (see `crm fu list`).")]
Every = Annotated[str | None, typer.Option("--every", metavar="RULE",
                                           help="Repeat: 'every 2 weeks' ('2w', 'fortnightly'), 'every monday', "
                                                "'monthly'...")]
NoteOpt = Annotated[str | None, typer.Option("--note", metavar="TEXT", help="Details to keep with it.")]


class Scope(str, Enum):
    open = "open"
    overdue = "overdue"
    today = "today"
    week = "week"
    done = "done"
    all = "all"


@app.command("add")
def add(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="CONTACT", help="Id, email, or a unique part of the name.")],
    title: Annotated[str, typer.Argument(metavar="WHAT", help="What is to be done.")],
    due: Annotated[str, typer.Option("--due", metavar="WHEN", help="'next friday 10am', 'tomorrow', 'in 2 weeks', "
                                                                   "'2w', 'eom', 'next month', '2026-12-01'.")]
    = "tomorrow",
    every: Every = None,
    note_text: NoteOpt = None,
    deal: Annotated[str | None, typer.Option("--deal", metavar="DEAL", help="The deal it serves (id or name).")]
    = None,
    owner: OwnerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Add a follow-up for a contact (due tomorrow unless --due says otherwise; yours unless --owner
    says whose)."""
    from crmcli.core import contacts, followups

    context = state.context(ctx)
    when = followups.Due.parse(due, now=context.local_now())
    with context.database.session(write=True) as session:
        contact = contacts.resolve(session, ref)
        served = None
        if deal is not None:
            from crmcli.core import deals

            served = deals.resolve(session, deal)
        item = followups.add(session, contact, title, when, repeat=every, note=note_text,
                             deal_id=served.id if served is not None else None, owner=owner, me=context.me)
    added(item.id, f"follow-up #{item.id} for {contact.name}, due {followups.due_of(item).shown()}"
          + (f", {item.repeat}" if item.repeat else "")
          + (f", for deal #{served.id} {served.name}" if served is not None else ""), quiet=quiet)
    if warning := contacts.left_out_of_reminders(contact):
        note(warning)


@app.command("list")
def list_(
    ctx: typer.Context,
    scope: Annotated[Scope, typer.Option("--scope", "-s", metavar="SCOPE",
                                         help="open (default), overdue, today, week, done, all.")] = Scope.open,
    overdue: Annotated[bool, typer.Option("--overdue", help="Same as --scope overdue.")] = False,
    today: Annotated[bool, typer.Option("--today", help="Overdue and due today.")] = False,
    week: Annotated[bool, typer.Option("--week", help="Overdue and due within 7 days.")] = False,
    everything: Annotated[bool, typer.Option("--all", help="Done ones too.")] = False,
    contact: Annotated[str | None, typer.Option("--contact", "-c", metavar="CONTACT")] = None,
    owner: OwnerFilterOpt = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only yours: --owner me.")] = False,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """Follow-ups by urgency: overdue (oldest first), due today, then upcoming."""
    from crmcli.core import contacts, followups
    from crmcli.core.identity import owner_filter

    exclusive(ctx, "scope", "overdue", "today", "week", "everything")
    exclusive(ctx, "owner", "mine")
    chosen = next((s for flag, s in ((overdue, Scope.overdue), (today, Scope.today), (week, Scope.week),
                                     (everything, Scope.all)) if flag), scope)
    context = state.context(ctx)
    window = followups.Window.around(context.local_now(), within_days=6)
    with context.database.session() as session:
        contact_id = contacts.resolve(session, contact).id if contact else None
        emit(followups.rows(session.connection(), window, scope=chosen.value, contact_id=contact_id, limit=limit,
                            owner=owner_filter("me" if mine else owner, context.me)),
             fmt, quiet=quiet, empty="no follow-ups" + ("" if chosen is Scope.open else f" ({chosen.value})"))


@app.command("show")
def show(ctx: typer.Context, ref: Id, fmt: FormatOpt = Format.table) -> None:
    """One follow-up in full."""
    from crmcli.core import followups

    context = state.context(ctx)
    window = followups.Window.around(context.local_now())
    with context.database.session() as session:
        item = followups.get(session, ref)
        listed = followups.rows(session.connection(), window, scope="all", ids=[item.id])  # type: ignore[list-item]
        if fmt is not Format.table:
            emit(listed, fmt)
            return
        row = dict(zip(listed.columns, next(iter(listed.rows))))
    card(f"follow-up #{row['id']}: {row['title']}", [
        ("contact", f"#{row['contact_id']} {row['contact']}"), ("due", local_time(row["due"])),  # a day as it is
        ("status", row["status"]), ("repeats", row["repeat"]), ("done", local_time(row["done"])),
        ("deal", f"#{row['deal_id']} {row['deal']}" if row["deal_id"] else None), ("owner", row["owner"]),
        ("created", local_time(row["created"])), ("uid", row["uid"]),
    ], [("note", (row["note"] or "").splitlines())])


@app.command("done")
def done(ctx: typer.Context, ref: Id, log: Annotated[str | None, typer.Option("--log", metavar="TEXT",
                                                            help="Also log what was done (one transaction).")] = None,
         kind: Annotated[str | None, typer.Option("--kind", "-k", metavar="KIND",
                                                  help="Kind of the logged interaction.")] = None) -> None:
    """Mark a follow-up done; a recurring one gets its next occurrence."""
    from crmcli.core import clock, followups, interactions

    needs(ctx, "kind", "log")
    context = state.context(ctx)
    settings = context.settings
    chosen = interactions.Kinds(settings.log_kinds, settings.default_kind).check(kind)
    with context.database.session(write=True) as session:
        item = followups.get(session, ref)
        following, entry = followups.complete(session, item, clock.local_zone(), log=log, kind=chosen)
    note(f"done: follow-up #{item.id} {item.title}")
    if entry is not None:
        note(f"logged {entry.kind} #{entry.id}")
    if following is not None:
        note(f"next: follow-up #{following.id}, due {followups.due_of(following).shown()} ({following.repeat})")


@app.command("snooze")
def snooze(ctx: typer.Context, ref: Id,
           until: Annotated[str, typer.Argument(metavar="WHEN|FOR",
                                                help="A length of time ('2 days', '1w', '4h') or a date "
                                                     "('monday', 'next friday 9am').")]) -> None:
    """Push a follow-up back. A length of time counts from the due date, or from now once it is overdue;
    a date becomes the due date. Never into the past."""
    from crmcli.core import followups

    context = state.context(ctx)
    with context.database.session(write=True) as session:
        item = followups.snooze(session, followups.get(session, ref), until, now=context.local_now())
    note(f"follow-up #{item.id} now due {followups.due_of(item).shown()}")


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: Id,
    title: Annotated[str | None, typer.Option("--title", "-t", metavar="TEXT")] = None,
    due: Annotated[str | None, typer.Option("--due", metavar="WHEN")] = None,
    every: Every = None,
    no_repeat: Annotated[bool, typer.Option("--no-repeat", help="Stop repeating.")] = False,
    note_text: NoteOpt = None,
    contact: Annotated[str | None, typer.Option("--contact", "-c", metavar="CONTACT", help="Move to another "
                                                                                           "contact.")] = None,
    owner: OwnerOpt = None,
    no_owner: NoOwnerOpt = False,
    if_version: IfVersionOpt = None,
) -> None:
    """Change a follow-up's title, due date, repeat rule, note, contact or owner."""
    from crmcli.core import contacts, followups, versions
    from crmcli.errors import UsageProblem

    exclusive(ctx, "every", "no_repeat")
    exclusive(ctx, "owner", "no_owner")
    if all(v is None for v in (title, due, every, note_text, contact, owner)) and not (no_repeat or no_owner):
        raise UsageProblem("nothing to change; see `crm fu edit --help`")
    context = state.context(ctx)
    when = followups.Due.parse(due, now=context.local_now()) if due is not None else None
    with context.database.session(write=True) as session:
        item = followups.get(session, ref)
        versions.check(session, item, if_version)
        who = contacts.resolve(session, contact) if contact else None
        followups.edit(session, item, followups.FollowUpChanges(
            title=title, due=when, repeat="" if no_repeat else every, note=note_text, contact=who,
            owner="" if no_owner else owner), me=context.me)
    note(f"updated follow-up #{item.id}")


@app.command("rm")
def rm(ctx: typer.Context, ref: Id, yes: YesOpt = False) -> None:
    """Delete a follow-up (asks first)."""
    from crmcli.core import followups

    def describe(session: Session) -> tuple[int, str]:
        item = followups.get(session, ref)
        return item.id, f"follow-up #{item.id} {item.title!r}"  # type: ignore[return-value]

    delete_confirmed(state.context(ctx).database, describe,
                     lambda session, fid: followups.remove(session, followups.get(session, fid)), yes=yes)
