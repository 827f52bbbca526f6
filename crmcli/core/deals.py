"""Deals: money that may come in, moving through stages. Every stage change is kept (stage history),
with its time; it shows on the timeline of each contact on the deal.

A deal's value is integer minor units of its currency (see money.py). Its status (open, won, lost)
is stored with its stage, so listings and reports stay right even if the stages are renamed later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from crmcli.core import money, refs
from crmcli.core.identity import new_owner, owned_by, owner_name
from crmcli.core.models import DEAL_CONTACT, STAGE_CHANGE, Campaign, Contact, Deal, Organization, utcnow
from crmcli.core.rows import Rows
from crmcli.core.stages import DEFAULT as DEFAULT_STAGES
from crmcli.core.stages import Stage, Stages
from crmcli.core.text import fold
from crmcli.errors import Conflict, Invalid, NotFound


def label(deal: Deal) -> str:
    return f"#{deal.id} {deal.name}"


def resolve(session: Session, ref: str) -> Deal:
    """A deal by id or a unique (case- and accent-insensitive) part of its name."""
    return refs.resolve(session, Deal, ref, "deal", label)


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Invalid("a deal needs a name, e.g. \"Website redesign\"")
    return cleaned


def check_probability(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 100:
        raise Invalid(f"a probability is a percentage from 0 to 100, not {value}")
    return value


class DealSettings(Protocol):
    """What a deal takes from the settings where it does not say (crmcli.config.Settings is one).
    Read only when needed, so a broken setting stops only the deals that use it."""

    @property
    def currency(self) -> str | None: ...
    @property
    def money_locale(self) -> str | None: ...
    @property
    def owner_me(self) -> str: ...
    @property
    def stages(self) -> Stages: ...


@dataclass(frozen=True)
class DealDefaults:
    """Settings given as plain values (tests, and callers without settings): by default no
    currency, amounts written with a decimal point, the default stages, "me" is the login name."""

    currency: str | None = None
    money_locale: str | None = None
    me: str | None = None
    stages: Stages = DEFAULT_STAGES

    @property
    def owner_me(self) -> str:
        import getpass

        return self.me or getpass.getuser()


def amount(value: int | str, code: str | None, settings: DealSettings, *,
           locale: str | None = None, otherwise: str | None = None) -> tuple[int, str]:
    """(minor units, currency) of a deal's value: in `code`, else the currency the amount is written
    with ("2000 EUR", "EUR 2000"), else `otherwise` (an edited deal's own), else the currency
    setting; an amount as typed ("12.000,50") is
    read in `locale` (checked), else the locale setting. Deals, a segment's won value and a
    campaign's cost all read an amount here."""
    written = None
    if isinstance(value, str):
        value, written = split_currency(value)
    if written and (code or "").strip() and money.currency(code or "") != written:
        raise Invalid(f"the amount says {written} but the currency given is {money.currency(code or '')}: "
                      "write one of them")
    chosen = (code or "").strip() or written or otherwise or settings.currency
    if not chosen:
        raise Invalid("which currency? none is given and no default currency is set", hint="currency")
    code = money.currency(chosen)
    if isinstance(value, int):
        return value, code
    read_in = money.locale_name(locale) if locale is not None else settings.money_locale
    return money.parse(value, code, locale=read_in), code


def split_currency(text: str) -> tuple[str, str | None]:
    """"2000 EUR" or "EUR 2000" -> ("2000", "EUR"); "2000" -> ("2000", None). A three-letter word
    at either end is taken for a currency code and must be a known one ("2000 EUX" is refused)."""
    words = text.split()
    if len(words) >= 2:
        for word, rest in ((words[-1], words[:-1]), (words[0], words[1:])):
            if len(word) == 3 and word.isalpha():
                return " ".join(rest), money.currency(word)
    return text, None


@dataclass
class NewDeal:
    """A deal to add. What it leaves out comes from the settings (see `add`)."""

    name: str
    value: int | str = 0          # minor units, or an amount as typed ("12,000.50"), read in `locale`
    currency: str | None = None   # None: the currency setting
    stage: Stage | None = None    # None: the first open stage
    contacts: list[Contact] = field(default_factory=list)
    org: Organization | None = None  # None: the first contact's organisation, if it has one
    close_on: date | None = None
    probability: int | None = None
    owner: str | None = None      # a name, "me" (whoever the settings say you are) or "" (nobody); None: you
    note: str | None = None
    locale: str | None = None     # how `value` is written; None: the locale setting
    campaign: Campaign | None = None  # the campaign it came from (its report counts it)


def add(session: Session, new: NewDeal, settings: DealSettings | None = None) -> Deal:
    """Add a deal; the CLI and the TUI get the same defaults: the currency and locale settings,
    the first open stage, the first contact's organisation (the customer), you (who adds it) as owner."""
    chosen = settings if settings is not None else DealDefaults()
    name = check_name(new.name)
    stage = new.stage or chosen.stages.open[0]  # a broken stages setting is said before the amount typed
    minor, code = amount(new.value, new.currency, chosen, locale=new.locale)
    org = new.org
    if org is None and new.contacts and new.contacts[0].org_id is not None:
        org = session.get(Organization, new.contacts[0].org_id)
    now = utcnow()
    deal = Deal(name=name, name_key=fold(name), org_id=org.id if org else None,
                value_minor=minor, currency=code, stage=stage.name,
                status=stage.outcome, probability=check_probability(new.probability), close_on=new.close_on,
                owner=new_owner(new.owner, lambda: chosen.owner_me), note=(new.note or "").strip() or None,
                stage_changed_at=now, closed_at=now if stage.outcome != "open" else None,
                created_at=now, updated_at=now, campaign_id=new.campaign.id if new.campaign is not None else None)
    session.add(deal)
    session.flush()
    _record(session, deal, None, stage, now)
    link(session, deal, new.contacts)  # which also works out its last activity
    return deal


def _record(session: Session, deal: Deal, before: str | None, after: Stage, at: datetime) -> None:
    """One line of stage history; the caller moves the deal's `stage_changed_at` with it (rotting reads it)."""
    session.execute(sa.insert(STAGE_CHANGE).values(deal_id=deal.id, from_stage=before, to_stage=after.name,
                                                   outcome=after.outcome, changed_at=at))


def check_reason(reason: str) -> str:
    """Why a deal was lost; a reason given empty is refused (the TUI checks it as the user types)."""
    if not reason.strip():
        raise Invalid("an empty reason says nothing: say why the deal was lost (price, timing...) or give none")
    return reason.strip()


def move(session: Session, deal: Deal, stage: Stage, *, reason: str | None = None) -> Deal:
    """Change stage (won and lost are stages too); recorded in the history with its time."""
    if deal.stage == stage.name:
        raise Conflict(f"deal {label(deal)} is already in {stage.name}; nothing changed")
    if reason is not None and stage.outcome != "lost":
        raise Invalid("only a lost deal has a reason", hint="reason")
    if reason is not None:
        check_reason(reason)
    now = utcnow()
    _record(session, deal, deal.stage, stage, now)
    deal.stage, deal.status, deal.stage_changed_at, deal.updated_at = stage.name, stage.outcome, now, now
    deal.closed_at = now if stage.outcome != "open" else None
    deal.lost_reason = ((reason or "").strip() or None) if stage.outcome == "lost" else None
    session.add(deal)
    session.flush()
    refresh_activity(session, deal_ids=[deal.id])  # type: ignore[list-item]
    return deal


def link(session: Session, deal: Deal, contacts: Sequence[Contact]) -> list[Contact]:
    """Put contacts on a deal; returns those that were not on it yet."""
    present = set(contact_ids(session, deal))
    fresh = list({c.id: c for c in contacts if c.id not in present}.values())
    if fresh:
        session.execute(sa.insert(DEAL_CONTACT), [{"deal_id": deal.id, "contact_id": c.id} for c in fresh])
    refresh_activity(session, deal_ids=[deal.id])  # type: ignore[list-item]
    return fresh


def unlink(session: Session, deal: Deal, contacts: Sequence[Contact]) -> None:
    present = set(contact_ids(session, deal))
    for contact in contacts:
        if contact.id not in present:
            raise NotFound(f"{contact.name} is not on deal {label(deal)}")
    session.execute(sa.delete(DEAL_CONTACT).where(DEAL_CONTACT.c.deal_id == deal.id,
                                                  DEAL_CONTACT.c.contact_id.in_([c.id for c in contacts])))
    refresh_activity(session, deal_ids=[deal.id])  # type: ignore[list-item]


def contact_ids(session: Session, deal: Deal) -> list[int]:
    return list(session.scalars(sa.select(DEAL_CONTACT.c.contact_id).where(DEAL_CONTACT.c.deal_id == deal.id)))


def of_contact(session: Session, contact_id: int) -> list[tuple[int, str]]:
    """(id, name) of the deals a contact is on: what deleting the contact would unlink."""
    d = Deal.__table__
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        sa.select(d.c.id, d.c.name).join(DEAL_CONTACT, DEAL_CONTACT.c.deal_id == d.c.id)
        .where(DEAL_CONTACT.c.contact_id == contact_id).order_by(d.c.id))]


