"""Campaigns: a mailing, call round, event or letter to a set of contacts, what they answered, what
it cost and the deals it brought.

Members are frozen from the campaign's segment when it starts (the segment evaluated at that
moment, never again); later members are added by hand. A response is a member's: replied, meeting,
unsubscribed or bounced, several over time. "unsubscribed" marks the contact do not contact (reason
`unsubscribed from campaign NAME`), unless it already was.

The report (`report`): a member *responded* when they have a replied or meeting response;
unsubscribed and bounced are counted but are no responses. The response rate is responders /
members. Deals count by Deal.campaign_id; won value is per currency, never summed across them.
Cost per response and per won deal are in the cost's currency; the return on cost,
(won value - cost) / cost, only when every won deal is in the cost's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from crmcli.core import refs
from crmcli.core.clock import as_utc
from crmcli.core.identity import Me, login_name, new_owner, owned_by, owner_name
from crmcli.core.models import CAMPAIGN_MEMBER, CAMPAIGN_RESPONSE, Campaign, Contact, Deal, Segment
from crmcli.core.money import Amount
from crmcli.core.rows import LIST_SEPARATOR, Rows
from crmcli.core.text import fold
from crmcli.core.validate import one_of
from crmcli.errors import Conflict, Invalid

CHANNELS = ("email", "call", "event", "letter")
RESPONSE_KINDS = ("replied", "meeting", "unsubscribed", "bounced")
RESPONDED = ("replied", "meeting")  # what counts as a response in the rate; the others do not
UNSUBSCRIBED_REASON = "unsubscribed from campaign {name}"


def check_channel(channel: str) -> str:
    return one_of(channel, CHANNELS, "campaign channel")


def check_kind(kind: str) -> str:
    return one_of(kind, RESPONSE_KINDS, "response")


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Invalid("a campaign needs a name, e.g. \"Spring offer\"")
    return cleaned


def parse_cost(text: str, settings: Any) -> Amount:
    """A cost as typed: `400 EUR`, `EUR 1.200,50`, or `400` in the currency setting, read as a
    segment's amount is (deals.amount's rules: the locale setting, no float)."""
    from crmcli.core.segments import typed_amount

    return typed_amount(text, settings)


def label(campaign: Campaign) -> str:
    return f"#{campaign.id} {campaign.name}"


def get(session: Session, ref: str | int) -> Campaign:
    """A campaign by id (`3`, `#3`) or a unique (case- and accent-insensitive) part of its name."""
    return refs.resolve(session, Campaign, str(ref), "campaign", label)


def _unique_name(session: Session, name: str, campaign_id: int | None = None) -> tuple[str, str]:
    key = fold(name)
    c = Campaign.__table__  # type: ignore[attr-defined]
    held = session.execute(sa.select(c.c.id).where(c.c.name_key == key, c.c.id != (campaign_id or -1))).first()
    if held is not None:
        raise Conflict(f"a campaign named {name!r} exists already (#{held[0]})")
    return name, key


def add(session: Session, name: str, *, segment: Segment | None = None, channel: str = "email",
        cost: Amount | None = None, owner: str | None = None, note: str | None = None, now: datetime,
        start: bool = True, me: Me = login_name) -> Campaign:
    """A new campaign (one per name, any case or accent). `start`: it starts at `now`, its members
    frozen from `segment` at once. `owner`: a name, "me" or "" (nobody); None: `me`."""
    cleaned, key = _unique_name(session, check_name(name))
    now = now.astimezone(UTC)
    campaign = Campaign(name=cleaned, name_key=key, segment_id=segment.id if segment is not None else None,
                        channel=check_channel(channel), cost_minor=_minor(cost),
                        cost_currency=cost.code if cost is not None else None, owner=new_owner(owner, me),
                        note=(note or "").strip() or None, started_at=now if start else None, created_at=now,
                        updated_at=now)
    session.add(campaign)
    session.flush()
    if start:
        _freeze(session, campaign, now)
    return campaign


def _minor(cost: Amount | None) -> int | None:
    return int(cost.minor) if cost is not None else None


def begin(session: Session, campaign: Campaign, *, now: datetime) -> int:
    """Start the campaign at `now`: its segment's contacts at this moment become members (those
    added by hand before stay). Returns how many joined. Started already: a Conflict."""
    if campaign.started_at is not None:
        raise Conflict(f"campaign {campaign.name!r} started already; its members are frozen")
    now = now.astimezone(UTC)
    campaign.started_at = now
    campaign.updated_at = now
    session.add(campaign)
    session.flush()
    return _freeze(session, campaign, now)


def _freeze(session: Session, campaign: Campaign, now: datetime) -> int:
    """The segment's contacts at `now` join as members (not by hand); how many joined."""
    if campaign.segment_id is None:
        return 0
    from crmcli.core import segments

    segment = session.get(Segment, campaign.segment_id)
    chosen = segments.contact_ids(session.connection(), segment, now)
    ids = chosen.subquery() if isinstance(chosen, sa.Select) else chosen
    contact_id = list(ids.c)[0]
    m = CAMPAIGN_MEMBER
    fresh = sa.select(sa.literal(campaign.id), contact_id, sa.literal(now, m.c.added_at.type), sa.literal(0)) \
        .where(~sa.exists().where(m.c.campaign_id == campaign.id, m.c.contact_id == contact_id))
    before = count_members(session, campaign)
    session.execute(sa.insert(m).from_select(["campaign_id", "contact_id", "added_at", "by_hand"], fresh))
    return count_members(session, campaign) - before  # rowcount: -1 for INSERT ... SELECT on PostgreSQL


