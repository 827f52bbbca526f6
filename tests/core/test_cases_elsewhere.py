"""Service cases where a user looks outside the cases commands: the contact's timeline and card,
the morning reminder, the privacy export and the erasure. Cases are written straight into their
tables (tests/core/case_rows.py), so each test holds exactly the state it names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core import contacts, interactions, timeline
from crmcli.core.models import Interaction
from crmcli.storage.database import Database
from tests.core.case_rows import HOUR, add_case
from tests.core.conftest import NOW

UTC_NOW = NOW.astimezone(UTC)  # Thursday 2026-03-05 10:30 UTC (London is on UTC in March)


def _people(db: Database) -> tuple[int, int]:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee", add_emails=["ann@acme.example"]))
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        return ann.id, bob.id  # type: ignore[return-value]


def _on_case(db: Database, interaction_id: int, case_id: int) -> None:
    i = Interaction.__table__  # type: ignore[attr-defined]
    with db.connect(write=True) as conn:
        conn.execute(sa.update(i).where(i.c.id == interaction_id).values(case_id=case_id))


# -- timeline ---------------------------------------------------------------------------------------

def test_a_case_opening_and_its_moves_are_on_the_timeline_and_its_mail_names_it(db: Database) -> None:
    ann, bob = _people(db)
    opened = UTC_NOW - timedelta(days=3)
    with db.connect(write=True) as conn:
        case = add_case(conn, ann, "Invoice 1043 charged twice", kind="complaint", priority="urgent", opened=opened,
                        moves=[("open", opened + HOUR), ("waiting", opened + 2 * HOUR),
                               ("open", opened + 26 * HOUR)])
        add_case(conn, bob, "Not Ann's", opened=opened)
    with db.session(write=True) as s:
        mail = interactions.log(s, [contacts.resolve(s, "ann")], "Re: the invoice", kind="email",
                                occurred_at=opened + 90 * timedelta(minutes=1))
        plain = interactions.log(s, [contacts.resolve(s, "ann")], "Lunch", kind="meeting",
                                 occurred_at=opened + 3 * HOUR)
        mail_id, plain_id = mail.id, plain.id
    _on_case(db, mail_id, case)  # type: ignore[arg-type]
    with db.connect() as conn:
        found = [(r[0], r[1], r[4], r[7], r[10]) for r in timeline.rows(conn, ann).rows]
        table = [r[7] for r in timeline.rows(conn, ann, marked=True).rows]
        entries = timeline.page(conn, ann, limit=10).entries
    assert found == [
        ("case", case, "case status", "#1 Invoice 1043 charged twice: waiting -> open", case),
        ("interaction", plain_id, "meeting", "Lunch", None),
        ("case", case, "case status", "#1 Invoice 1043 charged twice: open -> waiting", case),
        ("interaction", mail_id, "email", "Re: the invoice", case),
        ("case", case, "case status", "#1 Invoice 1043 charged twice: new -> open", case),
        ("case", case, "case opened", "#1 Invoice 1043 charged twice (complaint, urgent)", case),
    ]
    assert table[3] == "[case #1] Re: the invoice" and table[1] == "Lunch" and table[0].startswith("#1 Invoice")
    assert [e.text for e in entries] == table  # the pages (the TUI) say it as the table does
    assert [(e.type, e.case_id) for e in entries][3] == ("interaction", case)


def test_case_kinds_filter_and_count_and_quiet_type(db: Database) -> None:
    ann, _ = _people(db)
    with db.connect(write=True) as conn:
        first = add_case(conn, ann, "First", opened=UTC_NOW - 5 * HOUR, moves=[("closed", UTC_NOW - HOUR)])
        second = add_case(conn, ann, "Second", opened=UTC_NOW - 2 * HOUR)
    with db.connect() as conn:
        opened = [(r[1], r[7]) for r in timeline.rows(conn, ann, kinds=["case opened"]).rows]
        moved = [(r[1], r[7]) for r in timeline.rows(conn, ann, kinds=["case status"]).rows]
        since = [r[4] for r in timeline.rows(conn, ann, since=UTC_NOW - 3 * HOUR).rows]
        assert timeline.count(conn, ann) == 3 and timeline.count(conn, ann, kinds=["case opened"]) == 2
        assert timeline.rows(conn, ann, kinds=["call"]).rows.all() == []  # type: ignore[attr-defined]
    assert opened == [(second, "#2 Second (request, normal)"), (first, "#1 First (request, normal)")]
    assert moved == [(first, "#1 First: new -> closed")]
    assert since == ["case status", "case opened"]
    assert timeline.quiet_type(["case opened", "case status"]) == "case"


def test_pages_walk_a_history_of_cases_and_interactions_without_repeats(db: Database) -> None:
    """Case entries tie with interactions on time and sequence numbers: the type breaks the tie."""
    ann, _ = _people(db)
    start = UTC_NOW - timedelta(days=40)
    with db.session(write=True) as s:
        person = contacts.resolve(s, "ann")
        for k in range(30):
            interactions.log(s, [person], f"note {k}", kind="note", occurred_at=start + timedelta(days=k))
    with db.connect(write=True) as conn:
        for k in range(15):  # opened at the same instants as notes, moved a day later
            add_case(conn, ann, f"Case {k}", opened=start + timedelta(days=2 * k),
                     moves=[("open", start + timedelta(days=2 * k + 1))])
    with db.connect() as conn:
        whole = [(r[0], r[1], r[7]) for r in timeline.rows(conn, ann).rows]
        seen, cursor = [], None
        while True:
            page = timeline.page(conn, ann, before=cursor, limit=7)
            seen += [(e.type, e.id, e.body) for e in page.entries]
            if not page.more:
                break
            cursor = page.next_cursor
        up, after = [], None
        while True:
            page = timeline.newer(conn, ann, after=after, limit=6)
            up = [(e.type, e.id, e.body) for e in page.entries] + up
            if not page.more:
                break
            after = page.next_cursor
    assert len(whole) == 30 + 15 * 2 and seen == whole and up == whole


# -- the contact's card -------------------------------------------------------------------------

def test_the_card_lists_the_contacts_open_cases_breached_first(db: Database) -> None:
    from crmcli.core.overview import overview

    ann, bob = _people(db)
    with db.connect(write=True) as conn:
        calm = add_case(conn, ann, "Question about VAT", priority="high", opened=UTC_NOW - HOUR)
        late = add_case(conn, ann, "Invoice charged twice", priority="low", opened=UTC_NOW - timedelta(days=2),
                        moves=[("open", UTC_NOW - timedelta(days=2) + HOUR)])
        add_case(conn, ann, "Done", opened=UTC_NOW - timedelta(days=9), moves=[("closed", UTC_NOW - timedelta(days=8))])
        add_case(conn, bob, "Bob's", opened=UTC_NOW - HOUR)
    with db.session() as s:
        card = overview(s, contacts.resolve(s, "ann"), as_of=NOW)
        bare = overview(s, contacts.resolve(s, "bob marsh"), as_of=NOW)
    # none late yet (8 h / 5 days, the first answered within the hour): the high one first
    assert [(c.id, c.status, c.breached) for c in card.cases] == [(calm, "new", False), (late, "open", False)]
    with db.connect(write=True) as conn:
        overdue = add_case(conn, ann, "Broken login", priority="normal", opened=UTC_NOW - timedelta(days=1),
                           response_due=UTC_NOW - 2 * HOUR)
    with db.session() as s:
        card = overview(s, contacts.resolve(s, "ann"), as_of=NOW)
    assert [c.id for c in card.cases] == [overdue, calm, late]
    assert card.cases[0].response_breached and not card.cases[0].resolution_breached
    assert card.cases[0].next_due == UTC_NOW - 2 * HOUR
    assert [c.title for c in bare.cases] == ["Bob's"]


# -- the morning reminder -----------------------------------------------------------------------

def _near(db: Database, as_of: datetime, *, hours: str | None = None, owner: str | None = None) -> list[tuple[int, str, int]]:
    from crmcli.core import agenda, business_hours

    with db.connect() as conn:
        found = agenda.agenda(conn, as_of, cases=True, hours=business_hours.parse(hours) if hours else None,
                              owner=owner)
    assert found.counts["cases"] == len(found.cases) and all(i.section == "cases" for i in found.cases)
    assert all(i.follow_up_id is None and i.due is not None for i in found.cases)
    return [(i.case_id, i.what, i.days) for i in found.cases]  # type: ignore[misc]


def test_remind_lists_open_cases_past_or_near_a_deadline_breaches_first(db: Database) -> None:
    ann, bob = _people(db)
    day = timedelta(days=1)
    with db.connect(write=True) as conn:
        soon = add_case(conn, ann, "Due in 20 h", priority="urgent", opened=UTC_NOW - HOUR,
                        response_due=UTC_NOW + 20 * HOUR, resolve_due=UTC_NOW + 3 * day)
        add_case(conn, ann, "Due in 25 h", opened=UTC_NOW - HOUR, response_due=UTC_NOW + 25 * HOUR)
        old = add_case(conn, bob, "Late 3 days", priority="low", opened=UTC_NOW - 9 * day,
                       moves=[("open", UTC_NOW - 9 * day + HOUR)], resolve_due=UTC_NOW - 3 * day - HOUR)
        fresh = add_case(conn, ann, "Late 1 h", priority="high", opened=UTC_NOW - 9 * HOUR,
                         response_due=UTC_NOW - HOUR)
        add_case(conn, ann, "Paused while waiting", priority="urgent", opened=UTC_NOW - 9 * day,
                 moves=[("waiting", UTC_NOW - 8 * day)], resolve_due=UTC_NOW - 2 * day)
        add_case(conn, ann, "Resolved late", opened=UTC_NOW - 9 * day,
                 moves=[("resolved", UTC_NOW - HOUR)], resolve_due=UTC_NOW - 2 * day)
        add_case(conn, ann, "Responded in time", opened=UTC_NOW - 9 * HOUR, response_due=UTC_NOW - HOUR,
                 moves=[("open", UTC_NOW - 2 * HOUR)])  # its response is in: the resolution is days away
    assert _near(db, NOW) == [
        (fresh, "Late 1 h (high; response late)", 0),
        (old, "Late 3 days (low; resolution 3 days late)", 3),
        (soon, "Due in 20 h (urgent; response due)", 0),
    ]
    assert _near(db, NOW - 10 * day) == []


def test_near_is_one_business_day_with_business_hours(db: Database) -> None:
    """Friday 16:30, hours mon-fri 09:00-17:00: near is until Monday 16:30, not Saturday's."""
    ann, _ = _people(db)
    friday = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
    with db.connect(write=True) as conn:
        monday = add_case(conn, ann, "Due Monday 16:00", opened=friday - HOUR,
                          response_due=datetime(2026, 3, 9, 16, tzinfo=UTC))
        add_case(conn, ann, "Due Tuesday 09:30", opened=friday - HOUR, response_due=datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
    assert [c for c, _, _ in _near(db, friday, hours="mon-fri 09:00-17:00 UTC")] == [monday]
    assert _near(db, friday) == []  # every hour counts: Monday is 71 h away


def test_the_look_ahead_widens_near_for_cases_too(db: Database) -> None:
    from crmcli.core import agenda

    ann, _ = _people(db)
    with db.connect(write=True) as conn:
        later = add_case(conn, ann, "Due in 60 h", opened=UTC_NOW - HOUR, response_due=UTC_NOW + 60 * HOUR)
        with_it = agenda.agenda(conn, NOW, 3, cases=True)  # today and the 3 days after: until Monday 00:00
        without = agenda.agenda(conn, NOW, cases=True)
        page = agenda.agenda(conn, NOW, 3, cases=True, limit=1)  # a page limits the follow-ups, not the cases
    assert [i.case_id for i in with_it.cases] == [later] and without.cases == () and without.counts["cases"] == 0
    assert [i.case_id for i in page.cases] == [later] and page.counts["cases"] == 1
    assert [r[:2] for r in with_it.rows().rows] == [("cases", later)]


def test_remind_keeps_a_marked_contacts_cases_and_filters_by_owner(db: Database) -> None:
    ann, bob = _people(db)
    with db.session(write=True) as s:
        contacts.apply(s, contacts.resolve(s, "ann"), contacts.ContactChanges(do_not_contact=True))
    with db.connect(write=True) as conn:
        mine = add_case(conn, ann, "Ann's refund", opened=UTC_NOW - 9 * HOUR, response_due=UTC_NOW - HOUR, owner="kim")
        theirs = add_case(conn, bob, "Bob's refund", opened=UTC_NOW - 9 * HOUR, response_due=UTC_NOW - HOUR)
    assert [c for c, _, _ in _near(db, NOW)] == [mine, theirs]  # a case is a promise: do not contact or not
    assert [c for c, _, _ in _near(db, NOW, owner="kim")] == [mine]


@pytest.mark.sqlite_only("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by its statistics")
def test_the_reminders_case_query_reads_the_status_and_deadline_index(db: Database) -> None:
    from sqlalchemy import event

    from crmcli.core import agenda

    ann, _ = _people(db)
    with db.connect(write=True) as conn:
        add_case(conn, ann, "Late", opened=UTC_NOW - 9 * HOUR, response_due=UTC_NOW - HOUR)
    sent: list[tuple[str, object]] = []

    def capture(_conn: object, _cursor: object, statement: str, parameters: object, *_args: object) -> None:
        sent.append((statement, parameters))

    with db.connect() as conn:
        event.listen(conn, "before_cursor_execute", capture)
        assert len(agenda.agenda(conn, NOW, cases=True).cases) == 1
        event.remove(conn, "before_cursor_execute", capture)
        (statement, parameters), = [(st, p) for st, p in sent if "FROM service_case" in st]
        plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()]  # type: ignore[arg-type]
    index = "SEARCH service_case USING INDEX ix_service_case_status_due"
    assert f"{index} (status=? AND resolve_due_at<?)" in plan and f"{index} (status=?)" in plan, plan
    assert not [step for step in plan if step.startswith("SCAN")], plan


