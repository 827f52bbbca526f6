"""Deals, the pipeline, the forecast and the deals report, as a user drives them."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import Run, dump, sql


def _json(ok: Run, *args: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(ok(*args, "--format", "json").stdout)


@pytest.fixture
def deals(ann: Run) -> Run:
    """Three open deals in EUR and USD, for Ann (Acme) and Bob."""
    ann("deals", "add", "Website redesign", "--contact", "ann lee", "--value", "12,000.50", "--currency", "EUR",
        "--stage", "proposal")                                                              # 1: 50 %
    ann("deals", "add", "Support contract", "--contact", "bob", "--value", "3.000,25", "--currency", "EUR",
        "--stage", "proposal", "--probability", "33")                                       # 2: own 33 %
    ann("deals", "add", "US rollout", "--contact", "anna", "--value", "9,999.99", "--currency", "USD",
        "--stage", "negotiation")                                                           # 3: 75 %
    return ann


def test_a_deal_moved_lead_proposal_won_shows_three_stage_changes_and_is_on_the_timeline(ann: Run) -> None:
    added = ann("deals", "add", "Website redesign", "--contact", "ann lee", "--value", "12000", "--currency", "EUR",
                "--close", "2027-01-31", "-q")
    assert added.stdout == "1\n"
    ann("deals", "move", "1", "proposal")
    moved = ann("deals", "won", "website")
    assert moved.stderr == "deal #1 Website redesign: proposal -> won\n"

    card = ann("deals", "show", "1").stdout
    history = card.split("stage history\n", 1)[1].splitlines()[:3]
    assert [line.strip().split("  ", 1)[1] for line in history] == ["(new) -> lead", "lead -> proposal", "proposal -> won"]
    assert all(line.strip()[:4].isdigit() and line.strip()[10] == " " for line in history)  # each with its time
    assert "stage        won\n" in card and "org          Acme Ltd" in card  # Ann's organisation by default
    assert "probability  100%\n" in card

    timeline = _json(ann, "timeline", "ann lee")
    stage_rows = [(t["type"], t["kind"], t["body"]) for t in timeline if t["type"] == "deal"]
    assert stage_rows == [("deal", "deal won", "Website redesign: proposal -> won"),
                          ("deal", "deal", "Website redesign: lead -> proposal"),
                          ("deal", "deal", "Website redesign: new deal in lead")]
    assert _json(ann, "timeline", "bob") == []  # not Bob's deal


def test_pipeline_keeps_currencies_apart_and_weights_exactly(deals: Run) -> None:
    rows = _json(deals, "pipeline")
    assert [(r["stage"], r["currency"], r["deals"]) for r in rows] == [
        ("proposal", "EUR", 2), ("negotiation", "USD", 1)]
    eur, usd = rows
    assert eur["value_minor"] == 1_200_050 + 300_025 and eur["value"] == "15000.75"
    # 12,000.50 x 50 % + 3,000.25 x 33 % = 6000.25 + 990.0825, exact (integer minor units, no floats)
    assert Decimal(eur["weighted"]) == Decimal(1_200_050 * 50 + 300_025 * 33) / 10_000 == Decimal("6990.3325")
    assert Decimal(usd["weighted"]) == Decimal(999_999 * 75) / 10_000
    table = deals("pipeline").stdout
    assert "15,000.75 EUR" in table and "9,999.99 USD" in table


NOW = "2026-11-16T10:00:00Z"  # the pinned "now" (CRMCLI_NOW) of the forecast tests: mid-November 2026


def test_forecast_by_month_matches_a_hand_computation(ann: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_NOW", NOW)
    for name, value, code, stage, close in [
        ("A", "1000", "EUR", "lead", "2026-12-04"),          # 10 % -> 100.00
        ("B", "2000", "EUR", "proposal", "2026-12-11"),      # 50 % -> 1000.00
        ("C", "500.50", "EUR", "negotiation", "2027-01-01"),  # 75 % -> 375.375, across the new year
        ("D", "800", "USD", "qualified", "2026-12-01"),      # 25 % -> 200.00
        ("E", "999", "EUR", "proposal", "2026-11-15"),       # close date passed yesterday: overdue
        ("H", "100", "EUR", "proposal", "2026-11-16"),       # closes today: this month, not overdue
        ("F", "5000", "EUR", "won", "2026-12-01"),           # won: not forecast
        ("I", "700", "EUR", "proposal", "2027-02-01"),       # after the three months asked for
    ]:
        ann("deals", "add", name, "--value", value, "--currency", code, "--stage", stage, "--close", close)
    ann("deals", "add", "G", "--value", "10", "--currency", "EUR")  # no close date: left out, said so
    result = ann("forecast", "--by", "month", "--months", "3", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    got = [(r["period"], r["currency"], r["deals"], r["weighted"], r["overdue"]) for r in rows]
    assert got == [
        ("overdue", "EUR", "1", "499.50", "True"),
        ("2026-11", "EUR", "1", "50.00", "False"), ("2026-11", "USD", "0", "0.00", "False"),
        ("2026-12", "EUR", "2", "1100.00", "False"), ("2026-12", "USD", "1", "200.00", "False"),
        ("2027-01", "EUR", "1", "375.375", "False"), ("2027-01", "USD", "0", "0.00", "False"),
    ]
    assert result.stderr == ("1 open deal without an expected close date (not in the forecast): "
                             "crm deals edit DEAL --close WHEN\n")
    quarters = [(r["period"], r["currency"], r["deals"], r["weighted"])
                for r in _json(ann, "forecast", "--by", "quarter", "--months", "6")]
    assert quarters == [("overdue", "EUR", 1, "499.50"),
                        ("2026-Q4", "EUR", 3, "1150.00"), ("2026-Q4", "USD", 1, "200.00"),
                        ("2027-Q1", "EUR", 2, "725.375"), ("2027-Q1", "USD", 0, "0.00")]


def test_forecast_table_draws_bars_and_flags_overdue(deals: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_NOW", NOW)
    deals("deals", "edit", "1", "--close", "2026-11-14")  # two days before the pinned day
    deals("deals", "edit", "2", "--close", "2026-12-01")
    lines = deals("forecast").stdout.splitlines()
    # Per line: the period, the bar's length (against the largest EUR period), the overdue flag.
    bars = [(line.split()[0], line.count("█"), line.endswith("  ! close date passed")) for line in lines[1:]]
    assert bars == [("overdue", 30, True), ("2026-11", 0, False), ("2026-12", 5, False),  # 990.08 / 6000.25 x 30
                    ("2027-01", 0, False), ("2027-02", 0, False), ("2027-03", 0, False), ("2027-04", 0, False)]
    assert "6,000.25 EUR" in lines[1] and "990.08 EUR" in lines[3]


def test_moving_to_an_unknown_stage_lists_the_stages_and_changes_nothing(deals: Run, crm: Run, db_path: Path) -> None:
    before = dump(db_path)
    result = crm("deals", "move", "1", "closing")
    assert result.exit_code == 2
    assert result.stderr == ("crm: unknown stage 'closing'; the stages are: lead, qualified, proposal, "
                             "negotiation, won, lost\n")
    assert dump(db_path) == before


@pytest.mark.parametrize(("args", "code", "message"), [
    (("deals", "add", "X", "--value", "12,00,0", "--currency", "EUR"), 2, "grouped in threes"),
    (("deals", "add", "X", "--value", "10", "--currency", "EURO"), 2, "unknown currency 'EURO'"),
    (("deals", "add", "X", "--value", "1.5", "--currency", "JPY"), 2, "JPY has no decimals"),
    (("deals", "add", "X", "--value", "10"), 2, "which currency?"),
    (("deals", "add", "X", "--value", "10", "--currency", "EUR", "--contact", "nobody"), 3, "no contact matches"),
    (("deals", "add", "X", "--value", "10", "--currency", "EUR", "--probability", "120"), 2, "from 0 to 100"),
    (("deals", "add", "X", "--value", "10", "--currency", "EUR", "--close", "someday"), 2, "cannot read"),
    (("deals", "move", "1", "proposal"), 5, "already in proposal"),
    (("deals", "move", "99", "won"), 3, "no deal with id 99"),
    (("deals", "lost", "1", "--reason", ""), 2, "an empty reason says nothing"),
    (("deals", "lost", "1", "-r", "  "), 2, "an empty reason says nothing"),
    (("deals", "move", "1", "lost", "--reason", ""), 2, "an empty reason says nothing"),
    (("deals", "move", "1", "won", "--reason", "price"), 2, "only a lost deal has a reason; leave out --reason"),
    (("deals", "edit", "1"), 2, "nothing to change"),
])
def test_bad_deal_input_is_one_clear_line(deals: Run, crm: Run, db_path: Path, args: tuple[str, ...], code: int,
                                          message: str) -> None:
    before = dump(db_path)
    result = crm(*args)
    assert result.exit_code == code, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert dump(db_path) == before


def test_deleting_a_contact_never_silently_deletes_deals(deals: Run, crm: Run, db_path: Path) -> None:
    refused = crm("contacts", "rm", "ann lee")
    assert refused.exit_code == 2
    assert "deal #1 Website redesign stays, without this contact" in refused.stderr
    gone = deals("contacts", "rm", "ann lee", "--yes")
    assert "deal #1 Website redesign stays, without this contact" in gone.stderr
    assert [(d["id"], d["contacts"]) for d in _json(deals, "deals", "list")] == [
        (1, []), (2, ["Bob Marsh"]), (3, ["Anna Berg"])]


def test_list_filters_and_lost_reasons_in_the_report(deals: Run) -> None:
    deals("deals", "lost", "2", "--reason", "price")
    deals("deals", "won", "1")
    deals("deals", "add", "Old deal", "--value", "100", "--currency", "EUR", "--stage", "lost")
    assert [d["id"] for d in _json(deals, "deals", "list")] == [3]
    assert [d["id"] for d in _json(deals, "deals", "list", "--won")] == [1]
    lost = _json(deals, "deals", "list", "--lost")
    assert [(d["id"], d["lost_reason"], d["probability"]) for d in lost] == [(2, "price", 0), (4, None, 0)]
    assert [d["id"] for d in _json(deals, "deals", "list", "--all", "--contact", "bob")] == [2]
    assert [d["id"] for d in _json(deals, "deals", "list", "--stage", "negotiation")] == [3]
    report = {(r["section"], r["item"], r["currency"]): (r["deals"], r["value"])
              for r in _json(deals, "report", "deals")}
    assert report[("outcome", "win rate", "")] == (3, "33.3%")
    assert report[("won value", "average deal", "EUR")] == (1, "12000.50")
    assert report[("lost reasons", "price", "")] == (1, "")
    assert report[("lost reasons", "(no reason given)", "")] == (1, "")
    assert report[("top customers", "Acme Ltd", "EUR")] == (1, "12000.50")
    text = deals("report", "deals").stdout
    assert "win rate: 33.3%" in text and "12,000.50 EUR  Acme Ltd (1 deal)" in text


def test_rotting_deals_are_quiet_past_their_stage_limit(deals: Run, crm: Run, db_path: Path) -> None:
    assert "passed" in deals("db", "check").stderr
    # Deal 1 (proposal, 21 days) last moved 40 days ago; a call with Anna keeps deal 3 fresh.
    sql(db_path, "UPDATE stage_change SET changed_at = datetime('now', '-40 days') WHERE deal_id IN (1, 3)")
    sql(db_path, "UPDATE deal SET stage_changed_at = datetime('now', '-40 days'), "
                 "last_activity_at = datetime('now', '-40 days') WHERE id IN (1, 3)")
    assert "passed" in deals("db", "check").stderr  # history and copies agree
    sql(db_path, "UPDATE deal SET last_activity_at = datetime('now', '-50 days') WHERE id = 3")
    broken = crm("db", "check")
    assert broken.exit_code == 1 and "deals: 1 last-activity time out of step" in broken.stdout
    sql(db_path, "UPDATE deal SET last_activity_at = datetime('now', '-40 days') WHERE id = 3")
    sql(db_path, "UPDATE deal SET stage_changed_at = datetime('now', '-41 days') WHERE id = 2")
    broken = crm("db", "check")
    assert broken.exit_code == 1 and "deals: 1 stage-change time out of step" in broken.stdout
    sql(db_path, "UPDATE deal SET stage_changed_at = (SELECT max(changed_at) FROM stage_change WHERE deal_id = 2) "
                 "WHERE id = 2")
    deals("log", "anna", "Talked numbers")
    rows = {r["stage"]: r["rotting"] for r in _json(deals, "pipeline")}
    assert rows == {"proposal": 1, "negotiation": 0}
    assert [d["id"] for d in _json(deals, "deals", "list", "--rotting")] == [1]
    assert "#1 Website redesign (proposal, 12,000.50 EUR): quiet 40 days" in deals("pipeline").stdout


def test_a_follow_up_can_serve_a_deal(deals: Run) -> None:
    deals("fu", "add", "ann lee", "Send the contract", "--deal", "website", "--due", "2030-01-02")
    item = _json(deals, "fu", "list")[0]
    assert (item["deal_id"], item["deal"]) == (1, "Website redesign")
    assert "deal     #1 Website redesign" in deals("fu", "show", "1").stdout
    deals("deals", "rm", "1", "--yes")
    assert _json(deals, "fu", "list")[0]["deal_id"] is None  # the follow-up stays, unlinked


def _minor(amount: str, code: str) -> Decimal:
    """A shown amount ("25250.125") in minor units of its currency."""
    from crmcli.core.money import MINOR_DIGITS

    return Decimal(amount).scaleb(MINOR_DIGITS.get(code, 2))


def test_demo_pipeline_and_report_add_up_the_demo_deals(ok: Run, db_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline and the report on the demo data, each row against the deals they summarise."""
    monkeypatch.setenv("CRMCLI_NOW", "2026-11-24T08:00:00Z")  # the demo, the pipeline and the rotting list: one moment
    monkeypatch.setenv("CRMCLI_DB", str(db_path))
    ok("demo")
    every = _json(ok, "deals", "list", "--all")
    assert {d["status"] for d in every} == {"open", "won", "lost"}
    rotting = {d["id"] for d in _json(ok, "deals", "list", "--rotting")}
    order = ["lead", "qualified", "proposal", "negotiation"]
    groups: dict[tuple[str, str], list[dict]] = {}  # type: ignore[type-arg]
    for deal in every:
        if deal["status"] == "open":
            groups.setdefault((deal["stage"], deal["currency"]), []).append(deal)
    expected = [(stage, {"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75}[stage], code, len(group),
                 sum(d["value_minor"] for d in group),
                 Decimal(sum(d["value_minor"] * d["probability"] for d in group)) / 100,
                 sum(d["id"] in rotting for d in group))
                for (stage, code), group in sorted(groups.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1]))]
    pipeline = [(r["stage"], r["probability"], r["currency"], r["deals"], r["value_minor"],
                 _minor(r["weighted"], r["currency"]), r["rotting"]) for r in _json(ok, "pipeline")]
    assert pipeline == expected and len(pipeline) > 4 and sum(r[-1] for r in pipeline) == len(rotting) > 0

    won = [d for d in every if d["status"] == "won"]
    lost = [d for d in every if d["status"] == "lost"]
    report = [(r["section"], r["item"], r["currency"], r["deals"], r["value"]) for r in _json(ok, "report", "deals")]
    outcome = [row for row in report if row[0] == "outcome" and row[1] != "average days to close (won)"]
    assert outcome == [("outcome", "won", "", len(won), ""), ("outcome", "lost", "", len(lost), ""),
                       ("outcome", "win rate", "", len(won) + len(lost),
                        f"{Decimal(100 * len(won)) / (len(won) + len(lost)):.1f}%")]
    totals: dict[str, list[int]] = {}
    for deal in won:
        totals.setdefault(deal["currency"], []).append(deal["value_minor"])
    assert [(r[1], r[2], r[3], _minor(r[4], r[2])) for r in report if r[0] == "won value"] == [
        row for code, values in sorted(totals.items()) for row in (
            ("total", code, len(values), sum(values)),
            ("average deal", code, len(values), (Decimal(sum(values)) / len(values)).quantize(Decimal(1))))]
    reasons = Counter(d["lost_reason"] or "(no reason given)" for d in lost)  # ranked: most often first
    assert [(r[1], r[3]) for r in report if r[0] == "lost reasons"] == sorted(reasons.items(),
                                                                               key=lambda kv: (-kv[1], kv[0]))