start = begin  # the contract's name; `begin` reads better beside `add(..., start=True)`


def member_ids(conn: Session | Connection, campaign: Campaign) -> set[int]:
    m = CAMPAIGN_MEMBER
    return set(conn.scalars(sa.select(m.c.contact_id).where(m.c.campaign_id == campaign.id)))


def count_members(conn: Session | Connection, campaign: Campaign) -> int:
    m = CAMPAIGN_MEMBER
    return int(conn.execute(sa.select(sa.func.count()).select_from(m).where(m.c.campaign_id == campaign.id))
               .scalar_one())


def add_members(session: Session, campaign: Campaign, contacts: Sequence[Contact], *,
                now: datetime) -> list[Contact]:
    """Add contacts by hand; returns those who were not members yet. A contact marked do not
    contact is refused (a campaign leaves them out)."""
    held = member_ids(session, campaign)
    fresh: dict[int, Contact] = {}
    for contact in contacts:
        if contact.do_not_contact_at is not None:
            raise Invalid(f"{contact.name} is marked do not contact; a campaign leaves them out")
        if contact.id not in held:
            fresh[contact.id] = contact  # type: ignore[index]
    if fresh:
        at = now.astimezone(UTC)
        session.execute(sa.insert(CAMPAIGN_MEMBER), [
            {"campaign_id": campaign.id, "contact_id": cid, "added_at": at, "by_hand": 1} for cid in fresh])
        _touched(session, campaign, at)
    return list(fresh.values())


def remove_members(session: Session, campaign: Campaign, contacts: Sequence[Contact], *, now: datetime) -> int:
    """Take contacts off the campaign, with their responses to it. Returns how many responses went
    with them. A contact who is no member is Invalid."""
    held = member_ids(session, campaign)
    for contact in contacts:
        if contact.id not in held:
            raise Invalid(f"{contact.name} is not a member of campaign {campaign.name!r}")
    ids = sorted({c.id for c in contacts})  # type: ignore[type-var]
    if not ids:
        return 0
    r, m = CAMPAIGN_RESPONSE, CAMPAIGN_MEMBER
    gone = session.execute(sa.delete(r).where(r.c.campaign_id == campaign.id, r.c.contact_id.in_(ids))).rowcount
    session.execute(sa.delete(m).where(m.c.campaign_id == campaign.id, m.c.contact_id.in_(ids)))
    _touched(session, campaign, now.astimezone(UTC))
    return int(gone or 0)


def _touched(session: Session, campaign: Campaign, at: datetime) -> None:
    campaign.updated_at = at
    session.add(campaign)
    session.flush()


