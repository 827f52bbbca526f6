"""Pipeline, forecast, rotting and report rows carry money as Amounts (minor units and currency),
never as text; the machine formats write them as the plain decimals they always were."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from crmcli.core import deals, sales
from crmcli.core.money import Amount
from crmcli.core.rows import Rows
from crmcli.core.stages import DEFAULT
from crmcli.io import formats
from crmcli.storage.database import Database
from tests.core.conftest import NOW, pin


@pytest.fixture
def filled(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    pin(monkeypatch, NOW - timedelta(days=40))  # old enough to rot in lead (30 days) and proposal (21)
    with db.session(write=True) as s:
        deals.add(s, deals.NewDeal("Website", 1_205, "EUR", DEFAULT.get("proposal"), probability=33,
                                   close_on=date(2026, 3, 20)))
        deals.add(s, deals.NewDeal("Logo", 9_000, "JPY", DEFAULT.get("lead"), close_on=date(2026, 4, 2)))
        won = deals.add(s, deals.NewDeal("Audit", 50_000, "EUR", DEFAULT.get("lead")))
        deals.move(s, won, DEFAULT.first("won"))
    pin(monkeypatch, NOW)
    return db


def test_pipeline_rows_hold_amounts_and_write_as_plain_decimals(filled: Database) -> None:
    with filled.connect() as conn:
        rows = list(sales.pipeline(conn, DEFAULT, NOW).rows)
        out = io.StringIO()
        formats.write_json(sales.pipeline(conn, DEFAULT, NOW), out)
    lead, proposal = rows
    assert lead[4] == Amount(9_000, "JPY") and lead[6] == Amount(Decimal(900), "JPY")  # 10 %
    assert proposal[4] == Amount(1_205, "EUR") and proposal[6] == Amount(Decimal("397.65"), "EUR")
    assert [(r["value"], r["value_minor"], r["weighted"]) for r in json.loads(out.getvalue())] == [
        ("9000", 9000, "900"), ("12.05", 1205, "3.9765")]  # exact for scripts, never rounded


def test_forecast_report_and_rotting_hold_amounts(filled: Database) -> None:
    with filled.connect() as conn:
        forecast = list(sales.forecast(conn, DEFAULT, NOW.date(), months=2).rows)
        report = list(sales.report(conn).rows)
        quiet = list(sales.rotting(conn, DEFAULT, NOW).rows)
    march = next(r for r in forecast if r[0] == "2026-03" and r[2] == "EUR")
    assert march[4] == Amount(1_205, "EUR") and march[5] == Amount(Decimal("397.65"), "EUR") and march[6] == 398
    assert ("won value", "total", "EUR", 1, Amount(50_000, "EUR")) in report
    assert ("outcome", "win rate", "", 1, "100.0%") in report  # not money: text as before
    assert [(r[1], r[3]) for r in quiet] == [("Website", Amount(1_205, "EUR")), ("Logo", Amount(9_000, "JPY"))]


def test_every_machine_format_writes_an_amount_as_its_plain_text() -> None:
    rows = Rows(("item", "value"), [("fee", Amount(Decimal("397.65"), "EUR")), ("none", None)])
    written = {}
    for fmt in formats.MACHINE_FORMATS:
        out = io.StringIO()
        formats.write(Rows(rows.columns, list(rows.rows)), fmt, out)
        written[fmt] = out.getvalue()
    assert written["csv"] == "item,value\r\nfee,3.9765\r\nnone,\r\n"
    assert written["tsv"] == "item\tvalue\nfee\t3.9765\nnone\t\n"
    assert json.loads(written["json"]) == [{"item": "fee", "value": "3.9765"}, {"item": "none", "value": None}]
    assert [json.loads(line) for line in written["ndjson"].splitlines()] == json.loads(written["json"])
