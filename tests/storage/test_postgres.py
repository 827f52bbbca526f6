"""The same commands on a shared PostgreSQL database (team mode): schema, references, every format."""

from __future__ import annotations

import csv
import io
import json

from tests.conftest import Run


def test_contacts_on_postgres(pg_url: str, ok: Run, crm: Run) -> None:
    db = ("--db", pg_url)
    ok(*db, "contacts", "add", "Zoë Øster", "--email", "zoe@oster.example", "--org", "Ørsted Søn",
       "--tag", "vip", "--field", "source=fair", "--phone", "+44 20 7946 0001")
    ok(*db, "contacts", "add", "Zoltan Kiss", "--org", "orsted")
    assert "Zoë Øster" in ok(*db, "contacts", "show", "zoe oster").stdout
    data = json.loads(ok(*db, "contacts", "list", "-f", "json").stdout)
    assert [(d["name"], d["org"]) for d in data] == [("Zoë Øster", "Ørsted Søn"), ("Zoltan Kiss", "Ørsted Søn")]
    assert data[0]["fields"] == {"source": "fair"} and data[0]["tags"] == ["vip"]
    assert data[0]["created"].endswith("Z")
    rows = list(csv.DictReader(io.StringIO(ok(*db, "contacts", "list", "-f", "csv").stdout, newline="")))
    assert rows[0]["emails"] == "zoe@oster.example" and rows[0]["phones"] == "+442079460001"
    ambiguous = crm(*db, "contacts", "show", "zo")
    assert ambiguous.exit_code == 4 and "#1 Zoë Øster" in ambiguous.stderr
    ok(*db, "contacts", "edit", "zoltan", "--tag", "vip", "--no-org")
    assert ok(*db, "contacts", "list", "--tag", "vip", "-q").stdout == "1\n2\n"
    taken = crm(*db, "contacts", "add", "Other", "--email", "zoe@oster.example")
    assert taken.exit_code == 5
    ok(*db, "contacts", "rm", "zoltan", "--yes")
    assert ok(*db, "orgs", "list", "-f", "csv").stdout.splitlines()[1].split(",")[4] == "1"
    assert ok(*db, "db", "check").exit_code == 0
    backup = crm(*db, "db", "backup", "/tmp/x.db")
    assert backup.exit_code == 1 and "pg_dump" in backup.stderr
    assert "postgres@127.0.0.1" in ok(*db, "db", "path").stdout