def respond(session: Session, campaign: Campaign, contact: Contact, kind: str, *, at: datetime,
            interaction: Any | None = None, now: datetime | None = None) -> int:
    """Record a member's response at `at` (aware; not after `now` when given); returns its id.
    "unsubscribed" marks the contact do not contact, since `at`, unless it is marked already (its
    reason kept). A contact who is no member is Invalid (nothing is added: who the campaign reached
    stays as it was)."""
    chosen = check_kind(kind)
    if now is not None and at > now:
        raise Invalid("a response cannot come in the future; give the time it came")
    if campaign.started_at is None:
        raise Invalid(f"campaign {campaign.name!r} has not started; start it before recording responses",
                      hint="campaign-start")
    if contact.id not in member_ids(session, campaign):
        raise Invalid(f"{contact.name} is not a member of campaign {campaign.name!r}", hint="campaign-member")
    at = at.astimezone(UTC)
    result = session.execute(sa.insert(CAMPAIGN_RESPONSE).values(
        campaign_id=campaign.id, contact_id=contact.id, kind=chosen, at=at,
        interaction_id=getattr(interaction, "id", interaction)))
    if chosen == "unsubscribed" and contact.do_not_contact_at is None:
        from crmcli.core import contacts

        contacts.apply(session, contact, contacts.ContactChanges(
            do_not_contact=True, do_not_contact_reason=UNSUBSCRIBED_REASON.format(name=campaign.name),
            do_not_contact_since=at))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def default_response(kind: str, direction: str | None) -> str | None:
    """The response an interaction logged for a campaign records when none is named: a meeting is
    "meeting", an outgoing one none (the campaign reaching out is no answer), anything else "replied"."""
    if direction == "out":
        return None
    return "meeting" if kind == "meeting" else "replied"


def on_interaction(session: Session, campaign: Campaign, interaction: Any, people: Sequence[Contact],
                   response: str | None, *, now: datetime | None = None) -> list[int]:
    """An interaction belongs to the campaign; with a `response`, each of `people` (members) gave it,
    at the interaction's time. Returns the responses' ids."""
    interaction.campaign_id = campaign.id
    session.add(interaction)
    session.flush()
    if response is None:
        return []
    at = as_utc(interaction.occurred_at)
    once = list({c.id: c for c in people}.values())
    return [respond(session, campaign, c, response, at=at, interaction=interaction, now=now) for c in once]


@dataclass
class CampaignChanges:
    name: str | None = None
    channel: str | None = None
    cost: Amount | None = None
    clear_cost: bool = False
    segment: Segment | None = None   # only before it starts: its members are frozen then
    clear_segment: bool = False
    owner: str | None = None         # a name, "me" or "" (nobody)
    note: str | None = None          # "" clears
    ended_at: datetime | None = None
    clear_ended: bool = False


def edit(session: Session, campaign: Campaign, changes: CampaignChanges, *, now: datetime,
         me: Me = login_name) -> Campaign:
    """Change a campaign. Its segment only until it starts (the members are frozen then)."""
    if changes.name is not None:
        campaign.name, campaign.name_key = _unique_name(session, check_name(changes.name), campaign.id)
    if changes.channel is not None:
        campaign.channel = check_channel(changes.channel)
    if changes.clear_cost or changes.cost is not None:
        campaign.cost_minor = None if changes.clear_cost else _minor(changes.cost)
        campaign.cost_currency = None if changes.clear_cost else changes.cost.code  # type: ignore[union-attr]
    if changes.clear_segment or changes.segment is not None:
        if campaign.started_at is not None:
            raise Invalid(f"campaign {campaign.name!r} started already: its members were frozen from its "
                          "segment then; add or remove members by hand")
        campaign.segment_id = None if changes.clear_segment else changes.segment.id  # type: ignore[union-attr]
    if changes.owner is not None:
        campaign.owner = owner_name(changes.owner, me)
    if changes.note is not None:
        campaign.note = changes.note.strip() or None
    if changes.clear_ended or changes.ended_at is not None:
        ended = None if changes.clear_ended else changes.ended_at.astimezone(UTC)  # type: ignore[union-attr]
        if ended is not None and (campaign.started_at is None or ended < as_utc(campaign.started_at)):
            raise Invalid(f"campaign {campaign.name!r} cannot end before it starts")
        campaign.ended_at = ended
    campaign.updated_at = now.astimezone(UTC)
    session.add(campaign)
    session.flush()
    return campaign


@dataclass(frozen=True)
class Impact:
    members: int
    responses: int
    deals: int
    interactions: int

    def describe(self) -> str:
        from crmcli.core.text import counted

        parts = [counted(self.members, "member"), counted(self.responses, "response")]
        linked = [counted(n, w) for n, w in ((self.deals, "deal"), (self.interactions, "interaction")) if n]
        return ", ".join(parts) + (f"; {' and '.join(linked)} lose the link" if linked else "")


