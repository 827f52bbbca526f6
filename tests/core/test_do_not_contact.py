"""The do-not-contact mark: set and cleared through the contact services, shown on the card, the
overview and the timeline, and left out of everything that suggests whom to reach out to — the
agenda (`crm remind`: cadence and follow-ups), cold lists, mailing exports — while the follow-up
listings keep the records (flagged in the worklist)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from crmcli.core import agenda, contacts, exports, followups, history, importing, merge, timeline, worklist
from crmcli.core.clock import as_utc
from crmcli.core.contacts import Cold, ContactChanges
from crmcli.core.overview import overview
from crmcli.core.stages import DEFAULT
from crmcli.errors import Invalid
from crmcli.io import readers
from crmcli.storage.database import Database
from tests.core.conftest import NOW, pin

MARKED_AT = NOW.astimezone(UTC)


def _people(db: Database, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Ann (weekly cadence, a follow-up overdue and one due today) and Bob (the same), added a month
    ago; Cy has no email. Then Ann is marked, now."""
    pin(monkeypatch, NOW - timedelta(days=30))
    ids = {}
    with db.session(write=True) as s:
        for name, email in (("Ann Lee", "ann@acme.example"), ("Bob Marsh", "bob@marsh.example"), ("Cy Twombly", None)):
            person, _ = contacts.add(s, ContactChanges(name=name, add_emails=[email] if email else [],
                                                       cadence="every week", tags=["client"]))
            ids[name.split()[0].lower()] = person.id
    pin(monkeypatch, NOW)
    with db.session(write=True) as s:
        for who in ("ann", "bob"):
            person = contacts.resolve(s, who)
            followups.add(s, person, f"Send {who} the quote", followups.Due.parse("2026-03-02", now=NOW))
            followups.add(s, person, f"Call {who}", followups.Due.parse("2026-03-05 15:00", now=NOW))
        contacts.apply(s, contacts.resolve(s, "ann"), ContactChanges(do_not_contact=True,
                                                                     do_not_contact_reason="  asked by\nemail "))
    return ids


