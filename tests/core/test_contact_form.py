"""The contact form's services: the values an edit form starts with, the checks it runs as the user
types (the core's own messages), the changes an edited form means, and what a delete says."""

from __future__ import annotations

import pytest

from crmcli.core import contact_form, contacts
from crmcli.core.contact_form import Editable
from crmcli.errors import Invalid
from crmcli.storage.database import Database

ANN = contacts.ContactChanges(name="Ann Lee", title="CTO", org="Acme", add_emails=["work:ann@acme.example"],
                              add_phones=["+44 20 7946 0000"], tags=["vip", "uk"], cadence="every 30 days",
                              set_fields=["source=referral"])


def test_an_edit_form_starts_with_the_contacts_values(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, ANN)
        shown = contact_form.of(s, ann)
    assert shown == Editable("Ann Lee", "CTO", "Acme", ("work:ann@acme.example",), ("+44 20 7946 0000",),
                             ("uk", "vip"), "every 30 days")


def test_an_unchanged_form_changes_nothing_and_an_empty_one_adds_a_contact(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, ANN)
        shown = contact_form.of(s, ann)
    assert contact_form.changes(shown, shown, phone_region=None) == contacts.ContactChanges()
    new = Editable("Bob Marsh", emails=("bob@marsh.example",), phones=("020 7946 0001",), tags=("lead",))
    made = contact_form.changes(Editable(), new, phone_region="GB")
    assert made == contacts.ContactChanges(name="Bob Marsh", add_emails=["bob@marsh.example"],
                                           add_phones=["020 7946 0001"], tags=["lead"])


def test_an_edited_form_changes_just_what_was_edited(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, ANN)
        before = contact_form.of(s, ann)
        after = Editable("Ann Lee-Smith", "", "Acme", ("home:ann@home.example", "work:ANN@acme.example"),
                         (), ("vip", "new"), "")
        changes = contact_form.changes(before, after, phone_region=None)
        contacts.apply(s, ann, changes)
        assert contact_form.of(s, ann) == Editable("Ann Lee-Smith", "", "Acme",
                                                   ("work:ann@acme.example", "home:ann@home.example"), (),
                                                   ("new", "vip"), "")
        assert contacts.card(s, ann)["fields"] == {"source": "referral"}  # not on the form: left alone
    assert changes.remove_emails == [] and changes.remove_phones == ["+442079460000"] and changes.untags == ["uk"]


def test_a_relabelled_email_is_removed_and_added_again(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, ANN)
        before = contact_form.of(s, ann)
        changes = contact_form.changes(before, Editable(**{**before.__dict__, "emails": ("home:ann@acme.example",)}),
                                       phone_region=None)
        contacts.apply(s, ann, changes)
        assert contact_form.of(s, ann).emails == ("home:ann@acme.example",)


@pytest.mark.parametrize(("wanted", "message"), [
    (Editable(""), "the name cannot be empty"),
    (Editable("Ann", emails=("ann@",)), "invalid email 'ann@'"),
    (Editable("Ann", phones=("12",)), "invalid phone number '12'"),
    (Editable("Ann", tags=("two words",)), "invalid tag 'two words'"),
    (Editable("Ann", cadence="sometimes"), "cannot read the cadence 'sometimes'"),
])
def test_the_checks_as_typed_are_the_cores_own(wanted: Editable, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        contact_form.check(wanted, phone_region="GB")


def test_check_accepts_what_apply_accepts() -> None:
    contact_form.check(Editable("Ann", emails=("work:ann@acme.example",), phones=("mobile:07700 900123",),
                                tags=("vip",), cadence="monthly"), phone_region="GB")


def test_a_delete_says_what_goes_and_what_stays(db: Database) -> None:
    from crmcli.core import deals, interactions

    with db.session(write=True) as s:
        ann, _ = contacts.add(s, ANN)
        interactions.log(s, [ann], "Called", kind="call")
        deals.add(s, deals.NewDeal("Website", 100, "EUR", contacts=[ann]))
        said = contacts.impact(s, ann).describe()
    assert said == (f"contact #{ann.id} Ann Lee <ann@acme.example> with 1 email, 1 phone, 2 tags, 1 custom field, "
                    "1 interaction; deal #1 Website stays, without this contact")