def impact(session: Session | Connection, campaign: Campaign) -> Impact:
    """What deleting the campaign takes (members, responses) and unlinks (deals, interactions)."""
    from crmcli.core.models import Interaction

    def count(table: Any, column: Any) -> int:
        return int(session.execute(sa.select(sa.func.count()).select_from(table).where(column == campaign.id))
                   .scalar_one())

    i, d = Interaction.__table__, Deal.__table__  # type: ignore[attr-defined]
    return Impact(count(CAMPAIGN_MEMBER, CAMPAIGN_MEMBER.c.campaign_id),
                  count(CAMPAIGN_RESPONSE, CAMPAIGN_RESPONSE.c.campaign_id), count(d, d.c.campaign_id),
                  count(i, i.c.campaign_id))


def remove(session: Session, campaign: Campaign) -> None:
    """Delete a campaign with its members and responses; its deals and interactions stay, unlinked."""
    session.delete(campaign)
    session.flush()


# -- reading -------------------------------------------------------------------------------------

CAMPAIGN_COLUMNS = ("id", "uid", "name", "channel", "status", "segment", "members", "cost", "cost_currency",
                    "owner", "started", "ended", "note", "created", "updated", "version")
_TIMES = frozenset({"started", "ended", "created", "updated"})


def status_of(started_at: Any, ended_at: Any) -> str:
    """draft (not started), running, or ended."""
    return "draft" if started_at is None else "ended" if ended_at is not None else "running"


def rows(conn: Connection, *, ids: Sequence[int] | None = None, owner: str | None = None,
         limit: int | None = None) -> Rows:
    """Campaigns, newest first (by start, drafts on top), with their member counts. `owner`: an
    owner_filter result."""
    from crmcli.storage.sql import iso_utc

    c, s, m = Campaign.__table__, Segment.__table__, CAMPAIGN_MEMBER  # type: ignore[attr-defined]
    members = sa.select(m.c.campaign_id, sa.func.count().label("n")).group_by(m.c.campaign_id).subquery()
    stmt = sa.select(c.c.id, c.c.uid, c.c.name, c.c.channel, c.c.started_at, c.c.ended_at, s.c.name.label("segment"),
                     sa.func.coalesce(members.c.n, 0), c.c.cost_minor, c.c.cost_currency, c.c.owner,
                     iso_utc(c.c.started_at), iso_utc(c.c.ended_at), c.c.note, iso_utc(c.c.created_at),
                     iso_utc(c.c.updated_at), c.c.version) \
        .select_from(c.outerjoin(s, s.c.id == c.c.segment_id).outerjoin(members, members.c.campaign_id == c.c.id)) \
        .where(*owned_by(c.c.owner, owner)) \
        .order_by(c.c.started_at.is_not(None), c.c.started_at.desc(), c.c.id.desc()).limit(limit)
    if ids is not None:
        stmt = stmt.where(c.c.id.in_(list(ids)))

    def shaped() -> Iterator[tuple[Any, ...]]:
        for (id_, uid, name, channel, started_at, ended_at, segment, n, cost, code, owner_, started, ended, note,
             created, updated, version) in conn.execute(stmt):
            yield (id_, uid, name, channel, status_of(started_at, ended_at), segment, n,
                   Amount(cost, code).plain() if cost is not None else None, code, owner_, started, ended, note,
                   created, updated, version)

    return Rows(CAMPAIGN_COLUMNS, shaped(), time_columns=_TIMES,
                table_columns=("id", "name", "channel", "status", "segment", "members", "cost", "cost_currency",
                               "owner", "started"))


MEMBER_COLUMNS = ("id", "uid", "name", "email", "added", "by_hand", "responses", "do_not_contact")


