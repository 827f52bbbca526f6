"""`crm contacts ...`: thin wrappers that parse, call crmcli.core.contacts, and print."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli import state
from crmcli.cli.confirm import confirmed, delete_confirmed
from crmcli.cli.options import (Format, FormatOpt, IfVersionOpt, LimitOpt, NoOwnerOpt, OwnerFilterOpt, OwnerOpt,
                                QuietOpt, YesOpt, exclusive, needs)
from crmcli.cli.output import added, card, emit, local_time, note
from crmcli.cli.segment_option import SegmentOpt, members

if TYPE_CHECKING:
    from sqlmodel import Session

    from crmcli.core.cases import CaseView

app = typer.Typer(add_completion=False, help="People: add, list, show, edit, tag and remove contacts.", no_args_is_help=True)

Ref = Annotated[str, typer.Argument(metavar="CONTACT", help="Id, email, or a unique part of the name.")]
Emails = Annotated[list[str] | None, typer.Option("--email", "-e", metavar="[LABEL:]EMAIL", help="Email, optionally LABEL:ADDRESS. Repeatable.")]
Phones = Annotated[list[str] | None, typer.Option("--phone", "-p", metavar="[LABEL:]PHONE", help="Phone, optionally LABEL:NUMBER. Repeatable.")]
Tags = Annotated[list[str] | None, typer.Option("--tag", "-t", metavar="TAG", help="Tag. Repeatable.")]
Fields = Annotated[list[str] | None, typer.Option("--field", metavar="KEY=VALUE", help="Custom field KEY=VALUE. Repeatable.")]
DoNotContact = Annotated[bool, typer.Option("--do-not-contact", help="Mark: do not contact. Kept, with its history, but "
                                            "left out of remind, cadences, cold lists and mailing exports.")]
Reason = Annotated[str | None, typer.Option("--reason", metavar="TEXT", help="With --do-not-contact: why "
                                            "(\"asked by email\"); replaces a reason held.")]


class Sort(str, Enum):
    name = "name"
    created = "created"
    updated = "updated"
    last_contact = "last-contact"


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Full name, e.g. \"Ann Lee\".")],
    email: Emails = None,
    phone: Phones = None,
    org: Annotated[str | None, typer.Option("--org", "-o", metavar="ORG", help="Organisation: an existing one's name or id, "
                                            "or a new name (created).")] = None,
    title: Annotated[str | None, typer.Option("--title", metavar="TEXT", help="Job title.")] = None,
    tag: Tags = None,
    field: Fields = None,
    cadence: Annotated[str | None, typer.Option("--cadence", metavar="RULE",
                                                help="Keep in touch: 'every 30 days', 'monthly'...")] = None,
    owner: OwnerOpt = None,
    do_not_contact: DoNotContact = False,
    reason: Reason = None,
    quiet: QuietOpt = False,
) -> None:
    """Add a contact (yours unless --owner says whose)."""
    from crmcli.core import contacts

    needs(ctx, "reason", "do_not_contact")
    changes = contacts.ContactChanges(name=name, title=title, org=org, add_emails=email or [],
                                      add_phones=phone or [], set_fields=field or [], tags=tag or [], cadence=cadence,
                                      owner=owner, do_not_contact=do_not_contact or None,
                                      do_not_contact_reason=reason)
    context = state.context(ctx)
    with context.database.session(write=True) as session:
        contact, notes = contacts.add(session, changes, phone_region=context.settings.phone_region, me=context.me)
    for line in notes:
        note(line)
    added(contact.id, f"contact {contacts.label(contact)}", quiet=quiet)


@app.command("list")
def list_(
    ctx: typer.Context,
    tag: Annotated[str | None, typer.Option("--tag", "-t", metavar="TAG", help="Only contacts with this tag.")] = None,
    org: Annotated[str | None, typer.Option("--org", "-o", metavar="ORG", help="Only people of this organisation.")] = None,
    sort: Annotated[Sort, typer.Option("--sort", "-s", help="Order by name, created, updated or last-contact (newest first).")]
    = Sort.name,
    cold: Annotated[bool, typer.Option("--cold", help="Only contacts past their keep-in-touch cadence, most "
                                                      "overdue first.")] = False,
    cold_after: Annotated[str | None, typer.Option("--cold-after", metavar="TIME",
                                                   help="With --cold: also contacts without a cadence silent "
                                                        "longer than this ('90d', '3 months').")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="WHEN",
                                              help="With --cold: judge as of this day (default: now).")] = None,
    owner: OwnerFilterOpt = None,
    segment: SegmentOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """List contacts."""
    from crmcli.core import contacts, orgs
    from crmcli.core.identity import owner_filter

    context = state.context(ctx)
    chill = None
    if cold or cold_after or as_of:
        from crmcli.core import cadence, clock

        chill = contacts.Cold(clock.resolve_as_of(as_of, context.local_now()),
                              cadence.parse_after(cold_after) if cold_after else None)
    with context.database.session() as session:
        org_id = orgs.resolve(session, org).id if org else None
        rows = contacts.rows(session.connection(), tag=tag, org_id=org_id, sort=sort.value, limit=limit, cold=chill,
                             owner=owner_filter(owner, context.me), segment=members(session, segment, context))
        if chill:
            rows.table_columns = ("id", "name", "org", "emails", "cadence_days", "last_contact")
        emit(rows, fmt, quiet=quiet, empty="nobody is due for contact" if chill else "no matching rows")


@app.command("show")
def show(ctx: typer.Context, ref: Ref, fmt: FormatOpt = Format.table) -> None:
    """Show one contact: emails, phones, organisation, tags, custom fields, latest interactions,
    open follow-ups, open service cases."""
    from crmcli.core import contacts
    from crmcli.core.overview import overview

    context = state.context(ctx)
    with context.database.session() as session:
        contact = contacts.resolve(session, ref)
        if fmt is not Format.table:
            emit(contacts.rows(session.connection(), ids=[contact.id], versions=True), fmt)  # type: ignore[list-item]
            return
        info = overview(session, contact, as_of=context.local_now(), follow_ups=3, recent=3)
    emails = [e.address + (f"  ({e.label})" if e.label else "") for e in info.emails]
    phones = [p.display + (f"  ({p.label})" if p.label else "") for p in info.phones]
    card(f"{info.name}  #{info.id}", [
        ("do not contact", contacts.do_not_contact_since(info.do_not_contact_at, info.do_not_contact_reason)),
        ("title", info.title), ("organisation", info.org),
        ("tags", ", ".join(info.tags)), ("last contact", local_time(info.last_contact_at)),
        ("keep in touch", cadence_text(info.cadence_days)), ("owner", info.owner),
        ("created", local_time(info.created_at)), ("updated", local_time(info.updated_at)),
        ("uid", info.uid),
    ], [("emails", emails), ("phones", phones),
        ("fields", [f"{k} = {v}" for k, v in info.fields]),
        ("recent (crm timeline for more)", [f"{local_time(r.at)}  {r.kind:<8} #{r.id}  {r.body.splitlines()[0][:60]}"
                                            for r in info.recent]),
        ("follow-ups (crm fu list -c for all)", [f"{f.due.shown():<16}  {f.status:<8} #{f.id}  "
                                                 f"{f.title}" for f in info.follow_ups]),
        ("open cases (crm cases show N)", [f"#{c.id}  {c.priority:<6}  {c.status:<7}  {c.title}  ({case_deadline(c)})"
                                           for c in info.cases])])


def case_deadline(case: "CaseView") -> str:
    """Where an open case stands against its deadlines, in a few words: late, paused, or when due."""
    if case.breached:
        missed = [what for what, late in (("response", case.response_breached),
                                          ("resolution", case.resolution_breached)) if late]
        return " and ".join(missed) + " late"
    if case.status == "waiting":
        return f"waiting since {local_time(case.waiting_since)}"
    what = "response" if case.first_response_at is None else "resolution"
    return f"{what} due {local_time(case.next_due)}"


def cadence_text(days: int | None) -> str:
    from crmcli.core import cadence

    return cadence.describe(days)


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: Ref,
    name: Annotated[str | None, typer.Option("--name", metavar="TEXT", help="New name.")] = None,
    title: Annotated[str | None, typer.Option("--title", metavar="TEXT", help="New job title (\"\" clears it).")] = None,
    org: Annotated[str | None, typer.Option("--org", "-o", metavar="ORG", help="Move to this organisation (created if new).")] = None,
    no_org: Annotated[bool, typer.Option("--no-org", help="Unlink from the organisation.")] = False,
    add_email: Annotated[list[str] | None, typer.Option("--add-email", metavar="[LABEL:]EMAIL", help="LABEL:ADDRESS or ADDRESS. Repeatable.")]
    = None,
    remove_email: Annotated[list[str] | None, typer.Option("--remove-email", metavar="EMAIL", help="Repeatable.")] = None,
    add_phone: Annotated[list[str] | None, typer.Option("--add-phone", metavar="[LABEL:]PHONE", help="LABEL:NUMBER or NUMBER. Repeatable.")]
    = None,
    remove_phone: Annotated[list[str] | None, typer.Option("--remove-phone", metavar="PHONE", help="Repeatable.")] = None,
    set_field: Annotated[list[str] | None, typer.Option("--set-field", metavar="KEY=VALUE", help="KEY=VALUE. Repeatable.")] = None,
    unset_field: Annotated[list[str] | None, typer.Option("--unset-field", metavar="KEY", help="Remove a custom field.")] = None,
    tag: Tags = None,
    untag: Annotated[list[str] | None, typer.Option("--untag", metavar="TAG", help="Remove a tag. Repeatable.")] = None,
    cadence: Annotated[str | None, typer.Option("--cadence", metavar="RULE",
                                                help="Keep in touch: 'every 30 days', 'monthly'...")] = None,
    no_cadence: Annotated[bool, typer.Option("--no-cadence", help="Stop tracking the cadence.")] = False,
    owner: OwnerOpt = None,
    no_owner: NoOwnerOpt = False,
    do_not_contact: DoNotContact = False,
    reason: Reason = None,
    contactable: Annotated[bool, typer.Option("--contactable", help="Clear the do-not-contact mark (and its "
                                                                     "reason).")] = False,
    if_version: IfVersionOpt = None,
) -> None:
    """Change a contact; every change lands together or not at all."""
    from crmcli.core import contacts, versions
    from crmcli.errors import UsageProblem

    exclusive(ctx, "org", "no_org")
    exclusive(ctx, "cadence", "no_cadence")
    exclusive(ctx, "owner", "no_owner")
    exclusive(ctx, "do_not_contact", "contactable")
    needs(ctx, "reason", "do_not_contact")
    changes = contacts.ContactChanges(
        name=name, title=title, org="" if no_org else org, add_emails=add_email or [],
        remove_emails=remove_email or [], add_phones=add_phone or [], remove_phones=remove_phone or [],
        set_fields=set_field or [], unset_fields=unset_field or [], tags=tag or [], untags=untag or [],
        cadence="" if no_cadence else cadence, owner="" if no_owner else owner,
        do_not_contact=True if do_not_contact else False if contactable else None, do_not_contact_reason=reason)
    if changes == contacts.ContactChanges():
        raise UsageProblem("nothing to change; see `crm contacts edit --help` for the options")
    context = state.context(ctx)
    with context.database.session(write=True) as session:
        contact = contacts.resolve(session, ref)
        versions.check(session, contact, if_version)
        notes = contacts.apply(session, contact, changes, phone_region=context.settings.phone_region, me=context.me)
    for line in notes:
        note(line)
    note(f"updated contact {contacts.label(contact)}")


@app.command("rm")
def rm(ctx: typer.Context, ref: Ref, yes: YesOpt = False) -> None:
    """Delete a contact with its emails, phones, tags and fields (asks first); its deals stay."""
    from crmcli.core import contacts

    def describe(session: Session) -> tuple[int, str]:
        impact = contacts.impact(session, contacts.resolve(session, ref))
        return impact.contact_id, impact.describe()  # the TUI's confirmation says the same

    delete_confirmed(state.context(ctx).database, describe,
                     lambda session, cid: contacts.remove(session, contacts.resolve(session, str(cid))), yes=yes)


@app.command("tag")
def tag(ctx: typer.Context, ref: Ref,
        tags: Annotated[list[str], typer.Argument(metavar="TAG...", help="Tags to add.")]) -> None:
    """Add tags to a contact."""
    from crmcli.core import contacts

    with state.context(ctx).database.session(write=True) as session:
        contact = contacts.resolve(session, ref)
        added = contacts.tag(session, contact, tags)
    note(f"tagged {contacts.label(contact)}: {', '.join(added)}" if added
         else f"{contacts.label(contact)} already has those tags")


@app.command("untag")
def untag(ctx: typer.Context, ref: Ref,
          tags: Annotated[list[str], typer.Argument(metavar="TAG...", help="Tags to remove.")]) -> None:
    """Remove tags from a contact."""
    from crmcli.core import contacts

    with state.context(ctx).database.session(write=True) as session:
        contact = contacts.resolve(session, ref)
        removed = contacts.untag(session, contact, tags)
    note(f"untagged {contacts.label(contact)}: {', '.join(removed)}")


@app.command("dupes")
def dupes(
    ctx: typer.Context,
    threshold: Annotated[int, typer.Option("--threshold", min=0, max=100, metavar="SCORE",
                                           help="Lowest score (0-100) of a pair to show.")] = 90,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """List likely duplicate pairs: a shared email or phone, or alike names at one organisation or
    company email domain; best score first. -q prints each pair's ids, ready for `crm contacts merge`."""
    import sys

    from crmcli.core import dupes as found

    with state.context(ctx).database.session() as session:
        pairs = found.find(session.connection(), threshold=threshold)
    if quiet:
        sys.stdout.writelines(f"{p.id} {p.other_id}\n" for p in pairs)
        return
    emit(found.rows(pairs), fmt, empty="no likely duplicates")


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(metavar="KEEP", help="The contact that stays: id, email, or a unique part "
                                                             "of the name.")],
    other: Annotated[str, typer.Argument(metavar="OTHER", help="The contact merged into KEEP, then deleted.")],
    yes: YesOpt = False,
) -> None:
    """Merge OTHER into KEEP (asks first): emails, phones, tags and fields united, history, follow-ups
    and deals moved, OTHER deleted. Where both have a title, organisation, cadence or field, KEEP's
    stays; each such clash is listed."""
    from crmcli.core import contacts
    from crmcli.core import merge as merging

    def describe(session: Session) -> tuple[tuple[int, int], str]:
        plan = merging.plan(session, contacts.resolve(session, keep), contacts.resolve(session, other))
        return (plan.keep_id, plan.other_id), plan.describe()

    def act(session: Session, ids: tuple[int, int]) -> merging.Merge:
        return merging.merge(session, *(contacts.resolve(session, str(cid)) for cid in ids))

    _, done = confirmed(state.context(ctx).database, describe, act, verb="Merge", yes=yes)
    note(f"merged {done.describe()}")
    for clash in done.clashes:
        note(clash.describe())
