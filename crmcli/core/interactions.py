"""The interaction history: calls, emails, meetings, messages and notes, each on the timeline of
every contact it names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from crmcli.core.identity import Me, login_name
from crmcli.core.models import INTERACTION_CONTACT, Contact, Interaction, utcnow
from crmcli.core.rows import Rows
from crmcli.errors import Invalid

if TYPE_CHECKING:
    from crmcli.core.followups import Due, Planned

DEFAULT_KINDS = ("call", "email", "meeting", "message", "note")
DIRECTED_KINDS = frozenset({"call", "email", "message"})
DIRECTIONS = ("in", "out")


@dataclass(frozen=True)
class Kinds:
    """The kinds a user may log (configurable) and the default one."""

    allowed: Sequence[str] = DEFAULT_KINDS
    default: str = "call"

    def check(self, kind: str | None) -> str:
        chosen = (kind or self.default).strip().lower()
        if chosen not in self.allowed:
            raise Invalid(f"unknown kind {chosen!r}; use one of: {', '.join(self.allowed)}", hint="log_kinds")
        return chosen


def check_direction(kind: str, direction: str | None) -> str | None:
    if direction is None:
        return None
    value = direction.strip().lower()
    if value not in DIRECTIONS:
        raise Invalid(f"direction must be 'in' or 'out', not {direction!r}")
    if kind not in DIRECTED_KINDS:
        raise Invalid(f"a {kind} has no direction; only {_and(sorted(k + 's' for k in DIRECTED_KINDS))} have one",
                      hint="direction")
    return value


def _and(words: Sequence[str]) -> str:
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def check_body(body: str) -> str:
    text = body.strip("\n")
    if not text.strip():
        raise Invalid("nothing to log: the text is empty")
    return text


# Clocks of the machines sharing a team database may differ a little; more than this is a mistake.
FUTURE_SLACK = timedelta(minutes=5)


def check_occurred(kind: str, occurred_at: datetime, now: datetime, *, future: bool = False) -> datetime:
    """An interaction dated in the future is almost always a typo (`--at "in 2 years"`): it would
    count as the last contact and silence keep-in-touch reminders until then. Only on request."""
    if not future and occurred_at > now + FUTURE_SLACK:
        from crmcli.core.clock import to_local

        raise Invalid(f"the {kind} would be dated {to_local(occurred_at):%Y-%m-%d %H:%M}, in the future, and count "
                      "as the last contact until then", hint="future")
    return occurred_at


def log(session: Session, people: Sequence[Contact], body: str, *, kind: str, direction: str | None = None,
        occurred_at: datetime | None = None, future: bool = False) -> Interaction:
    """One interaction row linked to each contact (a meeting with two people appears on both timelines).
    `future`: allow a date in the future (a planned meeting logged ahead)."""
    unique = list({c.id: c for c in people}.values())
    if not unique:
        raise Invalid("an interaction needs at least one contact")
    now = utcnow()
    if occurred_at is not None:
        check_occurred(kind, occurred_at, now, future=future)
    interaction = Interaction(kind=kind, direction=check_direction(kind, direction), body=check_body(body),
                              occurred_at=occurred_at or now, created_at=now, updated_at=now)
    session.add(interaction)
    session.flush()
    session.execute(sa.insert(INTERACTION_CONTACT), [{"interaction_id": interaction.id, "contact_id": c.id,
                                                     "occurred_at": interaction.occurred_at} for c in unique])
    refresh_last_contact(session, [c.id for c in unique])  # type: ignore[misc]
    return interaction


class AddedFollowUp(NamedTuple):
    id: int
    contact_id: int
    contact: str
    title: str
    due: Due  # a day, or an instant (followups.Due)


@dataclass(frozen=True)
class Logged:
    """What `log_with_follow_up` wrote, as plain values a front end can keep after the transaction."""

    interaction_id: int
    kind: str
    occurred_at: datetime                 # aware UTC
    contacts: tuple[tuple[int, str], ...]  # (id, name) of each contact named, once each, in order
    follow_up: AddedFollowUp | None
    campaign: str | None = None           # the campaign's name, when it belongs to one
    response: str | None = None           # the response it recorded for each contact there


def log_with_follow_up(session: Session, people: Sequence[Contact], body: str, *, kind: str,
                       direction: str | None = None, occurred_at: datetime | None = None, future: bool = False,
                       follow_up: "Planned | None" = None, me: Me = login_name, campaign: str | None = None,
                       response: str | None = None) -> Logged:
    """`log`, and a follow-up for the first contact, owned by `me` (who logs it), in the caller's
    transaction: if either is refused, neither is written. With `campaign` (a reference), the
    interaction belongs to it and records each contact's `response` (None: campaigns.default_response)."""
    entry = log(session, people, body, kind=kind, direction=direction, occurred_at=occurred_at, future=future)
    named = tuple({c.id: (c.id, c.name) for c in people}.values())
    added = None
    if follow_up is not None:
        from crmcli.core import followups

        item = followups.add(session, people[0], follow_up.title, follow_up.due, me=me)
        added = AddedFollowUp(item.id, people[0].id, people[0].name, item.title, followups.due_of(item))  # type: ignore[arg-type]
    joined = answer = None
    if campaign is not None:
        from crmcli.core import campaigns

        answer = campaigns.check_kind(response) if response is not None else \
            campaigns.default_response(entry.kind, direction)
        found = campaigns.get(session, campaign)
        # judged against the clock read after the interaction's own (a "now" read by the caller
        # before it would make the response come from the future); a --future one is refused here
        campaigns.on_interaction(session, found, entry, people, answer, now=utcnow())
        joined = found.name
    at = entry.occurred_at
    return Logged(entry.id, entry.kind, at if at.tzinfo else at.replace(tzinfo=UTC), named, added,  # type: ignore[arg-type]
                  joined, answer)


