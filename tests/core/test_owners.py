"""Owners: who looks after a contact, does a follow-up, works a deal. A record added is its adder's
unless it names an owner ("me" is who is working, "" nobody); listings, the agenda, the pipeline
and the forecast keep one owner's records when asked; an import reads the owner column."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlmodel import select

from crmcli.core import contacts, deals, followups, identity, importing, interactions, merge, sales
from crmcli.core.agenda import agenda
from crmcli.core.followups import Due, Planned, Window
from crmcli.core.models import Contact
from crmcli.core.overview import overview
from crmcli.core.stages import DEFAULT
from crmcli.io import readers
from crmcli.storage.database import Database
from tests.core.conftest import LONDON, NOW, pin


def robin() -> str:
    return "robin"


def nobody_asked() -> str:
    raise AssertionError("'me' was asked although no one typed it or added anything")


# -- the rule ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "owner"), [("me", "robin"), (" ME ", "robin"), ("  kim ", "kim"),
                                              ("", None), ("   ", None), ("Kim Lee", "Kim Lee")])
def test_an_owner_as_typed(typed: str, owner: str | None) -> None:
    assert identity.owner_name(typed, robin) == owner


def test_a_new_record_is_its_adders_unless_it_names_one() -> None:
    assert identity.new_owner(None, robin) == "robin"
    assert identity.new_owner("kim", nobody_asked) == "kim"
    assert identity.new_owner("", nobody_asked) is None


def test_a_listing_filter_keeps_one_owner_nobody_or_everyone() -> None:
    assert identity.owner_filter("me", robin) == "robin"
    assert identity.owner_filter("", nobody_asked) == ""  # the records nobody owns
    assert identity.owner_filter(None, nobody_asked) is None  # everyone's


# -- contacts ------------------------------------------------------------------------------------

def _owners(db: Database, **where: object) -> dict[str, str | None]:
    with db.connect() as conn:
        return {r.name: r.owner for r in contacts.rows(conn, **where).records()}  # type: ignore[arg-type]


def test_contacts_are_their_adders_unless_the_form_names_an_owner(db: Database) -> None:
    with db.session(write=True) as s:
        for name, owner in (("Ann Lee", None), ("Bob Marsh", "kim"), ("Cy Young", "me"), ("Di Ng", "")):
            contacts.add(s, contacts.ContactChanges(name=name, owner=owner), me=robin)
    assert _owners(db) == {"Ann Lee": "robin", "Bob Marsh": "kim", "Cy Young": "robin", "Di Ng": None}
    assert list(_owners(db, owner="robin")) == ["Ann Lee", "Cy Young"]
    assert list(_owners(db, owner="kim")) == ["Bob Marsh"]
    assert list(_owners(db, owner="")) == ["Di Ng"]
    assert _owners(db, owner="nobody-of-that-name") == {}


def test_without_an_identity_a_contact_is_the_login_names(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "login-name")
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"))
        assert ann.owner == "login-name"


def test_editing_a_contact_changes_its_owner_or_leaves_it(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"), me=robin)
        contacts.apply(s, ann, contacts.ContactChanges(title="CTO"), me=nobody_asked)
        assert ann.owner == "robin"  # a change that names no owner leaves it
        contacts.apply(s, ann, contacts.ContactChanges(owner="kim"), me=nobody_asked)
        assert ann.owner == "kim"
        contacts.apply(s, ann, contacts.ContactChanges(owner=""))
        assert ann.owner is None
        contacts.apply(s, ann, contacts.ContactChanges(owner="me"), me=lambda: "sam")
        assert ann.owner == "sam"
        assert contacts.card(s, ann)["owner"] == "sam"
        assert overview(s, ann, as_of=NOW).owner == "sam"


# -- follow-ups ----------------------------------------------------------------------------------

TOMORROW = Due.parse("tomorrow", now=NOW)


def _follow_up_owners(db: Database, owner: str | None = None) -> dict[str, str | None]:
    with db.connect() as conn:
        listed = followups.rows(conn, Window.around(NOW), scope="all", owner=owner)
        assert listed.columns[-1] == "owner" and "owner" in (listed.table_columns or ())
        return {r.title: r.owner for r in listed.records()}


def test_follow_ups_are_their_adders_unless_they_name_an_owner(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"), me=robin)
        followups.add(s, ann, "Mine", TOMORROW, me=robin)
        followups.add(s, ann, "Kim's", TOMORROW, owner="kim", me=nobody_asked)
        followups.add(s, ann, "Nobody's", TOMORROW, owner="")
    assert _follow_up_owners(db) == {"Mine": "robin", "Kim's": "kim", "Nobody's": None}
    assert list(_follow_up_owners(db, "robin")) == ["Mine"]
    assert list(_follow_up_owners(db, "")) == ["Nobody's"]


def test_a_follow_up_changes_hands_and_its_next_occurrence_keeps_its_owner(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"), me=robin)
        item = followups.add(s, ann, "Monthly", TOMORROW, repeat="monthly", me=robin)
        followups.edit(s, item, followups.FollowUpChanges(owner="me"), me=lambda: "kim")
        assert item.owner == "kim"
        followups.edit(s, item, followups.FollowUpChanges(title="Monthly check-in"), me=nobody_asked)
        assert item.owner == "kim"
        following = followups.done(s, item, LONDON)
        assert following is not None and following.owner == "kim"
        followups.edit(s, following, followups.FollowUpChanges(owner=""))
        assert following.owner is None


def test_a_follow_up_made_with_a_logged_call_is_the_loggers(db: Database) -> None:
    with db.session(write=True) as s:
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh", owner="kim"), me=robin)
        logged = interactions.log_with_follow_up(s, [bob], "Called", kind="call",
                                                 follow_up=Planned.parse("fri: send the quote", now=NOW), me=robin)
        assert logged.follow_up is not None
        assert followups.get(s, logged.follow_up.id).owner == "robin"  # who logged it, not the contact's owner


# -- the agenda (crm remind --mine) --------------------------------------------------------------

def test_the_agenda_of_one_owner_holds_their_follow_ups_and_their_contacts_cadences(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(monkeypatch, NOW - timedelta(days=30))
    with db.session(write=True) as s:
        people = {name: contacts.add(s, contacts.ContactChanges(name=name, cadence="every week", owner=owner),
                                     me=robin)[0]
                  for name, owner in (("Ann Lee", None), ("Bob Marsh", "kim"), ("Cy Young", ""))}
    pin(monkeypatch, NOW)
    late, today = Due.parse("2026-03-02", now=NOW), Due.parse("2026-03-05 15:00", now=NOW)
    with db.session(write=True) as s:
        for who, owner in (("robin", None), ("kim", "kim"), ("nobody", "")):
            for due in (late, today):
                followups.add(s, people["Bob Marsh"], f"{who} {due.at:%d}", due, owner=owner, me=robin)
    with db.connect() as conn:
        everyone, mine = agenda(conn, NOW), agenda(conn, NOW, owner="robin")
        kims, limited = agenda(conn, NOW, owner="kim"), agenda(conn, NOW, owner="robin", limit=1)
    assert everyone.counts == {"overdue": 3, "due": 3, "keep in touch": 3}
    assert [i.what for i in mine.items] == ["robin 02", "robin 05", "every 7 days"]
    assert [i.contact for i in mine.keep_in_touch] == ["Ann Lee"]  # a contact's cadence is its owner's
    assert [i.what for i in kims.overdue + kims.due] == ["kim 02", "kim 05"]
    assert [i.contact for i in kims.keep_in_touch] == ["Bob Marsh"]
    assert limited.counts == {"overdue": 1, "due": 1, "keep in touch": 1}  # counted for that owner alone
    # What nobody owns is nobody's: in everyone's agenda, in no one's.
    assert not any("nobody" in i.what or i.contact == "Cy Young" for i in mine.items + kims.items)


# -- deals, the pipeline and the forecast --------------------------------------------------------

ROBIN = deals.DealDefaults(currency="EUR", me="robin")


def _deal_owners(db: Database, owner: str | None = None) -> dict[str, str | None]:
    with db.connect() as conn:
        return {r.name: r.owner for r in deals.rows(conn, DEFAULT, deals.DealFilter(owner=owner)).records()}


def test_a_deal_is_its_adders_unless_it_names_an_owner(db: Database) -> None:
    with db.session(write=True) as s:
        for name, owner in (("Mine", None), ("Also mine", "me"), ("Kim's", "kim"), ("Nobody's", "")):
            deals.add(s, deals.NewDeal(name, 100, owner=owner), ROBIN)
        deal = deals.add(s, deals.NewDeal("Handed over", 100), ROBIN)
        deals.edit(s, deal, deals.DealChanges(owner="kim"), ROBIN)
    assert _deal_owners(db) == {"Mine": "robin", "Also mine": "robin", "Kim's": "kim", "Nobody's": None,
                                "Handed over": "kim"}
    assert set(_deal_owners(db, "kim")) == {"Kim's", "Handed over"}
    assert list(_deal_owners(db, "")) == ["Nobody's"]


def test_the_pipeline_and_the_forecast_of_one_owner(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(monkeypatch, NOW - timedelta(days=60))  # quiet since: every deal rots
    with db.session(write=True) as s:
        for name, value, owner, close in (("A", 100, None, date(2026, 3, 20)), ("B", 200, "kim", date(2026, 3, 25)),
                                          ("C", 400, "kim", None), ("D", 800, "", date(2026, 4, 2))):
            deals.add(s, deals.NewDeal(name, value, close_on=close, owner=owner), ROBIN)
    pin(monkeypatch, NOW)
    today = NOW.date()
    with db.connect() as conn:
        def pipeline(owner: str | None) -> list[tuple[int, int, int]]:
            return [(r.deals, r.value_minor, r.rotting)
                    for r in sales.pipeline(conn, DEFAULT, NOW, owner=owner).records()]

        def forecast(owner: str | None) -> list[tuple[str, int, int]]:
            return [(r.period, r.deals, r.value.minor)
                    for r in sales.forecast(conn, DEFAULT, today, months=2, owner=owner).records()]

        assert pipeline(None) == [(4, 1500, 4)]
        assert pipeline("kim") == [(2, 600, 2)]
        assert pipeline("") == [(1, 800, 1)]
        assert pipeline("sam") == []
        assert forecast(None) == [("2026-03", 2, 300), ("2026-04", 1, 800)]
        assert forecast("robin") == [("2026-03", 1, 100), ("2026-04", 0, 0)]
        assert [sales.undated(conn, owner=o) for o in (None, "kim", "robin")] == [1, 1, 0]
        assert [r.name for r in sales.rotting(conn, DEFAULT, NOW, owner="kim").records()] == ["B", "C"]


# -- import --------------------------------------------------------------------------------------

def _import(db: Database, text: str, me: identity.Me = robin, **options: object) -> importing.ImportReport:
    columns, records = readers.read(io.StringIO(text, newline=""), "csv")
    layout = importing.layout_for(columns, options.pop("mapping", None))  # type: ignore[arg-type]
    with db.session(write=True) as session:
        report = importing.import_contacts(session, records, layout, me=me, **options)  # type: ignore[arg-type]
    assert not report.problems, report.problems
    return report


def test_an_import_reads_the_owner_column_and_gives_the_rest_to_the_importer(db: Database) -> None:
    report = _import(db, "name,emails,owner\nAnn Lee,ann@x.example,kim\nBob Marsh,,\nCy Young,,me\n")
    assert report.layout == "crmcli"
    assert _owners(db) == {"Ann Lee": "kim", "Bob Marsh": "robin", "Cy Young": "robin"}


def test_an_export_imported_elsewhere_keeps_its_owners(db: Database) -> None:
    from crmcli.io import formats

    with db.session(write=True) as s:
        contacts.add(s, contacts.ContactChanges(name="Ann Lee", owner="kim"), me=robin)
        contacts.add(s, contacts.ContactChanges(name="Bob Marsh"), me=robin)
    out = io.StringIO()
    with db.connect() as conn:
        formats.write(contacts.rows(conn, labelled=True), "csv", out)
    with db.session(write=True) as s:  # the same file into a database that is empty again
        for contact in list(s.exec(select(Contact))):
            contacts.remove(s, contact)
    _import(db, out.getvalue(), me=lambda: "sam")
    assert _owners(db) == {"Ann Lee": "kim", "Bob Marsh": "robin"}


def test_an_update_fills_an_empty_owner_and_never_overwrites_one(db: Database) -> None:
    with db.session(write=True) as s:
        contacts.add(s, contacts.ContactChanges(name="Ann Lee", add_emails=["ann@x.example"], owner="kim"))
        contacts.add(s, contacts.ContactChanges(name="Bob Marsh", add_emails=["bob@x.example"], owner=""))
        contacts.add(s, contacts.ContactChanges(name="Cy Young", add_emails=["cy@x.example"], owner=""))
    report = _import(db, "name,emails,owner\nAnn Lee,ann@x.example,sam\nBob Marsh,bob@x.example,sam\n"
                         "Cy Young,cy@x.example,\n")
    assert [o.action for o in report.outcomes] == ["unchanged", "update", "unchanged"]
    assert _owners(db) == {"Ann Lee": "kim", "Bob Marsh": "sam", "Cy Young": None}


def test_a_mapped_column_can_be_the_owner(db: Database) -> None:
    _import(db, "Full Name,Account Manager\nAnn Lee,kim\nBob Marsh,\n",
            mapping={"Full Name": "name", "Account Manager": "owner"})
    assert _owners(db) == {"Ann Lee": "kim", "Bob Marsh": "robin"}


def test_the_importer_is_asked_once_per_import(db: Database) -> None:
    asked: list[int] = []

    def counted() -> str:
        asked.append(1)
        return "robin"

    _import(db, "name\n" + "".join(f"Person {n}\n" for n in range(50)), me=counted)
    assert len(asked) == 1


# -- merge ---------------------------------------------------------------------------------------

def test_a_merge_keeps_keeps_owner_and_takes_others_when_keep_has_none(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee", owner=""))
        other, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee", owner="kim"))
        third, _ = contacts.add(s, contacts.ContactChanges(name="Ann L", owner="sam"))
        first = merge.merge(s, ann, other)
        assert ann.owner == "kim" and ("owner", "kim") in first.taken
        second = merge.merge(s, ann, third)
        assert ann.owner == "kim" and [c.describe() for c in second.clashes] == ["kept the owner 'kim', not 'sam'"]
