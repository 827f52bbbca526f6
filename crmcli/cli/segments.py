"""`crm segments ...`: saved filters over contacts, evaluated whenever they are used."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.options import Format, FormatOpt, QuietOpt, YesOpt
from crmcli.cli.output import added, card, emit, local_time, note

if TYPE_CHECKING:
    from sqlmodel import Session

    from crmcli.context import AppContext
    from crmcli.core.segments import Typed

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Segments: saved filters over contacts (tags, organisation, fields, owner, last contact, "
                       "cadence, deals); `contacts list --segment NAME` lists them.")

Ref = Annotated[str, typer.Argument(metavar="SEGMENT", help="Id or name (a unique part of it).")]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", "-t", metavar="TAG", help="Tagged with this (all of them, "
                                                                                     "when repeated).")]
AnyTagOpt = Annotated[list[str] | None, typer.Option("--any-tag", metavar="TAG",
                                                     help="Tagged with at least one of these (repeat it).")]
OrgOpt = Annotated[str | None, typer.Option("--org", "-o", metavar="ORG", help="Works for this organisation "
                                                                               "(it must exist).")]
FieldOpt = Annotated[list[str] | None, typer.Option("--field", metavar="KEY=VALUE",
                                                    help="A custom field equal to this value (repeatable).")]
OwnerOpt = Annotated[str | None, typer.Option("--owner", metavar="NAME|me",
                                              help="Owned by NAME ('me': you, as now; '': nobody).")]
BeforeOpt = Annotated[str | None, typer.Option("--last-contact-before", metavar="WHEN",
                                               help="Last contacted before then ('90d', '3 months ago', "
                                                    "'2026-01-01'; read each time the segment is used).")]
AfterOpt = Annotated[str | None, typer.Option("--last-contact-after", metavar="WHEN",
                                              help="Last contacted on or after then ('30d', '2026-01-01').")]
# Flags: on when given; `edit --clear NAME` turns one off.
NeverOpt = Annotated[bool, typer.Option("--never-contacted", help="Never contacted (no interaction yet).")]
OverdueOpt = Annotated[bool, typer.Option("--cadence-overdue", help="Past their keep-in-touch cadence.")]
StageOpt = Annotated[str | None, typer.Option("--deal-stage", metavar="STAGE",
                                              help="Has an open deal in this stage.")]
WonOpt = Annotated[str | None, typer.Option("--won-above", metavar="AMOUNT",
                                            help="Won deals worth more than this in total, in its currency "
                                                 "('2000 EUR'; no code: the default currency).")]
DncOpt = Annotated[bool, typer.Option("--include-do-not-contact",
                                      help="Keep contacts marked do not contact (left out by default).")]
DescriptionOpt = Annotated[str | None, typer.Option("--description", "-d", metavar="TEXT",
                                                    help="What the segment is for.")]


def _typed(context: "AppContext", *, tag: list[str] | None, any_tag: list[str] | None, org: str | None,
           field: list[str] | None, owner: str | None, before: str | None, after: str | None,
           never: bool, overdue: bool, stage: str | None, won: str | None, dnc: bool,
           clear: list[str] | None = None) -> "Typed":
    from crmcli.core.identity import owner_filter
    from crmcli.core.segments import Typed

    return Typed(tags=tuple(tag or ()), any_tags=tuple(any_tag or ()), org=org, fields=tuple(field or ()),
                 owner=owner_filter(owner, context.me), last_contact_before=before, last_contact_after=after,
                 never_contacted=never or None, cadence_overdue=overdue or None, deal_stage=stage, won_above=won,
                 include_do_not_contact=dnc or None, clear=tuple(clear or ()))


def _warn(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        note(f"warning: {warning}")


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The segment's name, e.g. \"VIPs gone quiet\".")],
    tag: TagOpt = None, any_tag: AnyTagOpt = None, org: OrgOpt = None, field: FieldOpt = None,
    owner: OwnerOpt = None, last_contact_before: BeforeOpt = None, last_contact_after: AfterOpt = None,
    never_contacted: NeverOpt = False, cadence_overdue: OverdueOpt = False, deal_stage: StageOpt = None,
    won_above: WonOpt = None, include_do_not_contact: DncOpt = False, description: DescriptionOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Save a segment: the contacts meeting every condition given (none: every contact). Contacts
    marked do not contact are left out unless --include-do-not-contact."""
    from crmcli.core import segments
    from crmcli.core.identity import new_owner

    context = state.context(ctx)
    typed = _typed(context, tag=tag, any_tag=any_tag, org=org, field=field, owner=owner, before=last_contact_before,
                   after=last_contact_after, never=never_contacted, overdue=cadence_overdue, stage=deal_stage,
                   won=won_above, dnc=include_do_not_contact)
    now = context.local_now()
    with context.database.session(write=True) as session:
        parsed = segments.parse_definition(session, typed, now=now, settings=context.deal_settings)
        segment = segments.add(session, name, parsed.definition, owner=new_owner(None, context.me),
                               description=description)
        held = segments.count(session.connection(), parsed.definition, now)
        words = segments.summary(session.connection(), parsed.definition)
    _warn(parsed.warnings)
    added(segment.id, f"segment {segments.label(segment)}: {words} ({held} now)", quiet=quiet)


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = Format.table, quiet: QuietOpt = False) -> None:
    """List segments, each with its conditions in words and how many contacts it holds now."""
    from crmcli.core import segments

    context = state.context(ctx)
    with context.database.connect() as conn:
        emit(segments.rows(conn, now=context.local_now(), counts=not quiet), fmt, quiet=quiet,
             empty="no segments yet; add one with: crm segments add NAME --tag TAG ...")