def of_org(session: Session, org_id: int) -> list[tuple[int, str]]:
    """(id, name) of an organisation's deals: what deleting the organisation would unlink."""
    d = Deal.__table__
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        sa.select(d.c.id, d.c.name).where(d.c.org_id == org_id).order_by(d.c.id))]


@dataclass
class DealChanges:
    name: str | None = None
    value: int | str | None = None  # minor units, or an amount as typed, read in `locale`
    currency: str | None = None     # without a value: only to a currency with as many decimals
    locale: str | None = None
    close_on: date | None = None
    clear_close: bool = False
    probability: int | None = None
    clear_probability: bool = False
    owner: str | None = None  # "" clears
    org: Organization | None = None
    clear_org: bool = False
    note: str | None = None   # "" clears
    add_contacts: list[Contact] = field(default_factory=list)
    remove_contacts: list[Contact] = field(default_factory=list)
    campaign: Campaign | None = None
    clear_campaign: bool = False


def edit(session: Session, deal: Deal, changes: DealChanges, settings: DealSettings | None = None) -> Deal:
    """Change a deal; a value is read in its new currency, or its own. A currency with other
    decimals needs the value again (100 EUR cents are not 100 JPY), and "me" as owner is you."""
    chosen = settings if settings is not None else DealDefaults()
    if changes.value is not None or changes.currency is not None:
        code = money.currency(changes.currency) if changes.currency else deal.currency
        if changes.value is None and money.MINOR_DIGITS[code] != money.MINOR_DIGITS[deal.currency]:
            raise Invalid(f"{deal.currency} and {code} have different decimals: the value must be given again "
                          f"in {code}", hint="value_with_currency")
        if changes.value is not None:
            # a value written with its currency ("3000 GBP") sets it, unless --currency says otherwise
            deal.value_minor, code = amount(changes.value, changes.currency, chosen, locale=changes.locale,
                                            otherwise=code)
        deal.currency = code
    if changes.name is not None:
        deal.name = check_name(changes.name)
        deal.name_key = fold(deal.name)
    if changes.clear_close or changes.close_on is not None:
        deal.close_on = None if changes.clear_close else changes.close_on
    if changes.clear_probability or changes.probability is not None:
        deal.probability = None if changes.clear_probability else check_probability(changes.probability)
    if changes.owner is not None:
        deal.owner = owner_name(changes.owner, lambda: chosen.owner_me)
    if changes.clear_org or changes.org is not None:
        deal.org_id = None if changes.clear_org else changes.org.id  # type: ignore[union-attr]
    if changes.note is not None:
        deal.note = changes.note.strip() or None
    if changes.clear_campaign or changes.campaign is not None:
        deal.campaign_id = None if changes.clear_campaign else changes.campaign.id  # type: ignore[union-attr]
    unlink(session, deal, changes.remove_contacts) if changes.remove_contacts else None
    link(session, deal, changes.add_contacts)
    deal.updated_at = utcnow()
    session.add(deal)
    session.flush()
    return deal