def members(conn: Connection, campaign: Campaign, *, limit: int | None = None) -> Rows:
    """The campaign's members by name (`id`, `uid`: the contact's): when each joined, whether by hand, their responses (kinds, in
    the order they came) and whether they are marked do not contact now."""
    from crmcli.storage.sql import iso_utc

    from crmcli.core.models import CONTACT_EMAIL

    m, r, c, e = CAMPAIGN_MEMBER, CAMPAIGN_RESPONSE, Contact.__table__, CONTACT_EMAIL  # type: ignore[attr-defined]
    email = sa.select(e.c.address).where(e.c.contact_id == c.c.id).order_by(e.c.position).limit(1).scalar_subquery()
    stmt = sa.select(c.c.id, c.c.uid, c.c.name, email, iso_utc(m.c.added_at), m.c.by_hand,
                     c.c.do_not_contact_at.is_not(None)) \
        .select_from(m.join(c, c.c.id == m.c.contact_id)).where(m.c.campaign_id == campaign.id) \
        .order_by(c.c.name_key, c.c.id).limit(limit)
    kinds: dict[int, list[str]] = {}
    for contact_id, kind in conn.execute(sa.select(r.c.contact_id, r.c.kind).where(r.c.campaign_id == campaign.id)
                                         .order_by(r.c.at, r.c.id)):
        kinds.setdefault(contact_id, []).append(kind)
    found = [(cid, uid, name, address, added, bool(hand), LIST_SEPARATOR.join(kinds.get(cid, [])), bool(dnc))
             for cid, uid, name, address, added, hand, dnc in conn.execute(stmt)]
    return Rows(MEMBER_COLUMNS, found, list_columns=frozenset({"responses"}), time_columns=frozenset({"added"}),
                table_columns=("id", "name", "email", "added", "by_hand", "responses", "do_not_contact"))


# -- the report ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignFigures:
    """One campaign's results. Money in minor units; rates as percentages (Decimal, exact)."""

    id: int
    name: str
    channel: str
    status: str
    members: int
    responses: dict[str, int]        # members with at least one response of each kind (RESPONSE_KINDS)
    responders: int                  # members with a replied or meeting response
    deals_opened: int
    deals_won: int
    won: tuple[Amount, ...]          # won value per currency, by currency code
    cost: Amount | None

    @property
    def response_rate(self) -> Decimal | None:
        """Responders per member, in percent; None without members."""
        return Decimal(self.responders * 100) / self.members if self.members else None

    @property
    def cost_per_response(self) -> Amount | None:
        return Amount(Decimal(self.cost.minor) / self.responders, self.cost.code) \
            if self.cost is not None and self.responders else None

    @property
    def cost_per_won_deal(self) -> Amount | None:
        return Amount(Decimal(self.cost.minor) / self.deals_won, self.cost.code) \
            if self.cost is not None and self.deals_won else None

    @property
    def return_on_cost(self) -> Decimal | None:
        """(won value - cost) / cost in percent, when the cost is above zero and every won deal is in
        its currency (no won deal: -100 %); None otherwise: currencies are never converted."""
        if self.cost is None or not self.cost.minor or any(a.code != self.cost.code for a in self.won):
            return None
        won = sum((Decimal(a.minor) for a in self.won), Decimal(0))
        return (won - Decimal(self.cost.minor)) * 100 / Decimal(self.cost.minor)


REPORT_COLUMNS = ("id", "name", "channel", "status", "members", *RESPONSE_KINDS, "responders", "response_rate",
                  "deals_opened", "deals_won", "won_value", "cost", "cost_currency", "cost_per_response",
                  "cost_per_won_deal", "return_on_cost")


