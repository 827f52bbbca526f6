"""`crm import mail MAILDIR|MBOX`: a whole folder logged as `crm log --eml` logs one mail, in one
transaction; a bad message named by its position; --since, --dry-run, --skip-invalid, --create;
re-runnable without duplicates. The mailboxes are written by the standard library."""

from __future__ import annotations

import json
import mailbox
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.conftest import Run, dump

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PEOPLE = ("ann@acme.example", "anna@berg.example", "bob@acme.example")  # the `ann` fixture's contacts
ME = "me@mine.example"


@pytest.fixture(autouse=True)
def mine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_MY_EMAILS", ME)


@pytest.fixture(autouse=True, params=["one batch", "batches of 2"])
def batches(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test twice: the folder logged in one batch, and two mails at a time (what a large
    archive is: duplicates, replies and a bad mail in other batches than the mails they concern)."""
    if request.param == "batches of 2":
        monkeypatch.setattr("crmcli.cli.log_mail.BATCH", 2)


def message(n: int, *, sender: str | None = None, to: str = ME, subject: str | None = None) -> EmailMessage:
    """Mail n: from one of the known people in turn (every fifth from a stranger), a day apart."""
    made = EmailMessage()
    if sender != "":
        made["From"] = sender or (f"Stranger {n} <stranger{n}@else.example>" if n % 5 == 4 else PEOPLE[n % 3])
    made["To"] = to
    made["Subject"] = subject or f"Mail {n} about the Zoë project"
    made["Date"] = format_datetime(START + timedelta(days=n))
    made["Message-ID"] = f"<mail{n}@test.example>"
    made.set_content(f"Body of mail {n}.\n\n> quoted earlier mail\n")
    return made


def mbox(path: Path, messages: list[EmailMessage]) -> Path:
    box = mailbox.mbox(str(path))
    box.lock()
    for made in messages:
        box.add(made)
    box.flush()
    box.unlock()
    box.close()
    return path


def starts(path: Path) -> list[int]:
    """The line each message of an mbox starts on (its "From " line), as the importer names them."""
    return [n for n, line in enumerate(path.read_bytes().split(b"\n"), 1) if line.startswith(b"From ")]


def timeline(ok: Run, who: str) -> list[dict[str, object]]:
    return json.loads(ok("timeline", who, "--all", "--format", "json").stdout)


def test_an_mbox_of_hundreds_imports_once_and_again_adds_nothing(ann: Run, tmp_path: Path) -> None:
    source = mbox(tmp_path / "inbox.mbox", [message(n) for n in range(300)])
    result = ann("import", "mail", str(source))
    assert (result.stdout, result.stderr) == ("", (
        "no contact has 60 addresses (the most frequent: stranger4@else.example (1), stranger9@else.example (1), "
        "stranger14@else.example (1), stranger19@else.example (1), stranger24@else.example (1)); --create adds "
        f"them as contacts\nimported mail from {source}: 240 logged, 0 already logged, 60 skipped (no known contact)\n"))
    ann_s = timeline(ann, "ann lee")
    assert len(ann_s) == 80 and ann_s[0]["body"] == "Mail 297 about the Zoë project\n\nBody of mail 297."
    assert len(timeline(ann, "anna berg")) == 80 and len(timeline(ann, "bob")) == 80
    shown = json.loads(ann("contacts", "show", "ann lee", "--format", "json").stdout)[0]
    assert shown["last_contact"] == format(START + timedelta(days=297), "%Y-%m-%dT%H:%M:%SZ")
    again = ann("import", "mail", str(source))
    assert again.stderr.splitlines()[-1] == (f"imported mail from {source}: 0 logged, 240 already logged, "
                                             "60 skipped (no known contact)")
    assert len(timeline(ann, "ann lee")) == 80
    assert "passed the integrity, foreign key, search index and copy checks" in ann("db", "check").stderr
    assert ann("search", "zoe project", "--type", "interaction", "-n", "1000", "-q").stdout.count("\n") == 240


def test_a_malformed_message_is_named_by_its_position_and_nothing_is_written(ann: Run, crm: Run, db_path: Path,
                                                                            tmp_path: Path) -> None:
    messages = [message(n) for n in range(30)]
    messages[16] = message(16, sender="")  # no From header
    source = mbox(tmp_path / "inbox.mbox", messages)
    number = starts(source)[16]
    before = dump(db_path)
    result = crm("import", "mail", str(source))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"message 17 (line {number}): not a mail: it has no From header\n"
                             f"crm: 1 bad message in {source}; nothing imported (fix them, or --skip-invalid "
                             "imports the rest)\n")
    assert dump(db_path) == before
    kept = ann("import", "mail", str(source), "--skip-invalid")
    assert kept.stderr.splitlines() == [
        f"message 17 (line {number}): not a mail: it has no From header",
        "no contact has 6 addresses (the most frequent: stranger4@else.example (1), stranger9@else.example (1), "
        "stranger14@else.example (1), stranger19@else.example (1), stranger24@else.example (1)); --create adds "
        "them as contacts",
        f"imported mail from {source}: 23 logged, 0 already logged, 6 skipped (no known contact), "
        "1 bad message skipped"]


def test_since_leaves_older_mail_out(ann: Run, tmp_path: Path) -> None:
    source = mbox(tmp_path / "inbox.mbox", [message(n) for n in range(10)])
    result = ann("import", "mail", str(source), "--since", "2026-01-12", "-q")
    assert len(result.stdout.split()) == 2  # days 7 (2026-01-12) and 8; 9 is a stranger's
    assert result.stderr.splitlines()[-1] == (f"imported mail from {source}: 2 logged, 0 already logged, "
                                              "1 skipped (no known contact), 7 older than 2026-01-12 00:00 UTC left out")


def test_a_dry_run_says_what_each_mail_would_do_and_writes_nothing(ann: Run, db_path: Path, tmp_path: Path) -> None:
    source = mbox(tmp_path / "inbox.mbox", [message(0), message(4), message(0)])
    before = dump(db_path)
    result = ann("import", "mail", str(source), "--dry-run")
    one, two, three = starts(source)
    assert result.stdout == (f"message 1 (line {one})\tlogged\tAnn Lee\tMail 0 about the Zoë project\n"
                             f"message 2 (line {two})\tskipped\tstranger4@else.example\tMail 4 about the Zoë project\n"
                             f"message 3 (line {three})\tduplicate\t\tMail 0 about the Zoë project\n")
    assert result.stderr.splitlines()[-1] == (f"dry run of {source}, nothing written: it would be 1 logged, "
                                              "1 already logged, 1 skipped (no known contact)")
    assert dump(db_path) == before


def test_a_maildir_with_create_adds_the_strangers(ann: Run, tmp_path: Path) -> None:
    box = mailbox.Maildir(str(tmp_path / "Mail"), create=True)
    for n in (3, 4, 9):
        box.add(message(n))
    box.close()
    result = ann("import", "mail", str(tmp_path / "Mail"), "--create")
    assert result.stderr.splitlines()[-1] == (f"imported mail from {tmp_path / 'Mail'}: 3 logged, 0 already logged, "
                                              "0 skipped (no known contact), 2 contacts created")
    assert len(timeline(ann, "Stranger 9")) == 1 and len(timeline(ann, "ann lee")) == 1


def test_my_own_mail_is_outgoing_and_a_case_reference_is_read(ann: Run, tmp_path: Path) -> None:
    source = mbox(tmp_path / "sent.mbox", [message(1, sender=ME, to="Ann <ann@acme.example>",
                                                   subject="Re: refund [case #3]")])
    result = ann("import", "mail", str(source))
    assert result.stderr.splitlines()[0] == "message 1 (line 1): no case #3: logged without a case"
    [entry] = timeline(ann, "ann lee")
    assert entry["direction"] == "out"


def test_a_duplicate_and_a_reply_in_later_batches_find_the_mail_logged_before(ann: Run, tmp_path: Path) -> None:
    ann("cases", "add", "ann lee", "Invoice 1043 charged twice")
    first = message(1, sender="ann@acme.example", subject="Invoice question [case #1]")
    reply = message(5, sender="ann@acme.example", subject="Re: Invoice question")
    reply["In-Reply-To"] = first["Message-ID"]
    source = mbox(tmp_path / "thread.mbox", [first, message(2), message(3), first, reply])
    result = ann("import", "mail", str(source))
    assert result.stderr.splitlines()[-1] == (f"imported mail from {source}: 4 logged, 1 already logged, "
                                              "0 skipped (no known contact)")
    on_case = [e for e in timeline(ann, "ann lee") if e["case"] == 1 and e["type"] == "interaction"]
    assert sorted(e["body"].split("\n")[0] for e in on_case) == ["Invoice question [case #1]", "Re: Invoice question"]


@pytest.mark.parametrize(("make", "code", "message"), [
    (lambda p: p / "nothing", 3, "crm: no file or folder {p}/nothing\n"),
    (lambda p: (p / "people.csv").write_text("name\nAnn\n") and p / "people.csv", 2,
     "crm: {p}/people.csv is not an mbox file: line 1 is not a 'From ' line starting a message\n"),
    (lambda p: p, 2, "crm: {p} is neither an mbox file nor a maildir folder (a folder with cur/, new/ and tmp/)\n"),
])
def test_what_is_no_mailbox_is_refused_in_one_line(ann: Run, crm: Run, db_path: Path, tmp_path: Path,
                                                   make: object, code: int, message: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    before = dump(db_path)
    result = crm("import", "mail", str(path))
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", message.format(p=tmp_path))
    assert dump(db_path) == before


def test_a_terminal_sees_the_messages_counted_as_they_are_read(ann: Run, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from crmcli.cli import progress

    monkeypatch.setattr(progress, "EVERY_SECONDS", 0)
    shown = io.StringIO()
    real = progress.ImportProgress
    monkeypatch.setattr(progress, "ImportProgress", lambda stream, **kw: real(  # a terminal, forced
        stream, console=Console(file=shown, force_terminal=True, width=100), **kw))
    result = ann("import", "mail", str(mbox(tmp_path / "inbox.mbox", [message(n) for n in range(5)])))
    assert "importing: 5 messages" in shown.getvalue()
    assert len(result.stderr.splitlines()) == 2  # the summary alone (and the unknown address), not the bar


def test_a_bad_mail_in_a_maildir_is_named_by_its_file(ann: Run, crm: Run, db_path: Path, tmp_path: Path) -> None:
    box = mailbox.Maildir(str(tmp_path / "Mail"), create=True)
    box.add(message(0))
    key = box.add(message(1, sender=""))
    box.close()
    before = dump(db_path)
    result = crm("import", "mail", str(tmp_path / "Mail"))
    assert (result.exit_code, result.stderr.splitlines()[0]) == (2, f"new/{key}: not a mail: it has no From header")
    assert dump(db_path) == before


def test_the_import_is_one_change_in_the_history_and_undone_whole(ann: Run, tmp_path: Path) -> None:
    source = mbox(tmp_path / "inbox.mbox", [message(n) for n in range(12)])
    ann("import", "mail", str(source))
    history = ann("history", "ann lee", "--format", "json").stdout
    assert [c["record"] for c in json.loads(history) if c["action"] == "added" and "interaction" in c["record"]] == [
        f"interaction #{n}" for n in (6, 4, 1)]  # mails 6, 3 and 0 are Ann's (4 and 9 are strangers')
    undone = ann("undo", "-y")
    assert undone.stderr.endswith(": 10 interactions added\n")
    assert timeline(ann, "ann lee") == [] and timeline(ann, "bob") == []
