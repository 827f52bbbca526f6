"""`crm report customers`'s figures (core/customer_report.py) on fixed data, both backends: the RFM
scores, segments and churn flags against a hand computation written out below."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core import customer_report
from crmcli.core.money import Amount
from crmcli.errors import Invalid
from crmcli.storage.database import Database
from tests.core.conftest import NOW
from tests.core.customer_rows import DAY, UTC_NOW, fill


def test_rfm_scores_segments_and_churn_match_the_hand_computation(db: Database) -> None:
    fill(db)
    with db.connect() as conn:
        found = customer_report.report(conn, NOW)
    by_name = {c.name: c for c in found.customers}
    # Main currency: no setting; won deals are 6 in EUR, 2 in USD -> EUR.
    assert found.currency == "EUR"
    # R: the 9 ever contacted, oldest last contact first: Gus 400 d, Dan 200, Hal 80, Ben 30, Ivy 12,
    # Cat 10, Ann 5, Fay 3, Joe 2 -> k = 1..9, R = ceil(5k/9): 1, 2 (10/9), 2 (15/9), 3 (20/9), 3 (25/9),
    # 4 (30/9), 4 (35/9), 5 (40/9), 5. Eve, never contacted: 1.
    # F: interactions in the last 365 days among the 8 with any: Joe 1 (k=1), Cat, Dan, Hal 2 (tied: k=4),
    # Ivy 3 (k=5), Fay 6 (k=6), Ann 7 (k=7), Ben 10 (k=8) -> ceil(5k/8): 1, 3 (20/8), 4 (25/8), 4 (30/8),
    # 5 (35/8), 5. Gus (his one call is 400 days old) and Eve: 1.
    # M, ranked per currency. EUR, 6 won: Joe 100.00 (k=1), Gus 1,000 (k=2), Ben and Ivy 2,000 (k=4),
    # Ann 5,000 (k=5), Dan 8,000 (k=6) -> ceil(5k/6): 1, 2, 4 (20/6), 5 (25/6), 5. USD, 2 won: Fay 300
    # (k=1: ceil(5/2) = 3), Joe 500 (5). Joe's best: 5. Nothing won (Cat, Eve, Hal): 1.
    # Segments, first rule that holds: Ann 4/5/5 champions; Ben 3/5/4 and Ivy 3/4/4 and Fay 5/4/3 loyal
    # (F >= 4); Dan 2/3/5 and Hal 2/3/1 at risk (R <= 2, F >= 3); Gus 1/1/2 and Eve 1/1/1 hibernating;
    # Joe 5/1/5 new (R >= 4, F <= 2); Cat 4/3/1 needs attention.
    expected = {"Ann": ("455", "champions"), "Ben": ("354", "loyal"), "Cat": ("431", "needs attention"),
                "Dan": ("235", "at risk"), "Eve": ("111", "hibernating"), "Fay": ("543", "loyal"),
                "Gus": ("112", "hibernating"), "Hal": ("231", "at risk"), "Ivy": ("344", "loyal"),
                "Joe": ("515", "new")}
    assert {name: (c.rfm, c.segment) for name, c in by_name.items()} == expected
    # Churn: Ben's last 90 days hold 1 call (1 x 30/90 = 0.3 a month), the 275 days before 9
    # (9 x 30/275 = 0.98 -> 1.0): below half. Dan: 0 against 2 (0.2). Cat: last call 10 days ago,
    # cadence 7 -> 3 days overdue. Fay is 2 days past her daily cadence but marked do not contact:
    # not flagged (as in reminders). Ann (4 against 3), Hal (1 against 1): steady.
    assert {name: c.reason for name, c in by_name.items() if c.churn} == {
        "Ben": "contacts fell from 1.0 to 0.3 a month", "Dan": "contacts fell from 0.2 to 0.0 a month",
        "Cat": "cadence 7 d overdue by 3 d"}
    assert by_name["Fay"].do_not_contact and by_name["Fay"].overdue_days is None and not by_name["Ann"].do_not_contact
    # By value: Dan 8,000, Ann 5,000, Ben and Ivy 2,000 (id order), Gus, Joe; then the others by M
    # (Fay 3), then id.
    assert [c.name for c in found.customers] == ["Dan", "Ann", "Ben", "Ivy", "Gus", "Joe", "Fay", "Cat", "Eve", "Hal"]
    assert [c.name for c in found.slipping] == ["Dan", "Ben", "Cat"]
    ann, joe = by_name["Ann"], by_name["Joe"]
    assert (ann.won_value, ann.won_deals, ann.interactions, ann.per_month) == \
        (Amount(500000, "EUR"), 1, 7, Decimal("0.6"))  # 7 x 30 / 365 = 0.58
    assert (ann.days_since_contact, ann.days_since_won, ann.recent_per_month, ann.before_per_month) == \
        (5, 10, Decimal("1.3"), Decimal("0.3"))  # 4 x 30/90; 3 x 30/275
    assert (joe.won_value, joe.won_other, joe.won_deals) == (Amount(10000, "EUR"), (Amount(50000, "USD"),), 2)
    assert by_name["Fay"].won_value is None and by_name["Fay"].won_other == (Amount(30000, "USD"),)
    assert by_name["Eve"].last_contact is None and by_name["Eve"].days_since_contact is None


@pytest.mark.parametrize(("by", "first"), [
    ("recency", ["Joe", "Fay", "Ann"]),        # 2, 3, 5 days since the last call
    ("frequency", ["Ben", "Ann", "Fay"]),      # 10, 7, 6 calls in the window
    ("rfm", ["Ann", "Ben", "Fay"]),            # 14 (4+5+5), then 12: Ben (2,000 EUR) before Fay (no EUR)
    ("churn", ["Dan", "Ben", "Cat"]),          # the flagged, the most valuable first
])
def test_by_orders_the_rows(db: Database, by: str, first: list[str]) -> None:
    fill(db)
    with db.connect() as conn:
        found = customer_report.report(conn, NOW, by=by)
    assert [c.name for c in found.customers][:3] == first


def test_limit_keeps_the_top_and_every_customer_slipping_away(db: Database) -> None:
    fill(db)
    with db.connect() as conn:
        found = customer_report.report(conn, NOW, limit=2, slipping=2)
        plain = customer_report.report(conn, NOW, limit=2)
    assert [c.name for c in found.top] == ["Dan", "Ann"] and (found.total, found.churned) == (10, 3)
    assert [c.name for c in found.slipping] == ["Dan", "Ben"]  # Cat, the third, left out
    assert [c.name for c in plain.customers] == ["Dan", "Ann"]
    rows = found.rows()
    flat = list(rows.rows)
    assert tuple(rows.columns) == customer_report.COLUMNS and [r[1] for r in flat] == ["Dan", "Ann"]
    dan = dict(zip(rows.columns, flat[0]))
    assert (str(dan["won_value"]), dan["last_contact"], dan["rfm"], dan["churn"], dan["do_not_contact"]) == \
        ("8000.00", (UTC_NOW - 200 * DAY).strftime("%Y-%m-%dT%H:%M:%SZ"), "235", True, False)


def test_a_window_since_counts_frequency_over_it(db: Database) -> None:
    fill(db)
    with db.connect() as conn:
        found = customer_report.report(conn, NOW, since=UTC_NOW - 29 * DAY)
    by_name = {c.name: c for c in found.customers}
    # In 29 days: Fay 5 (3, 4, 7, 15, 25), Ivy 3, Ann 2, Cat 1, Joe 1 (Ben's is 30 days old); Fay 5 x 30 / 29.
    assert {n: c.interactions for n, c in by_name.items() if c.interactions} == \
        {"Fay": 5, "Ivy": 3, "Ann": 2, "Cat": 1, "Joe": 1}
    assert by_name["Fay"].per_month == Decimal("5.2")
    # Ranked among those 5: Cat, Joe 1 (k=2: ceil(10/5) = 2), Ann 2 (3), Ivy 3 (4), Fay 5 (5).
    assert {n: c.f for n, c in by_name.items()} == {"Cat": 2, "Joe": 2, "Ann": 3, "Ivy": 4, "Fay": 5, "Ben": 1,
                                                    "Dan": 1, "Eve": 1, "Gus": 1, "Hal": 1}
    # Churn does not move with the window.
    assert [c.name for c in found.slipping] == ["Dan", "Ben", "Cat"]


def test_organisations_add_up_their_contacts(db: Database) -> None:
    fill(db)
    with db.connect() as conn:
        found = customer_report.report(conn, NOW, orgs=True)
    # Acme: Ann's 7 calls and Ben's 10, 7,000 EUR won; Dune: Dan's 2 calls, 8,000 EUR. Two of each:
    # the higher scores 5, the lower ceil(5/2) = 3. Acme's last 90 days: 5 calls against 12 before
    # (5 x 550 = 2,750 >= 12 x 90): steady; Dune's fell.
    assert [(c.name, c.won_value, c.interactions, c.rfm, c.churn) for c in found.customers] == [
        ("Dune", Amount(800000, "EUR"), 2, "335", True), ("Acme", Amount(700000, "EUR"), 17, "553", False)]


def test_a_currency_setting_is_the_main_currency(db: Database) -> None:
    fill(db)
    with db.connect() as conn:
        found = customer_report.report(conn, NOW, currency="USD")
    assert [(c.name, c.won_value) for c in found.customers][:2] == [("Joe", Amount(50000, "USD")),
                                                                    ("Fay", Amount(30000, "USD"))]
    assert found.customers[0].won_other == (Amount(10000, "EUR"),)


def test_an_empty_database_and_bad_requests(db: Database) -> None:
    with db.connect() as conn:
        empty = customer_report.report(conn, NOW)
        assert empty.customers == () and empty.currency is None
        with pytest.raises(Invalid, match="cannot order customers by 'size'"):
            customer_report.report(conn, NOW, by="size")
        with pytest.raises(Invalid, match="the window must start before now"):
            customer_report.report(conn, NOW, since=UTC_NOW + DAY)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.none(), st.integers(0, 6)), min_size=1, max_size=12))
def test_a_quintile_is_ceil_5k_over_n_ties_shared_the_unscored_1(db: Database, figures: list[int | None]) -> None:
    """The SQL quintile (R, F and M use it) against the rule written in Python: among the n with a
    figure, k of them at or below this one's, the score is ceil(5k/n); without a figure, 1."""
    import sqlalchemy as sa

    from crmcli.core.customer_report import _quintile

    rows = sa.union_all(*(sa.select(sa.literal(i).label("id"), sa.cast(sa.literal(v), sa.Integer).label("v"))
                          for i, v in enumerate(figures))).subquery()
    with db.connect() as conn:
        found = dict(conn.execute(sa.select(rows.c.id, _quintile(rows.c.v, rows.c.v.is_(None)))).all())
    scored = [v for v in figures if v is not None]
    expected = {i: 1 if v is None else -(-5 * sum(w <= v for w in scored) // len(scored))
                for i, v in enumerate(figures)}
    assert found == expected
    if scored:
        assert {found[i] for i, v in enumerate(figures) if v == max(scored)} == {5}
