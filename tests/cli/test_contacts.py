"""`crm contacts ...` as a user drives it: what they see on stdout, stderr, and the exit code."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Iterator

import pytest

from tests.conftest import Run


def test_add_then_show_has_every_detail(ann: Run) -> None:
    out = ann("contacts", "show", "ann lee").stdout
    for expected in ("Ann Lee", "CTO", "Acme Ltd", "ann@acme.example", "+44 20 7946 0000", "client, vip",
                     "source = referral"):
        assert expected in out


def test_add_reports_on_stderr_and_quiet_prints_the_id(ok: Run) -> None:
    result = ok("contacts", "add", "Cleo Park", "--org", "Park Studio")
    assert result.stdout == ""
    assert "created organisation #1 Park Studio" in result.stderr
    assert "added contact #1 Cleo Park" in result.stderr
    assert ok("contacts", "add", "Dan Park", "-q").stdout == "2\n"


def test_add_links_to_existing_org_by_fragment(ann: Run) -> None:
    result = ann("contacts", "add", "Carl Acme", "--org", "acme")
    assert "created organisation" not in result.stderr
    assert "Carl Acme" in ann("orgs", "show", "Acme Ltd").stdout


def test_list_csv_reads_back_with_every_field(ann: Run) -> None:
    out = ann("contacts", "list", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [r["name"] for r in rows] == ["Ann Lee", "Anna Berg", "Bob Marsh"]
    assert list(rows[0]) == ["id", "uid", "name", "title", "org", "emails", "phones", "tags", "fields", "cadence_days",
                             "last_contact", "created", "updated", "owner", "do_not_contact_at", "do_not_contact_reason"]
    first = rows[0]
    assert first["emails"] == "ann@acme.example"
    assert first["phones"] == "+442079460000"
    assert first["tags"] == "client; vip"
    assert json.loads(first["fields"]) == {"source": "referral"}
    assert first["org"] == "Acme Ltd" and first["title"] == "CTO"
    assert first["created"].endswith("Z") and len(first["uid"]) == 36
    assert rows[1]["title"] == "" and rows[1]["fields"] == ""


def test_list_json_and_ndjson_parse(ann: Run) -> None:
    data = json.loads(ann("contacts", "list", "--format", "json").stdout)
    assert data[0]["emails"] == ["ann@acme.example"] and data[0]["tags"] == ["client", "vip"]
    assert data[0]["fields"] == {"source": "referral"} and data[1]["fields"] == {}
    lines = ann("contacts", "list", "--format", "ndjson").stdout.splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["Ann Lee", "Anna Berg", "Bob Marsh"]


def test_list_filters_sorts_limits_and_quiet(ann: Run) -> None:
    assert ann("contacts", "list", "--tag", "vip", "-q").stdout == "1\n"
    assert ann("contacts", "list", "--org", "acme", "-q").stdout == "1\n3\n"
    assert ann("contacts", "list", "--sort", "created", "--limit", "2", "-q").stdout == "1\n2\n"
    assert ann("contacts", "list", "--tag", "nobody-has-this", "-f", "csv").stdout.count("\n") == 1


def test_empty_list_says_so_on_stderr(ok: Run) -> None:
    result = ok("contacts", "list")
    assert result.stdout == "" and "no matching rows" in result.stderr


@pytest.fixture
def zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The local zone named by the test's parameter (TZ, and the C library's view of it), UTC again after."""
    with monkeypatch.context() as patch:
        patch.setenv("TZ", request.param)
        time.tzset()
        yield request.param
    time.tzset()


# A call logged at 02:00 local time on 2 March: in Kolkata (UTC+05:30) that is still 1 March in UTC;
# in New York (EST, UTC-05:00) 21:00 on 1 March is already 2 March in UTC. "Now" is pinned one hour later.
@pytest.mark.parametrize(("zone", "local", "utc", "now_local", "now_utc"), [
    ("Asia/Kolkata", "2026-03-02 02:00", "2026-03-01T20:30:00Z", "2026-03-02 03:00", "2026-03-01T21:30:00Z"),
    ("America/New_York", "2026-03-01 21:00", "2026-03-02T02:00:00Z", "2026-03-01 22:00", "2026-03-02T03:00:00Z"),
], indirect=["zone"])
def test_table_view_shows_local_time_and_machine_formats_utc(zone: str, ann: Run, monkeypatch: pytest.MonkeyPatch,
                                                             local: str, utc: str, now_local: str,
                                                             now_utc: str) -> None:
    monkeypatch.setenv("CRMCLI_NOW", now_utc)
    ann("log", "ann lee", "Called about the quote", "--at", local)
    ann("contacts", "add", "Cleo Park")

    lines = ann("contacts", "list").stdout.splitlines()
    assert lines[0].split() == ["id", "name", "title", "org", "emails", "phones", "tags", "last_contact"]
    ann_row = next(line for line in lines if "Ann Lee" in line)
    assert ann_row.endswith(f"  {local}")  # local wall-clock time, to the minute, not the stored UTC
    assert f"created  {now_local}\n" in ann("contacts", "show", "cleo").stdout

    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(ann("contacts", "list", "-f", "csv").stdout,
                                                              newline=""))}
    assert rows["Ann Lee"]["last_contact"] == utc and rows["Cleo Park"]["created"] == now_utc
    data = {d["name"]: d for d in json.loads(ann("contacts", "list", "-f", "json").stdout)}
    assert data["Ann Lee"]["last_contact"] == utc and data["Cleo Park"]["created"] == now_utc