def remove(session: Session, deal: Deal) -> None:
    """Delete a deal with its stage history and contact links; follow-ups on it stay, unlinked."""
    session.delete(deal)
    session.flush()


# -- reading -------------------------------------------------------------------------------------

DEAL_COLUMNS = ("id", "uid", "name", "stage", "status", "probability", "value", "value_minor", "currency",
                "weighted", "close", "org_id", "org", "contacts", "owner", "lost_reason", "note",
                "stage_changed", "closed", "created", "updated")
UID_COLUMNS = ("org_uid", "contact_uids")  # with `uids`: the org and contacts by uid, as `contacts` (exports)


def probability_expression(stages: Stages, deal: Any) -> Any:
    """A deal's win probability in SQL: 100 when won, 0 when lost, else its own or its stage's (0 for
    a stage no longer configured)."""
    by_stage = sa.case({s.name: s.probability for s in stages.all}, value=deal.c.stage, else_=0)
    return sa.case((deal.c.status == "won", 100), (deal.c.status == "lost", 0),
                   else_=sa.func.coalesce(deal.c.probability, by_stage))


def contact_names(deal: Any) -> Any:
    """The names on a deal, joined in one cell (JSON shows a list)."""
    from crmcli.core.names import contact_names as linked

    return linked(DEAL_CONTACT, "deal_id", deal)


