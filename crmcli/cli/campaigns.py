"""`crm campaigns ...`: mailings, call rounds, events and letters to a segment; responses, deals, report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.options import (Format, FormatOpt, IfVersionOpt, LimitOpt, NoOwnerOpt, OwnerFilterOpt, OwnerOpt,
                                QuietOpt, YesOpt, exclusive)
from crmcli.cli.output import added, card, emit, local_time, note

if TYPE_CHECKING:
    from typing import Any, Iterator

    from sqlmodel import Session

    from crmcli.context import AppContext
    from crmcli.core.campaigns import CampaignFigures
    from crmcli.core.money import Amount
    from crmcli.core.rows import Rows

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Campaigns: add, start, list, show, edit, rm, members, respond, report.")
Ref = Annotated[str, typer.Argument(metavar="CAMPAIGN", help="The campaign's id or a unique part of its name.")]
Channel = Annotated[str | None, typer.Option("--channel", metavar="CHANNEL", help="email, call, event or letter.")]
Cost = Annotated[str | None, typer.Option("--cost", metavar="AMOUNT",
                                          help="What it cost: '400 EUR', '1.200,50 EUR' (no code: the `currency` "
                                               "setting).")]
SegmentOpt = Annotated[str | None, typer.Option("--segment", "-s", metavar="SEGMENT",
                                                help="Its members: the segment's contacts when it starts.")]
NoteOpt = Annotated[str | None, typer.Option("--note", metavar="TEXT", help="Details to keep with it.")]


def _cost(context: "AppContext", text: str | None) -> "Amount | None":
    from crmcli.core import campaigns

    return campaigns.parse_cost(text, context.deal_settings) if text is not None else None


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="e.g. \"Spring offer\".")],
    segment: SegmentOpt = None,
    channel: Channel = None,
    cost: Cost = None,
    owner: OwnerOpt = None,
    note_text: NoteOpt = None,
    not_started: Annotated[bool, typer.Option("--not-started", help="A draft: its members are frozen later, "
                                                                    "by `crm campaigns start`.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Add a campaign and start it now: the segment's contacts at this moment become its members (later
    ones only by hand: `crm campaigns members NAME --add CONTACT`)."""
    from crmcli.core import campaigns, segments

    context = state.context(ctx)
    amount = _cost(context, cost)
    with context.database.session(write=True) as session:
        chosen = segments.get(session, segment) if segment is not None else None
        found = campaigns.add(session, name, segment=chosen, channel=channel or "email", cost=amount, owner=owner,
                              note=note_text, now=context.now(), start=not not_started, me=context.me)
        joined = campaigns.count_members(session, found)
    state_text = "a draft (start it with `crm campaigns start`)" if not_started else \
        f"started with {_members(joined)}" + (f" from segment {chosen.name}" if chosen is not None else "")
    added(found.id, f"campaign #{found.id} {found.name}: {state_text}", quiet=quiet)


def _members(n: int) -> str:
    from crmcli.core.text import counted

    return counted(n, "member")


@app.command("start")
def start(ctx: typer.Context, ref: Ref) -> None:
    """Start a draft campaign now: its segment's contacts at this moment become its members."""
    from crmcli.core import campaigns

    context = state.context(ctx)
    with context.database.session(write=True) as session:
        found = campaigns.get(session, ref)
        joined = campaigns.begin(session, found, now=context.now())
        total = campaigns.count_members(session, found)
        came = f"{_members(joined)} from its segment" if found.segment_id is not None else "no segment"
    note(f"started campaign #{found.id} {found.name}: {came}, {total} in all")


@app.command("list")
def list_(ctx: typer.Context, owner: OwnerFilterOpt = None, limit: LimitOpt = None, fmt: FormatOpt = Format.table,
          quiet: QuietOpt = False) -> None:
    """Campaigns, drafts first, then the latest started."""
    from crmcli.core import campaigns
    from crmcli.core.identity import owner_filter

    context = state.context(ctx)
    with context.database.connect() as conn:
        emit(campaigns.rows(conn, owner=owner_filter(owner, context.me), limit=limit), fmt, quiet=quiet,
             empty="no campaigns yet")


@app.command("show")
def show(ctx: typer.Context, ref: Ref, fmt: FormatOpt = Format.table) -> None:
    """One campaign: its segment, channel, cost, dates and results."""
    from crmcli.core import campaigns, segments
    from crmcli.core.models import Segment

    context = state.context(ctx)
    with context.database.session() as session:
        found = campaigns.get(session, ref)
        conn = session.connection()
        if fmt is not Format.table:
            emit(campaigns.rows(conn, ids=[found.id]), fmt)  # type: ignore[list-item]
            return
        chosen = session.get(Segment, found.segment_id) if found.segment_id is not None else None
        described = f"{chosen.name} ({segments.describe(segments.of(chosen))})" if chosen is not None else None
        [figures] = campaigns.report(conn, [found.id])  # type: ignore[list-item]
    locale = context.deal_settings.money_locale
    people = _for_people(figures, locale)
    card(f"campaign #{found.id}: {found.name}", [
        ("channel", found.channel), ("status", figures.status), ("segment", described), ("owner", found.owner),
        ("cost", people["cost"]), ("started", local_time(found.started_at)), ("ended", local_time(found.ended_at)),
        ("note", found.note), ("uid", found.uid),
    ], [("results", [f"{k}: {v}" for k, v in _results(figures, locale) if k != "cost"])])