def report(conn: Connection, campaign_ids: Sequence[int] | None = None) -> list[CampaignFigures]:
    """Every campaign's figures (or those of `campaign_ids`), newest first, counted in SQL: members,
    members per response kind, responders, deals opened and won, won value per currency."""
    c, m, r, d = Campaign.__table__, CAMPAIGN_MEMBER, CAMPAIGN_RESPONSE, Deal.__table__  # type: ignore[attr-defined]
    members_ = sa.select(m.c.campaign_id, sa.func.count().label("n")).group_by(m.c.campaign_id).subquery()
    # Responses of members only (a response outlives no membership, but a forgotten contact's goes with them).
    per_kind = [sa.func.count(sa.distinct(sa.case((r.c.kind == k, r.c.contact_id)))).label(k) for k in RESPONSE_KINDS]
    responders = sa.func.count(sa.distinct(sa.case((r.c.kind.in_(RESPONDED), r.c.contact_id)))).label("responders")
    answered = sa.select(r.c.campaign_id, *per_kind, responders) \
        .select_from(r.join(m, sa.and_(m.c.campaign_id == r.c.campaign_id, m.c.contact_id == r.c.contact_id))) \
        .group_by(r.c.campaign_id).subquery()
    dealt = sa.select(d.c.campaign_id, sa.func.count().label("opened"),
                      sa.func.sum(sa.case((d.c.status == "won", 1), else_=0)).label("won")) \
        .where(d.c.campaign_id.is_not(None)).group_by(d.c.campaign_id).subquery()
    zero = lambda column: sa.func.coalesce(column, 0)  # noqa: E731
    stmt = sa.select(c.c.id, c.c.name, c.c.channel, c.c.started_at, c.c.ended_at, c.c.cost_minor, c.c.cost_currency,
                     zero(members_.c.n), *(zero(answered.c[k]) for k in RESPONSE_KINDS), zero(answered.c.responders),
                     zero(dealt.c.opened), zero(dealt.c.won)) \
        .select_from(c.outerjoin(members_, members_.c.campaign_id == c.c.id)
                     .outerjoin(answered, answered.c.campaign_id == c.c.id)
                     .outerjoin(dealt, dealt.c.campaign_id == c.c.id)) \
        .order_by(c.c.started_at.is_not(None), c.c.started_at.desc(), c.c.id.desc())
    won_stmt = sa.select(d.c.campaign_id, d.c.currency, sa.func.sum(d.c.value_minor)) \
        .where(d.c.campaign_id.is_not(None), d.c.status == "won").group_by(d.c.campaign_id, d.c.currency) \
        .order_by(d.c.campaign_id, d.c.currency)
    if campaign_ids is not None:
        stmt = stmt.where(c.c.id.in_(list(campaign_ids)))
        won_stmt = won_stmt.where(d.c.campaign_id.in_(list(campaign_ids)))
    won: dict[int, list[Amount]] = {}
    for campaign_id, code, total in conn.execute(won_stmt):
        won.setdefault(campaign_id, []).append(Amount(int(total), code))
    found = []
    for (id_, name, channel, started, ended, cost, code, n, *counts) in conn.execute(stmt):
        kinds, (responded, opened, won_count) = counts[:len(RESPONSE_KINDS)], counts[len(RESPONSE_KINDS):]
        found.append(CampaignFigures(id_, name, channel, status_of(started, ended), int(n),
                                     {k: int(v) for k, v in zip(RESPONSE_KINDS, kinds)}, int(responded), int(opened),
                                     int(won_count), tuple(won.get(id_, ())),
                                     Amount(cost, code) if cost is not None else None))
    return found


def _rounded(value: Decimal | None, places: str = "0.1") -> str | None:
    return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP)) if value is not None else None


def percent_text(value: Decimal | None) -> str:
    """A rate for people: `30 %`, `33.3 %`, `-100 %`; "" when there is none."""
    if value is None:
        return ""
    shown = _rounded(value)
    return f"{shown[:-2] if shown.endswith('.0') else shown} %"  # type: ignore[index,union-attr]


def _money(value: Amount | None) -> str | None:
    """An amount for scripts, rounded to its currency's decimals (a cost per response may not divide)."""
    if value is None:
        return None
    return Amount(int(Decimal(value.minor).quantize(Decimal(1), rounding=ROUND_HALF_UP)), value.code).plain()


def report_rows(figures: Sequence[CampaignFigures]) -> Rows:
    """The report for every machine format: one row per campaign. `won_value` lists `2000.00 EUR`
    per currency; rates in percent with one decimal; costs in the cost's currency."""
    def shaped(f: CampaignFigures) -> tuple[Any, ...]:
        return (f.id, f.name, f.channel, f.status, f.members, *(f.responses[k] for k in RESPONSE_KINDS), f.responders,
                _rounded(f.response_rate), f.deals_opened, f.deals_won,
                LIST_SEPARATOR.join(f"{a.plain()} {a.code}" for a in f.won), _money(f.cost),
                f.cost.code if f.cost is not None else None, _money(f.cost_per_response), _money(f.cost_per_won_deal),
                _rounded(f.return_on_cost))

    return Rows(REPORT_COLUMNS, [shaped(f) for f in figures], list_columns=frozenset({"won_value"}),
                table_columns=("id", "name", "members", "replied", "meeting", "unsubscribed", "bounced",
                               "response_rate", "deals_opened", "deals_won", "won_value", "cost",
                               "cost_per_response", "cost_per_won_deal", "return_on_cost"))
