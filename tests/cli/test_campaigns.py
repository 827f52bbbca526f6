"""`crm campaigns ...`, `crm log --campaign` and `crm deals add|edit --campaign` as a user drives them:
stdout, stderr and exit codes, bad input of every kind, and the issue's acceptance through a segment."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, dump

NOW = "2026-03-05T10:00:00Z"  # the conftest sets TZ=UTC


@pytest.fixture(autouse=True)
def pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_NOW", NOW)


def refused(result: Any, code: int, text: str) -> None:
    """One line on stderr saying `text`, nothing on stdout, the exit code."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert text in result.stderr, result.stderr


def reported(ok: Run, *args: str) -> list[dict[str, Any]]:
    return json.loads(ok("campaigns", "report", *args, "-f", "json").stdout)  # type: ignore[no-any-return]


@pytest.fixture
def ten(ok: Run) -> Run:
    """Ten contacts tagged berlin (one more not), a segment of them, euros by default."""
    ok("config", "set", "currency", "EUR")
    for n in range(1, 11):
        ok("contacts", "add", f"Person {n:02d}", "--email", f"p{n}@example.com", "--tag", "berlin")
    ok("contacts", "add", "Outsider", "--email", "out@example.com")
    ok("segments", "add", "berlin-vips", "--tag", "berlin")
    return ok


def test_the_acceptance_ten_members_three_replies_one_unsubscribe_one_won_deal(ten: Run) -> None:
    added = ten("campaigns", "add", "Spring offer", "--segment", "berlin-vips", "--channel", "email",
                "--cost", "400 EUR")
    assert added.stdout == ""
    assert added.stderr == "added campaign #1 Spring offer: started with 10 members from segment berlin-vips\n"
    for n in (1, 2, 3):
        ten("campaigns", "respond", "Spring offer", f"Person {n:02d}", "replied")
    unsub = ten("campaigns", "respond", "spring", "p4@example.com", "unsubscribed")
    assert unsub.stderr == ("recorded unsubscribed from Person 04 to campaign Spring offer\n"
                            "Person 04 is marked do not contact\n")
    ten("deals", "add", "Ten licences", "--value", "2,000", "--contact", "Person 01", "--stage", "won",
        "--campaign", "Spring offer")

    [row] = reported(ten)
    assert (row["members"], row["replied"], row["unsubscribed"], row["response_rate"]) == (10, 3, 1, "30.0")
    assert (row["deals_won"], row["won_value"]) == (1, ["2000.00 EUR"])
    assert (row["cost_per_response"], row["cost_per_won_deal"], row["return_on_cost"]) == ("133.33", "400.00",
                                                                                          "400.0")
    table = ten("campaigns", "report").stdout
    assert "30 %" in table and "2,000.00 EUR" in table and "400 %" in table
    person = json.loads(ten("contacts", "show", "Person 04", "-f", "json").stdout)[0]
    assert (person["do_not_contact_at"], person["do_not_contact_reason"]) == \
        ("2026-03-05T10:00:00Z", "unsubscribed from campaign Spring offer")
    mailing = ten("export", "contacts", "--mailing", "--segment", "berlin-vips").stdout
    assert "p4@example.com" not in mailing and "p5@example.com" in mailing  # left out of mailings from now on
    shown = ten("campaigns", "show", "spring").stdout
    assert "response rate: 30 % (3 of 10)" in shown and "deals: 1 opened, 1 won" in shown
    assert "segment  berlin-vips (" in shown


def test_a_draft_freezes_its_members_when_it_starts(ten: Run) -> None:
    draft = ten("campaigns", "add", "Autumn", "--segment", "berlin-vips", "--not-started", "-q")
    assert draft.stdout == "1\n"
    ten("contacts", "edit", "Outsider", "--tag", "berlin")  # in the segment before the start
    started = ten("campaigns", "start", "autumn")
    assert started.stderr == "started campaign #1 Autumn: 11 members from its segment, 11 in all\n"
    ten("contacts", "add", "Latecomer", "--tag", "berlin")
    listed = json.loads(ten("campaigns", "members", "autumn", "-f", "json").stdout)
    assert len(listed) == 11 and "Latecomer" not in {m["name"] for m in listed}
    assert listed[0]["by_hand"] is False and listed[0]["responses"] == []