# -- privacy: export and erasure ----------------------------------------------------------------

def _vera_and_bob(db: Database) -> dict[str, int]:
    """Vera's complaint (opened, answered later in its own command, a note on it), Bob's case whose
    title names her, and a meeting of both that belongs to Bob's case."""
    from crmcli.core import cases

    policy = cases.CasePolicy()
    with db.session(write=True) as s:
        vera, _ = contacts.add(s, contacts.ContactChanges(name="Vera Novak", add_emails=["vera@novak.example"]))
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        hers = cases.add(s, vera, "Invoice 1043 charged twice", kind="complaint", priority="urgent", owner="",
                         now=UTC_NOW - 3 * HOUR, policy=policy)
        his = cases.add(s, bob, "Bob says Vera Novak got the wrong file", now=UTC_NOW - 3 * HOUR, owner="",
                        policy=policy)
        ids = {"vera": vera.id, "bob": bob.id, "hers": hers.id, "his": his.id}
    with db.session(write=True) as s:
        hers = cases.get(s, str(ids["hers"]))
        ids["note"] = cases.note(s, hers, "Refund on its way", now=UTC_NOW - 2 * HOUR).id
        cases.set_status(s, hers, "waiting", now=UTC_NOW - HOUR, policy=policy)
        shared = interactions.log(s, [contacts.resolve(s, "vera"), contacts.resolve(s, "bob")],
                                  "Met Vera and Bob about the file", kind="meeting", occurred_at=UTC_NOW - HOUR)
        ids["shared"] = shared.id
    _on_case(db, ids["shared"], ids["his"])
    return ids  # type: ignore[return-value]


