"""`crm contacts edit --do-not-contact [--reason] | --contactable` as a user drives it: the card,
the timeline and the history show the mark; `crm remind`, `contacts list --cold` and
`crm export contacts --mailing` leave the contact out; `fu list` keeps its follow-ups."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Run

PINNED = "2026-03-05T10:30:00Z"  # Thursday; TZ=UTC (tests/conftest.py)


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_NOW", PINNED)


@pytest.fixture
def overdue(ann: Run) -> Run:
    """Ann Lee past her cadence (every 30 days, last call 2026-01-20) with a follow-up overdue;
    Bob with one due today."""
    ann("contacts", "edit", "ann lee", "--cadence", "every 30 days")
    ann("log", "ann lee", "Last call", "--at", "2026-01-20 10:00")
    ann("fu", "add", "ann lee", "Send the revised quote", "--due", "2026-03-02")
    ann("fu", "add", "bob", "Call back", "--due", "2026-03-05 15:00")
    return ann


def _card(ok: Run, ref: str) -> dict:  # type: ignore[type-arg]
    return json.loads(ok("contacts", "show", ref, "-f", "json").stdout)[0]


def test_the_acceptance_point_remind_leaves_a_marked_contact_out_and_takes_it_back(overdue: Run) -> None:
    before = overdue("remind", "--as-of", "2026-03-05").stdout
    assert before.splitlines() == [
        "Overdue (1)", "  #1 2026-03-02  Ann Lee: Send the revised quote (3 days late)", "",
        "Due (1)", "  #2 2026-03-05 15:00  Bob Marsh: Call back", "",
        "Keep in touch (1)", "  Ann Lee: every 30 days, 13 days over"]
    marked = overdue("contacts", "edit", "ann lee", "--do-not-contact", "--reason", "asked by email")
    assert (marked.stdout, marked.stderr) == ("", "updated contact #1 Ann Lee\n")
    after = overdue("remind", "--as-of", "2026-03-05")
    assert (after.stdout, after.stderr) == ("Due (1)\n  #2 2026-03-05 15:00  Bob Marsh: Call back\n", "")
    assert "Ann Lee" not in overdue("remind", "--as-of", "2026-03-05", "-f", "json").stdout
    assert overdue("remind", "--as-of", "2026-03-05", "-q").stdout == "2\n"
    overdue("fu", "done", "2")
    silent = overdue("remind", "--as-of", "2026-03-05")
    assert (silent.exit_code, silent.stdout, silent.stderr) == (0, "", "")  # cron mails nothing
    assert overdue("remind", "--as-of", "2026-03-05", "-f", "json").stdout == "[]\n"
    overdue("contacts", "edit", "ann", "--contactable")
    assert overdue("remind", "--as-of", "2026-03-05").stdout.splitlines() == [
        "Overdue (1)", "  #1 2026-03-02  Ann Lee: Send the revised quote (3 days late)", "",
        "Keep in touch (1)", "  Ann Lee: every 30 days, 13 days over"]


def test_the_card_shows_the_mark_and_json_carries_its_fields(overdue: Run) -> None:
    overdue("contacts", "edit", "ann lee", "--do-not-contact", "--reason", "asked by email")
    table = overdue("contacts", "show", "ann lee").stdout.splitlines()
    assert table[:2] == ["Ann Lee  #1", "do not contact  since 2026-03-05 10:30 (asked by email)"]
    card = _card(overdue, "ann lee")
    assert (card["do_not_contact_at"], card["do_not_contact_reason"]) == ("2026-03-05T10:30:00Z", "asked by email")
    bob = _card(overdue, "bob")
    assert (bob["do_not_contact_at"], bob["do_not_contact_reason"]) == (None, None)
    assert not any(line.startswith("do not contact") for line in overdue("contacts", "show", "bob").stdout.splitlines())
    overdue("contacts", "edit", "ann lee", "--contactable")
    assert (_card(overdue, "ann lee")["do_not_contact_at"], _card(overdue, "ann lee")["do_not_contact_reason"]) == \
        (None, None)


def test_a_contact_can_be_added_marked(ok: Run) -> None:
    ok("contacts", "add", "Dee Dee", "-e", "dee@example.com", "--do-not-contact", "--reason", "unsubscribed")
    ok("contacts", "add", "Eve", "--do-not-contact")
    assert _card(ok, "dee")["do_not_contact_reason"] == "unsubscribed"
    assert _card(ok, "eve")["do_not_contact_at"] == "2026-03-05T10:30:00Z"
    assert ok("export", "contacts", "--mailing").stdout == "email,first_name,last_name,name,org,tags,uid\n"


def test_if_version_and_the_history_cover_the_mark(ann: Run, crm: Run) -> None:
    version = _card(ann, "ann lee")["version"]
    ann("contacts", "edit", "ann lee", "--do-not-contact", "--if-version", str(version))
    stale = crm("contacts", "edit", "ann lee", "--contactable", "--if-version", str(version))
    assert stale.exit_code == 5 and "(do_not_contact_at)" in stale.stderr
    assert _card(ann, "ann lee")["do_not_contact_at"] == "2026-03-05T10:30:00Z"  # nothing saved
    changes = json.loads(ann("history", "ann lee", "-f", "json").stdout)
    assert [(c["field"], c["before"], c["after"]) for c in changes if c["field"] == "do_not_contact_at"] == [
        ("do_not_contact_at", "", "2026-03-05 10:30")]
    assert changes[0]["command"] == f"crm contacts edit 'ann lee' --do-not-contact --if-version {version}"


def test_the_timeline_says_since_when_and_lists_the_mark(overdue: Run) -> None:
    overdue("contacts", "edit", "ann lee", "--do-not-contact", "--reason", "asked by email")
    shown = overdue("timeline", "ann lee")
    assert shown.stderr == "Ann Lee: do not contact since 2026-03-05 10:30 (asked by email)\n"
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["type", "id", "occurred", "kind", "direction", "contacts", "body"]
    assert lines[1].split() == ["contact", "1", "2026-03-05", "10:30", "do", "not", "contact", "Ann", "Lee", "asked",
                                "by", "email"]
    entries = json.loads(overdue("timeline", "ann lee", "-f", "json").stdout)
    assert overdue("timeline", "ann lee", "-f", "json").stderr == ""  # machine formats: the entry only
    assert entries[0] | {"uid": None} == {
        "type": "contact", "id": 1, "uid": None, "occurred": "2026-03-05T10:30:00Z", "kind": "do not contact",
        "direction": None, "contacts": ["Ann Lee"], "body": "asked by email", "created": "2026-03-05T10:30:00Z",
        "updated": "2026-03-05T10:30:00Z", "case": None}
    assert overdue("timeline", "ann lee", "-k", "do not contact", "-q").stdout == "1\n"
    overdue("contacts", "edit", "ann lee", "--contactable")
    cleared = overdue("timeline", "ann lee")
    assert cleared.stderr == "" and "do not contact" not in cleared.stdout


def test_follow_ups_stay_listed_and_adding_one_says_reminders_leave_it_out(overdue: Run) -> None:
    overdue("contacts", "edit", "ann lee", "--do-not-contact")
    listed = overdue("fu", "list", "-f", "json").stdout
    assert [f["contact"] for f in json.loads(listed)] == ["Ann Lee", "Bob Marsh"]
    added = overdue("fu", "add", "ann lee", "Send the brochure", "-q")
    assert (added.stdout, added.stderr) == (
        "3\n", "Ann Lee is marked do not contact: reminders leave out follow-ups for them\n")
    logged = overdue("log", "ann lee", "She called", "--follow-up", "fri: call back")
    assert logged.stderr.splitlines()[-1] == "Ann Lee is marked do not contact: reminders leave out follow-ups for them"
    assert "marked" not in overdue("fu", "add", "bob", "Two").stderr


def test_cold_lists_leave_a_marked_contact_out(overdue: Run) -> None:
    assert overdue("contacts", "list", "--cold", "-q").stdout == "1\n"
    overdue("contacts", "edit", "ann lee", "--do-not-contact")
    cold = overdue("contacts", "list", "--cold")
    assert (cold.stdout, cold.stderr) == ("", "nobody is due for contact\n")
    silent = overdue("contacts", "list", "--cold", "--cold-after", "1 week", "--as-of", "2026-03-20", "-q")
    assert silent.stdout == "2\n3\n"  # Anna and Bob, silent since added; Ann, marked, is not


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "ndjson"])
def test_the_mailing_export_has_one_row_per_contact_that_may_be_written_to(ok: Run, fmt: str) -> None:
    ok("contacts", "add", "Ann Lee", "-e", "work:ann@acme.example", "-e", "ann@home.example", "--org", "Acme Ltd",
       "-t", "client", "-t", "vip")
    ok("contacts", "add", "Bob Marsh", "-e", "bob@acme.example", "--do-not-contact", "--reason", "unsubscribed")
    ok("contacts", "add", "Cher")  # no email
    ok("contacts", "add", "José María Núñez", "-e", "jose@nunez.example")
    out = ok("export", "contacts", "--mailing", "--format", fmt)
    assert out.stderr == ""
    if fmt in ("csv", "tsv"):
        rows = list(csv.DictReader(io.StringIO(out.stdout, newline=""), delimiter="," if fmt == "csv" else "\t"))
    elif fmt == "json":
        rows = json.loads(out.stdout)
    else:
        rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [list(r)[:6] for r in rows[:1]] == [["email", "first_name", "last_name", "name", "org", "tags"]]
    tags = "client; vip" if fmt in ("csv", "tsv") else ["client", "vip"]
    empty = "" if fmt in ("csv", "tsv") else None
    assert [(r["email"], r["first_name"], r["last_name"], r["name"], r["org"]) for r in rows] == [
        ("ann@acme.example", "Ann", "Lee", "Ann Lee", "Acme Ltd"),
        ("jose@nunez.example", "José María", "Núñez", "José María Núñez", empty)]
    assert rows[0]["tags"] == tags and len(rows[0]["uid"]) == 36


def test_the_mailing_export_to_a_file_says_how_many(ok: Run, tmp_path: Path) -> None:
    ok("contacts", "add", "Ann Lee", "-e", "ann@acme.example")
    ok("contacts", "add", "Bob Marsh", "-e", "bob@acme.example", "--do-not-contact")
    target = tmp_path / "list.csv"
    done = ok("export", "contacts", "--mailing", "-o", str(target))
    assert (done.stdout, done.stderr) == ("", f"wrote 1 contacts to {target}\n")
    assert target.read_text(encoding="utf-8").splitlines()[1].startswith("ann@acme.example,Ann,Lee,Ann Lee,,,")
    whole = ok("export", "contacts").stdout.splitlines()
    assert whole[0].endswith(",owner,do_not_contact_at,do_not_contact_reason") and len(whole) == 3
    assert whole[2].endswith(",2026-03-05T10:30:00Z,")
