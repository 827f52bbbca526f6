"""What the terminal receives: stored text is shown, never obeyed; rows say what they are; help reads
cleanly; every JSON output is JSON."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import Run

ESCAPES = "\x1b[31mred\x1b[2J\x07\x08\u009b2J\u202eevil"


def test_control_characters_are_shown_not_obeyed(ann: Run) -> None:
    ann("contacts", "edit", "bob", "--title", "Boss\x1b]0;pwned\x07")
    ann("log", "ann", f"Call\tnotes {ESCAPES}\nsecond line")
    outputs = [ann("notes", "show", "1").stdout, ann("notes", "list").stdout, ann("timeline", "ann").stdout,
               ann("contacts", "show", "bob").stdout, ann("contacts", "list").stdout]
    for out in outputs:
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e]", out), out
    shown = ann("notes", "show", "1").stdout
    assert "Call notes ␛[31mred␛[2J␇␈\ufffd2J\ufffdevil" in shown  # a tab becomes a space
    assert "  second line" in shown
    assert "Boss␛]0;pwned␇" in ann("contacts", "show", "bob").stdout
    # The machine formats keep the stored text exactly.
    stored = json.loads(ann("notes", "show", "1", "-f", "json").stdout)[0]["body"]
    assert stored == f"Call\tnotes {ESCAPES}\nsecond line"
    assert f"notes {ESCAPES}" in ann("notes", "list", "-f", "csv").stdout


def test_messages_on_stderr_neutralise_names_too(ok: Run) -> None:
    result = ok("contacts", "add", "Eve \x1b[31mRed")
    assert result.stderr == "added contact #1 Eve ␛[31mRed\n"


def test_timeline_rows_say_which_id_they_mean(ann: Run) -> None:
    ann("log", "ann", "Called about the quote", "--follow-up", "fri: send the quote", "--at", "2026-11-20 10:00")
    ann("deals", "add", "Website", "-c", "ann", "-v", "100", "--currency", "EUR")
    lines = ann("timeline", "ann").stdout.splitlines()
    assert lines[0].split()[:3] == ["type", "id", "occurred"]
    types = {line.split()[0]: line.split()[1] for line in lines[1:]}
    assert types == {"follow-up": "1", "deal": "1", "interaction": "1"}
    # -q lists ids of one type only: mixed ids would mean nothing to the command they are piped to.
    assert ann("timeline", "ann", "-q").stdout == "1\n"
    assert ann("timeline", "ann", "-q", "-k", "follow-up").stdout == "1\n"
    assert ann("timeline", "ann", "-q", "-k", "deal").stdout == "1\n"
    assert ann("timeline", "ann", "-q", "-k", "call").stdout == "1\n"


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "tsv", "table"])
def test_remind_with_nothing_due(ok: Run, fmt: str) -> None:
    ok("contacts", "add", "Ann Lee")
    out = ok("remind", "-f", fmt).stdout.replace("\r\n", "\n")
    expected = {"json": "[]\n", "ndjson": "", "csv": "section,id,contact_id,contact,what,due,days\n",
                "tsv": "section\tid\tcontact_id\tcontact\twhat\tdue\tdays\n", "table": ""}[fmt]
    assert out == expected
    if fmt == "json":
        assert json.loads(out) == []


def test_remind_quiet_lists_follow_up_ids(ok: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_NOW", "2026-11-25T10:30:00Z")
    ok("contacts", "add", "Ann Lee", "--cadence", "every 7 days")
    ok("contacts", "add", "Bob Marsh")
    ok("fu", "add", "bob", "Late", "--due", "2026-11-20")
    ok("fu", "add", "bob", "Today", "--due", "2026-11-25")
    ok("fu", "add", "bob", "Later", "--due", "2026-12-20")
    monkeypatch.setenv("CRMCLI_NOW", "2026-12-05T10:30:00Z")
    table = ok("remind").stdout
    assert "Keep in touch (1)" in table and "Overdue (2)" in table
    assert ok("remind", "-q").stdout == "1\n2\n"  # Ann's keep-in-touch row has no follow-up id


def _help_texts(crm: Run) -> dict[str, str]:
    from crmcli.cli.main import LAZY

    texts = {}
    for name, _, _ in LAZY:
        out = crm(name, "--help").stdout
        texts[name] = out
        block = re.search(r"Commands ─+╮\n(.*?)╰", out, re.S)
        for sub in re.findall(r"^│ (\S+)", block.group(1) if block else "", re.M):
            texts[f"{name} {sub}"] = crm(name, sub, "--help").stdout
    return texts


def test_help_shows_clean_metavars_everywhere(crm: Run) -> None:
    texts = _help_texts(crm)
    assert len(texts) > 40  # every command and sub-command was read
    for command, text in texts.items():
        assert "Usage: crm" in text, command
        assert not re.search(r"<(bool|str|int|list\[[a-z]+\]|path)>", text), (command, text)
        usage = next(line for line in text.splitlines() if "Usage:" in line)
        assert "{" not in usage, (command, usage)
    assert "Usage: crm contacts add [OPTIONS] NAME " in texts["contacts add"]
    assert "Usage: crm log [OPTIONS] [CONTACT... [TEXT]] " in texts["log"]  # optional: --eml reads a mail instead
    assert re.search(r"--limit\s+-n\s+N", texts["contacts list"])


def test_root_help_lists_people_first_and_once(crm: Run) -> None:
    for args in ((), ("--help",)):
        result = crm(*args)
        assert result.exit_code == 0
        assert result.stdout.count("Usage: crm") == 1
        panels = re.findall(r"╭─ (\w[\w -]*?) ─", result.stdout)
        assert panels[:3] == ["Options", "People", "History"], panels


@pytest.mark.parametrize("group", ["contacts", "fu", "db", "deals", "notes", "orgs", "config"])
def test_bare_group_prints_its_help_once(crm: Run, group: str) -> None:
    result = crm(group)
    assert result.exit_code == 0 and result.stdout.count("Usage: crm") == 1


def test_help_names_what_each_group_holds(crm: Run) -> None:
    db_help = crm("db", "--help").stdout
    summary = db_help.split("╭")[0]
    for command in ("path", "check", "migrate", "backup", "reindex", "password"):
        assert command in summary, summary
    assert "deals" in crm("demo", "--help").stdout
