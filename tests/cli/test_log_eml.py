"""`crm log --eml [FILE|-]`: one mail, as mutt, neomutt and aerc pipe it, onto the timelines of the
contacts it names; once only; unknown addresses said (or created); a mail that cannot be read refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Run, dump

# A mail as neomutt saves it (`s` or `|`): the mbox "From " line, an encoded-word subject, a
# multipart/alternative body in quoted-printable, a quoted reply with its attribution, a signature.
MUTT_SAVED = b"""From ann@acme.example Wed Mar  4 16:12:44 2026
Return-Path: <ann@acme.example>
Received: from mx.acme.example by mail.mine.example; Wed, 04 Mar 2026 16:12:45 +0100
Message-ID: <20260304151244.GA4242@acme.example>
Date: Wed, 4 Mar 2026 16:12:44 +0100
From: Ann Lee <ann@acme.example>
To: Me Myself <me@mine.example>
Cc: "Marsh, Bob" <BOB@acme.example>, Carol <carol@else.example>
Subject: =?UTF-8?Q?Re:_Devis_r=C3=A9vis=C3=A9_pour_l'=C3=A9t=C3=A9?=
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=-b1"
User-Agent: NeoMutt/20231103

--=-b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Bonjour,

Le devis r=C3=A9vis=C3=A9 me convient. On signe lundi.

Ann

On Tue, Mar 03, 2026 at 05:00:00PM +0100, Me Myself wrote:
> Voici le devis r=C3=A9vis=C3=A9.
> Cordialement

--=20
Ann Lee, CTO, Acme Ltd
+44 20 7946 0000

--=-b1
Content-Type: text/html; charset=utf-8