def _percent(value: "Any") -> str:
    from crmcli.core.campaigns import percent_text

    return percent_text(value)


def _for_people(f: "CampaignFigures", locale: str | None) -> dict[str, str]:
    """The figures as a person reads them: amounts grouped in the locale's style, rates in %."""
    def money(value: "Amount | None") -> str:
        return value.display(locale) if value is not None else ""

    answered = ", ".join(f"{n} {k}" for k, n in f.responses.items() if n)
    return {"members": str(f.members), "responses": answered or "none",
            "response rate": _percent(f.response_rate) + (f" ({f.responders} of {f.members})" if f.members else ""),
            "deals": f"{f.deals_opened} opened, {f.deals_won} won",
            "won": "; ".join(money(a) for a in f.won), "cost": money(f.cost),
            "cost per response": money(f.cost_per_response), "cost per won deal": money(f.cost_per_won_deal),
            "return on cost": _percent(f.return_on_cost)}


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: Ref,
    name: Annotated[str | None, typer.Option("--name", metavar="NAME")] = None,
    channel: Channel = None,
    cost: Cost = None,
    no_cost: Annotated[bool, typer.Option("--no-cost", help="Forget its cost.")] = False,
    segment: Annotated[str | None, typer.Option("--segment", "-s", metavar="SEGMENT",
                                                help="Another segment (only before it starts).")] = None,
    no_segment: Annotated[bool, typer.Option("--no-segment", help="No segment (only before it starts).")] = False,
    owner: OwnerOpt = None,
    no_owner: NoOwnerOpt = False,
    note_text: Annotated[str | None, typer.Option("--note", metavar="TEXT", help="'' clears it.")] = None,
    ended: Annotated[str | None, typer.Option("--ended", metavar="WHEN", help="It ended then: 'today', "
                                                                             "'2026-04-30'.")] = None,
    not_ended: Annotated[bool, typer.Option("--not-ended", help="It runs again.")] = False,
    if_version: IfVersionOpt = None,
) -> None:
    """Change a campaign's name, channel, cost, segment (before it starts), owner, note or end."""
    from crmcli.core import campaigns, segments, versions
    from crmcli.errors import UsageProblem

    for pair in (("cost", "no_cost"), ("segment", "no_segment"), ("owner", "no_owner"), ("ended", "not_ended")):
        exclusive(ctx, *pair)
    if all(v is None for v in (name, channel, cost, segment, owner, note_text, ended)) \
            and not (no_cost or no_segment or no_owner or not_ended):
        raise UsageProblem("nothing to change; see `crm campaigns edit --help`")
    context = state.context(ctx)
    amount = _cost(context, cost)
    end_at = None
    if ended is not None:
        from crmcli.core import dates

        end_at = dates.parse_moment(ended, now=context.local_now(), lean="past")
    with context.database.session(write=True) as session:
        found = campaigns.get(session, ref)
        versions.check(session, found, if_version)
        campaigns.edit(session, found, campaigns.CampaignChanges(
            name=name, channel=channel, cost=amount, clear_cost=no_cost,
            segment=segments.get(session, segment) if segment is not None else None, clear_segment=no_segment,
            owner="" if no_owner else owner, note=note_text, ended_at=end_at, clear_ended=not_ended),
            now=context.now(), me=context.me)
    note(f"updated campaign #{found.id} {found.name}")


@app.command("rm")
def rm(ctx: typer.Context, ref: Ref, yes: YesOpt = False) -> None:
    """Delete a campaign with its members and responses (asks first); its deals and interactions stay."""
    from crmcli.cli.confirm import delete_confirmed
    from crmcli.core import campaigns

    def describe(session: "Session") -> tuple[int, str]:
        found = campaigns.get(session, ref)
        return found.id, f"campaign {campaigns.label(found)} ({campaigns.impact(session, found).describe()})"  # type: ignore[return-value]

    delete_confirmed(state.context(ctx).database, describe,
                     lambda session, cid: campaigns.remove(session, campaigns.get(session, str(cid))), yes=yes)