def test_the_privacy_export_has_their_cases_with_history_and_notes(db: Database) -> None:
    from crmcli.core import privacy

    ids = _vera_and_bob(db)
    with db.session() as s:
        document = privacy.export(s, contacts.resolve(s, "vera"), now=NOW)
    assert "cases" in document["sections"]
    [case] = document["cases"]  # hers only: Bob's case names her in its title but is his
    assert (case["id"], case["title"], case["kind"], case["priority"], case["status"]) == (
        ids["hers"], "Invoice 1043 charged twice", "complaint", "urgent", "waiting")
    assert case["opened"] == "2026-03-05T07:30:00Z" and case["waiting_since"] == "2026-03-05T09:30:00Z"
    assert case["first_response"] == "2026-03-05T08:30:00Z" and case["resolved"] is None
    assert case["response_due"].endswith("Z") and case["resolve_due"].endswith("Z") and case["deal"] is None
    assert [(h["from"], h["to"], h["at"]) for h in case["status_history"]] == [
        (None, "new", "2026-03-05T07:30:00Z"), ("new", "open", "2026-03-05T08:30:00Z"),
        ("open", "waiting", "2026-03-05T09:30:00Z")]
    assert [(n["id"], n["kind"], n["body"]) for n in case["interactions"]] == [(ids["note"], "note", "Refund on its way")]
    with db.session() as s:
        assert privacy.export(s, contacts.resolve(s, "bob"), now=NOW)["cases"][0]["interactions"][0]["id"] == ids["shared"]


