"""`crm deals ...`: deals with a value, a stage and an expected close date."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.confirm import delete_confirmed
from crmcli.cli.options import (Format, FormatOpt, IfVersionOpt, LimitOpt, NoOwnerOpt, OwnerFilterOpt, OwnerOpt,
                                QuietOpt, YesOpt, exclusive, needs)
from crmcli.cli.output import added, card, emit, local_time, note

if TYPE_CHECKING:
    from datetime import date, datetime
    from typing import Any, Iterator

    from sqlmodel import Session

    from crmcli.core.models import Deal
    from crmcli.core.rows import Rows

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Deals: add, list, show, move, won, lost, edit, rm.")
Ref = Annotated[str, typer.Argument(metavar="DEAL", help="The deal's id or a unique part of its name.")]
Contacts = Annotated[list[str] | None, typer.Option("--contact", "-c", metavar="CONTACT",
                                                    help="A contact on the deal (id, email or name). Repeatable.")]
Value = Annotated[str | None, typer.Option("--value", "-v", metavar="AMOUNT",
                                           help="12000, 12,000.50 or 12.000,50, its currency written too if you like: \"2000 EUR\" (see --locale).")]
Currency = Annotated[str | None, typer.Option("--currency", metavar="CODE",
                                              help="ISO 4217 code (default: the one the value is written with, else the `currency` setting).")]
Locale = Annotated[str | None, typer.Option("--locale", metavar="LOCALE",
                                            help="How the amount is written, e.g. de_DE for 12.000,50 "
                                                 "(default: the `locale` setting, else LANG).")]
Close = Annotated[str | None, typer.Option("--close", metavar="WHEN",
                                           help="Expected close: 'end of month', 'next friday', '2027-01-31'.")]
Probability = Annotated[int | None, typer.Option("--probability", "-p", metavar="PERCENT",
                                                 help="Win probability; overrides the stage's.")]
Org = Annotated[str | None, typer.Option("--org", "-o", metavar="ORG", help="The customer organisation.")]
NoteOpt = Annotated[str | None, typer.Option("--note", metavar="TEXT", help="Details to keep with it.")]
CampaignOpt = Annotated[str | None, typer.Option("--campaign", metavar="CAMPAIGN",
                                                 help="The campaign it came from (id or name): its report counts it.")]


def _close_day(text: str, now: "datetime") -> "date":
    """An expected close date: a day, leaning to the future ('end of month', 'friday')."""
    from crmcli.core import dates

    return dates.parse(text, now=now, lean="future").day


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="What is being sold, e.g. \"Website redesign\".")],
    contact: Contacts = None,
    org: Org = None,
    value: Annotated[str, typer.Option("--value", "-v", metavar="AMOUNT",
                                       help="12000, 12,000.50 or 12.000,50, its currency written too if you like: \"2000 EUR\" (see --locale).")] = "0",
    currency: Currency = None,
    locale: Locale = None,
    stage: Annotated[str | None, typer.Option("--stage", "-s", metavar="STAGE",
                                              help="Where it starts (default: the first stage).")] = None,
    close: Close = None,
    probability: Probability = None,
    owner: OwnerOpt = None,
    note_text: NoteOpt = None,
    campaign: CampaignOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Add a deal: a value in a currency, a stage, contacts and an organisation."""
    from crmcli.core import campaigns, contacts, deals, orgs

    context = state.context(ctx)
    settings = context.deal_settings  # "me" is who is working (on PostgreSQL, the session user)
    chosen = settings.stages.get(stage) if stage else None  # the defaults are the core's (deals.add)
    close_on = _close_day(close, context.local_now()) if close else None
    with context.database.session(write=True) as session:
        people = [contacts.resolve(session, ref) for ref in contact or []]
        deal = deals.add(session, deals.NewDeal(
            name, value, currency, chosen, people, orgs.resolve(session, org) if org else None, close_on,
            probability, owner, note_text, locale, campaigns.get(session, campaign) if campaign else None), settings)
        summary = _summary(deal)
    added(deal.id, summary, quiet=quiet)


def _summary(deal: "Deal") -> str:
    from crmcli.core.money import Amount

    return f"deal #{deal.id} {deal.name}: {Amount(deal.value_minor, deal.currency).display()}, {deal.stage}"