@dataclass
class DealFilter:
    status: str | None = "open"  # open, won, lost; None = all
    stage: str | None = None
    contact_id: int | None = None
    org_id: int | None = None
    closing_before: date | None = None
    owner: str | None = None  # only this owner's deals; "" only those nobody owns (identity.owner_filter)
    rotting_at: datetime | None = None  # only deals rotting at this moment
    ids: Sequence[int] | None = None


def rows(conn: Connection, stages: Stages, where: DealFilter, *, limit: int | None = None,
         uids: bool = False) -> Rows:
    """Deals, most valuable weighted first within each stage, stages in pipeline order.
    `uids`: also UID_COLUMNS, the references an import matches on (exports)."""
    from crmcli.storage.sql import iso_utc

    d, o = Deal.__table__, Organization.__table__
    prob = probability_expression(stages, d)
    order = sa.case({s.name: i for i, s in enumerate(stages.all)}, value=d.c.stage, else_=len(stages.all))
    stmt = sa.select(d.c.id, d.c.uid, d.c.name, d.c.stage, d.c.status, prob, d.c.value_minor, d.c.currency,
                     d.c.close_on, d.c.org_id, o.c.name, contact_names(d), d.c.owner, d.c.lost_reason, d.c.note,
                     iso_utc(d.c.stage_changed_at), iso_utc(d.c.closed_at), iso_utc(d.c.created_at),
                     iso_utc(d.c.updated_at)) \
        .select_from(d.outerjoin(o, o.c.id == d.c.org_id)) \
        .order_by(order, (d.c.value_minor * prob).desc(), d.c.id)
    if uids:
        from crmcli.core.names import contact_uids

        stmt = stmt.add_columns(o.c.uid, contact_uids(DEAL_CONTACT, "deal_id", d))
    stmt = _filtered(stmt, d, stages, where)
    if limit is not None:
        stmt = stmt.limit(limit)

    def shaped() -> Any:
        for (did, uid, name, stage, status, p, minor, code, close, org_id, org, names, owner, reason, note,
             changed, closed, created, updated, *references) in conn.execute(stmt):
            yield (did, uid, name, stage, status, p, money.Amount(minor, code).plain(), minor, code,
                   money.Amount(money.weighted(minor, p), code).plain(), _day(close), org_id, org, names, owner,
                   reason, note, changed, closed, created, updated, *references)

    return Rows(DEAL_COLUMNS + (UID_COLUMNS if uids else ()), shaped(),
                list_columns=frozenset({"contacts", "contact_uids"}),
                time_columns=frozenset({"stage_changed", "closed", "created", "updated"}),
                table_columns=("id", "name", "stage", "probability", "value", "currency", "close", "org",
                               "contacts"))


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def _filtered(stmt: Any, d: Any, stages: Stages, where: DealFilter) -> Any:
    if where.ids is not None:
        return stmt.where(d.c.id.in_(list(where.ids)))
    if where.status is not None:
        stmt = stmt.where(d.c.status == where.status)
    if where.stage is not None:
        stmt = stmt.where(d.c.stage == where.stage)
    if where.contact_id is not None:
        stmt = stmt.where(d.c.id.in_(sa.select(DEAL_CONTACT.c.deal_id)
                                     .where(DEAL_CONTACT.c.contact_id == where.contact_id)))
    if where.org_id is not None:
        stmt = stmt.where(d.c.org_id == where.org_id)
    if where.closing_before is not None:
        stmt = stmt.where(d.c.close_on < where.closing_before)
    stmt = stmt.where(*owned_by(d.c.owner, where.owner))
    if where.rotting_at is not None:
        stmt = stmt.where(d.c.status == "open", rotting_expression(stages, d, where.rotting_at))
    return stmt