def test_a_draft_without_a_segment_starts_with_its_hand_picked_members(ten: Run) -> None:
    ten("campaigns", "add", "Calls", "--channel", "call", "--not-started")
    ten("campaigns", "members", "calls", "--add", "Person 01")
    assert ten("campaigns", "start", "calls").stderr == "started campaign #1 Calls: no segment, 1 in all\n"


def test_start_twice_is_a_conflict(ten: Run, crm: Run, db_path: Path) -> None:
    ten("campaigns", "add", "Spring offer", "--segment", "berlin-vips")
    before = dump(db_path)
    refused(crm("campaigns", "start", "spring"), 5, "campaign 'Spring offer' started already")
    assert dump(db_path) == before


def test_members_by_hand_listed_with_their_responses(ten: Run, crm: Run) -> None:
    ten("campaigns", "add", "Fair", "--channel", "event")
    changed = ten("campaigns", "members", "fair", "--add", "Person 01", "--add", "p2@example.com", "--add", "Person 01")
    assert changed.stderr == "campaign #1 Fair: added 2 members (1 already in); 2 members in all\n"
    ten("campaigns", "respond", "fair", "Person 01", "meeting", "--at", "yesterday 3pm", "--note", "Met at the stand")
    out = ten("campaigns", "members", "fair", "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["name"], r["by_hand"], r["responses"]) for r in rows] == [("Person 01", "True", "meeting"),
                                                                         ("Person 02", "True", "")]
    assert ten("campaigns", "members", "fair", "-q").stdout == "1\n2\n"
    gone = ten("campaigns", "members", "fair", "--remove", "Person 01")
    assert gone.stderr == "campaign #1 Fair: removed 1 member and 1 response; 1 member in all\n"
    timeline = json.loads(ten("timeline", "Person 01", "-f", "json").stdout)
    assert [(e["type"], e["kind"], e["body"]) for e in timeline] == [
        ("interaction", "note", "Met at the stand")]  # the membership and its response went; the note stays


def test_a_member_s_timeline_shows_the_campaign_and_the_response(ten: Run) -> None:
    ten("campaigns", "add", "Spring offer", "--segment", "berlin-vips")
    ten("campaigns", "respond", "spring", "Person 02", "replied", "--at", "2026-03-05 09:00")
    lines = json.loads(ten("timeline", "Person 02", "-f", "json").stdout)
    assert [(e["type"], e["kind"], e["body"], e["occurred"]) for e in lines] == [
        ("campaign", "campaign", "added to campaign Spring offer", "2026-03-05T10:00:00Z"),
        ("response", "campaign response", "replied (campaign Spring offer)", "2026-03-05T09:00:00Z"),
    ]
    assert ten("timeline", "Person 02", "--kind", "campaign response", "-q").stdout == "1\n"
    assert ten("timeline", "Person 02", "--kind", "campaign", "-q").stdout == "1\n"


