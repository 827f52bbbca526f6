"""`crm segments add|list|show|edit|rm` and `--segment` on `contacts list`, `export contacts` and
`remind`, as a user drives them: what stdout and stderr say, the exit codes, and that one segment
gives the same people everywhere."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import Run

NOW = "2026-03-05T09:00:00Z"


@pytest.fixture
def people(ok: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Ann (vip, client, Acme, an email, called 10 days ago), Anna (vip, no email), Bob (vip, an email,
    do not contact), Cy (client, an email), Di (nothing)."""
    monkeypatch.setenv("CRMCLI_NOW", NOW)
    ok("contacts", "add", "Ann Lee", "--email", "ann@acme.example", "--org", "Acme Ltd", "--tag", "vip",
       "--tag", "client", "--field", "source=fair")
    ok("contacts", "add", "Anna Berg", "--tag", "vip", "--field", "source=fair")
    ok("contacts", "add", "Bob Marsh", "--email", "bob@acme.example", "--tag", "vip", "--org", "Acme Ltd",
       "--do-not-contact")
    ok("contacts", "add", "Cy Twombly", "--email", "cy@example.org", "--tag", "client")
    ok("contacts", "add", "Di Prima")
    ok("log", "ann lee", "Called about the fair", "--at", "2026-02-23")
    return ok


def test_add_says_what_it_saved_and_how_many_it_holds(people: Run) -> None:
    added = people("segments", "add", "Fair VIPs", "--tag", "vip", "--field", "source=fair",
                   "--description", "for the spring fair")
    assert added.stdout == ""
    assert added.stderr == ("added segment #1 Fair VIPs: tagged vip; field source = fair; do-not-contact left out "
                            "(2 now)\n")
    assert people("segments", "add", "At Acme", "--org", "acme", "-q").stdout == "2\n"
    shown = people("segments", "show", "fair").stdout
    assert "conditions    tagged vip; field source = fair; do-not-contact left out\n" in shown
    assert "contacts now  2\n" in shown and "description   for the spring fair\n" in shown


def test_list_in_json_has_stable_fields(people: Run) -> None:
    people("segments", "add", "Quiet clients", "--any-tag", "client", "--any-tag", "partner",
           "--last-contact-before", "7d", "--include-do-not-contact")
    (row,) = json.loads(people("segments", "list", "-f", "json").stdout)
    assert set(row) == {"id", "uid", "name", "description", "conditions", "definition", "contacts", "owner",
                        "created", "updated"}
    assert row["definition"] == {"any_tags": ["client", "partner"], "last_contact_before": "7d",
                                 "include_do_not_contact": True}
    assert (row["name"], row["contacts"], row["created"]) == ("Quiet clients", 1, "2026-03-05T09:00:00Z")
    assert people("segments", "list", "-q").stdout == "1\n"
    table = people("segments", "list").stdout.splitlines()
    assert table[0].split() == ["id", "name", "contacts", "conditions", "description"]


def test_no_segments_yet_is_said_on_stderr(ok: Run) -> None:
    empty = ok("segments", "list")
    assert empty.stdout == ""
    assert empty.stderr == "no segments yet; add one with: crm segments add NAME --tag TAG ...\n"
    assert ok("segments", "list", "-f", "json").stdout.strip() == "[]"


def test_a_tag_nobody_carries_yet_is_a_warning(people: Run) -> None:
    added = people("segments", "add", "Newsletter", "--tag", "newsletter")
    assert "warning: no contact is tagged 'newsletter' yet" in added.stderr
    assert "(0 now)" in added.stderr


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--org", "Initech"), 3, "crm: no organisation matches 'Initech'"),
    (("--deal-stage", "closing"), 2, "crm: unknown stage 'closing'; the stages are: lead"),
    (("--deal-stage", "won"), 2, "crm: stage 'won' ends a deal"),
    (("--last-contact-before", "someday"), 2, "crm: last contact before: cannot read the date 'someday'"),
    (("--won-above", "12,5,0 EUR"), 2, "crm: cannot read the amount"),
    (("--won-above", "100"), 2, "crm: which currency?"),  # no default currency is set
    (("--field", "=x"), 2, "crm: invalid field '=x'"),
    (("--tag", "two words"), 2, "crm: invalid tag 'two words'"),
    (("--never-contacted", "--last-contact-after", "30d"), 2, "crm: a contact never contacted"),
])
def test_bad_conditions_exit_with_one_line_and_save_nothing(people: Run, crm: Run, args: tuple[str, ...],
                                                            code: int, message: str) -> None:
    refused = crm("segments", "add", "Bad", *args)
    assert refused.exit_code == code, refused.stderr
    assert refused.stderr.startswith(message) and refused.stderr.count("\n") == 1 and refused.stdout == ""
    assert "Traceback" not in refused.stderr
    assert people("segments", "list", "-q").stdout == ""


def test_names_are_unique_whatever_the_case_or_accents(people: Run, crm: Run) -> None:
    people("segments", "add", "Zoë's VIPs", "--tag", "vip")
    clash = crm("segments", "add", "ZOE'S vips")
    assert (clash.exit_code, clash.stderr) == (5, "crm: segment #1 Zoë's VIPs already has that name\n")
    people("segments", "add", "Zoë's clients", "--tag", "client")
    ambiguous = crm("segments", "show", "zoe")
    assert ambiguous.exit_code == 4 and "matches several segments" in ambiguous.stderr
    missing = crm("contacts", "list", "--segment", "nope")
    assert (missing.exit_code, missing.stderr) == (3, "crm: no segment matches 'nope'; try `crm segments list`\n")


