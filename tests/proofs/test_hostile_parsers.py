"""Random strings to every parser of what people type: dates, durations, recurrences, cadences, money,
currencies and locales, emails, phones, tags, fields, names, references. Each gives a value or
crmcli.errors.Invalid (its one line, exit code 2), never another exception; and what it gives is
usable afterwards (a date converts in every zone, a repeat has a next date or says why not, an amount
fits the database) and reads back the same where there is a written form (describe, plain, display).
Mail too: any bytes as one mail (a Mail whose every text a database stores, or Invalid), and as an
mbox file or the files of a maildir.
Then the same strings through the command line's options, and hostile stored text out through
`crm export ics`, the one iCalendar crm writes (it reads none).

Settings, and a longer random hunt: tests/proofs/hostile.py.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crmcli.core import cadence, dates, followups, money, validate
from crmcli.errors import Invalid
from tests.conftest import Run, dump
from tests.io.mail_checks import assert_mail_or_refused
from tests.proofs.hostile import REFUSED, SEEDED, Databases, databases, fuzz, outcome

ZONES = [UTC, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago"), ZoneInfo("America/New_York"),
         ZoneInfo("Asia/Kolkata"), ZoneInfo("Europe/London")]  # +14:00 and -11:00: the ends of the world
nows = st.builds(lambda moment, zone: moment.replace(tzinfo=UTC).astimezone(zone),
                 st.datetimes(datetime(1950, 1, 1), datetime(2150, 12, 31)), st.sampled_from(ZONES))
leans = st.sampled_from(["past", "future"])

WORDS = ["in", "ago", "+", "-", "next", "last", "this", "at", "today", "tomorrow", "yesterday", "now", "noon",
         "midnight", "am", "pm", "eom", "eow", "sow", "som", "soy", "eoy", "start of", "end of the", "week", "month",
         "quarter", "year", "this morning", "every", "other", "on", "day", "days", "d", "w", "m", "q", "y", "h", "min",
         "mon", "friday", "dec", "feb", "sept", "29", "31", "3rd", "t", "z", ":", "T", "Z", "+01:00", "-14:00", "a",
         "an", "daily", "quarterly", "annually", "every 2 weeks on", ",", "  ", "."]
numbers = st.one_of(st.integers(0, 10**30).map(str), st.integers(0, 10**6).map(str),
                    st.sampled_from(["0", "00", "9999", "10000", "2026", "12", "13", "24", "25", "59", "60", "٣", "²",
                                     "9" * 5_000]))
moments = st.one_of(st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()),
                    st.datetimes(timezones=st.sampled_from(ZONES)).map(lambda d: d.isoformat()))
# Text that looks like what the parsers read, so that the fuzz gets past their first refusal.
dateish = st.lists(st.one_of(st.sampled_from(WORDS), numbers, moments), max_size=5).flatmap(
    lambda parts: st.sampled_from([" ", ""]).map(lambda sep: sep.join(parts)))
typed = st.one_of(st.text(max_size=40), dateish)


def _value_or_invalid(parse: Callable[[], Any]) -> Any:
    """What `parse()` gives, or None when it refused in one line (crmcli.errors.Invalid)."""
    try:
        return parse()
    except Invalid as err:
        assert str(err) and "\n" not in str(err) and err.exit_code == 2
        return None


@fuzz(600)
@given(text=typed, now=nows, lean=leans)
@example(text="9999-12-31", now=datetime(2026, 3, 6, tzinfo=UTC), lean="future")
@example(text="9999-12-31 23:59", now=datetime(2026, 3, 6, tzinfo=ZoneInfo("Pacific/Pago_Pago")), lean="future")
@example(text="0001-01-01t00:00-14:00", now=datetime(2026, 3, 6, tzinfo=UTC), lean="past")
@example(text="in 9999 years", now=datetime(2026, 3, 6, tzinfo=UTC), lean="future")
@example(text="in " + "9" * 5_000 + " days", now=datetime(2026, 3, 6, tzinfo=UTC), lean="future")
def test_dates(text: str, now: datetime, lean: str) -> None:
    when = _value_or_invalid(lambda: dates.parse(text, now=now, lean=lean))  # type: ignore[arg-type]
    if when is None:
        return
    assert dates.FIRST_DAY <= when.day <= dates.LAST_DAY
    for zone in ZONES:  # an instant in any zone, and shown in any other
        for other in ZONES:
            when.to_utc(zone).astimezone(other)
    moment = dates.parse_moment(text, now=now, lean=lean)  # type: ignore[arg-type]
    assert moment.tzinfo is not None and dates.parse_since(text, now=now) is not None
    assert dates.parse(text.upper(), now=now, lean=lean) == when  # type: ignore[arg-type]  # case never matters


@fuzz(400)
@given(text=typed, now=nows)
@example(text="9" * 5_000 + "d", now=datetime(2026, 3, 6, tzinfo=UTC))
@example(text="99999999999999999d", now=datetime(2026, 3, 6, tzinfo=UTC))
def test_durations(text: str, now: datetime) -> None:
    delta = _value_or_invalid(lambda: dates.parse_duration(text))
    if delta is None:
        return
    assert now + delta > now  # positive, and within what a date holds from any now up to 2150
    days = _value_or_invalid(lambda: followups.within_days(text))
    assert days is None or 0 <= days <= 36_525
    after = _value_or_invalid(lambda: cadence.parse_after(text))
    assert after is None or 0 <= after <= 36_525


@fuzz(400)
@given(text=typed, start=st.dates(dates.FIRST_DAY, dates.LAST_DAY), zone=st.sampled_from(ZONES))
@example(text="every 99999999999999 days", start=date(2026, 3, 6), zone=UTC)
@example(text="every 9999 years", start=date(2026, 3, 6), zone=UTC)
@example(text="daily", start=dates.LAST_DAY, zone=UTC)
def test_recurrences(text: str, start: date, zone: Any) -> None:
    rule = _value_or_invalid(lambda: dates.parse_recurrence(text))
    if rule is None:
        return
    assert dates.parse_recurrence(rule.describe()) == rule  # stored as its description, read back the same
    assert all(0 < int(part.split("=")[1]) < 2**31 for part in rule.to_rrule().split(";") if "INTERVAL" in part)
    for due in (start, datetime.combine(start, datetime.min.time(), zone)):  # an all-day due, a timed one
        following = _value_or_invalid(lambda: rule.next_after(due))
        if following is not None:
            assert following > due and (following.date() if isinstance(following, datetime) else following) \
                <= dates.LAST_DAY


@fuzz(200)
@given(text=typed)
@example(text="every 99999999999999999999 days")
def test_cadences(text: str) -> None:
    days = _value_or_invalid(lambda: cadence.parse(text))
    assert days is None or 1 <= days <= 36_525  # stored in an INTEGER column


CODES = sorted(money.MINOR_DIGITS)
LOCALES = [None, "en_US", "de_DE", "fr_CH.UTF-8", "C"]
amounts = st.one_of(st.text(max_size=30), st.from_regex(r"[+-]?[0-9 .,'’\u00a0]{0,40}", fullmatch=True),
                    st.integers(0, 10**20).map(str), st.just("9" * 5_000))


@fuzz(400)
@given(text=amounts, code=st.sampled_from(CODES) | st.text(max_size=5), locale=st.sampled_from(LOCALES))
@example(text="9" * 5_000, code="EUR", locale=None)
@example(text="1" + ",000" * 2_000, code="EUR", locale=None)
def test_amounts(text: str, code: str, locale: str | None) -> None:
    minor = _value_or_invalid(lambda: money.parse(text, code, locale=locale))
    if minor is None:
        return
    assert 0 <= minor < money.MAX_MINOR
    amount = money.Amount(minor, money.currency(code))
    assert money.parse(amount.plain(), code) == minor  # what scripts get reads back
    assert money.parse(amount.display(locale, with_code=False), code, locale=locale) == minor  # and what people see


@fuzz(200)
@given(text=st.text(max_size=20))
def test_currencies_and_locales(text: str) -> None:
    code = _value_or_invalid(lambda: money.currency(text))
    assert code is None or money.currency(code) == code
    name = _value_or_invalid(lambda: money.locale_name(text))
    assert name is None or money.locale_name(name) == name


people_text = st.one_of(st.text(max_size=40), st.emails(), st.from_regex(r"\+?[0-9 ()+-]{0,30}", fullmatch=True),
                        st.sampled_from(["work:ann@acme.example", "a@b", "\ud800@x.example", "x" * 300 + "@y.example",
                                         "+" + "9" * 5_000]))


@fuzz(300)
@given(text=people_text, region=st.sampled_from([None, "GB", "US", "DE", "ZZ", "gb"]))
def test_what_describes_a_person(text: str, region: str | None) -> None:
    address = _value_or_invalid(lambda: validate.email(text))
    assert address is None or validate.email(address) == address
    number = _value_or_invalid(lambda: validate.phone(text, region))
    assert number is None or (number.startswith("+") and validate.phone(number, None) == number)
    tag = _value_or_invalid(lambda: validate.tag(text))
    assert tag is None or validate.tag(tag) == tag
    field = _value_or_invalid(lambda: validate.field(text))
    assert field is None or validate.field(f"{field[0]}={field[1]}") == field
    key = _value_or_invalid(lambda: validate.field_key(text))
    assert key is None or validate.field_key(key) == key
    name = _value_or_invalid(lambda: validate.name(text))
    assert name is None or validate.name(name) == name
    label, value = validate.split_label(text)
    assert label is None or validate.split_label(f"{label}:{value}") == (label, value)


# -- mail: one message, and the mailboxes it comes in ---------------------------------------------------

SAMPLE_MAILS = sorted((Path(__file__).resolve().parents[1] / "io" / "mail").glob("*.eml"))
MAIL_PIECES = [b"\n", b"\r\n", b"\n\n", b":", b"From: ", b"=?", b"?=", b"=?utf-8?b?", b"=?x-nope?q?=FF", b"<", b">",
               b"(", b'"', b"\\", b"\x00", b"\xff", b"\xe9", b"boundary=b", b"--b", b"--b--", b"charset=idna",
               b"Content-Type: multipart/alternative; boundary=b\n", b"Content-Transfer-Encoding: base64\n",
               b"format=flowed", b"text/html", b"<p>", b"<![if x]>", b"<blockquote>", b"> ", b"-- \n", b"From "]
raw_mails = st.one_of(
    st.binary(max_size=2_000),
    st.lists(st.sampled_from(MAIL_PIECES) | st.binary(max_size=6), max_size=40).map(b"".join),
    st.tuples(st.sampled_from(SAMPLE_MAILS), st.lists(st.tuples(st.integers(0, 4_000), st.integers(0, 30),
                                                                st.sampled_from(MAIL_PIECES) | st.binary(max_size=8)),
                                                      min_size=1, max_size=5))
    .map(lambda sample: _changed(sample[0].read_bytes(), sample[1])))


def _changed(data: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    for at, length, piece in cuts:
        at %= len(data) + 1
        data = data[:at] + piece + data[at + length:]
    return data


@fuzz(500)
@given(data=raw_mails)
@example(data=b"From: " + b"(" * 5_000 + b"a@b.example\n\nhi").via("nested comments past Python's recursion limit")
@example(data=b"From: a@b.example\nContent-Type: text/html\n\n<![if x]><!bad>").via("html.parser's own error")
def test_a_mail(data: bytes) -> None:
    """Any bytes read as one mail (crmcli.io.mail.parse): a Mail whose every text a database stores, or
    errors.Invalid in one line; never another exception."""
    assert_mail_or_refused(data)


@fuzz(150)
@given(data=st.lists(raw_mails, max_size=4).map(lambda mails: b"".join(b"From x\n" + m + b"\n" for m in mails))
       | st.binary(max_size=2_000), names=st.lists(st.text(max_size=12), max_size=4))
def test_mailboxes(tmp_path_factory: pytest.TempPathFactory, data: bytes, names: list[str]) -> None:
    """Any bytes as an mbox file, any files in a maildir: each message handed on with where it is (and
    then a Mail or errors.Invalid), or the mailbox refused in one line."""
    from crmcli.errors import CrmError
    from crmcli.io.mail import read_mailbox

    folder = tmp_path_factory.mktemp("mailbox")
    (folder / "box").write_bytes(data)
    maildir = folder / "maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for n, name in enumerate(names):
        safe = "".join(c for c in name if c not in "/\0" and not 0xD800 <= ord(c) <= 0xDFFF) or "m"
        (maildir / ("cur" if n % 2 else "new") / f"{safe}{n}").write_bytes(data[n::2])
    for path in (folder / "box", maildir):
        try:
            for where, raw in read_mailbox(path):
                assert where and "\n" not in where
                assert_mail_or_refused(raw)
        except CrmError as refused:
            assert isinstance(refused, Invalid) and "\n" not in str(refused) and "not an mbox file" in str(refused)


# -- the same strings through the command line ---------------------------------------------------------

# What the options above parse, each on a database with Ann Lee (contact #1) and follow-up #1 for her.
COMMANDS: list[Callable[[str], list[str]]] = [
    lambda s: ["contacts", "add", "Zed Ray", f"--cadence={s}"],
    lambda s: ["contacts", "list", f"--cold-after={s}"],
    lambda s: ["contacts", "list", "--cold", f"--as-of={s}"],
    lambda s: ["contacts", "show", "--", s],
    lambda s: ["orgs", "show", "--", s],
    lambda s: ["fu", "add", "ann", "Call", f"--due={s}"],
    lambda s: ["fu", "add", "ann", "Call", f"--every={s}"],
    lambda s: ["fu", "snooze", "1", "--", s],
    lambda s: ["fu", "done", "--", s],
    lambda s: ["remind", f"--within={s}"],
    lambda s: ["deals", "add", "Website", f"--value={s}", "--currency=EUR"],
    lambda s: ["deals", "add", "Website", "--value=10", f"--currency={s}"],
    lambda s: ["log", "ann", "Called", f"--at={s}"],
    lambda s: ["timeline", "ann", f"--since={s}"],
]
argument = st.one_of(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40),
                     dateish, amounts.filter(lambda s: "\x00" not in s and not any(0xD800 <= ord(c) < 0xE000 for c in s)))


@pytest.fixture
def seeded(ok: Run, tmp_path: Path) -> Databases:
    return databases(ok, tmp_path / "dbs", *SEEDED, ("fu", "add", "ann", "Send the quote", "--due", "fri"))


@fuzz(120)
@given(command=st.integers(0, len(COMMANDS) - 1), text=argument)
@example(command=0, text="every 99999999999999999999 days")
@example(command=1, text="99999999999999999999999d")
@example(command=3, text="#99999999999999999999999")
@example(command=3, text="²")
@example(command=5, text="9999-12-31")
@example(command=7, text="99999999999999999d")
@example(command=8, text="9" * 5_000)
@example(command=10, text="9" * 5_000)
def test_options_on_the_command_line(crm: Run, seeded: Databases, command: int, text: str) -> None:
    seeded.check(crm("--db", seeded.path, *COMMANDS[command](text)), allowed={2, 3, 4, 5})


def test_a_repeat_or_a_snooze_past_the_last_day_says_so(ok: Run, crm: Run, tmp_path: Path) -> None:
    """`done` on a repeating follow-up due on the last day crm keeps, or a snooze past it: one line,
    nothing changed (each was an internal error, a ValueError of the year 10000, before issue 13)."""
    db = str(tmp_path / "last.db")
    for setup in SEEDED:
        ok("--db", db, *setup)
    ok("--db", db, "fu", "add", "ann", "Renew", f"--due={dates.LAST_DAY}", "--every=daily")
    ok("--db", db, "fu", "add", "ann", "Later", f"--due={dates.LAST_DAY}")
    before = dump(Path(db))
    result = crm("--db", db, "fu", "done", "1")
    assert outcome(result) == REFUSED and result.stderr == (
        f"crm: no every day after {dates.LAST_DAY}: that is past the last day crm keeps ({dates.LAST_DAY})\n")
    result = crm("--db", db, "fu", "snooze", "2", "2 days")
    assert outcome(result) == REFUSED and result.stderr == (
        f"crm: cannot snooze follow-up #2 by '2 days': that is past the last day crm keeps ({dates.LAST_DAY})\n")
    assert dump(Path(db)) == before


# -- hostile stored text out through the iCalendar crm writes -------------------------------------------

stored = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=60)


@fuzz(100)
@given(title=stored, note=st.none() | stored, name=stored, due=st.datetimes(datetime(1900, 1, 2), datetime(9998, 12, 30)),
       all_day=st.booleans(), repeat=st.none() | st.sampled_from(["daily", "every 2 weeks on friday", "monthly",
                                                                  "every 100 years", "every 36500 days"]),
       zone=st.sampled_from(ZONES), todo=st.booleans())
def test_hostile_text_in_a_calendar_reads_back(title: str, note: str | None, name: str, due: datetime, all_day: bool,
                                               repeat: str | None, zone: Any, todo: bool) -> None:
    """Follow-ups of any text (CR, LF, ;, \\, commas, emoji...), any day crm keeps, any repeat it reads,
    in `crm export ics`: a calendar that a parser reads back, each summary and description as stored."""
    from icalendar import Calendar

    from crmcli.core.calendar_export import CalendarItem
    from crmcli.io.ics import calendar

    item = CalendarItem(uid="00000000-0000-4000-8000-000000000001", title=title, contact_name=name, note=note,
                        due_at=due.replace(tzinfo=UTC), due_on=due.date() if all_day else None,
                        recurrence=dates.parse_recurrence(repeat) if repeat else None)
    parts = [c for c in Calendar.from_ical(calendar([item], todo=todo, zone=zone)).walk()
             if c.name in ("VEVENT", "VTODO")]
    assert len(parts) == 1 and str(parts[0]["SUMMARY"]) == _lines(f"Follow up with {name}: {title}")
    assert str(parts[0].get("DESCRIPTION", "")) == _lines(note or "")


def _lines(text: str) -> str:
    """iCalendar has one line break (`\\n`): a CR or CRLF in a note reads back as LF (crm's titles and
    names have none: their spaces are collapsed)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def test_the_date_range_in_the_readme() -> None:
    """The README's Dates and times section names the range the parser keeps."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"{dates.FIRST_DAY} to {dates.LAST_DAY}" in readme and f"{dates.MAX_YEARS} years" in readme
    assert timedelta(days=1) + dates.LAST_DAY > dates.LAST_DAY  # a day after the last still fits
