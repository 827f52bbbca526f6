"""Follow-ups, cadences and `crm remind` as a user (and cron) drives them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run, dump

# Every test here runs at one pinned instant (crmcli/core/clock.py): Thursday 2026-03-05 10:30 UTC
# (the conftest sets TZ=UTC), the day the agenda below is built around. Nothing depends on today.
PINNED = "2026-03-05T10:30:00Z"
README = Path(__file__).parents[2] / "README.md"


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_NOW", PINNED)


def _show(ok: Run, fid: int) -> dict:  # type: ignore[type-arg]
    return json.loads(ok("fu", "show", str(fid), "-f", "json").stdout)[0]


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
    assert [d["status"] for d in data] == ["overdue", "today", "upcoming", "upcoming"]  # as of the pinned 03-05
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
    (("contacts", "list", "--cold-after", "abc"), 2,
     "crm: cannot read the length of time 'abc'; try: 90d, 6 weeks, 3 months, 1 year\n"),
    (("contacts", "list", "--cold-after", "every monday"), 2, "cannot read the length of time 'every monday'"),
    (("contacts", "list", "--cold-after", "3h"), 2, "a length of silence counts whole days, not '3h'"),
    (("remind", "--within", "abc"), 2, "crm: cannot read the length of time 'abc'; try: 0d, 1d, 2w, 1 month\n"),
    (("fu", "snooze", "1", "yesterday"), 2,
     "crm: cannot snooze follow-up #1 to 2026-03-04: that is in the past; give a later day or a length of time "
     "such as 2 days\n"),
    (("fu", "snooze", "1", "today 9am"), 2, "cannot snooze follow-up #1 to 2026-03-05 09:00: that is in the past"),
    (("fu", "snooze", "1", "--", "-2d"), 2, "cannot snooze follow-up #1 to 2026-03-03: that is in the past"),
    (("fu", "snooze", "1", "2026-03-01"), 2, "that is in the past"),
    (("fu", "snooze", "1", "last week"), 2, "'last week' is a period, not a due date"),
    (("fu", "add", "bob", "x", "--due", "this month"), 2, "'this month' is a period, not a due date"),
    (("fu", "add", "bob", "x", "--deal", "nothing like it"), 3, "no deal"),
    (("remind", "--as-of", "yesteryear"), 2, "cannot read the date"),
])
def test_bad_follow_up_input_changes_nothing(ann: Run, crm: Run, db_path: Path, args: tuple[str, ...], code: int,
                                             message: str) -> None:
    ann("fu", "add", "bob", "Existing", "--due", "2026-03-02")
    before = dump(db_path)
    result = crm(*args)
    assert result.exit_code == code, result.stderr
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert result.stdout == ""
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
    assert ann("fu", "snooze", "1", "3 days").stderr == "follow-up #1 now due 2026-03-08\n"  # overdue: from now
    item = _show(ann, 1)
    assert (item["due"], item["all_day"], item["status"]) == ("2026-03-08", True, "upcoming")
    ann("fu", "edit", "1", "--title", "Ping again", "--due", "2030-05-05 10:00", "--every", "monthly",
        "--note", "ask about Q2", "--contact", "anna")
    item = _show(ann, 1)
    assert (item["title"], item["due"], item["repeat"], item["note"], item["contact"]) == (
        "Ping again", "2030-05-05T10:00:00Z", "every month", "ask about Q2", "Anna Berg")
    ann("fu", "edit", "1", "--no-repeat")
    assert _show(ann, 1)["repeat"] is None
    ann("fu", "rm", "1", "--yes")
    assert ann("fu", "list", "--all", "-q").stdout == ""


@pytest.mark.parametrize(("due", "until", "after"), [
    ("2026-03-10", "2 days", "2026-03-12"),                      # not yet due: from the due date
    ("2026-03-05", "2 days", "2026-03-07"),                      # due today: the same either way
    ("2026-03-02", "2 days", "2026-03-07"),                      # overdue: from now, not to 03-04 (still past)
    ("2026-03-02", "1w", "2026-03-12"),
    ("2026-03-06 15:00", "4h", "2026-03-06T19:00:00Z"),          # timed, not yet due: from its time
    ("2026-03-05 09:00", "2h", "2026-03-05T12:30:00Z"),          # timed, overdue: from now (10:30)
    ("2026-03-02", "monday", "2026-03-09"),                      # a date is the new due date
    ("2026-03-02", "next friday 9am", "2026-03-06T09:00:00Z"),
    ("2026-03-10", "today", "2026-03-05"),                       # today is not the past
    ("2026-03-10", "11:00", "2026-03-05T11:00:00Z"),
])
def test_snooze_counts_from_the_due_date_or_from_now_once_overdue(ann: Run, due: str, until: str,
                                                                   after: str) -> None:
    ann("fu", "add", "bob", "Ping", "--due", due)
    ann("fu", "snooze", "1", until)
    item = _show(ann, 1)
    assert item["due"] == after
    assert item["status"] != "overdue"


def _words(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


def test_snooze_rule_is_the_same_in_help_readme_and_code(ann: Run) -> None:
    rule = "counts from the due date, or from now once it is overdue"
    assert rule in _words(ann("fu", "snooze", "--help").stdout)
    row = next(line for line in README.read_text(encoding="utf-8").splitlines() if "`snooze ID WHEN" in line)
    assert rule in _words(row) and "never into the past" in row
    from crmcli.core import followups

    assert rule in _words(followups.snooze.__doc__ or "")


def test_add_names_the_deal_it_serves(ann: Run) -> None:
    ann("deals", "add", "Website redesign", "-c", "ann lee", "-v", "12000", "--currency", "EUR")
    result = ann("fu", "add", "ann", "Send the proposal", "--due", "2026-12-04", "--deal", "website")
    assert (result.stdout, result.stderr) == (
        "", "added follow-up #1 for Ann Lee, due 2026-12-04, for deal #1 Website redesign\n")
    item = _show(ann, 1)
    assert (item["deal_id"], item["deal"]) == (1, "Website redesign")
    plain = ann("fu", "add", "ann", "No deal here", "--due", "2026-12-05", "--every", "monthly")
    assert plain.stderr == "added follow-up #2 for Ann Lee, due 2026-12-05, every month\n"
    assert ann("fu", "add", "ann", "Quiet", "--deal", "1", "-q").stdout == "3\n"


def test_due_dates_read_lengths_and_next_periods(ann: Run) -> None:
    ann("fu", "add", "bob", "In two weeks", "--due", "2w")
    ann("fu", "add", "bob", "Next month", "--due", "next month")
    ann("fu", "add", "bob", "Next week", "--due", "next week")
    assert [_show(ann, n)["due"] for n in (1, 2, 3)] == ["2026-03-19", "2026-04-01", "2026-03-09"]


def test_cold_contacts_most_overdue_first(agenda: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    agenda("contacts", "edit", "anna", "--cadence", "every 2 weeks")
    assert agenda("contacts", "list", "--cold", "-q").stdout == "1\n"  # 03-05: Anna spoke 4 days ago
    monkeypatch.setenv("CRMCLI_NOW", "2026-03-20T10:30:00Z")
    # Ann: 59 days since 01-20 (every 30 days), Anna: 19 days since 03-01 (every 14), Bob: none, 170 days.
    cold = json.loads(agenda("contacts", "list", "--cold", "-f", "json").stdout)
    assert [(c["name"], c["cadence_days"]) for c in cold] == [("Ann Lee", 30), ("Anna Berg", 14)]
    wider = [c["name"] for c in json.loads(agenda("contacts", "list", "--cold-after", "90d", "-f", "json").stdout)]
    assert wider == ["Bob Marsh", "Ann Lee", "Anna Berg"]
    assert agenda("contacts", "list", "--cold-after", "3 months", "-q").stdout == "3\n1\n2\n"
    assert agenda("contacts", "list", "--cold-after", "6 months", "-q").stdout == "1\n2\n"  # Bob: 170 < 180
    agenda("contacts", "edit", "ann lee", "--no-cadence")
    assert [c["name"] for c in json.loads(agenda("contacts", "list", "--cold", "-f", "json").stdout)] == ["Anna Berg"]


def test_deleting_a_contact_says_it_takes_its_follow_ups(ann: Run) -> None:
    ann("fu", "add", "bob", "One")
    ann("fu", "add", "bob", "Two")
    assert "2 follow-ups" in ann("contacts", "rm", "bob", "--yes").stderr
    assert ann("fu", "list", "--all", "-q").stdout == ""


def test_remind_under_cron_is_silent_when_nothing_is_due(isolated: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(isolated), "LANG": "C", "LC_ALL": "C", "CRMCLI_NOW": PINNED,
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
    assert due.stdout.splitlines() == ["Overdue (1)", "  #1 2026-01-05  Zoë Øster: Envoyer le devis révisé (59 days late)"]


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