def test_edit_replaces_given_conditions_and_clears_named_ones(people: Run, crm: Run) -> None:
    people("segments", "add", "VIPs", "--tag", "vip", "--org", "acme")
    edited = people("segments", "edit", "vips", "--clear", "org", "--field", "source=fair", "--name", "Fair VIPs")
    assert edited.stderr == "updated segment #1 Fair VIPs: tagged vip; field source = fair; do-not-contact left out " \
                            "(2 now)\n"
    nothing = crm("segments", "edit", "fair vips")
    assert (nothing.exit_code, nothing.stderr) == (2, "crm: nothing to change; give --name, --description, a "
                                                      "condition or --clear\n")
    unknown = crm("segments", "edit", "fair vips", "--clear", "colour")
    assert unknown.exit_code == 2 and "no condition 'colour' to clear" in unknown.stderr
    assert people("contacts", "list", "--segment", "fair vips", "-q").stdout == "1\n2\n"


def test_rm_asks_first_and_leaves_the_contacts(people: Run, crm: Run) -> None:
    people("segments", "add", "VIPs", "--tag", "vip")
    refused = crm("segments", "rm", "vips")
    assert refused.exit_code != 0 and "refused without --yes" in refused.stderr
    assert people("segments", "rm", "vips", "--yes").stderr == "deleted segment #1 VIPs\n"
    assert people("segments", "list", "-q").stdout == ""
    assert len(people("contacts", "list", "-q").stdout.split()) == 5


def _mailing(run: Run, *args: str) -> list[str]:
    return [row["email"] for row in csv.DictReader(io.StringIO(run("export", "contacts", "--mailing", *args).stdout))]


def test_one_segment_gives_the_same_people_to_the_listing_and_the_mailing_export(
        ok: Run, db_target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The acceptance: defined once, the listing shows the segment's contacts; the export the same,
    and the mailing list those of them with an email (none is marked do not contact: the segment
    left them out)."""
    monkeypatch.setenv("CRMCLI_DB", db_target)  # both backends
    people = ok
    people("contacts", "add", "Ann Lee", "--email", "ann@acme.example", "--org", "Acme Ltd", "--tag", "vip",
           "--tag", "client")
    people("contacts", "add", "Anna Berg", "--tag", "vip")
    people("contacts", "add", "Bob Marsh", "--email", "bob@acme.example", "--tag", "vip", "--do-not-contact")
    people("contacts", "add", "Cy Twombly", "--email", "cy@example.org", "--tag", "client")
    people("segments", "add", "Customers", "--any-tag", "vip", "--any-tag", "client")
    listed = json.loads(people("contacts", "list", "--segment", "customers", "-f", "json").stdout)
    assert [c["name"] for c in listed] == ["Ann Lee", "Anna Berg", "Cy Twombly"]
    exported = csv.DictReader(io.StringIO(people("export", "contacts", "--segment", "customers").stdout))
    assert [row["name"] for row in exported] == ["Ann Lee", "Anna Berg", "Cy Twombly"]
    assert _mailing(people, "--segment", "customers") == [c["emails"][0] for c in listed if c["emails"]] == [
        "ann@acme.example", "cy@example.org"]
    assert _mailing(people) == ["ann@acme.example", "cy@example.org"]  # Bob: do not contact, in any case
    # The other filters narrow the listing further.
    assert people("contacts", "list", "--segment", "customers", "--tag", "vip", "-q").stdout == "1\n2\n"


def test_a_segment_that_keeps_do_not_contact_lists_them_but_the_mailing_never(people: Run) -> None:
    people("segments", "add", "All VIPs", "--tag", "vip", "--include-do-not-contact")
    assert people("contacts", "list", "--segment", "all vips", "-q").stdout == "1\n2\n3\n"
    assert _mailing(people, "--segment", "all vips") == ["ann@acme.example"]


def test_relative_dates_are_read_when_the_segment_is_used(people: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    people("segments", "add", "Gone quiet", "--last-contact-before", "30d")
    assert people("contacts", "list", "--segment", "gone quiet", "-q").stdout == ""
    monkeypatch.setenv("CRMCLI_NOW", "2026-04-05T09:00:00Z")
    assert people("contacts", "list", "--segment", "gone quiet", "-q").stdout == "1\n"


def test_remind_keeps_only_the_segments_people(people: Run) -> None:
    for who in ("ann lee", "anna berg", "cy twombly"):
        people("fu", "add", who, f"Call {who.split()[0]}", "--due", "2026-03-04")
    people("segments", "add", "VIPs", "--tag", "vip")
    assert people("remind", "--segment", "vips").stdout == (
        "Overdue (2)\n  #1 2026-03-04  Ann Lee: Call ann (1 day late)\n"
        "  #2 2026-03-04  Anna Berg: Call anna (1 day late)\n")
    assert people("remind", "--segment", "vips", "-q").stdout == "1\n2\n"
    assert "Cy Twombly" in people("remind").stdout
