"""Importing contacts: layouts recognised from the header, rows matched to the contacts kept, and
every bad row reported while the good ones stay untouched by it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from crmcli.core import contacts, importing
from crmcli.core.models import Contact
from crmcli.io import readers
from crmcli.storage.database import Database

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "import"


def _run(db: Database, text: str, fmt: str = "csv", **options: object) -> importing.ImportReport:
    columns, records = readers.read(io.StringIO(text, newline=""), fmt)
    mapping = options.pop("mapping", None)
    with db.session(write=True) as session:
        return importing.import_contacts(session, records, importing.layout_for(columns, mapping),  # type: ignore[arg-type]
                                         phone_region="GB", **options)  # type: ignore[arg-type]


def _file(db: Database, name: str, **options: object) -> importing.ImportReport:
    return _run(db, (EXAMPLES / name).read_text(encoding="utf-8-sig"), **options)


def _listed(db: Database) -> list[dict[str, object]]:
    with db.connect() as conn:
        return [r._asdict() for r in contacts.rows(conn).records()]


def test_google_contacts_csv_is_recognised_and_read_with_labels_tags_and_notes(db: Database) -> None:
    report = _file(db, "google-contacts.csv")
    assert report.layout == "Google Contacts" and not report.problems
    assert "Birthday" in report.ignored_columns and "E-mail 1 - Value" not in report.ignored_columns
    people = {p["name"]: p for p in _listed(db)}
    assert set(people) == {"Zoë Øster", "Bob Marsh", "Berg AB"}  # a company-only card is named by its company
    zoe = people["Zoë Øster"]
    assert (zoe["org"], zoe["title"]) == ("Acme Ltd", "Buyer")
    assert zoe["emails"] == "zoe@acme.example; zoe.oster@mail.example"
    assert zoe["phones"] == "+447700900123; +442079460018"
    assert zoe["tags"] == "vip-clients"  # Google's system group "* myContacts" is no tag
    assert zoe["fields"] == '{"notes":"Met at the trade fair.\\nPrefers email."}'
    assert people["Bob Marsh"]["emails"] == "bob@marsh.example; bob.marsh@mail.example"  # " ::: " joins several
    with db.connect() as conn:
        labels = conn.execute(sa.text("SELECT label FROM contact_email ORDER BY id")).scalars().all()
    assert labels[:2] == ["work", "home"]  # "* Work" (Google's primary mark) made plain


def test_outlook_csv_reads_job_title_not_the_salutation(db: Database) -> None:
    report = _file(db, "outlook-contacts.csv")
    assert report.layout == "Outlook" and report.count("create") == 2
    ann = next(p for p in _listed(db) if p["name"] == "Ann Lee")
    assert (ann["title"], ann["org"], ann["tags"]) == ("Founder", "Lee Design", "clients; vip")
    assert ann["phones"] == "+447700900456; +442079460991"


def test_the_same_file_twice_creates_nothing_new(db: Database) -> None:
    _file(db, "google-contacts.csv")
    before = _listed(db)
    again = _file(db, "google-contacts.csv")
    assert [o.action for o in again.outcomes] == ["unchanged"] * 3
    assert _listed(db) == before


def test_a_row_matches_by_uid_then_email_then_phone_and_only_adds(db: Database) -> None:
    with db.session(write=True) as session:
        ann, _ = contacts.add(session, contacts.ContactChanges(name="Ann Lee", title="CTO", add_emails=["ann@acme.example"],
                                                               add_phones=["020 7946 0000"], tags=["client"]),
                              phone_region="GB")
        uid = ann.uid
    report = _run(db, "name,uid,emails,phones,title,tags,org\n"
                      f"Someone Else,{uid},new@acme.example,,Boss,vip,Acme Ltd\n"           # uid: Ann
                      "A. Lee,,ANN@acme.example; second@acme.example,,,,\n"                 # email, any case
                      "Lee,,,+44 20 7946 0000; 07700 900999,,press,\n")                     # phone as E.164
    assert [(o.action, o.contact_id) for o in report.outcomes] == [("update", ann.id)] * 3
    (row,) = _listed(db)
    assert row["name"] == "Ann Lee" and row["title"] == "CTO"  # kept, never overwritten
    assert row["org"] == "Acme Ltd"  # was empty: filled
    assert row["emails"] == "ann@acme.example; new@acme.example; second@acme.example"
    assert row["phones"] == "+442079460000; +447700900999"
    assert row["tags"] == "client; press; vip"


def test_a_shared_phone_beside_new_emails_is_another_person(db: Database) -> None:
    _run(db, "name,emails,phones\nAnn Lee,ann@acme.example,+44 20 7946 0000\n")
    report = _run(db, "name,emails,phones\nBob Marsh,bob@acme.example,+44 20 7946 0000\n")  # the switchboard
    assert [o.action for o in report.outcomes] == ["create"]
    assert [p["name"] for p in _listed(db)] == ["Ann Lee", "Bob Marsh"]


def test_later_rows_see_what_earlier_rows_of_the_file_wrote(db: Database) -> None:
    _run(db, "name,emails\nAnn Lee,ann@acme.example\n")
    report = _run(db, "name,emails,tags\n"
                      "Ann Lee,ann@acme.example; ann@mail.example,\n"   # a kept contact gains an email
                      "A. Lee,ann@mail.example,vip\n"                    # ... by which the next row finds her
                      "Bob,bob@acme.example,\n"                          # a new contact, still in the batch
                      "Robert,bob@acme.example; bob@mail.example,press\n")  # ... found there and updated
    assert [(o.line, o.action) for o in report.outcomes] == [(2, "update"), (3, "update"), (4, "create"),
                                                              (5, "update")]
    people = {p["name"]: p for p in _listed(db)}
    assert people["Ann Lee"]["emails"] == "ann@acme.example; ann@mail.example" and people["Ann Lee"]["tags"] == "vip"
    assert people["Bob"]["emails"] == "bob@acme.example; bob@mail.example" and people["Bob"]["tags"] == "press"


def test_skip_leaves_a_match_alone_and_create_adds_another(db: Database) -> None:
    _run(db, "name,phones\nAnn Lee,+44 20 7946 0000\n")
    skipped = _run(db, "name,phones,title\nAnn,+44 20 7946 0000,CTO\n", on_duplicate="skip")
    assert [o.action for o in skipped.outcomes] == ["skip"] and _listed(db)[0]["title"] is None
    created = _run(db, "name,phones\nAnn Lee,+44 20 7946 0000\n", on_duplicate="create")
    assert [o.action for o in created.outcomes] == ["create"] and len(_listed(db)) == 2


def test_every_bad_row_is_reported_and_leaves_nothing_behind(db: Database) -> None:
    report = _run(db, "name,emails,phones,cadence_days\n"
                      "Ann Lee,ann@acme.example,,\n"
                      "Bob,bob@@acme.example,,\n"          # line 3: bad email
                      ",nobody@acme.example,,\n"           # line 4: no name
                      "Cy,cy@acme.example,+44 20 79,\n"    # line 5: bad phone, after its email was added
                      "Di,di@acme.example,,soon\n")        # line 6: bad cadence
    assert [p.line for p in report.problems] == [3, 4, 5, 6]
    assert "invalid email 'bob@@acme.example'" in report.problems[0].message
    assert report.problems[1].message == "no name: a contact needs one"
    assert [p["name"] for p in _listed(db)] == ["Ann Lee"]  # the caller committed: only the good row
    with db.connect() as conn:  # Cy's email went with the savepoint of its row
        assert conn.execute(sa.text("SELECT count(*) FROM contact_email")).scalar() == 1


def test_an_email_of_another_contact_is_a_conflict_for_that_row(db: Database) -> None:
    _run(db, "name,emails\nAnn,ann@acme.example\nBob,bob@acme.example\n")
    report = _run(db, "name,emails\nBob,bob@acme.example; ann@acme.example\n")
    assert report.problems[0].line == 2 and "already belongs to" in report.problems[0].message


def test_crms_own_export_keeps_uid_times_fields_and_cadence(db: Database) -> None:
    uid = "7f602b9b-0e0d-48ef-b21e-f94481f2eff1"
    text = ("id,uid,name,title,org,emails,phones,tags,fields,cadence_days,last_contact,created,updated\n"
            f'26,{uid},Amara Haddad,,Ironbridge,work:amara@iron.example; a@mail.example,mobile:+442079463943,'
            'press,"{""source"":""website""}",14,2026-10-21T14:42:27Z,2026-03-06T23:10:37Z,2026-03-07T08:00:00Z\n')
    assert _run(db, text).layout == "crmcli"
    (row,) = _listed(db)
    assert row["uid"] == uid and row["cadence_days"] == 14 and row["fields"] == '{"source":"website"}'
    assert (row["created"], row["updated"]) == ("2026-03-06T23:10:37Z", "2026-03-07T08:00:00Z")
    assert row["last_contact"] is None  # worked out from the history, which did not come along
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT label FROM contact_phone")).scalar() == "mobile"


def test_a_mapping_reads_any_columns_and_names_what_it_ignored(db: Database) -> None:
    mapping = importing.parse_mapping(["Full Name=name", "Mail=email", "Where=field:met_at", "Firm=org"])
    report = _run(db, "Full Name,Mail,Where,Firm,Shoe size\nAnn Lee,ann@acme.example,Berlin,Acme,38\n",
                  mapping=mapping)
    assert report.layout == "mapped columns" and report.ignored_columns == ["Shoe size"]
    (row,) = _listed(db)
    assert (row["emails"], row["org"], row["fields"]) == ("ann@acme.example", "Acme", '{"met_at":"Berlin"}')


@pytest.mark.parametrize(("items", "words"), [
    (["Full Name"], "COLUMN=FIELD"), (["Full Name=shoe"], "cannot map 'Full Name' to 'shoe'"), (["=name"], "COLUMN=FIELD"),
])
def test_a_bad_mapping_is_refused(items: list[str], words: str) -> None:
    with pytest.raises(importing.Invalid, match=words):
        importing.parse_mapping(items)


def test_unknown_columns_without_a_mapping_are_refused() -> None:
    with pytest.raises(importing.Invalid, match="cannot tell which column holds the name among: Who, Mail"):
        importing.layout_for(["Who", "Mail"])


def test_extra_tags_go_on_created_and_updated_contacts(db: Database) -> None:
    _run(db, "name,emails\nAnn,ann@acme.example\n")
    report = _run(db, "name,emails\nAnn,ann@acme.example\nBob,bob@acme.example\n", extra_tags=["Imported-2026"])
    assert [o.action for o in report.outcomes] == ["update", "create"]
    assert [p["tags"] for p in _listed(db)] == ["imported-2026", "imported-2026"]
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Contact.__table__)).scalar() == 2


@pytest.mark.sqlite_only("reads entity_fts, SQLite's FTS5 index; PostgreSQL searches the tables themselves")
def test_a_bulk_import_leaves_the_search_index_as_a_rebuild_makes_it(db: Database) -> None:
    """New contacts and organisations are indexed once each after their batch (not row by row):
    the index holds exactly what `crm db reindex` would make, emails included."""
    from crmcli.core import search
    from crmcli.storage import search_index

    rows = "name,emails,org\n" + "".join(f"Person {n},p{n}@firm{n % 7}.example,Firm {n % 7}\n" for n in range(60))
    report = _run(db, rows)
    assert len(report.outcomes) == 60 and not report.problems
    query = sa.text("SELECT rowid, name, detail FROM entity_fts ORDER BY rowid")
    with db.connect() as conn:
        imported = conn.execute(query).all()
        assert [r.title for r in search.search(conn, "p17").records()] == ["Person 17"]
    with db.connect(write=True) as conn:
        search_index.rebuild(conn)
        assert conn.execute(query).all() == imported
