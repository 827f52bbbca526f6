"""Follow-ups, cadences and `crm remind` as a user (and cron) drives them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run, dump


def _remind(ok: Run, *args: str) -> list[tuple[str, int]]:
    out = ok("remind", "-f", "json", *args).stdout
    return [(r["section"], r["id"]) for r in json.loads(out)] if out else []


@pytest.fixture
def agenda(ann: Run) -> Run:
    """Ann (every 30 days), Anna, Bob; follow-ups around 2026-03-05."""
    ann("contacts", "edit", "ann lee", "--cadence", "every 30 days")
    ann("log", "ann lee", "Last call", "--at", "2026-01-20 10:00")
    ann("log", "anna", "Recent chat", "--at", "2026-03-01 10:00")
    ann("log", "bob", "Old chat", "--at", "2025-10-01 10:00")
    ann("fu", "add", "ann lee", "Send the revised quote", "--due", "2026-03-02")          # 1: overdue on 03-05
    ann("fu", "add", "bob", "Call back", "--due", "2026-03-05 15:00")                      # 2: due 03-05
    ann("fu", "add", "anna", "Book the kickoff", "--due", "2026-03-06")                    # 3: due tomorrow
    ann("fu", "add", "anna", "Quarterly review", "--due", "2026-04-01")                    # 4: later
    return ann


def test_remind_as_of_lists_exactly_what_is_due(agenda: Run) -> None:
    assert _remind(agenda, "--as-of", "2026-03-05") == [("overdue", 1), ("due", 2), ("keep in touch", 1)]
    assert _remind(agenda, "--as-of", "2026-03-05", "--within", "1d") == [
        ("overdue", 1), ("due", 2), ("due", 3), ("keep in touch", 1)]
    text = agenda("remind", "--as-of", "2026-03-05").stdout
    assert text.splitlines() == [
        "Overdue (1)", "  #1 2026-03-02  Ann Lee: Send the revised quote (3 days late)", "",
        "Due (1)", "  #2 2026-03-05 15:00  Bob Marsh: Call back", "",
        "Keep in touch (1)", "  Ann Lee: every 30 days, 13 days over"]


def test_done_snooze_and_a_call_clear_the_next_run(agenda: Run) -> None:
    agenda("fu", "done", "1", "--log", "Sent it")
    agenda("fu", "snooze", "2", "2026-03-09")
    agenda("log", "ann lee", "Caught up", "--at", "2026-03-04 09:00")
    assert _remind(agenda, "--as-of", "2026-03-05") == []
    assert agenda("remind", "--as-of", "2026-03-05").stdout == ""
    timeline = [(t["type"], t["kind"], t["body"]) for t in json.loads(agenda("timeline", "ann lee", "-f", "json").stdout)]
    assert ("interaction", "call", "Sent it") in timeline  # done --log logged it
    assert ("follow-up", "follow-up done", "Send the revised quote") in timeline


def test_contact_card_shows_open_follow_ups(agenda: Run) -> None:
    card = agenda("contacts", "show", "anna").stdout
    assert "follow-ups (crm fu list -c for all)" in card
    assert "#3  Book the kickoff" in card and "#4  Quarterly review" in card


def test_list_orders_by_urgency(agenda: Run) -> None:
    data = json.loads(agenda("fu", "list", "-f", "json").stdout)
    assert [d["id"] for d in data] == [1, 2, 3, 4]
    assert data[0]["due"] == "2026-03-02" and data[0]["all_day"] is True
    assert data[1]["due"] == "2026-03-05T15:00:00Z" and data[1]["all_day"] is False
    assert agenda("fu", "list", "--contact", "anna", "-q").stdout == "3\n4\n"


def test_weekly_done_three_times_leaves_one_occurrence_three_weeks_on(ann: Run) -> None:
    ann("fu", "add", "bob", "Weekly check-in", "--due", "2026-03-02 09:00", "--every", "weekly")
    for n in (1, 2, 3):
        result = ann("fu", "done", str(n))
        assert f"next: follow-up #{n + 1}" in result.stderr
    open_ = json.loads(ann("fu", "list", "-f", "json").stdout)
    assert [(o["id"], o["due"], o["repeat"]) for o in open_] == [(4, "2026-03-23T09:00:00Z", "every week")]
    assert len(json.loads(ann("fu", "list", "--all", "-f", "json").stdout)) == 4


def test_recurrence_keeps_local_wall_clock_across_dst(ann: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/London")
    ann("fu", "add", "bob", "Standup", "--due", "2026-03-23 09:00", "--every", "weekly")
    ann("fu", "done", "1")
    nxt = json.loads(ann("fu", "show", "2", "-f", "json").stdout)[0]
    assert nxt["due"] == "2026-03-30T08:00:00Z"  # 09:00 BST


@pytest.mark.parametrize(("args", "code", "message"), [
    (("fu", "add", "bob", "x", "--due", "fribday"), 2, "cannot read the date 'fribday'"),
    (("fu", "add", "nobody", "x"), 3, "no contact matches"),
    (("fu", "add", "bob", "x", "--every", "every blue moon"), 2, "cannot read the recurrence"),
    (("fu", "done", "99"), 3, "no follow-up with id 99"),
    (("fu", "snooze", "99", "2 days"), 3, "no follow-up with id 99"),
    (("fu", "snooze", "1", "someday"), 2, "cannot read the date 'someday'"),
    (("fu", "edit", "1"), 2, "nothing to change"),
    (("fu", "rm", "1"), 2, "refused without --yes"),
    (("log", "bob", "Called", "--follow-up", "no colon here"), 2, "--follow-up takes WHEN: WHAT"),
    (("log", "bob", "Called", "--follow-up", "blursday: x"), 2, "cannot read the date 'blursday'"),
    (("contacts", "edit", "bob", "--cadence", "sometimes"), 2, "cannot read the cadence"),
    (("remind", "--as-of", "yesteryear"), 2, "cannot read the date"),
])
def test_bad_follow_up_input_changes_nothing(ann: Run, crm: Run, db_path: Path, args: tuple[str, ...], code: int,
                                             message: str) -> None:
    ann("fu", "add", "bob", "Existing", "--due", "2026-03-02")
    before = dump(db_path)
    result = crm(*args)
    assert result.exit_code == code, result.stderr
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert dump(db_path) == before


def test_done_twice_is_a_conflict(ann: Run, crm: Run, db_path: Path) -> None:
    ann("fu", "add", "bob", "Once", "--due", "2026-03-02")
    ann("fu", "done", "1")
    before = dump(db_path)
    result = crm("fu", "done", "1", "--log", "again")
    assert result.exit_code == 5 and "already done" in result.stderr
    assert dump(db_path) == before


def test_log_with_follow_up(ann: Run) -> None:
    result = ann("log", "bob", "Called about the quote", "--follow-up", "2026-03-06: send the revised quote")
    assert "added follow-up #1 for Bob Marsh, due 2026-03-06" in result.stderr
    item = json.loads(ann("fu", "show", "1", "-f", "json").stdout)[0]
    assert (item["title"], item["due"], item["contact"]) == ("send the revised quote", "2026-03-06", "Bob Marsh")


def test_snooze_by_duration_and_edit(ann: Run) -> None:
    ann("fu", "add", "bob", "Ping", "--due", "2020-01-01")
    ann("fu", "snooze", "1", "3 days")
    item = json.loads(ann("fu", "show", "1", "-f", "json").stdout)[0]
    assert item["status"] == "upcoming"
    ann("fu", "edit", "1", "--title", "Ping again", "--due", "2030-05-05 10:00", "--every", "monthly",
        "--note", "ask about Q2", "--contact", "anna")
    item = json.loads(ann("fu", "show", "1", "-f", "json").stdout)[0]
    assert (item["title"], item["due"], item["repeat"], item["note"], item["contact"]) == (
        "Ping again", "2030-05-05T10:00:00Z", "every month", "ask about Q2", "Anna Berg")
    ann("fu", "edit", "1", "--no-repeat")
    assert json.loads(ann("fu", "show", "1", "-f", "json").stdout)[0]["repeat"] is None
    ann("fu", "rm", "1", "--yes")
    assert ann("fu", "list", "--all", "-q").stdout == ""


def test_cold_contacts_most_overdue_first(agenda: Run) -> None:
    agenda("contacts", "edit", "anna", "--cadence", "every 2 weeks")
    cold = json.loads(agenda("contacts", "list", "--cold", "-f", "json").stdout)
    # As of now (2026-11-24 in the real clock or later), both are past their cadence; Ann longer.
    assert [c["name"] for c in cold] == ["Ann Lee", "Anna Berg"]
    assert cold[0]["cadence_days"] == 30
    wider = [c["name"] for c in json.loads(agenda("contacts", "list", "--cold-after", "90d", "-f", "json").stdout)]
    assert wider == ["Bob Marsh", "Ann Lee", "Anna Berg"]
    agenda("contacts", "edit", "ann lee", "--no-cadence")
    assert [c["name"] for c in json.loads(agenda("contacts", "list", "--cold", "-f", "json").stdout)] == ["Anna Berg"]


def test_deleting_a_contact_says_it_takes_its_follow_ups(ann: Run) -> None:
    ann("fu", "add", "bob", "One")
    ann("fu", "add", "bob", "Two")
    assert "2 follow-ups" in ann("contacts", "rm", "bob", "--yes").stderr
    assert ann("fu", "list", "--all", "-q").stdout == ""


def test_remind_under_cron_is_silent_when_nothing_is_due(isolated: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(isolated), "LANG": "C", "LC_ALL": "C",
           "XDG_DATA_HOME": str(isolated / ".local" / "share"), "XDG_CONFIG_HOME": str(isolated / ".config")}
    crm = str(Path(sys.executable).with_name("crm"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([crm, *args], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=30)

    run("contacts", "add", "Zoë Øster")
    quiet = run("remind")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    run("fu", "add", "zoe", "Envoyer le devis révisé", "--due", "2026-01-05")
    due = run("remind", "--notify")
    assert due.returncode == 0 and due.stderr == ""
    assert "Zoë Øster: Envoyer le devis révisé" in due.stdout


def test_within_counts_days_and_weeks(agenda: Run, crm: Run) -> None:
    assert ("due", 4) not in _remind(agenda, "--as-of", "2026-03-05", "--within", "2w")
    assert ("due", 3) in _remind(agenda, "--as-of", "2026-03-05", "--within", "1w")
    assert ("due", 4) in _remind(agenda, "--as-of", "2026-03-05", "--within", "4 weeks")
    bad = crm("remind", "--within", "3h")
    assert bad.exit_code == 2 and "whole days" in bad.stderr


def test_cold_as_of_a_fixed_day(agenda: Run) -> None:
    # Ann: last call 2026-01-20, every 30 days -> due for contact from 2026-02-19.
    assert agenda("contacts", "list", "--cold", "--as-of", "2026-02-18", "-q").stdout == ""
    assert agenda("contacts", "list", "--cold", "--as-of", "2026-02-25", "-q").stdout == "1\n"
    table = agenda("contacts", "list", "--cold", "--as-of", "2026-02-25").stdout
    assert table.splitlines()[0].split() == ["id", "name", "org", "emails", "cadence_days", "last_contact"]