def activity_expression(deal: Any) -> Any:
    """When a deal last moved, worked out: its last stage change, or its contacts' last interaction
    if later (each contact keeps that time): what `deal.last_activity_at` keeps a copy of."""
    from crmcli.storage.sql import greatest

    c = Contact.__table__
    talked = sa.select(sa.func.max(c.c.last_contact_at)) \
        .select_from(DEAL_CONTACT.join(c, c.c.id == DEAL_CONTACT.c.contact_id)) \
        .where(DEAL_CONTACT.c.deal_id == deal.c.id).correlate(deal).scalar_subquery()
    return greatest(deal.c.stage_changed_at, sa.func.coalesce(talked, deal.c.stage_changed_at))


def refresh_activity(session: Session | Connection, *, deal_ids: Sequence[int] | None = None,
                     contact_ids: Sequence[int] | None = None) -> None:
    """Write `last_activity_at` again: for these deals, the deals of these contacts (after their
    last contact was refreshed), or, given neither, every deal."""
    from crmcli.storage.sql import lock_in_order

    d = Deal.__table__
    stmt = sa.update(d).values(last_activity_at=activity_expression(d))
    which = None
    if deal_ids is not None:
        which = d.c.id.in_(list(deal_ids))
    elif contact_ids is not None:
        which = d.c.id.in_(sa.select(DEAL_CONTACT.c.deal_id)
                           .where(DEAL_CONTACT.c.contact_id.in_(list(contact_ids))))
    if [] in (deal_ids, contact_ids):
        return  # none named: nothing to write
    if which is not None:
        stmt = stmt.where(which)
        lock_in_order(session.connection() if isinstance(session, Session) else session, d, which)
    session.execute(stmt)


def rotting_expression(stages: Stages, deal: Any, as_of: datetime) -> Any:
    """True for an open deal quiet for longer than its stage's rot days: its last activity (kept on
    the deal) is before its stage's cut-off. One comparison per deal."""
    from datetime import UTC, timedelta

    cutoffs = {s.name: (as_of - timedelta(days=s.rot_days)).astimezone(UTC)  # type: ignore[arg-type]
               for s in stages.open}
    if not cutoffs:
        return sa.false()
    cutoff = sa.case({name: sa.literal(at, sa.DateTime(timezone=True)) for name, at in cutoffs.items()},
                     value=deal.c.stage, else_=None)
    return deal.c.last_activity_at < cutoff