<p>Bonjour,</p><p>Le devis r&eacute;vis&eacute; me convient. On signe lundi.</p>
--=-b1--
"""
SUBJECT = "Re: Devis révisé pour l'été"
BODY = f"{SUBJECT}\n\nBonjour,\n\nLe devis révisé me convient. On signe lundi.\n\nAnn"


@pytest.fixture(autouse=True)
def mine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMCLI_MY_EMAILS", "me@mine.example")


def history(ok: Run) -> list[dict[str, object]]:
    return json.loads(ok("notes", "list", "--all", "--format", "json").stdout)


def test_a_mail_piped_from_mutt_lands_on_the_right_timelines_once(ann: Run, crm: Run, db_path: Path) -> None:
    result = crm("log", "--eml", input=MUTT_SAVED)  # type: ignore[arg-type]
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == ("skipped: no contact has carol@else.example (use --create)\n"
                             "logged email #1 with Ann Lee, Bob Marsh\n")
    [entry] = history(ann)
    assert (entry["body"], entry["kind"], entry["direction"], entry["occurred"], entry["contacts"]) == (
        BODY, "email", "in", "2026-03-04T15:12:44Z", ["Ann Lee", "Bob Marsh"])
    timeline = ann("timeline", "ann lee", "--format", "json").stdout
    assert SUBJECT in timeline and "Voici" not in timeline and "CTO" not in timeline  # reply and signature trimmed
    assert json.loads(ann("timeline", "anna", "--format", "json").stdout) == []
    before = dump(db_path)
    again = crm("log", "--eml", "-", input=MUTT_SAVED)  # type: ignore[arg-type]
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "already logged as #1\n")
    assert dump(db_path) == before


def test_a_saved_file_is_read_and_quiet_prints_the_id_even_when_already_logged(ann: Run, tmp_path: Path) -> None:
    saved = tmp_path / "mail.eml"
    saved.write_bytes(MUTT_SAVED)
    assert ann("log", "--eml", str(saved), "-q").stdout == "1\n"
    assert ann("log", "--eml", str(saved), "-q").stdout == "1\n"
    assert len(history(ann)) == 1


def test_my_own_mail_is_outgoing(ann: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    sent = (b"From: Me <me@mine.example>\nTo: ann@acme.example\nSubject: The quote\n"
            b"Message-ID: <q1@mine.example>\nDate: Tue, 3 Mar 2026 17:00:00 +0100\n\nHere it is.\n")
    monkeypatch.delenv("CRMCLI_MY_EMAILS")
    ann("config", "set", "my_emails", "Me@Mine.example, me@old.example")
    result = ann("log", "--eml", input=sent)  # type: ignore[arg-type]
    assert result.stderr == "logged email #1 with Ann Lee\n"  # my address is no one to skip
    monkeypatch.setenv("CRMCLI_MY_EMAILS", "me@old.example")  # the environment over the file
    ann("log", "--eml", input=sent.replace(b"q1@", b"q2@"))  # type: ignore[arg-type]
    assert [e["direction"] for e in history(ann)] == ["in", "out"]  # newest first


def test_a_mail_no_contact_is_named_in_is_refused_and_nothing_written(ann: Run, crm: Run, db_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRMCLI_MY_EMAILS")  # unset: the hint says how
    before = dump(db_path)
    stranger = b"From: Zed <zed@else.example>\nTo: yan@else.example\nSubject: Hi\n\nHello\n"
    result = crm("log", "--eml", input=stranger)  # type: ignore[arg-type]
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        "skipped: no contact has zed@else.example (use --create)\n"
        "skipped: no contact has yan@else.example (use --create)\n"
        "if the sender is you, say so: crm config set my_emails YOUR@ADDRESS (a mail from you is outgoing)\n"
        "crm: nothing logged: no contact has any of the mail's addresses\n")
    assert dump(db_path) == before


def test_create_adds_the_strangers_as_contacts(ann: Run) -> None:
    result = ann("log", "--eml", "--create", input=MUTT_SAVED)  # type: ignore[arg-type]
    assert result.stderr == ("added contact #4 Carol\nlogged email #1 with Ann Lee, Bob Marsh, Carol\n")
    assert "carol@else.example" in ann("contacts", "show", "carol").stdout
    assert "mine.example" not in ann("contacts", "list", "--format", "csv").stdout  # I am never a contact


def test_a_mail_that_cannot_be_read_is_refused_in_one_line(ann: Run, crm: Run, db_path: Path, tmp_path: Path) -> None:
    before = dump(db_path)
    for given, data, message in (
            ("-", b"Subject: no sender\n\nbody\n", "crm: stdin: not a mail: it has no From header\n"),
            ("-", b"", "crm: stdin: not a mail: "),
            (str(tmp_path / "missing.eml"), None, f"crm: no file {tmp_path / 'missing.eml'}\n"),
            (str(tmp_path), None, f"crm: {tmp_path} is a folder: `crm import mail` logs a mail folder\n")):
        result = crm("log", "--eml", given, input=data)  # type: ignore[arg-type]
        assert result.exit_code in (2, 3) and result.stdout == "" and result.stderr.startswith(message), result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert dump(db_path) == before


def test_a_case_number_no_case_has_is_said_and_the_mail_still_logged(ann: Run) -> None:
    mail = b"From: ann@acme.example\nSubject: Re: refund [case #9]\nMessage-ID: <c9@acme.example>\n\nStill waiting.\n"
    result = ann("log", "--eml", input=mail)  # type: ignore[arg-type]
    assert result.stderr == ("stdin: no readable Date: logged as now\nstdin: no case #9: logged without a case\n"
                             "logged email #1 with Ann Lee\n")


@pytest.mark.parametrize(("args", "message"), [
    (("log", "--eml", "a.eml", "b.eml"), "crm: --eml logs one mail: give its file, or '-' (or nothing) for stdin\n"),
    (("log",), "crm: log needs a contact, then the text (or --eml to log a mail)\n"),
])
def test_log_is_told_what_it_needs(ann: Run, crm: Run, args: tuple[str, ...], message: str) -> None:
    result = crm(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


def test_a_reply_naming_a_case_is_added_to_it_and_answers_it(ann: Run, db_path: Path) -> None:
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from crmcli.core import cases, contacts
    from crmcli.storage.database import Database

    db = Database.open(str(db_path))
    try:
        with db.session(write=True) as session:
            cases.add(session, contacts.resolve(session, "ann lee"), "Invoice charged twice",
                      now=datetime(2026, 3, 4, 9, 0, tzinfo=UTC), policy=cases.CasePolicy())
    finally:
        db.dispose()
    reply = (b"From: me@mine.example\nTo: Ann <ann@acme.example>\nSubject: Re: refund [case #1]\n"
             b"Message-ID: <r1@mine.example>\nDate: Wed, 4 Mar 2026 10:30:00 +0000\n\nRefunded today.\n")
    assert ann("log", "--eml", input=reply).stderr == "logged email #1 with Ann Lee, on case #1\n"  # type: ignore[arg-type]
    db = Database.open(str(db_path))
    try:
        with db.connect() as conn:
            row = conn.execute(sa.text("SELECT status, first_response_at FROM service_case")).one()
            linked = conn.execute(sa.text("SELECT case_id, direction FROM interaction")).one()
    finally:
        db.dispose()
    assert (row[0], str(row[1])[:16], tuple(linked)) == ("open", "2026-03-04 10:30", (1, "out"))
