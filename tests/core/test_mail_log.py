"""Logging mail (crmcli.core.mail_log), on SQLite and PostgreSQL: who a mail is matched to, its
direction, body and time, what is logged once only, what is skipped or created, and the case link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core import contacts, mail_log
from crmcli.core.mail_log import case_number
from crmcli.io.mail import Address, Mail
from crmcli.storage.database import Database
from tests.core.conftest import NOW, pin

ME = "me@mine.example"
SENT = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)


def mail(subject: str = "Quote", *, sender: str = "ann@acme.example", to: tuple[str, ...] = (ME,),
         cc: tuple[str, ...] = (), date: datetime | None = SENT, text: str = "Looks good.",
         message_id: str | None = "m1@acme.example", names: dict[str, str] | None = None) -> Mail:
    named = names or {}
    return Mail(message_id=message_id, subject=subject, sender=Address(named.get(sender, ""), sender),
                to=tuple(Address(named.get(a, ""), a) for a in to), cc=tuple(Address(named.get(a, ""), a) for a in cc),
                date=date, text=text)


def log(db: Database, *mails: Mail, create: bool = False, mine: tuple[str, ...] = (ME,)) -> mail_log.MailLogResult:
    with db.session(write=True) as session:
        return mail_log.log_mails(session, [(f"message {n}", m) for n, m in enumerate(mails, 1)], my_emails=mine,
                                  create=create, now=NOW)


@pytest.fixture
def people(db: Database) -> Database:
    with db.session(write=True) as session:
        for name, address in (("Ann Lee", "ann@acme.example"), ("Bob Marsh", "bob@acme.example"),
                              ("Me Too", ME)):  # a contact holding my own address is still never matched
            contacts.add(session, contacts.ContactChanges(name=name, add_emails=[address]))
    return db


def rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    with db.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def timeline(db: Database, name: str) -> list[str]:
    return [str(body) for body, in rows(db, "SELECT i.body FROM interaction i JOIN interaction_contact ic ON "
                                            "ic.interaction_id = i.id JOIN contact c ON c.id = ic.contact_id "
                                            f"WHERE c.name = '{name}' ORDER BY i.id")]


def utc(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def test_a_mail_to_two_contacts_and_a_stranger_is_on_both_timelines_and_the_stranger_reported(people: Database) -> None:
    result = log(people, mail("Re: the quote", to=(ME, "bob@acme.example"), cc=("carol@else.example",),
                              text="Fine by us.\nAnn"))
    [outcome] = result.outcomes
    assert (outcome.action, [n for _, n in outcome.contacts], outcome.unknown) == (
        "logged", ["Ann Lee", "Bob Marsh"], ("carol@else.example",))
    assert timeline(people, "Ann Lee") == timeline(people, "Bob Marsh") == ["Re: the quote\n\nFine by us.\nAnn"]
    assert timeline(people, "Me Too") == []
    [(kind, direction, occurred, message_id)] = rows(people, "SELECT kind, direction, occurred_at, message_id "
                                                             "FROM interaction")
    assert (kind, direction, utc(occurred), message_id) == ("email", "in", SENT, "m1@acme.example")
    last = rows(people, "SELECT name, last_contact_at FROM contact ORDER BY id")
    assert [(n, utc(t) if t else None) for n, t in last] == [("Ann Lee", SENT), ("Bob Marsh", SENT), ("Me Too", None)]


def test_a_mail_from_me_is_outgoing_and_on_the_recipients_timelines(people: Database) -> None:
    [outcome] = log(people, mail(sender=ME.upper(), to=("Ann@Acme.Example",))).outcomes
    assert [n for _, n in outcome.contacts] == ["Ann Lee"]
    assert rows(people, "SELECT direction FROM interaction") == [("out",)]
    [other] = log(people, mail(sender=ME, to=("ann@acme.example",), message_id="m2"), mine=()).outcomes
    assert [n for _, n in other.contacts] == ["Me Too", "Ann Lee"]  # my_emails unset: nobody is "me"
    assert rows(people, "SELECT direction FROM interaction ORDER BY id") == [("out",), ("in",)]


def test_the_same_mail_is_logged_once_across_runs_and_within_a_batch(people: Database) -> None:
    first = log(people, mail()).outcomes[0]
    again = log(people, mail(), mail(message_id="m2"), mail(message_id="m2")).outcomes
    assert [(o.action, o.interaction_id) for o in again] == [
        ("duplicate", first.interaction_id), ("logged", again[1].interaction_id), ("duplicate", again[1].interaction_id)]
    assert rows(people, "SELECT count(*) FROM interaction") == [(2,)]


def test_a_mail_without_a_message_id_is_known_by_its_contents(people: Database) -> None:
    log(people, mail(message_id=None))
    assert [o.action for o in log(people, mail(message_id=None), mail(message_id=None, text="Other")).outcomes] == [
        "duplicate", "logged"]
    keys = [k for k, in rows(people, "SELECT message_id FROM interaction ORDER BY id")]
    assert all(str(k).startswith("sha256:") and len(str(k)) == 71 for k in keys) and keys[0] != keys[1]


def test_a_very_long_message_id_is_kept_as_its_hash(people: Database) -> None:
    long_id = "x" * 5_000 + "@acme.example"
    assert log(people, mail(message_id=long_id)).outcomes[0].action == "logged"
    assert log(people, mail(message_id=long_id)).outcomes[0].action == "duplicate"
    [(key,)] = rows(people, "SELECT message_id FROM interaction")
    assert str(key).startswith("sha256:")


def test_a_mail_naming_no_contact_writes_nothing(people: Database) -> None:
    result = log(people, mail(sender="zed@else.example", to=("yan@else.example", ME)),
                 mail(sender=ME, to=(ME,), message_id="note-to-self"))
    assert [(o.action, o.unknown, o.interaction_id) for o in result.outcomes] == [
        ("skipped", ("zed@else.example", "yan@else.example"), None), ("skipped", (), None)]
    assert rows(people, "SELECT count(*) FROM interaction") == [(0,)]
    assert log(people, mail(sender="zed@else.example")).outcomes[0].action == "skipped"  # skipped: not remembered
    twice = log(people, mail(sender="zed@else.example", message_id="z"), mail(sender="zed@else.example", message_id="z"))
    assert [(o.action, o.unknown) for o in twice.outcomes] == [("skipped", ("zed@else.example",))] * 2


def test_create_makes_contacts_of_strangers_but_never_of_me(people: Database) -> None:
    result = log(people, mail(sender="carol.king@else.example", to=(ME, "dan@else.example", "not an address"),
                              names={"carol.king@else.example": "  Carol   King ", "dan@else.example": "dan@else.example"}),
                 mail(sender="dan@else.example", message_id="m2"), create=True)
    first, second = result.outcomes
    assert [n for _, n in first.created] == ["Carol King", "dan"] and second.created == ()
    assert [n for _, n in first.contacts] == ["Carol King", "dan"] and first.unknown == ("not an address",)
    assert [n for _, n in second.contacts] == ["dan"] and result.contacts_created == 2
    assert rows(people, "SELECT address FROM contact_email ORDER BY id")[-2:] == [("carol.king@else.example",),
                                                                                  ("dan@else.example",)]


def test_a_mail_without_a_date_or_dated_ahead_is_logged_now_and_said(people: Database) -> None:
    now = NOW.astimezone(UTC)
    result = log(people, mail(date=None), mail(date=now + timedelta(days=400), message_id="m2"),
                 mail(date=now + timedelta(minutes=3), message_id="m3"))
    assert [o.notes for o in result.outcomes] == [
        ("no readable Date: logged as now",),
        (f"dated {now + timedelta(days=400):%Y-%m-%d %H:%M} UTC, in the future: logged as now",), ()]
    times = [utc(t) for t, in rows(people, "SELECT occurred_at FROM interaction ORDER BY id")]
    assert times == [now, now, now + timedelta(minutes=3)]  # a few minutes ahead: a clock's drift, kept


def test_text_a_database_cannot_hold_is_replaced_not_refused(people: Database) -> None:
    log(people, mail("Bad \x00 bytes \udcff", text="", message_id="id\x00"))
    assert rows(people, "SELECT body, message_id FROM interaction") == [("Bad \ufffd bytes \ufffd", "id\ufffd")]
    log(people, mail("", text="", message_id="m2"))
    assert timeline(people, "Ann Lee")[-1] == "(no subject)"


def test_a_case_reference_in_the_subject_adds_the_mail_to_the_case(people: Database) -> None:
    from crmcli.core import cases

    with people.session(write=True) as session:
        ann = contacts.resolve(session, "ann")
        case = cases.add(session, ann, "Invoice charged twice", now=SENT - timedelta(hours=1),
                         policy=cases.CasePolicy())
        case_id = case.id
    result = log(people, mail(f"Re: Invoice [Case #{case_id}]", sender=ME, to=("ann@acme.example",)),
                 mail("About [case #999]", message_id="m2"))
    assert [(o.case_id, o.notes) for o in result.outcomes] == [
        (case_id, ()), (None, ("no case #999: logged without a case",))]
    assert rows(people, "SELECT case_id FROM interaction ORDER BY id") == [(case_id,), (None,)]
    with people.session() as session:
        opened = cases.get(session, str(case_id))
        assert (opened.status, utc(opened.first_response_at)) == ("open", SENT)  # my reply: the first response


def test_a_batch_larger_than_a_chunk_is_matched_and_written_whole(people: Database,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail_log, "CHUNK", 3)
    batch = [mail(f"Mail {n}", sender=("ann@acme.example", "bob@acme.example")[n % 2], message_id=f"m{n}",
                  date=SENT + timedelta(minutes=n)) for n in range(10)]
    assert [o.action for o in log(people, *batch).outcomes] == ["logged"] * 10
    assert [o.action for o in log(people, *batch).outcomes] == ["duplicate"] * 10
    assert len(timeline(people, "Ann Lee")) == len(timeline(people, "Bob Marsh")) == 5
    last = dict(rows(people, "SELECT name, last_contact_at FROM contact"))
    assert utc(last["Ann Lee"]) == SENT + timedelta(minutes=8) and utc(last["Bob Marsh"]) == SENT + timedelta(minutes=9)


@given(st.text(max_size=30), st.integers(min_value=0, max_value=10**18 - 1), st.text(max_size=30))
def test_case_references_are_read_in_their_one_strict_form(before: str, number: int, after: str) -> None:
    assert case_number(f"{before}[case #{number}]{after}") == (case_number(before) or number)
    assert case_number(f"{before}[CASE #{number}]") == (case_number(before) or number)
    for loose in (f"case #{number}", f"[#{number}]", f"[case#{number}]", f"[case {number}]", f"(case #{number})",
                  f"[case #{number}", f"[case #-{number}]", f"[case # {number}]"):
        assert case_number(f"Re: {loose} about it") is None


def test_logged_mail_is_found_by_its_words_and_its_people(people: Database) -> None:
    from crmcli.core.search import search

    log(people, mail("Quote for the café", text="The zeppelin budget.", to=(ME, "bob@acme.example")),
        mail("Other", sender="bob@acme.example", text="Nothing to see.", message_id="m2"))
    with people.connect() as conn:
        def found(text: str) -> list[str]:
            return sorted(str(row[2]) for row in search(conn, text, limit=20, only="interaction").rows)

        assert found("zeppelin") == found("cafe") == found("ann zeppelin") == ["email in with Ann Lee, Bob Marsh"]
        assert found("marsh") == ["email in with Ann Lee, Bob Marsh", "email in with Bob Marsh"]


def test_a_do_not_contact_contact_still_gets_the_mail_and_their_deal_its_activity(
        people: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.core import deals

    pin(monkeypatch, SENT - timedelta(days=3))  # the deal is older than the mail
    with people.session(write=True) as session:
        ann = contacts.resolve(session, "ann")
        contacts.apply(session, ann, contacts.ContactChanges(do_not_contact=True, do_not_contact_reason="asked"))
        deals.add(session, deals.NewDeal("Website", 1_000, "EUR", contacts=[ann]))
    pin(monkeypatch, NOW)
    [outcome] = log(people, mail()).outcomes
    assert [n for _, n in outcome.contacts] == ["Ann Lee"]  # history is history
    [(activity,)] = rows(people, "SELECT last_activity_at FROM deal")
    assert utc(activity) == SENT


def test_a_reply_in_a_case_s_thread_joins_the_case(people: Database) -> None:
    from dataclasses import replace

    from crmcli.core import cases

    with people.session(write=True) as session:
        case_id = cases.add(session, contacts.resolve(session, "ann"), "Refund", now=SENT - timedelta(hours=1),
                            policy=cases.CasePolicy()).id
    log(people, mail(f"Refund [case #{case_id}]", message_id="<start@acme.example>".strip("<>")))
    result = log(people,
                 replace(mail("Re: Refund", sender=ME, to=("ann@acme.example",), message_id="r1"), in_reply_to="x",
                         references=("start@acme.example", "elsewhere")),  # the nearest logged one counts
                 replace(mail("Re: Re: Refund", message_id="r2"), in_reply_to="r1"),  # answers one of this batch
                 replace(mail("Unrelated", message_id="r3"), in_reply_to="never-logged"))
    assert [o.case_id for o in result.outcomes] == [case_id, case_id, None]
    assert rows(people, "SELECT case_id FROM interaction ORDER BY id") == [(case_id,)] * 3 + [(None,)]


def test_a_blank_message_id_is_no_id_at_all(people: Database) -> None:
    result = log(people, mail(message_id="  "), mail(message_id=" ", text="Another mail"))
    assert [o.action for o in result.outcomes] == ["logged", "logged"]  # not one "blank" id for both
