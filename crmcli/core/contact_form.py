"""A contact as a form shows it (`Editable`), the checks a form runs as the user types, and the
`ContactChanges` an edited form means. The TUI's add and edit forms go through these, so a form
and `crm contacts add|edit` make the same changes, with the same rules and messages, through
contacts.add and contacts.apply."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from crmcli.core import cadence, contacts, validate
from crmcli.core.models import Contact


@dataclass(frozen=True)
class Editable:
    name: str = ""
    title: str = ""
    org: str = ""
    emails: tuple[str, ...] = ()  # "address" or "label:address"
    phones: tuple[str, ...] = ()  # "number" or "label:number", as people read them
    tags: tuple[str, ...] = ()
    cadence: str = ""             # "every 30 days"; "" for none
    do_not_contact: str = ""      # "" may be contacted; marked: its reason, or "yes" (see DO_NOT_CONTACT_YES)


DO_NOT_CONTACT_YES = "yes"  # what the field shows, and takes, for a mark without a reason


def of(session: Session, contact: Contact) -> Editable:
    """The contact's values as its edit form starts with them."""
    card = contacts.card(session, contact)

    def labelled(label: str | None, value: str) -> str:
        return f"{label}:{value}" if label else value

    marked = card["do_not_contact_at"] is not None
    return Editable(card["name"], card["title"] or "", card["org"] or "",
                    tuple(labelled(e["label"], e["address"]) for e in card["emails"]),
                    tuple(labelled(p["label"], p["display"]) for p in card["phones"]),
                    tuple(card["tags"]), cadence.describe(card["cadence_days"]),
                    (card["do_not_contact_reason"] or DO_NOT_CONTACT_YES) if marked else "")


def check(wanted: Editable, *, phone_region: str | None) -> None:
    """Every rule that needs no database, as contacts.apply applies it: the first broken one raises
    its Invalid. (An email owned by another contact is found only when saving.)"""
    validate.name(wanted.name)
    for raw in wanted.emails:
        contacts.EMAILS.normalise(validate.split_label(raw)[1], phone_region)
    for raw in wanted.phones:
        contacts.PHONES.normalise(validate.split_label(raw)[1], phone_region)
    for tag in wanted.tags:
        validate.tag(tag)
    if wanted.cadence.strip():
        cadence.parse(wanted.cadence)


def changes(before: Editable, after: Editable, *, phone_region: str | None) -> contacts.ContactChanges:
    """What turns `before` into `after`; for a new contact, `before` is the empty Editable().
    Emails and phones compare normalised (a relabelled one is removed and added again); what the
    form does not show (custom fields) is left alone."""

    def differs(old: str, new: str) -> str | None:
        return new.strip() if new.strip() != old.strip() else None

    def channel(which: contacts.Channel, old: tuple[str, ...],
                new: tuple[str, ...]) -> tuple[list[str], list[str]]:
        def normal(raw: str) -> tuple[str | None, str]:
            label, value = validate.split_label(raw)
            return label, which.normalise(value, phone_region)

        kept, wanted = {normal(r): r for r in old}, {normal(r): r for r in new}
        return [r for k, r in wanted.items() if k not in kept], [k[1] for k in kept if k not in wanted]

    add_emails, remove_emails = channel(contacts.EMAILS, before.emails, after.emails)
    add_phones, remove_phones = channel(contacts.PHONES, before.phones, after.phones)
    old_tags, new_tags = {validate.tag(t) for t in before.tags}, {validate.tag(t) for t in after.tags}
    old_days = cadence.parse(before.cadence) if before.cadence.strip() else None
    new_days = cadence.parse(after.cadence) if after.cadence.strip() else None
    mark, reason = _do_not_contact(before.do_not_contact, after.do_not_contact)
    return contacts.ContactChanges(
        name=differs(before.name, after.name), title=differs(before.title, after.title),
        org=differs(before.org, after.org), add_emails=add_emails, remove_emails=remove_emails,
        add_phones=add_phones, remove_phones=remove_phones, tags=sorted(new_tags - old_tags),
        untags=sorted(old_tags - new_tags), cadence=after.cadence.strip() if new_days != old_days else None,
        do_not_contact=mark, do_not_contact_reason=reason)


def _do_not_contact(before: str, after: str) -> tuple[bool | None, str | None]:
    """The do-not-contact field's edit as (mark, reason) for ContactChanges: emptied clears the
    mark; filled marks the contact, the text its reason ("yes": none); a new text replaces the reason
    (the mark keeps its time)."""
    old, new = validate.one_line(before), validate.one_line(after)
    if old == new:
        return None, None
    if new is None:
        return False, None
    return True, "" if new.lower() == DO_NOT_CONTACT_YES else new