def drifted_activity(conn: Connection) -> int:
    """Deals whose `last_activity_at` differs from what their stage history and contacts say (should be none)."""
    d = Deal.__table__
    worked_out = activity_expression(d)
    return int(conn.execute(sa.select(sa.func.count()).select_from(d)
                            .where(sa.or_(d.c.last_activity_at != worked_out, d.c.last_activity_at.is_(None))))
               .scalar() or 0)


def drifted_stage_times(conn: Connection) -> int:
    """Deals whose `stage_changed_at` differs from their history's last change (should be none)."""
    d, s = Deal.__table__, STAGE_CHANGE
    last = sa.select(sa.func.max(s.c.changed_at)).where(s.c.deal_id == d.c.id).scalar_subquery()
    return int(conn.execute(sa.select(sa.func.count()).select_from(d).where(d.c.stage_changed_at != last))
               .scalar() or 0)


HISTORY_COLUMNS = ("deal_id", "changed", "from_stage", "to_stage")


def history(conn: Connection, deal_id: int) -> Rows:
    from crmcli.storage.sql import iso_utc

    s = STAGE_CHANGE
    stmt = sa.select(s.c.deal_id, iso_utc(s.c.changed_at), s.c.from_stage, s.c.to_stage) \
        .where(s.c.deal_id == deal_id).order_by(s.c.changed_at, s.c.id)
    return Rows(HISTORY_COLUMNS, conn.execute(stmt).all(), time_columns=frozenset({"changed"}))


@dataclass(frozen=True)
class StageStep:
    at: str                 # ISO 8601 UTC
    from_stage: str | None  # None: the deal was added in `to_stage`
    to_stage: str


@dataclass(frozen=True)
class DealDetail:
    """Everything a deal's card shows, as plain values that outlive the transaction."""

    id: int
    uid: str
    name: str
    stage: str
    status: str                  # open, won or lost
    probability: int             # as it counts: its own or its stage's while open; 100 won, 0 lost
    own_probability: bool        # an open deal's own probability, not its stage's
    value: money.Amount
    weighted: money.Amount
    close: str | None            # the expected close day, YYYY-MM-DD
    org_id: int | None
    org: str | None
    contacts: tuple[str, ...]
    owner: str | None
    lost_reason: str | None
    note: str | None
    closed: str | None           # ISO 8601 UTC, like created and updated
    created: str
    updated: str
    history: tuple[StageStep, ...]  # oldest first
    campaign: str | None = None  # the campaign it came from: "#3 Spring offer"

    @property
    def stage_shown(self) -> str:
        """The stage, with its outcome where the name does not say it: "signed (won)"."""
        return self.stage if self.status in ("open", self.stage) else f"{self.stage} ({self.status})"


def detail(session: Session, stages: Stages, deal_id: int) -> DealDetail:
    """One deal in full with its stage history: the listing's row (one probability rule) plus the
    deal's own probability and its steps."""
    from crmcli.core.rows import LIST_SEPARATOR

    deal = refs.by_id(session, Deal, deal_id, "a deal")
    conn = session.connection()
    row = next(rows(conn, stages, DealFilter(ids=[deal_id])).records())
    minor, code, percent = row.value_minor, row.currency, row.probability
    return DealDetail(
        id=deal_id, uid=row.uid, name=row.name, stage=row.stage, status=row.status, probability=percent,
        own_probability=deal.probability is not None and row.status == "open",
        value=money.Amount(minor, code), weighted=money.Amount(money.weighted(minor, percent), code),
        close=row.close, org_id=row.org_id, org=row.org,
        contacts=tuple(row.contacts.split(LIST_SEPARATOR)) if row.contacts else (),
        owner=row.owner, lost_reason=row.lost_reason, note=row.note, closed=row.closed,
        created=row.created, updated=row.updated,
        history=tuple(StageStep(s.changed, s.from_stage, s.to_stage) for s in history(conn, deal_id).records()),
        campaign=_campaign_label(session, deal.campaign_id))


def _campaign_label(session: Session, campaign_id: int | None) -> str | None:
    found = session.get(Campaign, campaign_id) if campaign_id is not None else None
    return f"#{found.id} {found.name}" if found is not None else None
