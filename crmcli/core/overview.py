"""A contact's overview: the card a front end shows — who they are, how to reach them, what is open
with them (follow-ups, deals, service cases) and the latest of their history. Plain values that outlive the session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from crmcli.core import validate
from crmcli.core.models import CONTACT_EMAIL, CONTACT_FIELD, CONTACT_PHONE, CONTACT_TAG, TAG, Contact, Organization
from crmcli.core.clock import as_utc
from crmcli.core.timeline import TimelineEntry

if TYPE_CHECKING:
    from crmcli.core.cases import CaseView
    from crmcli.core.followups import Due


class Email(NamedTuple):
    address: str
    label: str | None


class Phone(NamedTuple):
    number: str    # E.164
    label: str | None
    display: str   # grouped for people: +44 20 7946 0000


class FollowUpLine(NamedTuple):
    id: int
    title: str
    due: Due          # a day, or an instant (followups.Due)
    status: str       # overdue, today, upcoming: judged at the overview's as-of


class DealLine(NamedTuple):
    id: int
    name: str
    stage: str
    status: str       # open, won, lost
    value_minor: int
    currency: str


@dataclass(frozen=True)
class ContactOverview:
    id: int
    uid: str
    name: str
    title: str | None
    org_id: int | None
    org: str | None
    emails: tuple[Email, ...]      # the first is the primary one
    phones: tuple[Phone, ...]
    tags: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]  # (key, value) by key
    cadence_days: int | None
    last_contact_at: datetime | None
    created_at: datetime
    updated_at: datetime
    follow_ups: tuple[FollowUpLine, ...]  # open ones, most urgent first
    deals: tuple[DealLine, ...]           # every deal the contact is on, by id
    recent: tuple[TimelineEntry, ...]     # the latest interactions, newest first
    owner: str | None = None              # who looks after the contact; None: nobody
    do_not_contact_at: datetime | None = None  # marked "do not contact" then (aware UTC); None: not marked
    do_not_contact_reason: str | None = None
    cases: tuple[CaseView, ...] = ()      # open cases, judged at the as-of: breached first, then urgent first


def overview(session: Session, contact: Contact, *, as_of: datetime, follow_ups: int | None = None,
             recent: int = 3) -> ContactOverview:
    """Everything about one contact. `as_of` (aware) judges which follow-ups are overdue or due
    today; `follow_ups` caps the open ones listed (None: all), `recent` the latest interactions."""
    from crmcli.core import cases, followups, timeline
    from crmcli.core.models import DEAL_CONTACT, Deal, FollowUp

    conn = session.connection()
    cid = contact.id
    org = session.get(Organization, contact.org_id) if contact.org_id else None
    e, p, f = CONTACT_EMAIL, CONTACT_PHONE, CONTACT_FIELD
    emails = conn.execute(sa.select(e.c.address, e.c.label).where(e.c.contact_id == cid).order_by(e.c.position))
    phones = conn.execute(sa.select(p.c.number, p.c.label).where(p.c.contact_id == cid).order_by(p.c.position))
    tags = conn.scalars(sa.select(TAG.c.name).join(CONTACT_TAG, CONTACT_TAG.c.tag_id == TAG.c.id)
                        .where(CONTACT_TAG.c.contact_id == cid).order_by(TAG.c.name))
    fields = conn.execute(sa.select(f.c.key, f.c.value).where(f.c.contact_id == cid).order_by(f.c.key))
    fu, d = FollowUp.__table__, Deal.__table__
    window = followups.Window.around(as_of)
    open_items = sa.select(fu.c.id, fu.c.title, fu.c.due_at, fu.c.due_on, followups.status_expression(window)) \
        .where(fu.c.contact_id == cid, fu.c.done_at.is_(None)).order_by(fu.c.due_at, fu.c.id).limit(follow_ups)
    deals = sa.select(d.c.id, d.c.name, d.c.stage, d.c.status, d.c.value_minor, d.c.currency) \
        .join(DEAL_CONTACT, DEAL_CONTACT.c.deal_id == d.c.id).where(DEAL_CONTACT.c.contact_id == cid) \
        .order_by(d.c.id)
    latest = timeline.page(conn, cid, limit=recent, only="interaction").entries if recent else []  # type: ignore[arg-type]
    return ContactOverview(
        id=cid, uid=contact.uid, name=contact.name, title=contact.title,  # type: ignore[arg-type]
        org_id=org.id if org else None, org=org.name if org else None,
        emails=tuple(Email(*row) for row in emails),
        phones=tuple(Phone(number, label, validate.phone_display(number)) for number, label in phones),
        tags=tuple(tags), fields=tuple((key, value) for key, value in fields), cadence_days=contact.cadence_days,
        last_contact_at=_aware(contact.last_contact_at), created_at=_aware(contact.created_at),  # type: ignore[arg-type]
        updated_at=_aware(contact.updated_at),  # type: ignore[arg-type]
        follow_ups=tuple(FollowUpLine(i, title, followups.Due.stored(due_at, due_on), status)
                         for i, title, due_at, due_on, status in conn.execute(open_items)),
        deals=tuple(DealLine(*row) for row in conn.execute(deals)), recent=tuple(latest), owner=contact.owner,
        do_not_contact_at=_aware(contact.do_not_contact_at), do_not_contact_reason=contact.do_not_contact_reason,
        cases=tuple(cases.rows(conn, as_of, contact_id=cid)))


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)
