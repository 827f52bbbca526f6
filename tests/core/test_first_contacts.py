"""Whose a row is: the first contact (in name order) of an interaction or a deal, for a front end
acting on "the selected row's contact"; the board's cards carry theirs."""

from __future__ import annotations

from crmcli.core import board, contacts, deals, interactions
from crmcli.core.models import DEAL_CONTACT, INTERACTION_CONTACT
from crmcli.core.names import first_contacts
from crmcli.core.stages import DEFAULT
from crmcli.storage.database import Database
from tests.core.conftest import NOW


def test_the_first_contact_of_each_row_in_name_order(db: Database) -> None:
    with db.session(write=True) as s:
        zoe, _ = contacts.add(s, contacts.ContactChanges(name="Zoë Berg"))
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"))
        both = interactions.log(s, [zoe, ann], "Met both", kind="meeting")
        alone = interactions.log(s, [zoe], "Called", kind="call")
        deal = deals.add(s, deals.NewDeal("Website", 100, "EUR", contacts=[zoe, ann]))
        bare = deals.add(s, deals.NewDeal("Audit", 100, "EUR"))
        ids = (both.id, alone.id, ann.id, zoe.id, deal.id, bare.id)
    both_id, alone_id, ann_id, zoe_id, deal_id, bare_id = ids
    with db.connect() as conn:
        assert first_contacts(conn, INTERACTION_CONTACT, "interaction_id", [both_id, alone_id]) == \
            {both_id: ann_id, alone_id: zoe_id}  # only those asked for
        assert first_contacts(conn, DEAL_CONTACT, "deal_id", [deal_id, bare_id]) == {deal_id: ann_id}
        assert first_contacts(conn, DEAL_CONTACT, "deal_id", []) == {}
        cards = {c.id: c for c in board.board(conn, DEFAULT, NOW).columns[0].cards}
    assert cards[deal_id].contact_id == ann_id and cards[bare_id].contact_id is None
