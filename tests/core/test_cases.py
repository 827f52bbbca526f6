"""Service cases on both backends: the status machine, deadlines with and without business hours,
waits that stop the clock, notes, interactions on a case, and the listing's order and flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from crmcli.core import business_hours, case_deadlines, cases, contacts, deals
from crmcli.core.models import CASE_STATUS_CHANGE, Contact, Interaction, ServiceCase
from crmcli.errors import Conflict, Invalid, NotFound
from crmcli.storage.database import Database
from tests.core.conftest import pin

LONDON = ZoneInfo("Europe/London")
FRIDAY_4PM = datetime(2026, 3, 6, 16, 0, tzinfo=LONDON)
HOURS = business_hours.parse("mon-fri 09:00-17:00 Europe/London")
OFFICE = cases.CasePolicy(case_deadlines.DEFAULT, HOURS)
ALWAYS = cases.CasePolicy()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 in London (the 6th is a Friday, the 9th a Monday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=LONDON)


def local(moment: datetime | None) -> str:
    assert moment is not None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return f"{aware.astimezone(LONDON):%a %d %H:%M}"


@pytest.fixture
def session(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    pin(monkeypatch, FRIDAY_4PM)
    with db.session(write=True) as s:
        yield s


@pytest.fixture
def ann(session: Session) -> Contact:
    return contacts.add(session, contacts.ContactChanges(name="Ann Lee"))[0]


def _open(session: Session, ann: Contact, priority: str = "urgent", *, now: datetime = FRIDAY_4PM,
          policy: cases.CasePolicy = OFFICE, kind: str = "complaint") -> ServiceCase:
    return cases.add(session, ann, "Invoice 1043 charged twice", kind=kind, priority=priority, now=now,
                     policy=policy, owner="kim")


def _history(session: Session, case: ServiceCase) -> list[tuple[str | None, str, str]]:
    h = CASE_STATUS_CHANGE
    return [(r.from_status, r.to_status, local(r.changed_at)) for r in session.execute(
        sa.select(h).where(h.c.case_id == case.id).order_by(h.c.changed_at, h.c.id))]


def test_an_urgent_complaint_on_friday_afternoon_is_due_on_monday(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    assert (case.status, case.kind, case.priority, case.owner) == ("new", "complaint", "urgent", "kim")
    assert local(case.response_due_at) == "Mon 09 12:00"  # 1 h on Friday, 3 h on Monday
    assert local(case.resolve_due_at) == "Mon 09 16:00"   # the same point of the next business day
    assert _history(session, case) == [(None, "new", "Fri 06 16:00")]


def test_without_business_hours_every_hour_counts(session: Session, ann: Contact) -> None:
    case = _open(session, ann, policy=ALWAYS)
    assert local(case.response_due_at) == "Fri 06 20:00"
    assert local(case.resolve_due_at) == "Sat 07 16:00"


def test_opened_on_saturday_counts_from_monday(session: Session, ann: Contact) -> None:
    case = _open(session, ann, "high", now=at(7, 11))
    assert local(case.response_due_at) == "Mon 09 17:00"  # 8 business hours: all of Monday
    assert local(case.resolve_due_at) == "Tue 10 17:00"   # two business days: Monday and Tuesday


def test_the_acceptance_waiting_time_is_not_counted(session: Session, ann: Contact) -> None:
    """Urgent complaint, Friday 16:00: resolution due Monday 16:00. A reply Monday 09:30 (first
    response), then waiting on the customer from 10:00 to 11:00: the deadline moves to Monday 17:00;
    resolved 16:30 it is on time, though past the first deadline."""
    case = _open(session, ann)
    cases.set_status(session, case, "open", now=at(9, 9, 30), policy=OFFICE)
    assert local(case.first_response_at) == "Mon 09 09:30"
    cases.set_status(session, case, "waiting", now=at(9, 10), policy=OFFICE)
    assert local(case.waiting_since) == "Mon 09 10:00"
    cases.set_status(session, case, "open", now=at(9, 11), policy=OFFICE)
    assert case.waiting_since is None
    assert local(case.resolve_due_at) == "Mon 09 17:00"
    assert local(case.response_due_at) == "Mon 09 13:00"
    cases.set_status(session, case, "resolved", now=at(9, 16, 30), policy=OFFICE)
    view = cases.rows(session.connection(), at(9, 18), statuses=None)[0]
    assert (view.response_breached, view.resolution_breached) == (False, False)


def test_a_wait_over_the_weekend_moves_deadlines_by_business_time_only(session: Session, ann: Contact) -> None:
    case = _open(session, ann, "normal", now=at(5, 10))  # Thursday: response Fri 10:00, resolution Thu 12th 10:00
    assert (local(case.response_due_at), local(case.resolve_due_at)) == ("Fri 06 10:00", "Thu 12 10:00")
    cases.set_status(session, case, "waiting", now=at(6, 15), policy=OFFICE)  # Friday 15:00 ...
    cases.set_status(session, case, "open", now=at(9, 10), policy=OFFICE)     # ... to Monday 10:00: 3 h
    assert local(case.resolve_due_at) == "Thu 12 13:00"


def test_while_waiting_the_clock_stops(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    cases.set_status(session, case, "waiting", now=at(9, 9, 30), policy=OFFICE)
    late = cases.rows(session.connection(), at(10, 12))[0]  # a day past both deadlines, still waiting
    assert (late.response_breached, late.resolution_breached, late.due_soon) == (False, False, False)
    cases.set_status(session, case, "open", now=at(10, 12), policy=OFFICE)  # 7.5 + 3 business hours later
    assert local(case.resolve_due_at) == "Wed 11 10:30"
    assert not cases.rows(session.connection(), at(10, 12))[0].breached


def test_every_move_is_kept_and_stamps_its_time(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    for status, hour in (("open", 9), ("waiting", 10), ("open", 11), ("resolved", 12), ("closed", 13)):
        cases.set_status(session, case, status, now=at(9, hour), policy=OFFICE)
    assert local(case.resolved_at) == "Mon 09 12:00"
    assert local(case.closed_at) == "Mon 09 13:00"
    cases.reopen(session, case, now=at(9, 14), policy=OFFICE)
    assert (case.status, case.resolved_at, case.closed_at) == ("open", None, None)
    assert local(case.first_response_at) == "Mon 09 09:00"  # kept
    assert [(f, t) for f, t, _ in _history(session, case)] == [
        (None, "new"), ("new", "open"), ("open", "waiting"), ("waiting", "open"), ("open", "resolved"),
        ("resolved", "closed"), ("closed", "open")]


def test_closing_straight_from_open_resolves_it_too(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    cases.close(session, case, now=at(9, 10), policy=OFFICE)
    assert local(case.resolved_at) == local(case.closed_at) == "Mon 09 10:00"
    assert local(case.first_response_at) == "Mon 09 10:00"  # the first move out of new


@pytest.mark.parametrize(("path", "target", "error", "message"), [
    ((), "new", Conflict, "case #1 is already new; nothing changed"),
    (("open",), "new", Invalid, "case #1 cannot go back to new; it is open"),
    (("closed",), "closed", Conflict, "case #1 is already closed; nothing changed"),
    (("closed",), "waiting", Invalid, "case #1 is closed: reopen it before it can be waiting"),
    (("resolved",), "resolved", Conflict, "case #1 is already resolved; nothing changed"),
    (("resolved",), "waiting", Invalid, "case #1 is resolved: reopen it before it can be waiting"),
    ((), "shelved", Invalid, "unknown case status 'shelved'; use one of: new, open, waiting, resolved, closed"),
])
def test_senseless_moves_are_refused_and_change_nothing(session: Session, ann: Contact, path: tuple[str, ...],
                                                        target: str, error: type[Exception], message: str) -> None:
    case = _open(session, ann)
    for status in path:
        cases.set_status(session, case, status, now=at(9, 10), policy=OFFICE)
    before = (case.status, case.version, len(_history(session, case)))
    with pytest.raises(error, match=f"^{message}$"):
        cases.set_status(session, case, target, now=at(9, 11), policy=OFFICE)
    assert (case.status, case.version, len(_history(session, case))) == before


def test_reopening_an_open_case_is_refused(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    with pytest.raises(Conflict, match="case #1 is new, not resolved or closed; nothing to reopen"):
        cases.reopen(session, case, now=at(9, 10), policy=OFFICE)


def test_reopening_keeps_the_deadlines_so_a_late_case_is_late(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    cases.set_status(session, case, "resolved", now=at(9, 10), policy=OFFICE)
    cases.reopen(session, case, now=at(10, 10), policy=OFFICE)
    assert local(case.resolve_due_at) == "Mon 09 16:00"
    assert cases.rows(session.connection(), at(10, 10))[0].resolution_breached


def test_bad_input_is_refused(session: Session, ann: Contact) -> None:
    with pytest.raises(Invalid, match="unknown priority 'critical'; use one of: low, normal, high, urgent"):
        cases.add(session, ann, "x", kind="request", priority="critical", now=FRIDAY_4PM, policy=OFFICE)
    with pytest.raises(Invalid, match="unknown case kind 'praise'; use one of: request, complaint, question, "
                                      "incident"):
        cases.add(session, ann, "x", kind="praise", priority="low", now=FRIDAY_4PM, policy=OFFICE)
    with pytest.raises(Invalid, match="a case needs a title"):
        cases.add(session, ann, "  \n ", kind="request", priority="low", now=FRIDAY_4PM, policy=OFFICE)
    assert session.execute(sa.select(sa.func.count()).select_from(ServiceCase)).scalar_one() == 0


def test_kind_and_priority_are_read_in_any_case(session: Session, ann: Contact) -> None:
    case = cases.add(session, ann, "x", kind=" Question", priority="HIGH ", now=FRIDAY_4PM, policy=OFFICE)
    assert (case.kind, case.priority) == ("question", "high")


@pytest.mark.parametrize(("ref", "error", "message"), [
    ("1", None, None), ("#1", None, None), (" #1 ", None, None),
    ("2", NotFound, "no case #2"), ("#99999999999", NotFound, "no case #99999999999"),
    ("ann", Invalid, "a case is referred to by its number, e.g. 12 or #12, not 'ann'"),
    ("", Invalid, "a case is referred to by its number, e.g. 12 or #12, not ''"),
])
def test_get(session: Session, ann: Contact, ref: str, error: type[Exception] | None, message: str | None) -> None:
    case = _open(session, ann)
    if error is None:
        assert cases.get(session, ref) is case
    else:
        with pytest.raises(error, match=f"^{message}$"):
            cases.get(session, ref)


def test_owner_defaults_to_who_opens_it(session: Session, ann: Contact) -> None:
    case = cases.add(session, ann, "x", kind="request", priority="low", now=FRIDAY_4PM, policy=OFFICE,
                     me=lambda: "sam")
    assert case.owner == "sam"
    assert cases.assign(session, case, "me", me=lambda: "lee").owner == "lee"
    assert cases.assign(session, case, " ").owner is None
    assert cases.assign(session, case, " Jo ").owner == "Jo"


def test_a_note_is_on_the_timeline_and_is_the_first_response(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    entry = cases.note(session, case, "Refund sent", now=at(9, 9, 15))
    assert (entry.kind, entry.case_id, entry.body, local(entry.occurred_at)) == ("note", case.id, "Refund sent",
                                                                                  "Mon 09 09:15")
    assert (case.status, local(case.first_response_at)) == ("open", "Mon 09 09:15")
    from crmcli.core.models import INTERACTION_CONTACT
    linked = session.execute(sa.select(INTERACTION_CONTACT.c.contact_id)
                             .where(INTERACTION_CONTACT.c.interaction_id == entry.id)).scalars().all()
    assert linked == [ann.id]
    cases.note(session, case, "Second thought", now=at(9, 10))
    assert local(case.first_response_at) == "Mon 09 09:15"
    with pytest.raises(Invalid, match="nothing to log"):
        cases.note(session, case, "  ", now=at(9, 11))


def test_an_outgoing_mail_answers_and_an_incoming_one_ends_a_wait(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    cases.on_interaction(session, case, direction="in", at=at(9, 9), policy=OFFICE)
    assert case.status == "new"  # the customer writing again is no response
    cases.on_interaction(session, case, direction="out", at=at(9, 9, 30), policy=OFFICE)
    assert (case.status, local(case.first_response_at)) == ("open", "Mon 09 09:30")
    cases.set_status(session, case, "waiting", now=at(9, 10), policy=OFFICE)
    cases.on_interaction(session, case, direction="in", at=at(9, 9, 45), policy=OFFICE)  # older than the wait
    assert case.status == "waiting"
    cases.on_interaction(session, case, direction="in", at=at(9, 12), policy=OFFICE)
    assert case.status == "open"
    assert local(case.resolve_due_at) == "Tue 10 10:00"  # 16:00 + 2 h wait runs past 17:00


def test_a_new_priority_sets_the_deadlines_again_counting_waits(session: Session, ann: Contact) -> None:
    case = _open(session, ann, "low")
    cases.set_status(session, case, "waiting", now=at(9, 10), policy=OFFICE)
    cases.set_status(session, case, "open", now=at(9, 12), policy=OFFICE)  # 2 h of waiting
    cases.edit(session, case, cases.CaseChanges(priority="urgent"), now=at(9, 13), policy=OFFICE)
    assert (local(case.response_due_at), local(case.resolve_due_at)) == ("Mon 09 14:00", "Tue 10 10:00")


def test_edit_a_status_that_ends_a_wait_and_a_priority_at_once(session: Session, ann: Contact) -> None:
    case = _open(session, ann, "low")
    cases.set_status(session, case, "waiting", now=at(9, 10), policy=OFFICE)
    cases.edit(session, case, cases.CaseChanges(priority="urgent", status="open", title=" Charged  twice "),
               now=at(9, 11), policy=OFFICE)
    assert (case.status, case.title, local(case.resolve_due_at)) == ("open", "Charged twice", "Mon 09 17:00")


def test_edit_links_and_unlinks_a_deal(session: Session, ann: Contact) -> None:
    deal = deals.add(session, deals.NewDeal("Support contract", 100, "EUR", contacts=[ann]))
    case = _open(session, ann)
    cases.edit(session, case, cases.CaseChanges(deal=deal, kind="incident"), now=at(9, 10), policy=OFFICE)
    view = cases.rows(session.connection(), at(9, 10))[0]
    assert (view.deal_id, view.deal_name, view.kind) == (deal.id, "Support contract", "incident")
    cases.edit(session, case, cases.CaseChanges(clear_deal=True), now=at(9, 10), policy=OFFICE)
    assert case.deal_id is None


def test_rows_order_breaches_first_then_priority_then_nearest_deadline(session: Session, ann: Contact) -> None:
    bob = contacts.add(session, contacts.ContactChanges(name="Bob Marsh"))[0]
    low = _open(session, ann, "low", now=at(2, 9))          # resolution due Mon 16th 09:00, response Wed 4th
    urgent = _open(session, bob, "urgent", now=at(9, 9))    # response Mon 13:00
    normal_late = _open(session, ann, "normal", now=at(5, 9))  # response due Fri 6th 09:00: breached
    high = _open(session, ann, "high", now=at(9, 10))       # response Mon 18:00 -> Tue 10:00
    cases.set_status(session, low, "open", now=at(3, 9), policy=OFFICE)
    done = _open(session, ann, "urgent", now=at(9, 9))
    cases.close(session, done, now=at(9, 9, 30), policy=OFFICE)
    listed = cases.rows(session.connection(), at(9, 12))
    assert [v.id for v in listed] == [normal_late.id, urgent.id, high.id, low.id]
    assert [v.response_breached for v in listed] == [True, False, False, False]
    assert [v.due_soon for v in listed] == [False, True, False, False]
    assert listed[1].contact_name == "Bob Marsh"
    everything = cases.rows(session.connection(), at(9, 12), statuses=None)
    assert done.id in [v.id for v in everything]
    assert [v.id for v in cases.rows(session.connection(), at(9, 12), contact_id=bob.id)] == [urgent.id]
    assert [v.id for v in cases.rows(session.connection(), at(9, 12), limit=2)] == [normal_late.id, urgent.id]


def test_rows_by_owner(session: Session, ann: Contact) -> None:
    mine = _open(session, ann)
    nobody = cases.add(session, ann, "x", kind="request", priority="low", owner="", now=FRIDAY_4PM, policy=OFFICE)
    conn = session.connection()
    assert [v.id for v in cases.rows(conn, FRIDAY_4PM, owner="kim")] == [mine.id]
    assert [v.id for v in cases.rows(conn, FRIDAY_4PM, owner="")] == [nobody.id]


def test_due_soon_counts_business_hours_when_given(session: Session, ann: Contact) -> None:
    _open(session, ann, "high", now=at(6, 11))  # response due Monday 11:00
    conn = session.connection()
    assert cases.rows(conn, at(6, 16), policy=OFFICE)[0].due_soon       # 3 business hours left
    assert not cases.rows(conn, at(6, 16))[0].due_soon                   # but 67 hours of clock time
    assert not cases.rows(conn, at(6, 14), policy=OFFICE)[0].due_soon   # 5 business hours left


def test_a_late_response_stays_a_breach(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    cases.set_status(session, case, "open", now=at(9, 12, 1), policy=OFFICE)  # one minute late
    view = cases.rows(session.connection(), at(9, 12, 2))[0]
    assert (view.response_breached, view.resolution_breached) == (True, False)


def test_detail_history_interactions_and_waiting_time(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    cases.note(session, case, "Looking into it", now=at(9, 9))
    cases.set_status(session, case, "waiting", now=at(9, 10), policy=OFFICE)
    cases.set_status(session, case, "open", now=at(9, 11), policy=OFFICE)
    cases.set_status(session, case, "waiting", now=at(9, 12), policy=OFFICE)
    other = contacts.add(session, contacts.ContactChanges(name="Bob Marsh"))[0]
    from crmcli.core import interactions

    interactions.log(session, [other], "unrelated", kind="call")
    found = cases.detail(session.connection(), case.id, at(9, 12, 30))  # type: ignore[arg-type]
    assert found.view.status == "waiting"
    assert [(c.from_status, c.to_status) for c in found.history] == [
        (None, "new"), ("new", "open"), ("open", "waiting"), ("waiting", "open"), ("open", "waiting")]
    assert [(i.kind, i.body) for i in found.interactions] == [("note", "Looking into it")]
    assert found.waited == timedelta(hours=1, minutes=30)
    with pytest.raises(NotFound, match="no case #7"):
        cases.detail(session.connection(), 7, at(9, 12))


def test_as_rows_gives_utc_times_and_flags(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    listed = cases.as_rows(cases.rows(session.connection(), at(9, 12, 30)))
    row = dict(zip(listed.columns, next(iter(listed.rows))))
    assert row["id"] == case.id
    assert row["opened"] == "2026-03-06T16:00:00Z"
    assert row["response_due"] == row["due"] == "2026-03-09T12:00:00Z"
    assert (row["breached"], row["response_breached"], row["resolution_breached"]) == ("response", True, False)
    assert "breached" in listed.list_columns


def test_policy_reads_the_settings() -> None:
    class Settings:
        case_deadline_setting = case_deadlines.parse("urgent=1h/2h")
        business_hours = HOURS

    chosen = cases.policy(Settings())
    assert str(chosen.deadlines["urgent"]) == "1h/2h"
    assert str(chosen.deadlines["low"]) == "2d/10d"
    assert chosen.hours is HOURS

    class Unset:
        case_deadline_setting = None
        business_hours = None

    assert cases.policy(Unset()) == cases.CasePolicy()


def test_deleting_the_contact_takes_its_cases(session: Session, ann: Contact) -> None:
    case = _open(session, ann)
    cases.note(session, case, "x", now=at(9, 9))
    contacts.remove(session, ann)
    assert session.execute(sa.select(sa.func.count()).select_from(ServiceCase)).scalar_one() == 0
    assert session.execute(sa.select(sa.func.count()).select_from(Interaction)).scalar_one() == 0


@pytest.mark.parametrize(("minutes", "text"), [
    (0, "0 min"), (59, "59 min"), (60, "1 h"), (200, "3 h 20 min"), (24 * 60, "1 d"), (27 * 60 + 5, "1 d 3 h"),
    (-5, "0 min"),
])
def test_span_text(minutes: int, text: str) -> None:
    assert cases.span_text(timedelta(minutes=minutes)) == text


def test_deadline_text(session: Session, ann: Contact) -> None:
    case = _open(session, ann)  # response due Mon 12:00, resolution Mon 16:00
    view = lambda now: cases.rows(session.connection(), now, statuses=None)[0]  # noqa: E731
    assert cases.deadline_text(view(at(9, 9)), "response", at(9, 9)) == "in 3 h"
    assert cases.deadline_text(view(at(9, 14)), "response", at(9, 14)) == "2 h late (breached)"
    cases.set_status(session, case, "waiting", now=at(9, 14, 30), policy=OFFICE)
    assert cases.deadline_text(view(at(9, 15)), "response", at(9, 15)) == "missed by 2 h 30 min"
    assert cases.deadline_text(view(at(9, 15)), "resolution", at(9, 15)) == "paused while waiting"
    cases.set_status(session, case, "resolved", now=at(9, 15), policy=OFFICE)
    assert cases.deadline_text(view(at(9, 15)), "resolution", at(9, 15)) == "met"


def test_merging_contacts_moves_the_cases(session: Session, ann: Contact) -> None:
    from crmcli.core import merge

    twin = contacts.add(session, contacts.ContactChanges(name="Ann Lee (old)"))[0]
    case = _open(session, twin)
    cases.note(session, case, "Refund sent", now=at(9, 9))
    done = merge.merge(session, ann, twin)
    assert done.counts()["case"] == 1
    assert "1 case" in done.describe()
    session.refresh(case)
    assert case.contact_id == ann.id
    assert [v.id for v in cases.rows(session.connection(), at(9, 10), contact_id=ann.id)] == [case.id]
    assert [i.body for i in cases.detail(session.connection(), case.id, at(9, 10)).interactions] == ["Refund sent"]


def test_a_priority_changed_during_a_wait_still_counts_that_wait(session: Session, ann: Contact) -> None:
    case = _open(session, ann, "low")
    cases.set_status(session, case, "waiting", now=at(9, 10), policy=OFFICE)
    cases.edit(session, case, cases.CaseChanges(priority="urgent"), now=at(9, 11), policy=OFFICE)
    assert local(case.resolve_due_at) == "Mon 09 16:00"  # the wait is not over: not counted yet
    cases.set_status(session, case, "open", now=at(9, 12), policy=OFFICE)
    assert local(case.resolve_due_at) == "Tue 10 10:00"  # now all 2 h of it are


def test_deleting_a_contact_says_it_takes_the_cases(session: Session, ann: Contact) -> None:
    _open(session, ann)
    assert contacts.impact(session, ann).describe() == "contact #1 Ann Lee with 1 service case"
    _open(session, ann)
    assert contacts.impact(session, ann).counts() == {"service cases": 2}


MOVES = st.lists(st.tuples(st.sampled_from(cases.STATUSES), st.integers(0, 3000)), max_size=8)


@pytest.mark.sqlite_only("many generated examples; the SQL is the one the other tests run on both backends")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES, priority=st.sampled_from(case_deadlines.PRIORITIES), office=st.booleans())
def test_any_path_keeps_the_case_consistent(session: Session, ann: Contact, moves: list[tuple[str, int]],
                                            priority: str, office: bool) -> None:
    """Whatever moves are tried, in any order: refused ones change nothing, the stamps agree with the
    status, deadlines never move earlier, and moving them wait by wait gives what counting every wait
    from the opening gives."""
    policy = OFFICE if office else ALWAYS
    case = _open(session, ann, priority, policy=policy)
    now = FRIDAY_4PM
    for status, minutes in moves:
        now += timedelta(minutes=minutes)
        before = (case.status, case.response_due_at, case.resolve_due_at, case.version)
        try:
            cases.set_status(session, case, status, now=now, policy=policy)
        except (Conflict, Invalid):
            assert status not in cases.MOVES[before[0]]
            assert (case.status, case.response_due_at, case.resolve_due_at, case.version) == before
            continue
        assert status in cases.MOVES[before[0]]
        assert case.response_due_at >= before[1] and case.resolve_due_at >= before[2]
    assert (case.waiting_since is not None) == (case.status == "waiting")
    assert (case.resolved_at is not None) == (case.status in ("resolved", "closed"))
    assert (case.closed_at is not None) == (case.status == "closed")
    assert (case.first_response_at is None) == (case.status == "new")
    assert (case.response_due_at, case.resolve_due_at) == policy.due(
        case.opened_at, priority, cases.paused(session, case, policy))