@app.command("members")
def members(
    ctx: typer.Context,
    ref: Ref,
    add_: Annotated[list[str] | None, typer.Option("--add", "-a", metavar="CONTACT",
                                                   help="Add a contact by hand (id, email or name). Repeatable.")]
    = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", "-r", metavar="CONTACT",
                                                     help="Take a contact off, with their responses. Repeatable.")]
    = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """A campaign's members and their responses; with --add or --remove, change them."""
    from crmcli.core import campaigns, contacts

    for change in ("add_", "remove"):
        for listing in ("limit", "fmt", "quiet"):  # they shape the listing, which a change does not print
            exclusive(ctx, change, listing)
    context = state.context(ctx)
    if not add_ and not remove:
        with context.database.session() as session:
            found = campaigns.get(session, ref)
            emit(campaigns.members(session.connection(), found, limit=limit), fmt, quiet=quiet,
                 empty=f"campaign {found.name} has no members")
        return
    with context.database.session(write=True) as session:
        found = campaigns.get(session, ref)
        joining = [contacts.resolve(session, r) for r in add_ or []]
        leaving = [contacts.resolve(session, r) for r in remove or []]
        if {c.id for c in joining} & {c.id for c in leaving}:
            from crmcli.errors import UsageProblem

            raise UsageProblem("a contact cannot be added and removed at once")
        fresh = campaigns.add_members(session, found, joining, now=context.now())
        gone = campaigns.remove_members(session, found, leaving, now=context.now()) if leaving else 0
        total = campaigns.count_members(session, found)
    said = []
    if joining:
        said.append(f"added {_members(len(fresh))}" + (f" ({len(joining) - len(fresh)} already in)"
                                                       if len(fresh) < len(joining) else ""))
    if leaving:
        from crmcli.core.text import counted

        said.append(f"removed {_members(len({c.id for c in leaving}))}"
                    + (f" and {counted(gone, 'response')}" if gone else ""))
    note(f"campaign #{found.id} {found.name}: {', '.join(said)}; {_members(total)} in all")


@app.command("respond")
def respond(
    ctx: typer.Context,
    ref: Ref,
    contact: Annotated[str, typer.Argument(metavar="CONTACT", help="A member: id, email, or a unique part of the "
                                                                   "name.")],
    kind: Annotated[str, typer.Argument(metavar="RESPONSE", help="replied, meeting, unsubscribed (marks them do not "
                                                                 "contact) or bounced.")],
    at: Annotated[str | None, typer.Option("--at", metavar="WHEN", help="When it came: 'yesterday 3pm', "
                                                                       "'2026-03-04' (default: now).")] = None,
    text: Annotated[str | None, typer.Option("--note", metavar="TEXT",
                                             help="Also log a note with it on their timeline.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Record a member's response to a campaign."""
    from crmcli.core import campaigns, contacts

    context = state.context(ctx)
    chosen = campaigns.check_kind(kind)  # before anything is read: a typo costs nothing
    now = context.now()
    when = now
    if at is not None:
        from crmcli.core import dates

        when = dates.parse_moment(at, now=context.local_now(), lean="past")
    with context.database.session(write=True) as session:
        found = campaigns.get(session, ref)
        person = contacts.resolve(session, contact)
        entry = None
        if text is not None:
            from crmcli.core import interactions

            entry = interactions.log(session, [person], text, kind="note", occurred_at=when)
            entry.campaign_id = found.id
        response = campaigns.respond(session, found, person, chosen, at=when, interaction=entry, now=now)
        marked = person.do_not_contact_at is not None and chosen == "unsubscribed"
    added(response, f"{chosen} from {person.name} to campaign {found.name}"
          + (f" with note #{entry.id}" if entry is not None else ""), quiet=quiet, verb="recorded")
    if marked:
        note(f"{person.name} is marked do not contact")


@app.command("report")
def report(ctx: typer.Context, ref: Annotated[str | None, typer.Argument(
        metavar="[CAMPAIGN]", help="One campaign, every figure (default: every campaign, a line each).")] = None,
        fmt: FormatOpt = Format.table) -> None:
    """Members, responses by kind, response rate (replied or meeting per member), deals opened and
    won, won value per currency, cost per response and per won deal, and return on cost."""
    from crmcli.core import campaigns

    context = state.context(ctx)
    with context.database.session() as session:
        ids = [campaigns.get(session, ref).id] if ref is not None else None
        figures = campaigns.report(session.connection(), ids)  # type: ignore[arg-type]
    if fmt is not Format.table:
        emit(campaigns.report_rows(figures), fmt)
        return
    locale = context.deal_settings.money_locale
    if ref is not None:
        [one] = figures
        card(f"campaign #{one.id}: {one.name}", _results(one, locale))
        return
    emit(_table(figures, locale), fmt, empty="no campaigns yet")


def _results(f: "CampaignFigures", locale: str | None) -> list[tuple[str, str]]:
    """Every figure of one campaign, a line each (empty ones left out)."""
    people = _for_people(f, locale)
    return [(k, people[k]) for k in ("members", "responses", "response rate", "deals", "won", "cost",
                                     "cost per response", "cost per won deal", "return on cost") if people[k]]


def _table(figures: "list[CampaignFigures]", locale: str | None) -> "Rows":
    """A line per campaign for people (`crm campaigns report NAME` and the machine formats give every figure)."""
    from crmcli.core.rows import Rows

    heads = ("id", "name", "members", "rate", "responses", "won/deals", "won value", "cost", "return")

    def shaped() -> "Iterator[tuple[Any, ...]]":
        for f in figures:
            p = _for_people(f, locale)
            yield (f.id, f.name, f.members, _percent(f.response_rate), p["responses"] if any(f.responses.values()) else "", f"{f.deals_won}/{f.deals_opened}", p["won"], p["cost"],
                p["return on cost"])

    return Rows(heads, shaped())