def test_deleting_an_organisation_says_which_deals_lose_it(deals: Run) -> None:
    gone = deals("orgs", "rm", "acme", "--yes")
    assert "deal #1 Website redesign stays, without an organisation" in gone.stderr
    assert "deal #2 Support contract stays, without an organisation" in gone.stderr
    assert [(d["id"], d["org"]) for d in _json(deals, "deals", "list")][:2] == [(1, None), (2, None)]


def test_edit_changes_value_currency_contacts_and_dates(deals: Run, crm: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    deals("deals", "edit", "1", "--value", "1.234,5", "--locale", "de_DE", "--add-contact", "bob",
          "--remove-contact", "ann lee", "--close", "2030-06-30", "-p", "90", "--owner", "me", "--name", "Web")
    deal = _json(deals, "deals", "show", "1")[0]
    assert (deal["name"], deal["value"], deal["contacts"], deal["close"], deal["probability"]) == \
        ("Web", "1234.50", ["Bob Marsh"], "2030-06-30", 90)
    import getpass
    assert deal["owner"] == getpass.getuser()
    deals("deals", "edit", "web", "--no-close", "--stage-probability", "--currency", "USD", "--value", "10")
    deal = _json(deals, "deals", "show", "1")[0]
    assert (deal["close"], deal["probability"], deal["currency"], deal["value_minor"]) == (None, 50, "USD", 1000)
    jpy = crm("deals", "edit", "1", "--currency", "JPY")
    assert jpy.exit_code == 2 and "give --value with --currency" in jpy.stderr
    missing = crm("deals", "edit", "1", "--remove-contact", "anna")
    assert missing.exit_code == 3 and "Anna Berg is not on deal #1 Web" in missing.stderr


def test_default_currency_and_locale_come_from_the_settings(ok: Run, crm: Run,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ok("config", "set", "currency", "gbp")
    ok("config", "set", "locale", "de_DE")
    ok("deals", "add", "Retainer", "--value", "12.000")
    deal = _json(ok, "deals", "list")[0]
    assert (deal["currency"], deal["value"]) == ("GBP", "12000.00")
    assert "12.000,00 GBP" in ok("deals", "list").stdout  # the table groups digits the German way too
    monkeypatch.setenv("CRMCLI_LOCALE", "en_GB")  # a decimal point now: "12.000" would be 12 with 3 decimals
    refused = crm("deals", "add", "Audit", "--value", "12.000")
    assert refused.exit_code == 2 and "GBP has 2 decimal places" in refused.stderr and "--locale" in refused.stderr
    ok("deals", "add", "Audit", "--value", "12.5")
    assert [d["value"] for d in _json(ok, "deals", "list")] == ["12000.00", "12.50"]


def test_configured_stages_drive_moves_and_the_pipeline(ok: Run) -> None:
    ok("config", "set", "stages", "idea:5:60d, pitch:40:14d, signed:100:won, dropped:0:lost")
    ok("deals", "add", "Book", "--value", "100", "--currency", "EUR")
    ok("deals", "move", "book", "pitch")
    assert [(p["stage"], p["probability"], p["weighted"]) for p in _json(ok, "pipeline")] == [("pitch", 40, "40.00")]
    ok("deals", "won", "book")
    assert _json(ok, "deals", "show", "book")[0]["stage"] == "signed"


def test_a_value_written_with_its_currency_needs_no_currency_option(ann: Run, crm: Run) -> None:
    """`--value "2000 EUR"` as a segment's won value and a campaign's cost are typed; a code that
    disagrees with --currency, or is not one, is refused and nothing is added."""
    assert ann("deals", "add", "Site", "-c", "ann lee", "--value", "2000 EUR").stderr == \
        "added deal #1 Site: 2,000.00 EUR, lead\n"
    assert "2,000.50 GBP" in ann("deals", "add", "Audit", "-c", "bob", "--value", "GBP 2,000.50").stderr
    assert "2,000.00 EUR" in ann("deals", "add", "Care", "-c", "bob", "--value", "2000 eur", "--currency", "EUR").stderr
    both = crm("deals", "add", "X", "-c", "bob", "--value", "2000 USD", "--currency", "EUR")
    assert (both.exit_code, both.stdout) == (2, "")
    assert both.stderr == "crm: the amount says USD but the currency given is EUR: write one of them\n"
    unknown = crm("deals", "add", "X", "-c", "bob", "--value", "2000 EUX")
    assert unknown.exit_code == 2 and "unknown currency 'EUX'" in unknown.stderr
    assert sorted(d["id"] for d in _json(ann, "deals", "list")) == [1, 2, 3]
    # editing: the written currency becomes the deal's; a bare value keeps the deal's own
    assert "3,000.00 USD" in ann("deals", "edit", "1", "--value", "3000 USD").stderr
    assert "4,000.00 USD" in ann("deals", "edit", "1", "--value", "4000").stderr