@app.command("show")
def show(ctx: typer.Context, ref: Ref, fmt: FormatOpt = Format.table) -> None:
    """Show a segment: its conditions in words and how many contacts it holds now (`crm contacts
    list --segment NAME` lists them)."""
    from crmcli.core import segments

    context = state.context(ctx)
    with context.database.session() as session:
        segment = segments.get(session, ref)
        found = segments.rows(session.connection(), now=context.local_now(), ids=[segment.id])  # type: ignore[list-item]
        if fmt is not Format.table:
            emit(found, fmt)
            return
        row = next(iter(found.records()))
    card(f"{row.name}  #{row.id}", [
        ("conditions", row.conditions), ("contacts now", row.contacts), ("description", row.description),
        ("owner", row.owner), ("created", local_time(row.created)), ("updated", local_time(row.updated)),
        ("uid", row.uid),
    ])


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: Ref,
    name: Annotated[str | None, typer.Option("--name", metavar="TEXT", help="New name.")] = None,
    tag: TagOpt = None, any_tag: AnyTagOpt = None, org: OrgOpt = None, field: FieldOpt = None,
    owner: OwnerOpt = None, last_contact_before: BeforeOpt = None, last_contact_after: AfterOpt = None,
    never_contacted: NeverOpt = False, cadence_overdue: OverdueOpt = False, deal_stage: StageOpt = None,
    won_above: WonOpt = None, include_do_not_contact: DncOpt = False,
    description: Annotated[str | None, typer.Option("--description", "-d", metavar="TEXT",
                                                    help="New description (\"\" clears it).")] = None,
    clear: Annotated[list[str] | None, typer.Option("--clear", metavar="CONDITION",
                                                    help="Drop a condition: tags, any-tags, org, fields, owner, "
                                                         "last-contact-before, last-contact-after, never-contacted, "
                                                         "cadence-overdue, deal-stage, won-above, "
                                                         "include-do-not-contact (repeatable).")]
    = None,
) -> None:
    """Change a segment: a condition given replaces the one saved (a repeated one, all of it);
    --clear drops one; the others stay."""
    from crmcli.core import segments
    from crmcli.errors import UsageProblem

    context = state.context(ctx)
    typed = _typed(context, tag=tag, any_tag=any_tag, org=org, field=field, owner=owner, before=last_contact_before,
                   after=last_contact_after, never=never_contacted, overdue=cadence_overdue, stage=deal_stage,
                   won=won_above, dnc=include_do_not_contact, clear=clear)
    from crmcli.core.segments import Typed

    if name is None and description is None and typed == Typed():
        raise UsageProblem("nothing to change; give --name, --description, a condition or --clear")
    now = context.local_now()
    with context.database.session(write=True) as session:
        segment = segments.get(session, ref)
        parsed = segments.parse_definition(session, typed, now=now, settings=context.deal_settings,
                                           base=segments.of(segment))
        segment = segments.edit(session, segment, name=name, definition=parsed.definition, description=description)
        held = segments.count(session.connection(), parsed.definition, now)
        words = segments.summary(session.connection(), parsed.definition)
    _warn(parsed.warnings)
    note(f"updated segment {segments.label(segment)}: {words} ({held} now)")


@app.command("rm")
def rm(ctx: typer.Context, ref: Ref, yes: YesOpt = False) -> None:
    """Delete a segment (asks first); its contacts stay, campaigns keep their members."""
    from crmcli.cli.confirm import delete_confirmed
    from crmcli.core import segments

    def describe(session: "Session") -> tuple[int, str]:
        segment = segments.get(session, ref)
        return segment.id, f"segment {segments.label(segment)}"  # type: ignore[return-value]

    delete_confirmed(state.context(ctx).database, describe,
                     lambda session, sid: segments.remove(session, segments.get(session, str(sid))), yes=yes)