def test_demo_on_postgres_then_add(pg_url: str, ok: Run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = ("--db", pg_url)
    ok(*db, "demo")
    # Sequences moved past the bulk-inserted ids: a normal insert works.
    assert ok(*db, "contacts", "add", "After Demo", "-q").stdout == "301\n"


def test_history_and_search_on_postgres(pg_url: str, ok: Run, crm: Run) -> None:
    db = ("--db", pg_url)
    ok(*db, "contacts", "add", "Ana Núñez", "--org", "Harbour Labs", "--email", "ana@harbour.example")
    ok(*db, "contacts", "add", "Ben Ode", "--org", "harbour")
    ok(*db, "log", "ana nunez", "Quotation for José: 10% discount", "--at", "2026-03-02 09:00")
    ok(*db, "log", "ana nunez", "ben ode", "Kickoff with the board", "--kind", "meeting")
    rows = json.loads(ok(*db, "timeline", "ben", "-f", "json").stdout)
    assert [(r["kind"], r["contacts"]) for r in rows] == [("meeting", ["Ana Núñez", "Ben Ode"])]
    hits = json.loads(ok(*db, "search", "quot*", "-f", "json").stdout)
    assert [(h["type"], h["id"]) for h in hits] == [("interaction", 1)] and "**Quotation**" in hits[0]["snippet"]
    assert ("contact", 1) in [(h["type"], h["id"]) for h in json.loads(ok(*db, "search", "nunez", "-f", "json").stdout)]
    assert ok(*db, "search", "harbour", "--type", "organisation", "-q").stdout == "1\n"
    listed = json.loads(ok(*db, "contacts", "list", "--sort", "last-contact", "-f", "json").stdout)
    assert listed[0]["last_contact"] is not None
    ok(*db, "notes", "edit", "1", "--text", "Reworded")
    assert json.loads(ok(*db, "search", "quotation", "-f", "json").stdout) == []
    assert "search index rebuilt" in ok(*db, "db", "reindex").stderr
    assert [h["id"] for h in json.loads(ok(*db, "search", "reworded", "nunez", "-f", "json").stdout)] == [1]


def test_deals_pipeline_forecast_and_report_on_postgres(pg_url: str, ok: Run) -> None:
    from datetime import date, timedelta

    db = ("--db", pg_url)
    ok(*db, "contacts", "add", "Ana Núñez", "--org", "Harbour Labs")
    ok(*db, "deals", "add", "Rollout", "-c", "ana", "--value", "12.000,50", "--currency", "EUR", "--stage", "proposal",
       "--close", (date.today() + timedelta(days=40)).isoformat())
    ok(*db, "deals", "add", "Audit", "-c", "ana", "--value", "1000", "--currency", "USD", "--probability", "33")
    ok(*db, "deals", "won", "audit")
    ok(*db, "deals", "add", "Lost one", "--value", "5", "--currency", "EUR", "--stage", "lost")
    pipeline = json.loads(ok(*db, "pipeline", "-f", "json").stdout)
    assert [(p["stage"], p["currency"], p["weighted"], p["rotting"]) for p in pipeline] == [
        ("proposal", "EUR", "6000.25", 0)]
    forecast = json.loads(ok(*db, "forecast", "--months", "3", "-f", "json").stdout)
    assert sum(int(f["deals"]) for f in forecast) == 1
    report = {(r["section"], r["item"]): r["value"] for r in json.loads(ok(*db, "report", "deals", "-f", "json").stdout)}
    assert report[("outcome", "win rate")] == "50.0%" and report[("top customers", "Harbour Labs")] == "1000.00"
    kinds = [t["kind"] for t in json.loads(ok(*db, "timeline", "ana", "-f", "json").stdout)]
    assert kinds.count("deal") == 2 and kinds.count("deal won") == 1


def test_cjk_deals_and_follow_ups_search_on_postgres(pg_url: str, ok: Run, crm: Run) -> None:
    db = ("--db", pg_url)

    def hits(*words: str) -> list[tuple[str, int]]:
        return [(h["type"], h["id"]) for h in json.loads(ok(*db, "search", *words, "-f", "json").stdout)]

    ok(*db, "contacts", "add", "李小龙", "--org", "Acme 株式会社")
    ok(*db, "contacts", "add", "김철수")
    ok(*db, "contacts", "add", "渡辺ガク")
    ok(*db, "log", "김철수", "和李先生开会，김철수가 왔다")
    ok(*db, "log", "渡辺", "ガス代を払った")
    ok(*db, "fu", "add", "李", "Send the quote", "--note", "寄合同")
    ok(*db, "deals", "add", "Quote renewal", "-c", "李", "--value", "500", "--currency", "EUR", "--note", "合同续签")
    assert hits("李") == [("contact", 1), ("interaction", 1)]
    assert hits("先生") == [("interaction", 1)] and hits("小龙") == [("contact", 1)] and hits("龙小") == []
    assert hits("철수") == [("contact", 2), ("interaction", 1)]  # a folded name key and text as written
    assert hits("ガク") == [("contact", 3), ("interaction", 2)]  # the second by its person's name
    assert hits("ガス") == [("interaction", 2)] and hits("カス") == []
    assert hits("株式") == [("organisation", 1), ("contact", 1)]  # ranked, as on SQLite: its name matches
    assert hits("合同") == [("deal", 1), ("follow-up", 1)]
    assert hits("quote") == [("deal", 1), ("follow-up", 1)]
    assert ok(*db, "search", "quote", "--type", "follow-up", "-q").stdout == "1\n"
    assert ok(*db, "search", "合同", "--type", "deal", "-q").stdout == "1\n"
    shown = json.loads(ok(*db, "search", "合同", "--type", "follow-up", "-f", "json").stdout)[0]
    assert shown["title"] == "follow-up for 李小龙" and shown["snippet"] == "Send the quote 寄**合同**"
    assert len(shown["when"]) == len("2026-12-03") and shown["rank"] < 0  # due tomorrow: a day; ranked
    bad = crm(*db, "search", "x", "--type", "fax")
    assert bad.exit_code == 2 and bad.stdout == ""
