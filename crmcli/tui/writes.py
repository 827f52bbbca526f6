"""The TUI's writes, shared by the screens and the forms: one function each, one transaction
through the core services (what the CLI command of the same name calls), run in a worker,
returning the line to show."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Sequence


def complete(context: Any, follow_up_id: int, log: str | None) -> str:
    from crmcli.core import clock, followups

    kind = context.settings.default_kind if log else "call"
    with context.database.session(write=True) as session:
        item = followups.get(session, follow_up_id)
        following, entry = followups.complete(session, item, clock.local_zone(), log=log, kind=kind)
        said = f"done: follow-up #{item.id} {item.title}"
        if entry is not None:
            said += f"; logged {entry.kind} #{entry.id}"
        if following is not None:
            said += f"; next: follow-up #{following.id}"
    return said


def snooze(context: Any, follow_up_id: int, text: str) -> str:
    from crmcli.core import followups

    with context.database.session(write=True) as session:
        item = followups.snooze(session, followups.get(session, follow_up_id), text, now=context.local_now())
        return f"snoozed follow-up #{item.id} {item.title}"


def due_text(context: Any, due: Any) -> str:
    """A due (followups.Due) as people read and type it: `2026-11-27`, or `2026-11-27 09:00` local time."""
    return due.shown(context.local_now().tzinfo)


def log(context: Any, refs: Sequence[str], text: str, *, kind: str, at: datetime | None, follow_up: Any,
        campaign: str | None = None, response: str | None = None) -> str:
    """`crm log CONTACT... TEXT [--at] [--follow-up] [--campaign [--response]]`: the interaction, its
    follow-up for the first contact, and the campaign it answers."""
    from crmcli.core import contacts, interactions

    with context.database.session(write=True) as session:
        people = [contacts.resolve(session, ref) for ref in refs]
        done = interactions.log_with_follow_up(session, people, text, kind=kind, occurred_at=at,
                                               follow_up=follow_up, me=context.me, campaign=campaign,
                                               response=response)
    said = f"logged {done.kind} #{done.interaction_id} with {', '.join(name for _, name in done.contacts)}"
    if done.campaign is not None:
        said += f" for campaign {done.campaign}" + (f" ({done.response})" if done.response else "")
    if done.follow_up is not None:
        item = done.follow_up
        said += f"; follow-up #{item.id} due {due_text(context, item.due)}"
        if warning := contacts.left_out_of_reminders(people[0]):
            said += f"; {warning}"
    return said


def add_follow_up(context: Any, ref: str, title: str, due: Any, repeat: str | None) -> str:
    """`crm fu add CONTACT WHAT --due --every`."""
    from crmcli.core import contacts, followups

    with context.database.session(write=True) as session:
        contact = contacts.resolve(session, ref)
        item = followups.add(session, contact, title, due, repeat=repeat, me=context.me)
        warning = contacts.left_out_of_reminders(contact)
        return (f"added follow-up #{item.id} for {contact.name}, due {due_text(context, followups.due_of(item))}"
                + (f", {item.repeat}" if item.repeat else "") + (f"; {warning}" if warning else ""))


def edit_follow_up(context: Any, follow_up_id: int, title: str | None, due: Any, *,
                   read_version: int | None = None) -> str:
    """`crm fu edit ID --title --due --if-version N`."""
    from crmcli.core import followups, versions

    with context.database.session(write=True) as session:
        item = followups.get(session, follow_up_id)
        versions.check(session, item, read_version)
        item = followups.edit(session, item, followups.FollowUpChanges(title=title, due=due))
        return f"updated follow-up #{item.id} {item.title}, due {due_text(context, followups.due_of(item))}"


def save_contact(context: Any, contact_id: int | None, changes: Any, *, read_version: int | None = None) -> str:
    """`crm contacts add` (no id yet) or `crm contacts edit --if-version N`: every change lands, or none."""
    from crmcli.core import contacts, versions

    region = context.settings.phone_region
    with context.database.session(write=True) as session:
        if contact_id is None:
            contact, notes = contacts.add(session, changes, phone_region=region, me=context.me)
            said = f"added contact {contacts.label(contact)}"
        else:
            contact = contacts.resolve(session, str(contact_id))
            versions.check(session, contact, read_version)
            notes = contacts.apply(session, contact, changes, phone_region=region, me=context.me)
            said = f"updated contact {contacts.label(contact)}"
    return "; ".join([said, *notes])


def delete_contact(context: Any, contact_id: int) -> str:
    """`crm contacts rm`: the contact, and the interactions that named no one else."""
    from crmcli.core import contacts

    with context.database.session(write=True) as session:
        return f"deleted {contacts.remove(session, contacts.resolve(session, str(contact_id))).describe()}"


def forget_plan(context: Any, contact_id: int) -> Any:
    """What `crm privacy forget CONTACT` would erase: the core's plan, for the confirmation."""
    from crmcli.core import contacts, privacy

    with context.database.session() as session:
        return privacy.plan(session, contacts.resolve(session, str(contact_id)), context.database)


def forget(context: Any, contact_id: int) -> str:
    """`crm privacy forget CONTACT --yes`: the person erased everywhere, in one transaction."""
    from crmcli.core import privacy

    done = privacy.forget(context.database, contact_id)
    backups = f"; {len(done.backups_deleted)} migration backup(s) deleted" if done.backups_deleted else ""
    return (f"erased contact #{contact_id} everywhere (recorded as command #{done.command_id}, which cannot be "
            f"undone){backups}; copies made outside crm still hold them")


def add_deal(context: Any, new: Any, refs: Sequence[str], org: str | None) -> str:
    """`crm deals add`: the defaults (currency, stage, the first contact's organisation) are the core's."""
    from crmcli.core import contacts, deals, orgs
    from crmcli.core.money import Amount

    with context.database.session(write=True) as session:
        people = [contacts.resolve(session, ref) for ref in refs]
        deal = deals.add(session, replace(new, contacts=people, org=orgs.resolve(session, org) if org else None),
                         context.deal_settings)
        shown = Amount(deal.value_minor, deal.currency).display(context.settings.money_locale)
        return f"added deal #{deal.id} {deal.name}: {shown}, {deal.stage}"


def merge_plan(context: Any, keep_id: int, other: str) -> Any:
    """What merging the contact `other` names (id, email, part of a name) into #keep_id would do:
    the core's plan, for the confirmation; nothing is written."""
    from crmcli.core import contacts, merge

    with context.database.session() as session:
        return merge.plan(session, contacts.resolve(session, str(keep_id)), contacts.resolve(session, other))


def merge(context: Any, keep_id: int, other_id: int) -> str:
    """`crm contacts merge KEEP OTHER --yes`: one transaction; the clashes (KEEP's values kept) said too."""
    from crmcli.core import contacts
    from crmcli.core import merge as merging

    with context.database.session(write=True) as session:
        done = merging.merge(session, contacts.resolve(session, str(keep_id)), contacts.resolve(session, str(other_id)))
    return "; ".join([f"merged {done.describe()}", *(clash.describe() for clash in done.clashes)])