def test_references_by_id_email_and_accent_free_fragment(ok: Run) -> None:
    ok("contacts", "add", "Zoë Øster", "--email", "zoe@oster.example")
    for ref in ("1", "#1", "zoe@oster.example", "ZOE@OSTER.EXAMPLE", "zoe", "oster", "ZOË ØSTER"):
        assert "Zoë Øster" in ok("contacts", "show", ref).stdout


def test_whole_word_match_wins_over_part_of_a_word(ann: Run, crm: Run) -> None:
    # "ann" is a word of "Ann Lee" but only part of "Anna Berg".
    assert "Ann Lee" in ann("contacts", "show", "ann").stdout
    assert "Anna Berg" in ann("contacts", "show", "anna").stdout
    ann("contacts", "add", "Ann Park")
    two = crm("contacts", "show", "ann")
    assert two.exit_code == 4
    assert "#1 Ann Lee <ann@acme.example>, #4 Ann Park; use the id" in two.stderr and "Anna" not in two.stderr


def test_exact_name_wins_over_longer_names(ann: Run) -> None:
    ann("contacts", "add", "Ann")
    assert ann("contacts", "show", "ann", "-f", "json").stdout.count('"name": "Ann"') == 1


def test_edit_changes_everything_at_once(ann: Run) -> None:
    ann("contacts", "edit", "ann lee", "--name", "Ann Lee-Smith", "--title", "", "--add-email", "home:ann@home.example",
        "--remove-phone", "+44 20 7946 0000", "--add-phone", "mobile:+44 7700 900123", "--set-field", "source=web",
        "--set-field", "tier=gold", "--untag", "vip", "--tag", "speaker", "--org", "Berg AB")
    data = json.loads(ann("contacts", "show", "1", "-f", "json").stdout)[0]
    assert data["name"] == "Ann Lee-Smith" and data["title"] is None and data["org"] == "Berg AB"
    assert data["emails"] == ["ann@acme.example", "ann@home.example"]
    assert data["phones"] == ["+447700900123"]
    assert data["fields"] == {"source": "web", "tier": "gold"}
    assert data["tags"] == ["client", "speaker"]
    assert "(home)" in ann("contacts", "show", "1").stdout


def test_edit_no_org_and_unset_field(ann: Run) -> None:
    ann("contacts", "edit", "ann lee", "--no-org", "--unset-field", "source")
    data = json.loads(ann("contacts", "show", "1", "-f", "json").stdout)[0]
    assert data["org"] is None and data["fields"] == {}


def test_tag_and_untag(ann: Run) -> None:
    assert "tagged #3 Bob Marsh: lead, vip" in ann("contacts", "tag", "bob", "VIP", "lead").stderr
    assert ann("contacts", "list", "--tag", "vip", "-q").stdout == "1\n3\n"
    ann("contacts", "untag", "bob", "vip")
    assert ann("contacts", "list", "--tag", "vip", "-q").stdout == "1\n"


def test_rm_with_yes_tells_what_it_takes(ann: Run) -> None:
    result = ann("contacts", "rm", "ann lee", "--yes")
    assert "deleted contact #1 Ann Lee <ann@acme.example> with 1 email, 1 phone, 2 tags, 1 custom field" \
        in result.stderr
    assert ann("contacts", "list", "-q").stdout == "2\n3\n"
    # The address is free again.
    ann("contacts", "add", "Ann Again", "--email", "ann@acme.example")


def test_show_in_machine_formats_uses_list_fields(ann: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(ann("contacts", "show", "bob", "-f", "csv").stdout, newline="")))
    assert len(rows) == 1 and rows[0]["emails"] == "bob@acme.example"