@app.command("list")
def list_(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option("--stage", "-s", metavar="STAGE")] = None,
    open_: Annotated[bool, typer.Option("--open", help="Open deals (the default).")] = False,
    won: Annotated[bool, typer.Option("--won", help="Won deals.")] = False,
    lost: Annotated[bool, typer.Option("--lost", help="Lost deals.")] = False,
    everything: Annotated[bool, typer.Option("--all", help="Open, won and lost.")] = False,
    contact: Annotated[str | None, typer.Option("--contact", "-c", metavar="CONTACT")] = None,
    org: Org = None,
    closing_before: Annotated[str | None, typer.Option("--closing-before", metavar="WHEN",
                                                       help="Expected to close before this day.")] = None,
    owner: OwnerFilterOpt = None,
    rotting: Annotated[bool, typer.Option("--rotting", help="Open deals quiet longer than their stage allows.")]
    = False,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """Deals in pipeline order, the largest weighted value first within a stage."""
    from crmcli.core import contacts, deals, orgs
    from crmcli.core.identity import owner_filter

    exclusive(ctx, "open_", "won", "lost", "everything")
    exclusive(ctx, "won", "rotting")  # --rotting means open deals only
    exclusive(ctx, "lost", "rotting")
    chosen = [s for flag, s in ((open_, "open"), (won, "won"), (lost, "lost"), (everything, None)) if flag]
    context = state.context(ctx)
    settings, now = context.deal_settings, context.local_now()
    stages = settings.stages
    status = chosen[0] if chosen else ("open" if stage is None else None)
    where = deals.DealFilter(status=status, stage=stages.get(stage).name if stage else None,
                             closing_before=_close_day(closing_before, now) if closing_before else None,
                             owner=owner_filter(owner, context.me), rotting_at=now if rotting else None)
    with context.database.session() as session:
        where.contact_id = contacts.resolve(session, contact).id if contact else None
        where.org_id = orgs.resolve(session, org).id if org else None
        listed = deals.rows(session.connection(), stages, where, limit=limit)
        shown = _for_people(listed, settings.money_locale) if fmt is Format.table and not quiet else listed
        emit(shown, fmt, quiet=quiet, empty="no deals")


def _for_people(rows: "Rows", locale: str | None) -> "Rows":
    """The table view: values grouped in the locale's style with their currency, probability in %."""
    from dataclasses import replace

    from crmcli.core.money import Amount

    value, minor, code, prob = (rows.columns.index(c) for c in ("value", "value_minor", "currency", "probability"))

    def shaped() -> "Iterator[tuple[Any, ...]]":
        for row in rows.rows:
            cells = list(row)
            cells[value] = Amount(row[minor], row[code]).display(locale)
            cells[prob] = f"{row[prob]}%"
            yield tuple(cells)

    return replace(rows, rows=shaped(), table_columns=("id", "name", "stage", "probability", "value", "close", "org",
                                                       "contacts"))


@app.command("show")
def show(ctx: typer.Context, ref: Ref, fmt: FormatOpt = Format.table) -> None:
    """One deal in full, with its stage history."""
    from crmcli.core import deals

    context = state.context(ctx)
    stages = context.settings.stages
    with context.database.session() as session:
        deal_id: int = deals.resolve(session, ref).id  # type: ignore[assignment]
        if fmt is not Format.table:
            emit(deals.rows(session.connection(), stages, deals.DealFilter(ids=[deal_id])), fmt)
            return
        info = deals.detail(session, stages, deal_id)
    locale = context.settings.money_locale
    card(f"deal #{info.id}: {info.name}", [
        ("stage", info.stage_shown), ("value", info.value.display(locale)),
        ("probability", f"{info.probability}%" + (" (own)" if info.own_probability else "")),
        ("weighted", info.weighted.display(locale)), ("close", info.close), ("org", info.org),
        ("contacts", ", ".join(info.contacts) or None), ("owner", info.owner), ("campaign", info.campaign),
        ("lost reason", info.lost_reason),
        ("closed", local_time(info.closed)), ("created", local_time(info.created)), ("uid", info.uid),
    ], [("stage history", [f"{local_time(step.at)}  {step.from_stage or '(new)'} -> {step.to_stage}"
                           for step in info.history]),
        ("note", (info.note or "").splitlines())])


def _move(ctx: typer.Context, ref: str, stage_name: str | None, outcome: str | None, reason: str | None) -> None:
    from crmcli.core import deals

    context = state.context(ctx)
    stages = context.settings.stages
    stage = stages.get(stage_name) if stage_name else stages.first(outcome)  # type: ignore[arg-type]
    with context.database.session(write=True) as session:
        deal = deals.resolve(session, ref)
        before = deal.stage
        deals.move(session, deal, stage, reason=reason)
    note(f"deal #{deal.id} {deal.name}: {before} -> {stage.name}"
         + (f" ({deal.lost_reason})" if deal.lost_reason else ""))


