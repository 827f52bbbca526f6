"""`crm remind --notify`: a desktop notification besides the list, only when one can be shown."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest

from tests.conftest import Run

MORNING = "2026-03-02T08:00:00Z"  # cron's morning run, pinned (CRMCLI_NOW)
DISPLAYS = ("DISPLAY", "WAYLAND_DISPLAY")


@pytest.fixture
def notify_send(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake `notify-send` first on PATH: each call leaves its arguments (NUL-separated) in a file of its own
    in the returned folder, and exits with $FAKE_NOTIFY_STATUS (0 unless a test sets it). No display is set."""
    bindir, calls = tmp_path / "bin", tmp_path / "notify-calls"
    bindir.mkdir()
    calls.mkdir()
    script = bindir / "notify-send"
    script.write_text("#!/bin/sh\n"
                      f"printf '%s\\0' \"$@\" > \"$(mktemp -p {shlex.quote(str(calls))} call.XXXXXX)\"\n"
                      "echo 'notify-send: cannot connect' >&2\n"
                      "exit \"${FAKE_NOTIFY_STATUS:-0}\"\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    for name in DISPLAYS:
        monkeypatch.delenv(name, raising=False)
    return calls


def _calls(folder: Path) -> list[list[str]]:
    return [path.read_text(encoding="utf-8").split("\0")[:-1] for path in sorted(folder.iterdir())]


@pytest.fixture
def due(ann: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """One follow-up a day late and one due today, as of the pinned morning."""
    monkeypatch.setenv("CRMCLI_NOW", MORNING)
    ann("fu", "add", "ann lee", "Send the quote", "--due", "2026-03-01")
    ann("fu", "add", "bob", "Call back about the invoice", "--due", "2026-03-02")
    return ann


@pytest.mark.parametrize("display", DISPLAYS)
def test_notify_shows_a_summary_and_the_list_when_there_is_a_display(due: Run, notify_send: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     display: str) -> None:
    plain = due("remind").stdout
    assert plain == ("Overdue (1)\n  #1 2026-03-01  Ann Lee: Send the quote (1 day late)\n\n"
                     "Due (1)\n  #2 2026-03-02  Bob Marsh: Call back about the invoice\n")
    assert _calls(notify_send) == []  # not without --notify
    monkeypatch.setenv(display, ":0" if display == "DISPLAY" else "wayland-0")
    notified = due("remind", "--notify")
    assert (notified.stdout, notified.stderr) == (plain, "")  # the list for cron's mail, as without --notify
    assert _calls(notify_send) == [["--app-name=crm", "crm: 2 to do, 1 overdue", plain]]


def test_notify_without_a_display_calls_nothing_and_says_nothing(due: Run, notify_send: Path) -> None:
    plain = due("remind").stdout
    notified = due("remind", "--notify")
    assert (notified.stdout, notified.stderr) == (plain, "") and plain.startswith("Overdue (1)\n")
    assert _calls(notify_send) == []


def test_notify_with_nothing_due_stays_silent(due: Run, notify_send: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    quiet = due("remind", "--notify", "--as-of", "2026-02-01")
    assert (quiet.stdout, quiet.stderr) == ("", "")
    assert _calls(notify_send) == []


def test_a_failing_notify_send_does_not_fail_the_cron_job(due: Run, notify_send: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("FAKE_NOTIFY_STATUS", "1")
    notified = due("remind", "--notify")  # `due` asserts exit code 0
    assert notified.stdout.startswith("Overdue (1)\n") and notified.stderr == ""
    assert len(_calls(notify_send)) == 1


# -- service cases: their own section -----------------------------------------------------------

FRIDAY_4PM = "2026-03-06T16:00:00Z"


def _case_at(db_path: Path, moment: str, contact: str, title: str, *, priority: str, moves: tuple[tuple[str, str], ...] = (),
             hours: str | None = "mon-fri 09:00-17:00 UTC") -> int:
    """A case opened at `moment` through the cases service (deadlines by its rules), then moved."""
    from datetime import datetime

    from crmcli.core import business_hours, cases, contacts
    from crmcli.storage.database import Database

    policy = cases.CasePolicy(hours=business_hours.parse(hours) if hours else None)
    db = Database.open(str(db_path))
    try:
        with db.session(write=True) as s:
            case = cases.add(s, contacts.resolve(s, contact), title, kind="complaint", priority=priority, owner="",
                             now=datetime.fromisoformat(moment), policy=policy)
            for status, at in moves:
                cases.set_status(s, case, status, now=datetime.fromisoformat(at), policy=policy)
            return case.id  # type: ignore[return-value]
    finally:
        db.dispose()


def test_an_urgent_complaint_on_friday_afternoon_is_in_mondays_reminder(ann: Run, db_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Hours mon-fri 09:00-17:00: opened Friday 16:00, urgent (4 h / 1 day): the response is due
    Monday 12:00, the resolution Monday 16:00; the customer's wait is not counted."""
    ann("config", "set", "business_hours", "mon-fri 09:00-17:00 UTC")
    case = _case_at(db_path, FRIDAY_4PM, "ann lee", "Invoice 1043 charged twice", priority="urgent")
    monkeypatch.setenv("CRMCLI_NOW", "2026-03-06T16:30:00Z")
    friday = ann("remind")
    assert friday.stdout == ("Cases (1)\n  case #1 2026-03-09 12:00  Ann Lee: Invoice 1043 charged twice "
                             "(urgent; response due)\n") and friday.stderr == ""
    monkeypatch.setenv("CRMCLI_NOW", "2026-03-09T12:30:00Z")  # Monday, half an hour past the response deadline
    assert ann("remind").stdout == ("Cases (1)\n  case #1 2026-03-09 12:00  Ann Lee: Invoice 1043 charged twice "
                                    "(urgent; response late)\n")
    rows = json.loads(ann("remind", "-f", "json").stdout)
    assert rows == [{"section": "cases", "id": case, "contact_id": 1, "contact": "Ann Lee",
                     "what": "Invoice 1043 charged twice (urgent; response late)", "due": "2026-03-09 12:00", "days": 0}]
    assert ann("remind", "-q").stdout == ""  # -q gives follow-up ids: a case's id would mean another record
    # Answered Monday 10:00, then waiting on the customer from 11:00 until Tuesday 11:00 (8 business hours)
    second = _case_at(db_path, FRIDAY_4PM, "bob", "Refund", priority="urgent",
                      moves=(("open", "2026-03-09T10:00:00Z"), ("waiting", "2026-03-09T11:00:00Z"),
                             ("open", "2026-03-10T11:00:00Z")))
    monkeypatch.setenv("CRMCLI_NOW", "2026-03-10T16:30:00Z")  # Monday 16:00 + 8 h of business time: Tuesday 16:00
    lines = ann("remind").stdout.splitlines()
    assert lines[0] == "Cases (2)" and lines[2] == f"  case #{second} 2026-03-10 16:00  Bob Marsh: Refund (urgent; resolution late)"
    monkeypatch.setenv("CRMCLI_NOW", "2026-03-10T15:30:00Z")  # the wait is not counted: not late yet
    assert ann("remind").stdout.splitlines()[2] == (f"  case #{second} 2026-03-10 16:00  Bob Marsh: Refund "
                                                    "(urgent; resolution due)")


def test_remind_says_nothing_about_cases_far_waiting_or_done(ann: Run, db_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _case_at(db_path, FRIDAY_4PM, "ann lee", "Far off", priority="low", hours=None)  # 2 days / 10 days
    _case_at(db_path, FRIDAY_4PM, "ann lee", "Waiting", priority="urgent", hours=None,
             moves=(("waiting", "2026-03-06T17:00:00Z"),))
    _case_at(db_path, FRIDAY_4PM, "ann lee", "Closed", priority="urgent", hours=None,
             moves=(("closed", "2026-03-06T17:00:00Z"),))
    monkeypatch.setenv("CRMCLI_NOW", "2026-03-07T09:00:00Z")
    for fmt, empty in (("table", ""), ("json", "[]\n"), ("csv", "section,id,contact_id,contact,what,due,days\n")):
        result = ann("remind", "-f", fmt)
        assert (result.stdout.replace("\r\n", "\n"), result.stderr) == (empty, ""), fmt
    monkeypatch.setenv("CRMCLI_NOW", "2026-03-07T16:30:00Z")  # the low one's response is due within 24 h
    assert ann("remind").stdout == ("Cases (1)\n  case #1 2026-03-08 16:00  Ann Lee: Far off (low; response due)\n")


def test_cases_come_after_the_follow_ups_and_before_keep_in_touch_in_crons_environment(
        ann: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_NOW", MORNING)
    ann("contacts", "edit", "anna", "--cadence", "every 7 days")
    ann("log", "anna", "Chat", "--at", "2026-02-01 10:00")
    ann("fu", "add", "ann lee", "Send the quote", "--due", "2026-03-01")
    ann("contacts", "add", "Zoë Øster")
    _case_at(db_path, "2026-02-20T09:00:00Z", "zoë", "Facture envoyée deux fois", priority="high", hours=None)
    env = {"LANG": "C", "PATH": "/usr/bin:/bin", "HOME": os.environ["HOME"], "TZ": "UTC", "CRMCLI_DB": str(db_path),
           "CRMCLI_NOW": MORNING}
    from tests.conftest import run_crm

    done = run_crm("remind", env=env)
    assert done.returncode == 0 and done.stderr == ""
    assert [line for line in done.stdout.splitlines() if line and not line.startswith(" ")] == [
        "Overdue (1)", "Cases (1)", "Keep in touch (1)"]
    assert "  case #1 2026-02-20 17:00  Zoë Øster: Facture envoyée deux fois (high; response 9 days late)" \
        in done.stdout.splitlines()