def get(session: Session, ref: str | int) -> Interaction:
    from crmcli.core.refs import by_id

    return by_id(session, Interaction, ref, "an interaction")


def participants(session: Session, interaction: Interaction) -> list[Contact]:
    return list(session.scalars(
        sa.select(Contact).join(INTERACTION_CONTACT, INTERACTION_CONTACT.c.contact_id == Contact.id)
        .where(INTERACTION_CONTACT.c.interaction_id == interaction.id).order_by(Contact.name_key)))


@dataclass
class InteractionChanges:
    body: str | None = None
    kind: str | None = None
    direction: str | None = None   # "" clears
    occurred_at: datetime | None = None
    future: bool = False           # allow occurred_at in the future


def edit(session: Session, interaction: Interaction, changes: InteractionChanges, kinds: Kinds) -> Interaction:
    if changes.body is not None:
        interaction.body = check_body(changes.body)
    if changes.kind is not None:
        interaction.kind = kinds.check(changes.kind)
    if changes.direction is not None:
        interaction.direction = check_direction(interaction.kind, changes.direction) if changes.direction else None
    elif interaction.direction and interaction.kind not in DIRECTED_KINDS:
        interaction.direction = None  # the new kind has no direction
    if changes.occurred_at is not None:
        interaction.occurred_at = check_occurred(interaction.kind, changes.occurred_at, utcnow(), future=changes.future)
        session.execute(sa.update(INTERACTION_CONTACT)
                        .where(INTERACTION_CONTACT.c.interaction_id == interaction.id)
                        .values(occurred_at=changes.occurred_at))
        refresh_last_contact(session, [c.id for c in participants(session, interaction)])  # type: ignore[misc]
    interaction.updated_at = utcnow()
    session.add(interaction)
    session.flush()
    return interaction


def remove(session: Session, interaction: Interaction) -> None:
    people = [c.id for c in participants(session, interaction)]
    session.delete(interaction)
    session.flush()
    refresh_last_contact(session, people)  # type: ignore[arg-type]


def orphaned_by(session: Session, contact_id: int) -> list[int]:
    """Interactions that name only this contact: deleting the contact deletes them too."""
    ic = INTERACTION_CONTACT
    other = ic.alias("other")
    shared = sa.exists().where(other.c.interaction_id == ic.c.interaction_id, other.c.contact_id != contact_id)
    return list(session.scalars(sa.select(ic.c.interaction_id).where(ic.c.contact_id == contact_id, ~shared)))


def remove_many(session: Session, ids: Sequence[int]) -> None:
    """Delete interactions; the last contact of everyone they named is worked out again."""
    if ids:
        ic = INTERACTION_CONTACT
        people = list(session.scalars(sa.select(ic.c.contact_id).where(ic.c.interaction_id.in_(list(ids))).distinct()))
        session.execute(sa.delete(Interaction.__table__).where(Interaction.__table__.c.id.in_(list(ids))))
        refresh_last_contact(session, people)


