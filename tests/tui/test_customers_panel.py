"""The dashboard's "Top and at-risk customers" panel (tui/panels.py load_customers): what `crm report
customers` says in brief, painted after the start, and Enter on a row opens that contact."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crmcli.context import AppContext
from crmcli.core import customer_report
from crmcli.tui import panels
from crmcli.tui.app import create_app
from crmcli.tui.widgets.tables import RecordTable
from tests.tui.conftest import settle
from tests.tui.test_app import run


def _report(context: AppContext) -> customer_report.CustomerReport:
    with context.database.connect() as conn:
        return customer_report.report(conn, context.now(), limit=panels.CUSTOMERS, slipping=panels.CUSTOMERS)


def test_the_panel_lists_the_top_customers_then_those_slipping_away(demo: AppContext) -> None:
    found = _report(demo)
    panel = panels.load_customers(demo)
    top, risk = found.top, found.slipping
    assert len(top) == len(risk) == panels.CUSTOMERS and found.churned > panels.CUSTOMERS
    assert [key for key, _ in panel.rows] == [f"customer-top:{c.id}" for c in top] + \
        [f"customer-risk:{c.id}" for c in risk]
    assert [cells[0] for _, cells in panel.rows] == [c.name for c in top + risk]
    assert [str(cells[3]) for _, cells in panel.rows] == [c.segment for c in top] + [panels._why(c) for c in risk]
    assert panel.title == f"Top and at-risk customers (EUR, {found.churned} at risk)"
    assert panel.contacts == {**{f"customer-top:{c.id}": c.id for c in top},
                              **{f"customer-risk:{c.id}": c.id for c in risk}}


def test_the_reason_in_brief(demo: AppContext) -> None:
    from dataclasses import replace

    ben = next(c for c in _report(demo).slipping if c.falling)
    assert panels._why(replace(ben, before_per_month=Decimal("1.0"), recent_per_month=Decimal("0.3"),
                               overdue_days=None)) == "contacts 1.0→0.3 a month"
    assert panels._why(replace(ben, falling=False, overdue_days=20)) == "20 d past cadence"
    assert panels._why(replace(ben, before_per_month=Decimal("4.0"), recent_per_month=Decimal("1.0"),
                               overdue_days=3)) == "contacts 4.0→1.0 a month; 3 d past cadence"


def test_no_customers_yet(demo: AppContext) -> None:
    import sqlalchemy as sa

    with demo.database.connect(write=True) as conn:
        conn.execute(sa.text("DELETE FROM contact"))
        conn.execute(sa.text("DELETE FROM organization"))
    panel = panels.load_customers(demo)
    assert [str(c) for _, cells in panel.rows for c in cells] == ["", "", "", "no customers yet"]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_enter_on_a_customer_opens_the_contact(demo: AppContext, size: tuple[int, int]) -> None:
    slipping = _report(demo).slipping[0]

    async def scenario() -> None:
        app = create_app(demo, panels=panels.prefetch(demo))
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            table = app.screen.query_one("#customers", RecordTable)
            assert table.row_count == 2 * panels.CUSTOMERS  # read after the start, in a worker
            assert str(table.border_title).startswith("Top and at-risk customers")
            table.focus()
            table.move_cursor(row=panels.CUSTOMERS)  # the first one slipping away
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen.name == "contact" and app.screen.contact_id == slipping.id  # type: ignore[attr-defined]

    run(scenario())