def test_forget_takes_their_cases_and_notes_and_leaves_others_cases_linked(db: Database) -> None:
    from crmcli.core import privacy, search
    from crmcli.core.models import AUDIT_CHANGE, CASE_STATUS_CHANGE, ServiceCase

    ids = _vera_and_bob(db)
    k, h, ch, i = ServiceCase.__table__, CASE_STATUS_CHANGE, AUDIT_CHANGE, Interaction.__table__  # type: ignore[attr-defined]
    with db.connect() as conn:
        steps = [str(n) for n in conn.scalars(sa.select(h.c.id).where(h.c.case_id == ids["hers"]))]
        audited = conn.execute(sa.select(sa.func.count()).select_from(ch).where(
            ch.c.table_name == "case_status_change", ch.c.row_key.in_(steps))).scalar_one()
    assert audited >= 1  # the move to waiting, made by a later command than the case's opening
    with db.session() as s:
        planned = privacy.plan(s, contacts.resolve(s, "vera"), db)
    assert planned.own["cases"] == 1 and "1 case" in planned.describe()
    done = privacy.forget(db, ids["vera"])
    assert done.deleted["cases"] == 1
    with db.connect() as conn:
        assert conn.scalars(sa.select(k.c.id).order_by(k.c.id)).all() == [ids["his"]]
        assert conn.scalars(sa.select(h.c.case_id).distinct()).all() == [ids["his"]]
        assert conn.execute(sa.select(i.c.id, i.c.case_id).order_by(i.c.id)).all() == [(ids["shared"], ids["his"])]
        assert conn.scalar(sa.select(k.c.title).where(k.c.id == ids["his"])) == "Bob says [erased] got the wrong file"
        assert conn.scalar(sa.select(i.c.body)) == "Met [erased] and Bob about the file"
        assert conn.execute(sa.select(sa.func.count()).select_from(ch).where(
            ch.c.table_name == "case_status_change", ch.c.row_key.in_(steps))).scalar_one() == 0
        history = " ".join(str(row) for row in conn.execute(sa.select(ch.c.before, ch.c.after)))
        assert search.search(conn, "refund").rows == [] and search.search(conn, "vera").rows == []
        assert search.search(conn, "file").rows  # the shared meeting on Bob's case is still found
    assert "Vera" not in history and "Novak" not in history and "Invoice 1043" not in history
    assert "Refund on its way" not in history