def test_log_for_a_campaign_on_the_real_clock_records_the_reply(ten: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the clock running (not pinned) the interaction is stamped a moment after the command
    starts: its response must not read as coming from the future (a "now" read too early did)."""
    ten("campaigns", "add", "Spring offer", "--segment", "berlin-vips")
    monkeypatch.delenv("CRMCLI_NOW")
    replied = ten("log", "Person 01", "Interested, call me", "--kind", "email", "--campaign", "spring")
    assert replied.stderr == "logged email #1 with Person 01 for campaign Spring offer (replied)\n"
    assert [r["replied"] for r in reported(ten)] == [1]


def test_log_for_a_campaign_records_the_response(ten: Run, crm: Run, db_path: Path) -> None:
    ten("campaigns", "add", "Spring offer", "--segment", "berlin-vips")
    replied = ten("log", "Person 01", "Interested, call me", "--kind", "email", "--direction", "in",
                  "--campaign", "spring")
    assert replied.stderr == "logged email #1 with Person 01 for campaign Spring offer (replied)\n"
    sent = ten("log", "Person 02", "Sent the offer", "--kind", "email", "--direction", "out", "--campaign", "spring")
    assert sent.stderr == "logged email #2 with Person 02 for campaign Spring offer\n"  # outgoing: no response
    ten("log", "Person 03", "Coffee", "--kind", "meeting", "--campaign", "spring")
    ten("log", "Person 05", "Bounced", "--kind", "note", "--campaign", "spring", "--response", "bounced")
    [row] = reported(ten)
    assert (row["replied"], row["meeting"], row["bounced"], row["responders"]) == (1, 1, 1, 2)

    before = dump(db_path)
    refused(crm("log", "Outsider", "Hello", "--kind", "email", "--campaign", "spring"), 2,
            "Outsider is not a member of campaign 'Spring offer'; add them first")
    refused(crm("log", "Person 01", "Hi", "--kind", "email", "--campaign", "spring", "--response", "liked"), 2,
            "unknown response 'liked'")
    refused(crm("log", "Person 01", "Hi", "--response", "replied"), 2, "--response needs --campaign")
    refused(crm("log", "Person 01", "Hi", "--campaign", "winter"), 3, "no campaign matches 'winter'")
    assert dump(db_path) == before  # nothing half-written: not even the interaction


def test_deals_edit_links_and_unlinks_a_campaign(ten: Run, crm: Run) -> None:
    ten("campaigns", "add", "Spring offer")
    ten("deals", "add", "Website", "--value", "500")
    ten("deals", "edit", "website", "--campaign", "spring")
    assert "campaign     #1 Spring offer" in ten("deals", "show", "website").stdout
    assert reported(ten)[0]["deals_opened"] == 1
    ten("deals", "edit", "website", "--no-campaign")
    assert reported(ten)[0]["deals_opened"] == 0
    refused(crm("deals", "edit", "website", "--campaign", "x", "--no-campaign"), 2,
            "--campaign and --no-campaign cannot be used together")
    refused(crm("deals", "add", "Other", "--campaign", "nope"), 3, "no campaign matches 'nope'")


@pytest.mark.parametrize("args, code, text", [
    (("campaigns", "respond", "winter", "Person 01", "replied"), 3, "no campaign matches 'winter'; see `crm campaigns list`"),
    (("campaigns", "respond", "spring", "Person 01", "liked"), 2, "unknown response 'liked'; use one of: replied, meeting"),
    (("campaigns", "respond", "spring", "Outsider", "replied"), 2,
     "Outsider is not a member of campaign 'Spring offer'; add them first: crm campaigns members"),
    (("campaigns", "respond", "spring", "Nobody", "replied"), 3, "no contact matches 'Nobody'"),
    (("campaigns", "respond", "spring", "Person 01", "replied", "--at", "tomorrow 9am"), 2,
     "a response cannot come in the future"),
    (("campaigns", "respond", "spring", "Person 01", "replied", "--at", "someday"), 2, "someday"),
    (("campaigns", "add", "Winter", "--cost", "lots EUR"), 2, "cannot read the amount"),
    (("campaigns", "add", "Winter", "--cost", "-5 EUR"), 2, "an amount cannot be negative"),
    (("campaigns", "add", "Winter", "--cost", "12.345 EUR"), 2, "EUR has 2 decimal places"),
    (("campaigns", "add", "Winter", "--channel", "fax"), 2, "unknown campaign channel 'fax'; use one of: email, call"),
    (("campaigns", "add", "spring OFFER"), 5, "a campaign named 'spring OFFER' exists already (#1)"),
    (("campaigns", "add", "Winter", "--segment", "nope"), 3, "no segment matches 'nope'"),
    (("campaigns", "add", " "), 2, "a campaign needs a name"),
    (("campaigns", "edit", "spring"), 2, "nothing to change"),
    (("campaigns", "edit", "spring", "--no-segment"), 2, "started already"),
    (("campaigns", "edit", "spring", "--ended", "2020-01-01"), 2, "cannot end before it starts"),
    (("campaigns", "edit", "spring", "--cost", "1 EUR", "--no-cost"), 2, "--cost and --no-cost cannot be used together"),
    (("campaigns", "members", "spring", "--remove", "Outsider"), 2, "Outsider is not a member"),
    (("campaigns", "members", "spring", "--add", "Person 01", "--remove", "Person 01"), 2,
     "a contact cannot be added and removed at once"),
    (("campaigns", "members", "spring", "--add", "Outsider", "-f", "json"), 2,
     "--add and --format cannot be used together"),
    (("campaigns", "report", "winter"), 3, "no campaign matches 'winter'"),
    (("campaigns", "show", "#99"), 3, "no campaign with id 99"),
    (("campaigns", "rm", "spring"), 2, "refused without --yes"),
])
def test_bad_input_is_one_line_and_writes_nothing(ten: Run, crm: Run, db_path: Path, args: tuple[str, ...],
                                                  code: int, text: str) -> None:
    ten("campaigns", "add", "Spring offer", "--segment", "berlin-vips", "--cost", "400 EUR")
    before = dump(db_path)
    refused(crm(*args), code, text)
    assert dump(db_path) == before


def test_a_do_not_contact_person_cannot_be_added_by_hand(ten: Run, crm: Run) -> None:
    ten("campaigns", "add", "Fair")
    ten("contacts", "edit", "Outsider", "--do-not-contact")
    refused(crm("campaigns", "members", "fair", "--add", "Outsider"), 2, "Outsider is marked do not contact")


def test_list_edit_and_rm(ten: Run, crm: Run) -> None:
    assert crm("campaigns", "list").stderr == "no campaigns yet\n"
    assert json.loads(ten("campaigns", "list", "-f", "json").stdout) == []
    ten("campaigns", "add", "Spring offer", "--segment", "berlin-vips", "--cost", "400 EUR", "--owner", "kim")
    ten("campaigns", "add", "Draft one", "--not-started", "--channel", "letter")
    listed = json.loads(ten("campaigns", "list", "-f", "json").stdout)
    assert [(c["name"], c["status"], c["members"], c["cost"], c["cost_currency"]) for c in listed] == [
        ("Draft one", "draft", 0, None, None), ("Spring offer", "running", 10, "400.00", "EUR")]
    assert ten("campaigns", "list", "--owner", "kim", "-q").stdout == "1\n"
    ten("campaigns", "edit", "spring", "--name", "Spring sale", "--cost", "1.200,50 EUR", "--ended", "today",
        "--note", "Went well")
    [row] = json.loads(ten("campaigns", "show", "spring sale", "-f", "json").stdout)
    assert (row["name"], row["cost"], row["status"], row["note"], row["version"]) == \
        ("Spring sale", "1200.50", "ended", "Went well", 2)
    refused(crm("campaigns", "edit", "spring sale", "--note", "x", "--if-version", "1"), 5, "")
    ten("deals", "add", "Kept", "--value", "10", "--campaign", "spring sale")
    gone = ten("campaigns", "rm", "spring sale", "--yes")
    assert gone.stderr == ("deleted campaign #1 Spring sale (10 members, 0 responses; 1 deal lose the link)\n")
    assert "\ncampaign " not in ten("deals", "show", "kept").stdout  # the deal stays, unlinked
    assert json.loads(ten("campaigns", "list", "-f", "json").stdout)[0]["name"] == "Draft one"


def test_report_machine_formats_share_the_columns(ten: Run) -> None:
    ten("campaigns", "add", "Spring offer", "--segment", "berlin-vips", "--cost", "400 EUR")
    header = ten("campaigns", "report", "-f", "csv").stdout.splitlines()[0]
    assert header == ("id,name,channel,status,members,replied,meeting,unsubscribed,bounced,responders,response_rate,"
                      "deals_opened,deals_won,won_value,cost,cost_currency,cost_per_response,cost_per_won_deal,"
                      "return_on_cost")
    tsv = ten("campaigns", "report", "spring", "-f", "tsv").stdout.splitlines()
    assert tsv[1].split("\t")[:5] == ["1", "Spring offer", "email", "running", "10"]
    nd = [json.loads(line) for line in ten("campaigns", "report", "-f", "ndjson").stdout.splitlines()]
    assert nd[0]["response_rate"] == "0.0" and nd[0]["return_on_cost"] == "-100.0"


def test_report_campaigns_is_the_same_report(ten: Run) -> None:
    ten("campaigns", "add", "Spring offer", "--segment", "berlin-vips", "--cost", "400 EUR")
    ten("campaigns", "respond", "spring", "Person 01", "meeting")
    assert ten("report", "campaigns", "-f", "json").stdout == ten("campaigns", "report", "-f", "json").stdout
    assert "Spring offer" in ten("report", "campaigns").stdout


def test_the_report_of_one_campaign_is_a_card_of_every_figure(ten: Run) -> None:
    ten("campaigns", "add", "Spring offer", "--segment", "berlin-vips", "--cost", "1000 EUR")
    ten("campaigns", "add", "Draft", "--not-started")
    for n, kind in ((1, "replied"), (2, "meeting"), (3, "bounced")):
        ten("campaigns", "respond", "spring", f"Person {n:02d}", kind)
    shown = ten("campaigns", "report", "spring").stdout
    assert shown.splitlines() == [
        "campaign #1: Spring offer",
        "members            10",
        "responses          1 replied, 1 meeting, 1 bounced",
        "response rate      20 % (2 of 10)",
        "deals              0 opened, 0 won",
        "cost               1,000.00 EUR",
        "cost per response  500.00 EUR",
        "return on cost     -100 %",
    ]
    table = ten("campaigns", "report").stdout.splitlines()
    assert table[0].split() == ["id", "name", "members", "rate", "responses", "won/deals", "won", "value", "cost",
                                "return"]
    assert [line.split()[:2] for line in table[1:]] == [["2", "Draft"], ["1", "Spring"]]  # drafts first


def test_log_eml_takes_no_campaign(ten: Run, crm: Run) -> None:
    ten("campaigns", "add", "Spring offer")
    refused(crm("log", "--eml", "mail.eml", "--campaign", "spring"), 2, "--eml and --campaign cannot be used together")


def test_history_and_undo_name_campaign_records(ten: Run) -> None:
    ten("campaigns", "add", "Spring offer", "--segment", "berlin-vips")
    ten("campaigns", "respond", "spring", "Person 01", "unsubscribed")
    [change] = [c for c in json.loads(ten("history", "Person 01", "-f", "json").stdout)
                if c["record"].startswith("campaign response")]
    assert (change["record"], change["action"], change["after"]) == \
        ("campaign response of contact #1 Person 01", "added", "unsubscribed to #1 Spring offer")
    undone = ten("undo", "--yes")
    assert undone.stderr.endswith(": 1 campaign response added, 1 contact changed\n")
    person = json.loads(ten("contacts", "show", "Person 01", "-f", "json").stdout)[0]
    assert person["do_not_contact_at"] is None  # undoing the response takes the mark back
    assert json.loads(ten("campaigns", "members", "spring", "-f", "json").stdout)[0]["responses"] == []