def test_marking_sets_the_time_and_reason_marking_again_keeps_the_time_clearing_drops_both(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _people(db, monkeypatch)
    with db.session() as s:
        ann = contacts.resolve(s, "ann")
        assert (as_utc(ann.do_not_contact_at), ann.do_not_contact_reason) == (MARKED_AT, "asked by email")
        card = contacts.card(s, ann)
        assert (as_utc(card["do_not_contact_at"]), card["do_not_contact_reason"]) == (MARKED_AT, "asked by email")
        seen = overview(s, ann, as_of=NOW)
        assert (seen.do_not_contact_at, seen.do_not_contact_reason) == (MARKED_AT, "asked by email")
        assert overview(s, contacts.resolve(s, "bob"), as_of=NOW).do_not_contact_at is None
    pin(monkeypatch, NOW + timedelta(days=2))
    with db.session(write=True) as s:
        contacts.apply(s, contacts.resolve(s, "ann"), ContactChanges(do_not_contact=True, do_not_contact_reason="GDPR"))
    with db.session(write=True) as s:
        ann = contacts.resolve(s, "ann")
        assert (as_utc(ann.do_not_contact_at), ann.do_not_contact_reason) == (MARKED_AT, "GDPR")  # still since then
        contacts.apply(s, ann, ContactChanges(do_not_contact=True))  # no reason given: the one held stays
        assert ann.do_not_contact_reason == "GDPR"
        contacts.apply(s, ann, ContactChanges(do_not_contact=False))
    with db.session() as s:
        ann = contacts.resolve(s, "ann")
        assert (ann.do_not_contact_at, ann.do_not_contact_reason) == (None, None)
        with pytest.raises(Invalid, match="goes with the mark"):
            contacts.apply(s, ann, ContactChanges(do_not_contact_reason="why"))
        with pytest.raises(Invalid, match="goes with the mark"):
            contacts.apply(s, ann, ContactChanges(do_not_contact=False, do_not_contact_reason="why"))


def test_a_new_contact_can_be_marked_and_the_words_both_front_ends_show(db: Database) -> None:
    with db.session(write=True) as s:
        dee, _ = contacts.add(s, ContactChanges(name="Dee Dee", do_not_contact=True))
        assert as_utc(dee.do_not_contact_at) == MARKED_AT and dee.do_not_contact_reason is None
        assert contacts.left_out_of_reminders(dee) == "Dee Dee is marked do not contact: reminders leave out " \
                                                      "follow-ups for them"
        eve, _ = contacts.add(s, ContactChanges(name="Eve"))
        assert contacts.left_out_of_reminders(eve) == ""
    assert contacts.do_not_contact_since(MARKED_AT, "asked by email") == "since 2026-03-05 10:30 (asked by email)"
    assert contacts.do_not_contact_since("2026-03-05T10:30:00Z", None) == "since 2026-03-05 10:30"
    assert contacts.do_not_contact_since(None, "x") == ""


def test_the_audit_history_records_the_mark_and_its_clearing(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _people(db, monkeypatch)
    with db.session(write=True) as s:
        contacts.apply(s, contacts.resolve(s, "ann"), ContactChanges(do_not_contact=False))
    with db.connect() as conn:
        changes = [(r.action, r.field, r.before, r.after)
                   for r in history.rows(conn, history.Filter(contact_id=ids["ann"])).records() if r.field]
    marked = "2026-03-05 10:30"  # local time (London, in March: UTC), as history shows a stored time
    assert [c for c in changes if c[1].startswith("do_not")] == [
        ("changed", "do_not_contact_at", marked, ""), ("changed", "do_not_contact_reason", "asked by email", ""),
        ("changed", "do_not_contact_at", "", marked), ("changed", "do_not_contact_reason", "", "asked by email")]


def test_the_agenda_leaves_out_a_marked_contacts_cadence_and_follow_ups(db: Database,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The acceptance point, in the core: Ann, past her cadence, with a follow-up overdue and one
    due, is not on the agenda (nor counted) while she is marked; cleared, she is back."""
    ids = _people(db, monkeypatch)
    with db.connect() as conn:
        found, page = agenda.agenda(conn, NOW), agenda.agenda(conn, NOW, limit=2)
    assert {i.contact for i in found.items} == {"Bob Marsh", "Cy Twombly"}
    assert [i.section for i in found.items] == ["overdue", "due", "keep in touch", "keep in touch"]
    assert found.counts == page.counts == {"overdue": 1, "due": 1, "keep in touch": 2}
    with db.session(write=True) as s:
        contacts.apply(s, contacts.resolve(s, "ann"), ContactChanges(do_not_contact=False))
    with db.connect() as conn:
        back = agenda.agenda(conn, NOW)
    assert back.counts == {"overdue": 2, "due": 2, "keep in touch": 3}
    assert ids["ann"] in {i.contact_id for i in back.overdue} & {i.contact_id for i in back.keep_in_touch}


def test_cold_lists_leave_a_marked_contact_out(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _people(db, monkeypatch)
    with db.connect() as conn:
        cold = [r.name for r in contacts.rows(conn, cold=Cold(NOW)).records()]
        paged = [r.name for r in contacts.rows(conn, cold=Cold(NOW), limit=5).records()]
        silent = [r.name for r in contacts.rows(conn, cold=Cold(NOW, after_days=10)).records()]
        everyone = [r.name for r in contacts.rows(conn).records()]
    assert cold == paged == silent == ["Bob Marsh", "Cy Twombly"]
    assert everyone == ["Ann Lee", "Bob Marsh", "Cy Twombly"]  # kept: only left out of what suggests contact


def test_the_worklist_keeps_a_marked_contacts_follow_ups_flagged(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _people(db, monkeypatch)
    with db.connect() as conn:
        found = worklist.worklist(conn, NOW)
        listed = [r.contact for r in followups.rows(conn, followups.Window.around(NOW)).records()]
    assert sorted((i.contact, i.title, i.do_not_contact) for i in found.items) == [
        ("Ann Lee", "Call ann", True), ("Ann Lee", "Send ann the quote", True),
        ("Bob Marsh", "Call bob", False), ("Bob Marsh", "Send bob the quote", False)]
    assert sorted(listed) == ["Ann Lee", "Ann Lee", "Bob Marsh", "Bob Marsh"]


def test_the_mailing_list_has_those_that_may_be_written_to_at_their_primary_email(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _people(db, monkeypatch)
    with db.session(write=True) as s:
        contacts.add(s, ContactChanges(name="Zoë van der Berg", org="Acme", add_emails=["work:zoe@acme.example",
                                                                                      "zoe@home.example"]))
        contacts.add(s, ContactChanges(name="Prince", add_emails=["prince@example.com"], tags=["client", "vip"]))
    scope = exports.Scope(stages=DEFAULT, as_of=NOW, mailing=True)
    with db.connect() as conn:
        found = exports.rows(conn, "contacts", scope)
        assert tuple(found.columns) == contacts.MAILING_COLUMNS == (
            "email", "first_name", "last_name", "name", "org", "tags", "uid")
        rows = [tuple(r[:6]) for r in found.rows]
        narrowed = [r.email for r in contacts.rows(conn, mailing=True, tag="vip").records()]
        every = [r.name for r in exports.rows(conn, "contacts", exports.Scope(stages=DEFAULT, as_of=NOW)).records()]
    assert rows == [("bob@marsh.example", "Bob", "Marsh", "Bob Marsh", None, "client"),
                    ("prince@example.com", "Prince", "", "Prince", None, "client; vip"),
                    ("zoe@acme.example", "Zoë van der", "Berg", "Zoë van der Berg", "Acme", None)]
    assert narrowed == ["prince@example.com"]
    assert every == ["Ann Lee", "Bob Marsh", "Cy Twombly", "Prince", "Zoë van der Berg"]  # the whole export keeps them


def test_the_timeline_shows_the_mark_while_it_holds(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _people(db, monkeypatch)
    with db.connect() as conn:
        listed = [(r.type, r.id, r.occurred, r.kind, r.body) for r in timeline.rows(conn, ids["ann"]).records()]
        page = timeline.page(conn, ids["ann"], limit=2)
        rest = timeline.page(conn, ids["ann"], before=page.next_cursor, limit=2)
        only = [r.kind for r in timeline.rows(conn, ids["ann"], kinds=["do not contact"]).records()]
        total = timeline.count(conn, ids["ann"])
        bob = [r.type for r in timeline.rows(conn, ids["bob"]).records()]
    assert ("contact", ids["ann"], "2026-03-05T10:30:00Z", "do not contact", "asked by email") in listed
    assert [e.kind for e in page.entries + rest.entries] == [r[3] for r in listed] and total == len(listed) == 3
    assert only == ["do not contact"] and timeline.quiet_type(["do not contact"]) == "contact"
    assert "contact" not in bob
    with db.session(write=True) as s:
        contacts.apply(s, contacts.resolve(s, "ann"), ContactChanges(do_not_contact=False))
    with db.connect() as conn:
        assert "contact" not in [r.type for r in timeline.rows(conn, ids["ann"]).records()]


def test_crms_own_export_brings_the_mark_back_and_an_update_adds_it_but_never_clears_it(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _people(db, monkeypatch)
    with db.connect() as conn:
        text = io.StringIO()
        writer = csv.writer(text)
        found = exports.rows(conn, "contacts", exports.Scope(stages=DEFAULT, as_of=NOW))
        writer.writerow(found.columns)
        writer.writerows(found.rows)
    exported = text.getvalue()
    with db.session(write=True) as s:  # Ann cleared, Bob marked: the file says the opposite
        contacts.apply(s, contacts.resolve(s, "ann"), ContactChanges(do_not_contact=False))
        contacts.apply(s, contacts.resolve(s, "bob"), ContactChanges(do_not_contact=True))
        for name in ("Cy Twombly",):
            contacts.remove(s, contacts.resolve(s, name))
    columns, records = readers.read(io.StringIO(exported, newline=""), "csv")
    with db.session(write=True) as s:
        report = importing.import_contacts(s, records, importing.layout_for(columns))
    assert (report.problems, report.count("create"), report.count("update")) == ([], 1, 1)
    with db.session() as s:
        ann, bob = contacts.resolve(s, "ann"), contacts.resolve(s, "bob")
        assert (as_utc(ann.do_not_contact_at), ann.do_not_contact_reason) == (MARKED_AT, "asked by email")
        assert bob.do_not_contact_at is not None  # the file cannot take a mark away
        assert contacts.resolve(s, "cy").do_not_contact_at is None


def test_a_merge_keeps_a_mark_either_contact_had(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _people(db, monkeypatch)
    with db.session(write=True) as s:
        done = merge.merge(s, contacts.resolve(s, "bob"), contacts.resolve(s, "ann"))
        assert ("do not contact", "since 2026-03-05 10:30 (asked by email)") in done.taken
    with db.session() as s:
        bob = contacts.resolve(s, "bob")
        assert (as_utc(bob.do_not_contact_at), bob.do_not_contact_reason) == (MARKED_AT, "asked by email")


@pytest.mark.sqlite_only("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by its statistics")
def test_the_agendas_cadence_query_reads_the_partial_cadence_index(db: Database,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """ix_contact_cadence is partial (`cadence_days IS NOT NULL AND do_not_contact_at IS NULL`):
    SQLite reads it only for a query that names both conditions."""
    from sqlalchemy import event

    _people(db, monkeypatch)
    sent: list[tuple[str, object]] = []

    def capture(_conn: object, _cursor: object, statement: str, parameters: object, *_args: object) -> None:
        sent.append((statement, parameters))

    with db.connect() as conn:
        event.listen(conn, "before_cursor_execute", capture)
        agenda.agenda(conn, NOW)
        agenda.agenda(conn, NOW, limit=3)  # a page: the counts too
        contacts.rows(conn, cold=Cold(NOW)).rows.close()  # type: ignore[attr-defined]
        event.remove(conn, "before_cursor_execute", capture)
        cadenced = [(st, p) for st, p in sent if "cadence_days IS NOT NULL" in st]
        plans = [" | ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {st}", p).all())  # type: ignore[arg-type]
                 for st, p in cadenced]
    assert len(plans) == 4, plans  # the agenda's list, the page's and its count, the cold listing
    for plan in plans:
        assert "USING INDEX ix_contact_cadence" in plan and "SCAN contact" not in plan, plan


def test_marked_do_not_contact_picks_the_marked_among_ids(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _people(db, monkeypatch)
    with db.connect() as conn:
        assert contacts.marked_do_not_contact(conn, [ids["bob"], ids["ann"], ids["ann"], 999]) == {ids["ann"]}
        assert contacts.marked_do_not_contact(conn, []) == set()
        unmarked = conn.execute(sa.select(sa.func.count()).select_from(contacts.Contact.__table__)
                                .where(contacts.contactable())).scalar_one()
    assert unmarked == 2
    assert contacts.split_name("Ann Lee") == ("Ann", "Lee") and contacts.split_name(" Cher ") == ("Cher", "")


@pytest.mark.parametrize(("before", "after", "expected"), [
    ("", "", (None, None)),
    ("", "yes", (True, "")),                       # marked, no reason
    ("", "  asked  by phone ", (True, "asked by phone")),
    ("asked by phone", "asked by phone ", (None, None)),
    ("asked by phone", "GDPR", (True, "GDPR")),    # the reason replaced, the time kept
    ("asked by phone", "Yes", (True, "")),
    ("yes", "", (False, None)),
])
def test_the_contact_forms_field_marks_replaces_the_reason_and_clears(before: str, after: str,
                                                                      expected: tuple[object, object]) -> None:
    from crmcli.core.contact_form import Editable, changes

    made = changes(Editable("Ann Lee", do_not_contact=before), Editable("Ann Lee", do_not_contact=after),
                   phone_region="GB")
    assert (made.do_not_contact, made.do_not_contact_reason) == expected


def test_the_contact_form_starts_with_the_reason_or_yes(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.core.contact_form import of

    _people(db, monkeypatch)
    with db.session(write=True) as s:
        assert of(s, contacts.resolve(s, "ann")).do_not_contact == "asked by email"
        assert of(s, contacts.resolve(s, "bob")).do_not_contact == ""
        contacts.apply(s, contacts.resolve(s, "bob"), ContactChanges(do_not_contact=True))
        assert of(s, contacts.resolve(s, "bob")).do_not_contact == "yes"