# -- listings ------------------------------------------------------------------------------------

INTERACTION_COLUMNS = ("id", "uid", "occurred", "kind", "direction", "contacts", "body", "created", "updated")
UID_COLUMNS = ("contact_uids",)  # with `uids`: who took part, by uid, in the order of `contacts`


def rows(conn: Connection, *, contact_id: int | None = None, kinds: Sequence[str] = (),
         since: datetime | None = None, limit: int | None = None, ids: Sequence[int] | None = None,
         uids: bool = False) -> Rows:
    """Interactions newest first, optionally of one contact: the timeline and `notes list` alike.
    `uids`: also UID_COLUMNS, the references an import matches on (exports)."""
    from crmcli.storage.sql import iso_utc

    from crmcli.core.names import contact_names, contact_uids

    i, ic = Interaction.__table__, INTERACTION_CONTACT
    stmt = sa.select(i.c.id, i.c.uid, iso_utc(i.c.occurred_at), i.c.kind, i.c.direction,
                     contact_names(ic, "interaction_id", i),
                     i.c.body, iso_utc(i.c.created_at), iso_utc(i.c.updated_at))
    if uids:
        stmt = stmt.add_columns(contact_uids(ic, "interaction_id", i))
    when = i.c.occurred_at
    if contact_id is not None:
        # One contact's history: walk its (contact_id, occurred_at) index newest first.
        stmt = stmt.select_from(ic.join(i, i.c.id == ic.c.interaction_id)).where(ic.c.contact_id == contact_id)
        when = ic.c.occurred_at
    if kinds:
        stmt = stmt.where(i.c.kind.in_(list(kinds)))
    if since is not None:
        stmt = stmt.where(when >= since)
    if ids is not None:
        stmt = stmt.where(i.c.id.in_(list(ids)))
    stmt = stmt.order_by(when.desc(), i.c.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return Rows(INTERACTION_COLUMNS + (UID_COLUMNS if uids else ()), conn.execute(stmt),
                list_columns=frozenset({"contacts", *UID_COLUMNS}),
                time_columns=frozenset({"occurred", "created", "updated"}),
                table_columns=("id", "occurred", "kind", "direction", "contacts", "body"))


def last_contact_expression(contact_id: Any) -> Any:
    """When a contact was last in touch, worked out from the interactions (one index lookup): what
    `contact.last_contact_at` keeps a copy of."""
    ic = INTERACTION_CONTACT
    return sa.select(sa.func.max(ic.c.occurred_at)).where(ic.c.contact_id == contact_id).scalar_subquery()


def refresh_last_contact(session: Session | Connection, contact_ids: Sequence[int] | None) -> None:
    """Write `last_contact_at` again from the history, for these contacts (None: for all, in bulk),
    and the last activity of their deals, which reads it."""
    from crmcli.core.deals import refresh_activity
    from crmcli.storage.sql import lock_in_order

    c = Contact.__table__
    stmt = sa.update(c).values(last_contact_at=last_contact_expression(c.c.id))
    if contact_ids is not None:
        if not contact_ids:
            return
        which = c.c.id.in_(list(contact_ids))
        stmt = stmt.where(which)
        lock_in_order(session.connection() if isinstance(session, Session) else session, c, which)
    session.execute(stmt)
    refresh_activity(session, contact_ids=contact_ids)


def drifted_links(conn: Connection) -> int:
    """Links whose copy of the time differs from their interaction's (should be none)."""
    i, ic = Interaction.__table__, INTERACTION_CONTACT
    return int(conn.execute(sa.select(sa.func.count()).select_from(ic.join(i, i.c.id == ic.c.interaction_id))
                            .where(ic.c.occurred_at != i.c.occurred_at)).scalar() or 0)


def drifted_last_contacts(conn: Connection) -> int:
    """Contacts whose `last_contact_at` differs from their history's latest interaction (should be none)."""
    c = Contact.__table__
    worked_out = last_contact_expression(c.c.id)
    return int(conn.execute(sa.select(sa.func.count()).select_from(c)
                            .where(sa.or_(c.c.last_contact_at != worked_out,
                                          c.c.last_contact_at.is_(None) != worked_out.is_(None)))).scalar() or 0)