# -- the reminder's and the report's SQL against a plain model of the rules ------------------------

_MINUTE = timedelta(minutes=1)
_case = st.fixed_dictionaries({
    "opened": st.integers(-20 * 24 * 60, 0),           # minutes from now
    "response": st.integers(1, 3 * 24 * 60),           # minutes after opening
    "resolve": st.integers(1, 12 * 24 * 60),
    "moves": st.lists(st.tuples(st.sampled_from(["open", "waiting", "resolved", "closed"]), st.integers(1, 3000)),
                      max_size=3),
    "priority": st.sampled_from(["low", "normal", "high", "urgent"]),
    "kind": st.sampled_from(["request", "complaint"]),
})


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(drawn=st.lists(_case, max_size=8))
def test_remind_and_report_agree_with_the_rules_for_any_cases(db: Database, drawn: list[dict]) -> None:  # type: ignore[type-arg]
    """Whatever the cases, the SQL (both backends) picks and counts what the rules written out here
    in Python say: near or late open cases for the reminder, missed deadlines and ages for the report."""
    from crmcli.core import agenda
    from crmcli.core.case_report import report
    from crmcli.core.models import CASE_STATUS_CHANGE, ServiceCase

    with db.connect(write=True) as conn:
        conn.execute(sa.delete(CASE_STATUS_CHANGE))
        conn.execute(sa.delete(ServiceCase.__table__))  # type: ignore[attr-defined]
        contact = conn.scalar(sa.text("SELECT min(id) FROM contact"))
    if contact is None:  # the first example: the same database serves every one
        contact, _ = _people(db)
    model = []
    with db.connect(write=True) as conn:
        for n, c in enumerate(drawn):
            opened = UTC_NOW + c["opened"] * _MINUTE
            at, moves, status = opened, [], "new"
            for to, after in c["moves"]:
                if to == status or status in ("resolved", "closed") and to in ("waiting", "resolved"):
                    continue  # a move the cases service refuses
                at += after * _MINUTE
                moves.append((to, at))
                status = to
            if at > UTC_NOW:
                continue  # not yet happened: keep the drawn history in the past
            case_id = add_case(conn, contact, f"case {n}", kind=c["kind"], priority=c["priority"], opened=opened,
                               response_due=opened + c["response"] * _MINUTE,
                               resolve_due=opened + c["resolve"] * _MINUTE, moves=moves)
            responded = next((m_at for m_to, m_at in moves), None)
            resolved = next((m_at for m_to, m_at in moves if m_to in ("resolved", "closed")), None)
            waiting = moves[-1][1] if moves and moves[-1][0] == "waiting" else None
            model.append(dict(id=case_id, status=status, priority=c["priority"], kind=c["kind"], opened=opened,
                              responded=responded, resolved=resolved, waiting=waiting,
                              response_due=opened + c["response"] * _MINUTE, resolve_due=opened + c["resolve"] * _MINUTE))
    horizon = UTC_NOW + timedelta(hours=24)
    near = {m["id"] for m in model if m["status"] in ("new", "open") and (
        m["resolve_due"] <= horizon or (m["responded"] is None and m["response_due"] <= horizon))}
    with db.connect() as conn:
        found = agenda.agenda(conn, UTC_NOW, cases=True).cases
        figures = report(conn, UTC_NOW)
    assert {i.case_id for i in found} == near
    late = [not (i.due.at <= UTC_NOW) for i in found]  # type: ignore[union-attr]
    assert late == sorted(late)  # the late ones first

    def missed(m: dict, deadline: str) -> bool:  # type: ignore[type-arg]
        until = m["waiting"] if m["status"] == "waiting" else UTC_NOW
        done = (m["responded"] if deadline == "response" else m["resolved"]) or until
        return done > m[f"{deadline}_due"]

    expected: dict[tuple[str, str, str, str], int] = {}
    for m in model:
        state = "open" if m["status"] in ("new", "open", "waiting") else "done"
        for deadline in ("response", "resolution"):
            if missed(m, "response" if deadline == "response" else "resolve"):
                key = (m["kind"], m["priority"], deadline, state)
                expected[key] = expected.get(key, 0) + 1
    assert {(b.kind, b.priority, b.deadline, b.state): b.count for b in figures.breached} == expected
    ages = sum(a.count for a in figures.open)
    assert ages == sum(1 for m in model if m["status"] in ("new", "open", "waiting"))


def test_forget_keeps_a_shared_interaction_on_their_case_without_the_case(db: Database) -> None:
    """A meeting of Vera and Bob logged on Vera's case: Bob's history keeps it, no longer on a case."""
    from crmcli.core import privacy

    ids = _vera_and_bob(db)
    with db.session(write=True) as s:
        met = interactions.log(s, [contacts.resolve(s, "vera"), contacts.resolve(s, "bob")], "Vera and Bob: refund",
                               kind="meeting", occurred_at=UTC_NOW - HOUR).id
    _on_case(db, met, ids["hers"])  # type: ignore[arg-type]
    privacy.forget(db, ids["vera"])
    i = Interaction.__table__  # type: ignore[attr-defined]
    with db.connect() as conn:
        assert conn.execute(sa.select(i.c.body, i.c.case_id).where(i.c.id == met)).one() == ("[erased] and Bob: refund",
                                                                                           None)
        assert [e.body for e in timeline.page(conn, ids["bob"], limit=10).entries if e.id == met] == [
            "[erased] and Bob: refund"]
