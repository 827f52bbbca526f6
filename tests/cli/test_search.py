"""`crm search` as a user drives it: any part of a word in scripts without spaces, follow-up, deal
and case hits, `--type`, and a rebuilt index."""

from __future__ import annotations

import json
from pathlib import Path

from crmcli.cli.search import HitType
from crmcli.core.search import HIT_TYPES
from tests.conftest import Run, sql


def _hits(ok: Run, *args: str) -> list[tuple[str, int]]:
    return [(hit["type"], hit["id"]) for hit in json.loads(ok("search", *args, "-f", "json").stdout)]


def test_one_chinese_character_finds_a_name_and_a_note(ok: Run) -> None:
    ok("contacts", "add", "李小龙")
    ok("contacts", "add", "Ann Lee")
    ok("log", "ann", "和李先生开会")
    result = ok("search", "李")
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["type", "id", "title", "when", "snippet"]
    assert lines[1].split() == ["contact", "1", "李小龙", "**李**小龙"]
    assert lines[2].startswith("interaction   1  call with Ann Lee") and lines[2].endswith("和**李**先生开会")
    assert _hits(ok, "先生") == [("interaction", 1)] and _hits(ok, "小龙") == [("contact", 1)]


def test_a_part_that_is_not_there_says_so_on_stderr(ok: Run) -> None:
    ok("contacts", "add", "李小龙")
    result = ok("search", "龙小")
    assert result.stdout == "" and result.stderr == "nothing matches '龙小'\n"
    assert ok("search", "龙小", "-f", "json").stdout == "[]\n"


def test_follow_ups_and_deals_are_hits_of_their_own_type(ann: Run) -> None:
    ann("fu", "add", "ann lee", "Send the revised quote", "--due", "2026-12-01", "--note", "with the 合同")
    ann("deals", "add", "Quote for Acme", "-c", "ann lee", "--value", "500", "--currency", "EUR",
        "--note", "合同续签")
    ann("log", "bob", "Asked for a quote")
    data = json.loads(ann("search", "quote", "-f", "json").stdout)
    shown = {(d["type"], d["id"]): (d["title"], d["when"], d["snippet"]) for d in data}
    assert shown == {
        ("follow-up", 1): ("follow-up for Ann Lee", "2026-12-01", "Send the revised **quote** with the 合同"),
        ("deal", 1): ("Quote for Acme", None, "**Quote** for Acme 合同续签"),
        ("interaction", 1): ("call with Bob Marsh", data[-1]["when"], "Asked for a **quote**")}
    assert data[-1]["type"] == "interaction"  # records first, then the history
    assert ann("search", "quote", "--type", "follow-up", "-q").stdout == "1\n"
    assert ann("search", "合同", "--type", "deal", "-q").stdout == "1\n"
    assert sorted(_hits(ann, "合同")) == [("deal", 1), ("follow-up", 1)]
    table = ann("search", "合同").stdout
    assert table.splitlines()[1:] == [
        "deal        1  Quote for Acme                     Quote for Acme **合同**续签",
        "follow-up   1  follow-up for Ann Lee  2026-12-01  … revised quote with the **合同**"]


def test_edited_and_removed_follow_ups_and_deals_leave_search(ann: Run) -> None:
    ann("fu", "add", "ann lee", "Send the quote")
    ann("deals", "add", "Renewal", "-c", "ann lee", "--value", "5", "--currency", "EUR")
    ann("fu", "edit", "1", "--title", "Send the invoice")
    ann("deals", "edit", "renewal", "--name", "Upsell")
    assert _hits(ann, "quote") == [] and _hits(ann, "renewal") == []
    assert _hits(ann, "invoice") == [("follow-up", 1)] and _hits(ann, "upsell") == [("deal", 1)]
    ann("fu", "rm", "1", "--yes")
    ann("deals", "rm", "upsell", "--yes")
    assert _hits(ann, "invoice") == [] and _hits(ann, "upsell") == []


def test_a_case_is_found_by_its_title_and_typed_case(ann: Run) -> None:
    ann("cases", "add", "ann lee", "Invoice 1043 charged twice")
    ann("log", "bob", "He was charged for shipping")
    result = ann("search", "charged")
    assert result.stderr == ""
    header, case, call = result.stdout.splitlines()
    assert header.split() == ["type", "id", "title", "when", "snippet"]
    assert case.startswith("case          1  #1 Invoice 1043 charged twice (Ann Lee, new)  ")
    assert case.endswith("  Invoice 1043 **charged** twice") and call.startswith("interaction   1  call with Bob")
    assert ann("search", "charged", "--type", "case", "-q").stdout == "1\n"
    assert _hits(ann, "charged", "--type", "interaction") == [("interaction", 1)]
    assert "case or interaction hits" in " ".join(ann("search", "--help").stdout.split())


def test_an_unknown_type_is_a_usage_error(ann: Run, crm: Run) -> None:
    result = crm("search", "quote", "--type", "fax")
    assert result.exit_code == 2 and result.stdout == ""
    assert "'fax' is not one of" in result.stderr and "'follow-up'" in result.stderr and "'deal'" in result.stderr


def test_the_types_offered_are_the_core_s() -> None:
    assert [t.value for t in HitType] == list(HIT_TYPES)


def test_reindex_brings_back_every_kind(ann: Run, db_path: Path) -> None:
    ann("contacts", "add", "김철수")
    ann("log", "김철수", "김철수가 왔다")
    ann("fu", "add", "ann lee", "寄合同")
    ann("deals", "add", "Zenith renewal", "-c", "bob", "--value", "5", "--currency", "EUR")
    ann("cases", "add", "bob", "Invoice 1043 charged twice")
    sql(db_path, "INSERT INTO interaction_fts (interaction_fts) VALUES ('delete-all')")
    sql(db_path, "DELETE FROM entity_fts")  # an index gone out of step
    assert _hits(ann, "철수") == [] and _hits(ann, "合同") == [] and _hits(ann, "zenith") == []
    assert _hits(ann, "twice") == []
    assert "search index rebuilt" in ann("db", "reindex").stderr
    assert _hits(ann, "철수") == [("contact", 4), ("interaction", 1)]
    assert _hits(ann, "合同") == [("follow-up", 1)] and _hits(ann, "zenith") == [("deal", 1)]
    assert _hits(ann, "twice") == [("case", 1)]
