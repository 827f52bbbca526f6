"""Contact services a front end calls: deletion impact, tagging, references and log-with-follow-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crmcli.core import contacts, deals, followups, interactions, stages
from crmcli.core.models import FollowUp, Interaction
from crmcli.errors import Ambiguous, Candidate, Invalid
from crmcli.storage.database import Database
from tests.core.conftest import NOW, pin


def test_impact_says_what_a_deletion_takes_and_unlinks(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee", add_emails=["ann@acme.example",
                                                                                   "ann@home.example"],
                                                         add_phones=["+44 20 7946 0000"], tags=["vip"]))
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        alone = interactions.log(s, [ann], "Just Ann", kind="call")
        interactions.log(s, [ann, bob], "Both", kind="meeting")
        followups.add(s, ann, "Call", followups.Due.parse("fri", now=NOW))
        deal = deals.add(s, deals.NewDeal("Website", 100, "EUR", stages.DEFAULT.first("open"), contacts=[ann, bob]))
        ids = (ann.id, alone.id, deal.id)
    with db.session() as s:
        impact = contacts.impact(s, contacts.resolve(s, "ann"))
    assert impact == contacts.Impact(contact_id=ids[0], label=f"#{ids[0]} Ann Lee <ann@acme.example>", emails=2,
                                     phones=1, tags=1, fields=0, follow_ups=1, interactions=(ids[1],),
                                     deals=(contacts.DealRef(ids[2], "Website"),))
    assert impact.counts() == {"emails": 2, "phones": 1, "tags": 1, "follow-ups": 1, "interactions": 1}
    with db.session(write=True) as s:
        assert contacts.remove(s, contacts.resolve(s, "ann")) == impact
    with db.session() as s:
        assert [i.body for i in s.scalars(sa.select(Interaction))] == ["Both"]


def test_tag_and_untag_bump_updated_at_only_when_something_changed(db: Database,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with db.session(write=True) as s:
        contacts.add(s, contacts.ContactChanges(name="Ann Lee", tags=["vip"]))
    stamps = []
    for step, action in enumerate((lambda s, c: contacts.tag(s, c, ["vip"]),      # already there: no change
                                   lambda s, c: contacts.tag(s, c, ["client"]),
                                   lambda s, c: contacts.untag(s, c, ["vip"])), start=1):
        pin(monkeypatch, NOW + timedelta(hours=step))
        with db.session(write=True) as s:
            action(s, contacts.resolve(s, "ann"))
        with db.session() as s:
            stamps.append(contacts.resolve(s, "ann").updated_at.replace(tzinfo=None))
    base = NOW.replace(tzinfo=None)
    assert stamps == [base, base + timedelta(hours=2), base + timedelta(hours=3)]


def test_ambiguous_carries_id_and_label_candidates(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee", add_emails=["ann@acme.example"]))
        anna, _ = contacts.add(s, contacts.ContactChanges(name="Anna Berg"))
    with db.session() as s, pytest.raises(Ambiguous) as caught:
        contacts.resolve(s, "an")
    assert caught.value.candidates == [Candidate(ann.id, f"#{ann.id} Ann Lee <ann@acme.example>"),  # type: ignore[arg-type]
                                       Candidate(anna.id, f"#{anna.id} Anna Berg")]  # type: ignore[arg-type]
    assert str(caught.value) == (f"'an' matches several contacts: #{ann.id} Ann Lee <ann@acme.example>, "
                                 f"#{anna.id} Anna Berg; use the id")


def test_log_with_follow_up_writes_both(db: Database) -> None:
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"))
        bob, _ = contacts.add(s, contacts.ContactChanges(name="Bob Marsh"))
        plan = followups.Planned.parse("fri: send the revised quote", now=NOW)
        logged = interactions.log_with_follow_up(s, [ann, bob], "Called", kind="call", direction="out",
                                                 follow_up=plan)
    assert logged.kind == "call" and logged.contacts == ((ann.id, "Ann Lee"), (bob.id, "Bob Marsh"))
    assert logged.occurred_at == NOW and logged.occurred_at.tzinfo is not None
    fu = logged.follow_up
    assert fu is not None and fu.contact_id == ann.id and fu.title == "send the revised quote" and fu.due.all_day
    assert fu.due == plan.due
    with db.session() as s:
        assert s.get(Interaction, logged.interaction_id).direction == "out"  # type: ignore[union-attr]
        assert s.get(FollowUp, fu.id).contact_id == ann.id  # type: ignore[union-attr]


def test_log_with_follow_up_is_one_transaction(db: Database) -> None:
    with db.session(write=True) as s:
        contacts.add(s, contacts.ContactChanges(name="Ann Lee"))
    bad = followups.Planned(followups.Due.parse("fri", now=NOW), "   ")  # no title: refused after the log
    with pytest.raises(Invalid), db.session(write=True) as s:
        interactions.log_with_follow_up(s, [contacts.resolve(s, "ann")], "Called", kind="call", follow_up=bad)
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 0
        assert contacts.resolve(s, "ann").last_contact_at is None


def test_planned_follow_up_reads_when_and_what() -> None:
    plan = followups.Planned.parse("tomorrow 3pm: call back", now=NOW)
    assert plan.title == "call back" and not plan.due.all_day
    with pytest.raises(Invalid) as caught:
        followups.Planned.parse("call back", now=NOW)
    assert caught.value.hint == "follow_up_spec"