@app.command("move")
def move(ctx: typer.Context, ref: Ref,
         stage: Annotated[str, typer.Argument(metavar="STAGE", help="The stage to move it to.")],
         reason: Annotated[str | None, typer.Option("--reason", metavar="TEXT", help="Why (for lost).")] = None
         ) -> None:
    """Move a deal to another stage (recorded in its stage history)."""
    _move(ctx, ref, stage, None, reason)


@app.command("won")
def won(ctx: typer.Context, ref: Ref) -> None:
    """Mark a deal won."""
    _move(ctx, ref, None, "won", None)


@app.command("lost")
def lost(ctx: typer.Context, ref: Ref,
         reason: Annotated[str | None, typer.Option("--reason", "-r", metavar="TEXT",
                                                    help="Why it was lost: price, timing...")] = None) -> None:
    """Mark a deal lost, with the reason."""
    _move(ctx, ref, None, "lost", reason)


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: Ref,
    name: Annotated[str | None, typer.Option("--name", metavar="NAME")] = None,
    value: Value = None,
    currency: Currency = None,
    locale: Locale = None,
    close: Close = None,
    no_close: Annotated[bool, typer.Option("--no-close", help="Forget the expected close date.")] = False,
    probability: Probability = None,
    stage_probability: Annotated[bool, typer.Option("--stage-probability",
                                                    help="Drop the deal's own probability.")] = False,
    owner: OwnerOpt = None,
    no_owner: NoOwnerOpt = False,
    org: Org = None,
    no_org: Annotated[bool, typer.Option("--no-org", help="Unlink the organisation.")] = False,
    add_contact: Annotated[list[str] | None, typer.Option("--add-contact", "-c", metavar="CONTACT",
                                                          help="Put a contact on the deal. Repeatable.")] = None,
    remove_contact: Annotated[list[str] | None, typer.Option("--remove-contact", metavar="CONTACT",
                                                             help="Take a contact off the deal. Repeatable.")]
    = None,
    note_text: NoteOpt = None,
    campaign: CampaignOpt = None,
    no_campaign: Annotated[bool, typer.Option("--no-campaign", help="It came from no campaign.")] = False,
    if_version: IfVersionOpt = None,
) -> None:
    """Change a deal's name, value, currency, close date, probability, owner, organisation, contacts or campaign."""
    from crmcli.core import campaigns, contacts, deals, orgs, versions
    from crmcli.errors import UsageProblem

    for pair in (("close", "no_close"), ("org", "no_org"), ("probability", "stage_probability"), ("owner", "no_owner"),
                 ("campaign", "no_campaign")):
        exclusive(ctx, *pair)
    needs(ctx, "locale", "value")  # a locale only reads an amount
    given = (name, value, currency, close, probability, owner, org, add_contact, remove_contact, note_text, campaign)
    if all(v is None for v in given) and not (no_close or no_org or stage_probability or no_owner or no_campaign):
        raise UsageProblem("nothing to change; see `crm deals edit --help`")
    context = state.context(ctx)
    close_on = _close_day(close, context.local_now()) if close else None
    with context.database.session(write=True) as session:
        deal = deals.resolve(session, ref)
        versions.check(session, deal, if_version)
        deals.edit(session, deal, deals.DealChanges(
            name=name, value=value, currency=currency, locale=locale, close_on=close_on, clear_close=no_close,
            probability=probability, clear_probability=stage_probability, owner="" if no_owner else owner,
            org=orgs.resolve(session, org) if org else None, clear_org=no_org, note=note_text,
            add_contacts=[contacts.resolve(session, r) for r in add_contact or []],
            remove_contacts=[contacts.resolve(session, r) for r in remove_contact or []],
            campaign=campaigns.get(session, campaign) if campaign else None, clear_campaign=no_campaign),
            context.deal_settings)
        summary = _summary(deal)
    note(f"updated {summary}")


@app.command("rm")
def rm(ctx: typer.Context, ref: Ref, yes: YesOpt = False) -> None:
    """Delete a deal and its stage history (asks first); its contacts stay."""
    from crmcli.core import deals

    def describe(session: Session) -> tuple[int, str]:
        deal = deals.resolve(session, ref)
        return deal.id, f"deal {deals.label(deal)}"  # type: ignore[return-value]

    delete_confirmed(state.context(ctx).database, describe,
                     lambda session, did: deals.remove(session, deals.resolve(session, str(did))), yes=yes)
