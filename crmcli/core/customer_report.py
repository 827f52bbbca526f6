"""Customer analytics (`crm report customers`): per contact, or per organisation, the lifetime won
value, how often they are in touch, how long since the last contact and the last won deal, an RFM
score and segment, and a churn-risk flag with its reason. Every figure is aggregated in SQL (one
statement: GROUP BY and window functions); Python only turns the page's rows into text.

Rules (README, "Customer analytics"):
- Won value: the won deals a contact is linked to (deal_contact); an organisation's are the deals
  of that organisation, or, for a deal without one, of its first linked contact's organisation.
  Summed per currency, never across currencies. The main currency is the `currency` setting, else
  the most common currency among won deals (ties: the first code alphabetically).
- R, F, M: 1 to 5 by quintile, each among the subjects that have the figure: R by the last contact
  (never contacted: R 1), F by the interactions in the window (none: F 1), M by won value, ranked
  within each currency, the best of a subject's currencies (nothing won: M 1). A quintile by rank:
  score = ceil(5 k / n), k = how many of the n ranked have a figure at most this one's, so equal
  figures share a score and the best always scores 5 (NTILE would split ties by id).
- Segment, the first rule that holds: SEGMENT_RULES.
- Churn risk: the interactions of the last 90 days, a month's worth, fell below half the monthly rate
  of the 275 days before them; or the keep-in-touch cadence is overdue (core/cadence.py; never for a
  contact marked do not contact, as in reminders). Do-not-contact contacts are kept (their won value
  is real) and flagged in every format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core import cadence
from crmcli.core.models import DEAL_CONTACT, INTERACTION_CONTACT, Contact, Deal, Organization
from crmcli.core.money import Amount
from crmcli.core.rows import LIST_SEPARATOR, Rows

WINDOW_DAYS = 365  # interactions per month and F count over the last 12 months unless told `since`
RECENT_DAYS, BEFORE_DAYS = 90, 365  # churn: the last 90 days against the 275 before them
MONTH_DAYS = 30  # a month of interactions is 30 days, as in a cadence
ORDERS = ("value", "recency", "frequency", "rfm", "churn")
# (segment, rule for people): checked in this order, the first that holds names the segment.
SEGMENT_RULES = (
    ("champions", "R >= 4 and F >= 4 and M >= 4"),
    ("loyal", "F >= 4"),
    ("at risk", "R <= 2 and (F >= 3 or M >= 3)"),
    ("hibernating", "R <= 2 and F <= 2"),
    ("new", "R >= 4 and F <= 2"),
    ("needs attention", "every other"),
)
COLUMNS = ("id", "name", "org", "do_not_contact", "currency", "won_value", "won_other", "won_deals",
           "interactions", "per_month", "last_contact", "days_since_contact", "last_won", "days_since_won",
           "r", "f", "m", "rfm", "segment", "churn", "recent_per_month", "before_per_month", "cadence_days",
           "overdue_days", "reason")


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    org: str | None               # the contact's organisation (None for an organisation's row)
    do_not_contact: bool          # an organisation: every one of its contacts is
    currency: str | None          # the main currency (None: no setting and nothing won)
    won_value: Amount | None      # won in the main currency
    won_other: tuple[Amount, ...]  # won in other currencies, by code
    won_deals: int
    interactions: int             # in the window
    per_month: Decimal            # interactions in the window per 30 days, one decimal
    last_contact: datetime | None
    days_since_contact: int | None
    last_won: datetime | None
    days_since_won: int | None
    r: int
    f: int
    m: int
    segment: str
    churn: bool
    falling: bool                 # churn: the interactions fell (else, if churn, the cadence alone)
    recent_per_month: Decimal     # the last 90 days
    before_per_month: Decimal     # the 275 days before them
    cadence_days: int | None      # a contact's cadence (an organisation: None)
    overdue_days: int | None      # days past the cadence (an organisation: its most overdue contact's)
    top: bool                     # among the first `limit` in the chosen order
    reason: str                   # why the churn flag is set ("" when it is not)

    @property
    def rfm(self) -> str:
        return f"{self.r}{self.f}{self.m}"


@dataclass(frozen=True)
class CustomerReport:
    now: datetime
    since: datetime
    orgs: bool
    by: str
    currency: str | None
    customers: tuple[Customer, ...]  # the top ones in `by` order, and those slipping away asked for
    total: int = 0                   # contacts (organisations) in the report, shown or not
    churned: int = 0                 # of them flagged for churn

    @property
    def top(self) -> tuple[Customer, ...]:
        return tuple(c for c in self.customers if c.top)

    @property
    def slipping(self) -> tuple[Customer, ...]:
        """Flagged for churn, the most valuable first."""
        return tuple(sorted((c for c in self.customers if c.churn), key=_value_first))

    def rows(self) -> Rows:
        """One row per subject with every metric, in `by` order (README: the fields)."""
        return Rows(COLUMNS, (_flat(c) for c in self.customers if c.top),
                    list_columns=frozenset({"won_other"}), time_columns=frozenset({"last_contact", "last_won"}))


def _value_first(c: Customer) -> tuple[Any, ...]:
    return (-(c.won_value.minor if c.won_value else -1), -c.m, c.id)


def _flat(c: Customer) -> tuple[Any, ...]:
    return (c.id, c.name, c.org, c.do_not_contact, c.currency, c.won_value,
            LIST_SEPARATOR.join(str(a) + f" {a.code}" for a in c.won_other) or None, c.won_deals,
            c.interactions, c.per_month, _iso(c.last_contact), c.days_since_contact, _iso(c.last_won),
            c.days_since_won, c.r, c.f, c.m, c.rfm, c.segment, c.churn, c.recent_per_month, c.before_per_month,
            c.cadence_days, c.overdue_days, c.reason)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def main_currency(conn: Connection, setting: str | None) -> str | None:
    """The `currency` setting, else the currency most won deals are in (ties: alphabetical)."""
    if setting:
        return setting
    d = Deal.__table__  # type: ignore[attr-defined]
    return conn.execute(sa.select(d.c.currency).where(d.c.status == "won").group_by(d.c.currency)
                        .order_by(sa.func.count().desc(), d.c.currency).limit(1)).scalar()


def report(conn: Connection, now: datetime, *, since: datetime | None = None, orgs: bool = False,
           by: str = "value", limit: int | None = None, slipping: int = 0,
           currency: str | None = None) -> CustomerReport:
    """The report as of `now` (aware). `since`: the start of the window interactions are counted in
    (None: WINDOW_DAYS before `now`). `limit`: how many in `by` order (None: all); `slipping`: how
    many of those flagged for churn come too, the most valuable first, beyond the `limit` (the table
    view's second list). `currency`: the setting (None: main_currency's choice)."""
    if by not in ORDERS:
        from crmcli.errors import Invalid

        raise Invalid(f"cannot order customers by {by!r}; choose one of: {', '.join(ORDERS)}")
    now = now.astimezone(UTC)
    start = since.astimezone(UTC) if since is not None else now - timedelta(days=WINDOW_DAYS)
    if start >= now:
        from crmcli.errors import Invalid

        raise Invalid(f"the window must start before now, not at {start:%Y-%m-%d %H:%M} UTC")
    main = main_currency(conn, currency)
    stmt = _statement(now, start, orgs, by, limit, slipping, main)
    window = Decimal((now - start).total_seconds()) / 86400
    rows = conn.execute(stmt).all()
    found = tuple(_customer(row, now, window, main, limit) for row in rows)
    total, churned = (int(rows[0].total), int(rows[0].churned)) if rows else (0, 0)
    return CustomerReport(now, start, orgs, by, main, found, total, churned)


def _at(moment: datetime) -> Any:
    return sa.literal(moment, sa.DateTime(timezone=True))


def _quintile(value: Any, unscored: Any, *, partition: Any = None) -> Any:
    """1 to 5: ceil(5 k / n) among the n rows where `unscored` does not hold, k = those with a
    `value` at most this one's (the default window frame takes in equal values: ties share a score);
    1 where it holds. The unscored must sort first by `value` (NULL first, or the lowest): then k
    is the count up to here less theirs, and one sort serves, as does one pass for both totals."""
    parts = [partition] if partition is not None else None
    up_to = sa.func.count().over(partition_by=parts, order_by=value.asc().nulls_first())
    left_out = sa.func.sum(sa.case((unscored, 1), else_=0)).over(partition_by=parts)
    k, n = up_to - left_out, sa.func.count().over(partition_by=parts) - left_out
    return sa.case((unscored, 1), else_=(5 * k + n - 1) // n)


def _statement(now: datetime, start: datetime, orgs: bool, by: str, limit: int | None, slipping: int,
               main: str | None) -> Any:
    c, o, d = Contact.__table__, Organization.__table__, Deal.__table__  # type: ignore[attr-defined]
    ic, dc = INTERACTION_CONTACT, DEAL_CONTACT
    recent, before = now - timedelta(days=RECENT_DAYS), now - timedelta(days=BEFORE_DAYS)
    t = ic.c.occurred_at

    def within(low: datetime, high: datetime, *, strict: bool = True) -> Any:
        return sa.and_(t > _at(low) if strict else t >= _at(low), t <= _at(high))

    def counted(cond: Any) -> Any:  # a contact's link rows are its interactions, once each
        return sa.func.sum(sa.case((cond, 1), else_=0)) if not orgs else \
            sa.func.count(sa.distinct(sa.case((cond, ic.c.interaction_id))))

    # Interactions: in the window, the last 90 days, the 275 days before them.
    member = c.c.org_id if orgs else ic.c.contact_id
    acts = sa.select(member.label("who"), counted(within(start, now, strict=False)).label("n_window"),
                     counted(within(recent, now)).label("n_recent"),
                     counted(within(before, recent)).label("n_before")) \
        .where(t >= _at(min(start, before)), t <= _at(now))
    acts = (acts.select_from(ic.join(c, c.c.id == ic.c.contact_id)).where(c.c.org_id.is_not(None)) if orgs
            else acts).group_by(member).cte("acts")

    # Won deals per subject and currency, M ranked within each currency.
    if orgs:
        first_org = sa.select(sa.func.min(c.c.org_id)).select_from(dc.join(c, c.c.id == dc.c.contact_id)) \
            .where(dc.c.deal_id == d.c.id).scalar_subquery()
        owner = sa.func.coalesce(d.c.org_id, first_org)
        won_base = sa.select(owner.label("who"), d.c.currency, d.c.value_minor, d.c.closed_at) \
            .where(d.c.status == "won").subquery()
    else:
        won_base = sa.select(dc.c.contact_id.label("who"), d.c.currency, d.c.value_minor, d.c.closed_at) \
            .select_from(d.join(dc, dc.c.deal_id == d.c.id)).where(d.c.status == "won").subquery()
    per_currency = sa.select(won_base.c.who, won_base.c.currency, sa.func.sum(won_base.c.value_minor).label("total"),
                             sa.func.count().label("deals"), sa.func.max(won_base.c.closed_at).label("last")) \
        .where(won_base.c.who.is_not(None)).group_by(won_base.c.who, won_base.c.currency).subquery()
    scored = sa.select(per_currency, _quintile(per_currency.c.total, sa.false(), partition=per_currency.c.currency)
                       .label("m")).subquery()
    is_main = scored.c.currency == sa.literal(main) if main else sa.false()
    other = scored.c.currency + " " + sa.cast(scored.c.total, sa.String)
    won = sa.select(scored.c.who, sa.func.max(scored.c.m).label("m"), sa.func.sum(scored.c.deals).label("deals"),
                    sa.func.max(scored.c.last).label("last_won"),
                    sa.func.sum(sa.case((is_main, scored.c.total))).label("main_total"),
                    sa.func.aggregate_strings(sa.case((sa.not_(is_main), other)), ";").label("other")) \
        .group_by(scored.c.who).cte("won")

    # The subjects, narrow: the window functions below sort every row they carry, so names and
    # texts join the page's rows at the end (on 100,000 contacts, half the time).
    over = sa.case((sa.and_(c.c.cadence_days.is_not(None), c.c.do_not_contact_at.is_(None)),
                    cadence.days_over(c.c.last_contact_at, c.c.created_at, c.c.cadence_days, now)))
    if orgs:
        subject = sa.select(o.c.id.label("id"), sa.func.max(c.c.last_contact_at).label("last_contact"),
                            sa.func.max(over).label("over"),
                            sa.func.min(sa.case((c.c.do_not_contact_at.is_(None), 0), else_=1)).label("dnc")) \
            .select_from(o.outerjoin(c, c.c.org_id == o.c.id)).group_by(o.c.id).cte("subject")
    else:
        subject = sa.select(c.c.id.label("id"), c.c.last_contact_at.label("last_contact"), over.label("over"),
                            sa.case((c.c.do_not_contact_at.is_(None), 0), else_=1).label("dnc")).cte("subject")
    s = subject
    n_window = sa.func.coalesce(acts.c.n_window, 0)
    n_recent, n_before = sa.func.coalesce(acts.c.n_recent, 0), sa.func.coalesce(acts.c.n_before, 0)
    # The last 90 days' monthly rate below half of the 275 days' before: n_recent/90 < n_before/275/2.
    falling = sa.case((550 * n_recent < 90 * n_before, 1), else_=0)
    churn = sa.case((sa.or_(550 * n_recent < 90 * n_before, sa.func.coalesce(s.c.over, 0) > 0), 1), else_=0)
    x = sa.select(
        s.c.id, s.c.last_contact, n_window.label("n_window"), won.c.main_total,
        _quintile(s.c.last_contact, s.c.last_contact.is_(None)).label("r"),
        _quintile(n_window, n_window == 0).label("f"),
        sa.func.coalesce(won.c.m, 1).label("m"), falling.label("falling"), churn.label("churn"),
    ).select_from(s.outerjoin(acts, acts.c.who == s.c.id).outerjoin(won, won.c.who == s.c.id)).subquery()

    value = sa.func.coalesce(x.c.main_total, -1)
    orders = {
        "value": (value.desc(), x.c.m.desc()),
        "recency": (x.c.last_contact.is_(None), x.c.last_contact.desc()),
        "frequency": (x.c.n_window.desc(),),
        "rfm": ((x.c.r + x.c.f + x.c.m).desc(), value.desc()),
        "churn": (x.c.churn.desc(), value.desc(), x.c.m.desc()),
    }
    place = sa.func.row_number().over(order_by=(*orders[by], x.c.id))
    churn_place = sa.func.row_number().over(partition_by=x.c.churn, order_by=(*orders["churn"], x.c.id))
    ranked = sa.select(x.c.id, x.c.r, x.c.f, x.c.m, x.c.falling, x.c.churn, place.label("place"),
                       churn_place.label("churn_place"), sa.func.count().over().label("total"),
                       sa.func.sum(x.c.churn).over().label("churned")).subquery()
    page = sa.select(ranked)
    if limit is not None:
        page = page.where(sa.or_(ranked.c.place <= limit, sa.and_(ranked.c.churn == 1, ranked.c.churn_place <= slipping)))
    page = page.subquery()

    # The page's rows, with their names.
    segment = sa.case(
        (sa.and_(page.c.r >= 4, page.c.f >= 4, page.c.m >= 4), "champions"), (page.c.f >= 4, "loyal"),
        (sa.and_(page.c.r <= 2, sa.or_(page.c.f >= 3, page.c.m >= 3)), "at risk"),
        (sa.and_(page.c.r <= 2, page.c.f <= 2), "hibernating"), (sa.and_(page.c.r >= 4, page.c.f <= 2), "new"),
        else_="needs attention")
    figures = [s.c.dnc, s.c.last_contact, s.c.over, n_recent.label("n_recent"), n_before.label("n_before"),
               sa.func.coalesce(won.c.deals, 0).label("won_deals"), won.c.last_won, won.c.main_total, won.c.other,
               sa.func.coalesce(acts.c.n_window, 0).label("n_window"), segment.label("segment")]
    # Only the page's rows look their figures up again (the windows above carry ids and numbers).
    joined: Any = page.join(s, s.c.id == page.c.id).outerjoin(acts, acts.c.who == page.c.id) \
        .outerjoin(won, won.c.who == page.c.id)
    if orgs:
        names = [o.c.name.label("name"), sa.null().label("org"), sa.null().label("cadence_days")]
        joined = joined.join(o, o.c.id == page.c.id)
    else:
        org = o.alias("org")
        names = [c.c.name.label("name"), org.c.name.label("org"), c.c.cadence_days.label("cadence_days")]
        joined = joined.join(c, c.c.id == page.c.id).outerjoin(org, org.c.id == c.c.org_id)
    return sa.select(page, *names, *figures).select_from(joined).order_by(page.c.place)


def _customer(row: Any, now: datetime, window: Decimal, main: str | None, limit: int | None) -> Customer:
    last = _aware(row.last_contact)
    last_won = _aware(row.last_won)
    over = None if row.over is None else int(row.over // 1)
    recent = _per_month(row.n_recent, Decimal(RECENT_DAYS))
    earlier = _per_month(row.n_before, Decimal(BEFORE_DAYS - RECENT_DAYS))
    reasons = []
    if row.falling:
        reasons.append(f"contacts fell from {earlier} to {recent} a month")
    if over is not None and row.over > 0:
        reasons.append(f"cadence {row.cadence_days} d overdue by {over} d" if row.cadence_days is not None
                       else f"a contact's cadence overdue by {over} d")
    others = sorted((Amount(int(total), code) for code, total in
                     (part.split(" ") for part in (row.other or "").split(";") if part)), key=lambda a: a.code)
    return Customer(
        id=row.id, name=row.name, org=row.org, do_not_contact=bool(row.dnc), currency=main,
        won_value=Amount(int(row.main_total), main) if row.main_total is not None and main else None,
        won_other=tuple(others), won_deals=int(row.won_deals), interactions=int(row.n_window),
        per_month=_per_month(row.n_window, window), last_contact=last,
        days_since_contact=None if last is None else (now - last).days, last_won=last_won,
        days_since_won=None if last_won is None else (now - last_won).days,
        r=int(row.r), f=int(row.f), m=int(row.m), segment=row.segment, churn=bool(row.churn), falling=bool(row.falling),
        recent_per_month=recent, before_per_month=earlier, cadence_days=row.cadence_days, overdue_days=over,
        top=limit is None or row.place <= limit, reason="; ".join(reasons))


def _per_month(count: int, days: Decimal) -> Decimal:
    return (Decimal(int(count)) * MONTH_DAYS / days).quantize(Decimal("0.1"))


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
