"""`crm report cases`'s figures (core/case_report.py): open cases by age, deadlines missed, median
times to first response and to resolution, by kind — on both backends, with cases in known states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crmcli.core import business_hours, contacts
from crmcli.core.case_report import REPORT_COLUMNS, Ageing, Breach, Median, report, span_text
from crmcli.storage.database import Database
from tests.core.case_rows import HOUR, add_case
from tests.core.conftest import NOW

UTC_NOW = NOW.astimezone(UTC)
DAY = timedelta(days=1)


def _ann(db: Database) -> int:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"))
        return ann.id  # type: ignore[return-value]


def _six_cases(db: Database) -> None:
    ann = _ann(db)
    with db.connect(write=True) as conn:
        add_case(conn, ann, "A: fresh", kind="complaint", priority="urgent", opened=UTC_NOW - 2 * HOUR,
                 response_due=UTC_NOW + 2 * HOUR, resolve_due=UTC_NOW + 22 * HOUR)
        add_case(conn, ann, "B: unanswered", kind="complaint", priority="urgent", opened=UTC_NOW - 2 * DAY,
                 response_due=UTC_NOW - 2 * DAY + 4 * HOUR, resolve_due=UTC_NOW - DAY)
        c = UTC_NOW - 10 * DAY  # answered in 1 h, waited 2 days on the customer, resolved on day 4: 2 days' work
        add_case(conn, ann, "C: resolved in time", kind="request", priority="normal", opened=c,
                 moves=[("open", c + HOUR), ("waiting", c + DAY), ("open", c + 3 * DAY), ("resolved", c + 4 * DAY)])
        d = UTC_NOW - 9 * DAY  # closed on day 8, three days past its 5-day resolution deadline
        add_case(conn, ann, "D: closed late", kind="request", priority="low", opened=d,
                 moves=[("open", d + 30 * timedelta(minutes=1)), ("closed", d + 8 * DAY)])
        e = UTC_NOW - 4 * DAY  # waiting since before its resolution deadline passed: its clock is stopped
        add_case(conn, ann, "E: waiting", kind="question", priority="high", opened=e, resolve_due=UTC_NOW - DAY,
                 moves=[("waiting", e + 2 * HOUR)])
        f = UTC_NOW - 20 * DAY  # answered after 2 days (due in 8 h), closed on day 3
        add_case(conn, ann, "F: answered late", kind="question", priority="normal", opened=f,
                 moves=[("open", f + 2 * DAY), ("closed", f + 3 * DAY)])


def test_open_cases_by_age_missed_deadlines_and_median_times_by_kind(db: Database) -> None:
    _six_cases(db)
    with db.connect() as conn:
        found = report(conn, NOW)
    assert found.clock == "clock"
    assert found.open == (Ageing("complaint", "urgent", "<1d", 1), Ageing("complaint", "urgent", "1-3d", 1),
                          Ageing("question", "high", "3-7d", 1))
    assert found.breached == (Breach("complaint", "urgent", "response", "open", 1),
                              Breach("complaint", "urgent", "resolution", "open", 1),
                              Breach("question", "normal", "response", "done", 1),
                              Breach("request", "low", "resolution", "done", 1))
    assert found.times == (  # the lower middle of an even count; complaints have no times yet
        Median("question", "first response", 2, 120), Median("question", "resolution", 1, 3 * 24 * 60),
        Median("request", "first response", 2, 30), Median("request", "resolution", 2, 2 * 24 * 60),
        Median("all", "first response", 4, 60), Median("all", "resolution", 3, 3 * 24 * 60))
    rows = found.rows()
    assert tuple(rows.columns) == REPORT_COLUMNS
    flat = list(rows.rows)
    assert flat[0] == ("open", "complaint", "urgent", "<1d", "open", 1, None, None)
    assert flat[3] == ("breached", "complaint", "urgent", "response", "open", 1, None, None)
    assert flat[-1] == ("times", "all", None, "resolution", None, 3, 4320, "clock")
    assert len(flat) == 3 + 4 + 6


def test_since_keeps_the_cases_opened_since_then(db: Database) -> None:
    _six_cases(db)
    with db.connect() as conn:
        found = report(conn, NOW, since=UTC_NOW - 5 * DAY)
        nothing = report(conn, NOW, since=UTC_NOW + HOUR)
    assert sum(a.count for a in found.open) == 3 and [b.kind for b in found.breached] == ["complaint", "complaint"]
    assert found.times == (Median("question", "first response", 1, 120), Median("question", "resolution", 0, None),
                           Median("all", "first response", 1, 120), Median("all", "resolution", 0, None))
    assert not nothing and nothing.open == () and nothing.breached == ()
    assert nothing.times == (Median("all", "first response", 0, None), Median("all", "resolution", 0, None))


def test_business_hours_count_only_open_time_and_leave_out_the_wait(db: Database) -> None:
    """Opened Friday 16:00, answered Monday 10:00 (2 business hours), waiting Monday 11:00-15:00,
    resolved Tuesday 12:00: 12 business hours, 8 without the wait; in clock time 92 h, 88 without."""
    ann = _ann(db)
    friday = datetime(2026, 2, 27, 16, tzinfo=UTC)
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    with db.connect(write=True) as conn:
        add_case(conn, ann, "Friday's", opened=friday, moves=[
            ("open", monday + 10 * HOUR), ("waiting", monday + 11 * HOUR), ("open", monday + 15 * HOUR),
            ("resolved", monday + DAY + 12 * HOUR)])
    hours = business_hours.parse("mon-fri 09:00-17:00 UTC")
    with db.connect() as conn:
        business = report(conn, NOW, hours=hours)
        clock = report(conn, NOW)
    assert business.clock == "business hours: mon-fri 09:00-17:00 UTC"
    assert [m.minutes for m in business.times if m.kind == "all"] == [120, 8 * 60]
    assert [m.minutes for m in clock.times if m.kind == "all"] == [66 * 60, 88 * 60]
    assert list(business.rows().rows)[-1][-1] == "business"


def test_durations_for_people() -> None:
    assert [span_text(m) for m in (None, 0, 45, 200, 24 * 60, 3 * 24 * 60 + 4 * 60 + 5)] == [
        "", "0 min", "45 min", "3 h 20 min", "1 d", "3 d 4 h"]
