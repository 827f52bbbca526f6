"""Owners from the command line: `--owner NAME|me` on add, edit and list (`--no-owner` on edit),
`crm follow-ups list --mine`, `crm remind --mine`, `crm pipeline --owner` and `crm forecast --owner`;
what is added is its adder's (the `me` setting here; the session user on PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.core.test_identity import _as_kim


@pytest.fixture
def robin(ok: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """crm as robin (the `me` setting), with Ann Lee (robin's), Bob Marsh (kim's) and Cy Young (nobody's)."""
    monkeypatch.setenv("CRMCLI_ME", "robin")
    monkeypatch.setenv("CRMCLI_NOW", "2026-03-05T10:30:00+00:00")
    ok("contacts", "add", "Ann Lee", "-e", "ann@acme.example")
    ok("contacts", "add", "Bob Marsh", "--owner", "kim")
    ok("contacts", "add", "Cy Young", "--owner", "")
    return ok


def _json(result: object) -> list[dict[str, object]]:
    return json.loads(result.stdout)  # type: ignore[attr-defined, no-any-return]


def test_contacts_are_their_adders_and_list_by_owner(robin: Run) -> None:
    owners = {r["name"]: r["owner"] for r in _json(robin("contacts", "list", "-f", "json"))}
    assert owners == {"Ann Lee": "robin", "Bob Marsh": "kim", "Cy Young": None}
    assert robin("contacts", "list", "--owner", "me", "-q").stdout == "1\n"
    assert robin("contacts", "list", "--owner", "kim", "-q").stdout == "2\n"
    assert robin("contacts", "list", "--owner", "", "-q").stdout == "3\n"
    assert ["owner", "robin"] in [line.split() for line in robin("contacts", "show", "ann").stdout.splitlines()]
    assert "owner" not in robin("contacts", "show", "cy").stdout  # nobody's: no owner line


def test_a_contact_changes_hands(robin: Run, crm: Run) -> None:
    done = robin("contacts", "edit", "bob", "--owner", "me")
    assert (done.stdout, done.stderr) == ("", "updated contact #2 Bob Marsh\n")
    robin("contacts", "edit", "ann", "--no-owner")
    assert robin("contacts", "list", "--owner", "me", "-q").stdout == "2\n"
    assert robin("contacts", "list", "--owner", "", "-q").stdout == "1\n3\n"
    both = crm("contacts", "edit", "ann", "--owner", "kim", "--no-owner")
    assert (both.exit_code, both.stdout) == (2, "")
    assert both.stderr == "crm: --owner and --no-owner cannot be used together\n"


def test_follow_ups_are_their_adders_and_list_mine(robin: Run, crm: Run) -> None:
    robin("fu", "add", "bob", "Send the quote", "--due", "2026-03-06")
    robin("fu", "add", "ann", "Book the kickoff", "--due", "2026-03-07", "--owner", "kim")
    robin("log", "bob", "Called", "--follow-up", "mon: call back")  # Bob is kim's; the follow-up the logger's
    listed = robin("fu", "list").stdout.splitlines()
    assert listed[0].split() == ["id", "due", "status", "contact", "title", "repeat", "owner"]
    assert [line.split()[-1] for line in listed[1:]] == ["robin", "kim", "robin"]
    assert robin("fu", "list", "--mine", "-q").stdout == "1\n3\n"
    assert robin("fu", "list", "--owner", "kim", "-q").stdout == "2\n"
    assert [r["owner"] for r in _json(robin("fu", "list", "--owner", "me", "-f", "json"))] == ["robin", "robin"]
    assert ["owner", "kim"] in [line.split() for line in robin("fu", "show", "2").stdout.splitlines()]
    robin("fu", "edit", "2", "--no-owner")
    assert robin("fu", "list", "--owner", "", "-q").stdout == "2\n"
    robin("fu", "edit", "2", "--owner", "me")
    assert robin("fu", "list", "--mine", "-q").stdout == "1\n2\n3\n"
    both = crm("fu", "list", "--mine", "--owner", "kim")
    assert (both.exit_code, both.stdout, both.stderr) == (2, "", "crm: --owner and --mine cannot be used together\n")


def test_remind_mine_leaves_out_what_others_and_nobody_own(robin: Run) -> None:
    robin("contacts", "edit", "ann", "--cadence", "every 30 days")
    robin("contacts", "edit", "cy", "--cadence", "every 30 days")
    robin("fu", "add", "bob", "Kim's call", "--due", "2026-03-05", "--owner", "kim")
    robin("fu", "add", "bob", "Nobody's call", "--due", "2026-03-05", "--owner", "")
    later = ("--as-of", "2026-04-10")  # Ann and Cy are past their cadence by then
    assert robin("remind", *later).stdout.count("\n  ") == 4
    mine = robin("remind", "--mine", *later)
    assert (mine.stdout, mine.stderr) == ("Keep in touch (1)\n  Ann Lee: every 30 days, 5 days over\n", "")
    robin("contacts", "edit", "ann", "--owner", "kim")
    nothing = robin("remind", "--mine", *later)
    assert (nothing.stdout, nothing.stderr) == ("", "")  # cron mails nothing: nothing of mine is due
    assert robin("remind", "--mine", *later, "-f", "json").stdout.strip() == "[]"
    assert "nobody owns" in robin("remind", "--help").stdout


def test_deals_the_pipeline_and_the_forecast_by_owner(robin: Run) -> None:
    robin("config", "set", "currency", "EUR")
    robin("deals", "add", "Website", "-v", "1000", "--close", "2026-03-20")
    robin("deals", "add", "Audit", "-v", "300", "--close", "2026-03-25", "--owner", "kim")
    robin("deals", "add", "Retainer", "-v", "50", "--owner", "")
    assert [r["owner"] for r in _json(robin("deals", "list", "-f", "json"))] == ["robin", "kim", None]
    assert robin("deals", "list", "--owner", "me", "-q").stdout == "1\n"
    assert robin("deals", "list", "--owner", "", "-q").stdout == "3\n"
    pipeline = robin("pipeline", "--owner", "kim").stdout.splitlines()
    assert pipeline[1].split()[:4] == ["lead", "10", "EUR", "1"] and "300.00 EUR" in pipeline[1]
    forecast = _json(robin("forecast", "--owner", "me", "--months", "1", "-f", "json"))
    assert [(r["period"], r["deals"], r["value"]) for r in forecast] == [("2026-03", 1, "1000.00")]
    nobody = robin("forecast", "--owner", "", "--months", "1")
    assert "1 open deal without an expected close date" in nobody.stderr
    assert robin("pipeline", "--owner", "sam").stderr == "no open deals; add one with `crm deals add`\n"
    robin("deals", "edit", "audit", "--no-owner")
    assert robin("deals", "list", "--owner", "", "-q").stdout == "2\n3\n"


def test_an_export_imported_by_someone_else_keeps_its_owners(robin: Run, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    exported = tmp_path / "contacts.csv"
    robin("export", "contacts", "-o", str(exported))
    assert "owner" in exported.read_text(encoding="utf-8").splitlines()[0].split(",")
    monkeypatch.setenv("CRMCLI_ME", "sam")
    other = str(tmp_path / "other.db")
    robin("--db", other, "import", "contacts", str(exported))
    owners = {r["name"]: r["owner"] for r in _json(robin("--db", other, "contacts", "list", "-f", "json"))}
    assert owners == {"Ann Lee": "robin", "Bob Marsh": "kim", "Cy Young": "sam"}  # no owner: the importer's


def test_on_postgres_what_you_add_is_the_session_users(ok: Run, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_ME", "robin")  # no setting claims a name on the server
    kim = _as_kim(pg_url)
    ok("--db", kim, "contacts", "add", "Ann Lee")
    ok("--db", kim, "fu", "add", "ann", "Send the quote")
    ok("--db", kim, "contacts", "add", "Bob Marsh", "--owner", "robin")
    assert [r["owner"] for r in _json(ok("--db", kim, "contacts", "list", "-f", "json"))] == ["kim", "robin"]
    assert ok("--db", kim, "contacts", "list", "--owner", "me", "-q").stdout == "1\n"
    assert [r["owner"] for r in _json(ok("--db", kim, "fu", "list", "--mine", "-f", "json"))] == ["kim"]
