"""The pipeline board: columns per open stage with totals per currency, a move drawn before it is saved."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crmcli.core import board, contacts, deals
from crmcli.core.stages import DEFAULT
from crmcli.errors import Invalid
from crmcli.storage.database import Database
from tests.core.conftest import NOW, pin


def _fill(db: Database, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    pin(monkeypatch, NOW - timedelta(days=40))  # old enough to rot in lead (30 days)
    with db.session(write=True) as s:
        ann, _ = contacts.add(s, contacts.ContactChanges(name="Ann Lee"))
        old = deals.add(s, deals.NewDeal("Old lead", 5_000, "EUR", DEFAULT.get("lead"), contacts=[ann]))
    pin(monkeypatch, NOW)
    with db.session(write=True) as s:
        ann = contacts.resolve(s, "ann")
        site = deals.add(s, deals.NewDeal("Website", 120_000, "EUR", DEFAULT.get("lead"), contacts=[ann]))
        app = deals.add(s, deals.NewDeal("App", 30_000, "USD", DEFAULT.get("lead")))
        deals.add(s, deals.NewDeal("Closed", 1_000, "EUR", DEFAULT.get("won")))
        return {"old": old.id, "site": site.id, "app": app.id}  # type: ignore[dict-item]


def test_one_column_per_open_stage_with_totals_per_currency(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _fill(db, monkeypatch)
    with db.connect() as conn:
        found = board.board(conn, DEFAULT, NOW)
    assert [c.stage.name for c in found.columns] == ["lead", "qualified", "proposal", "negotiation"]
    lead = found.columns[0]
    assert lead.count == 3 and lead.totals == (("EUR", 125_000), ("USD", 30_000))
    assert [c.id for c in lead.cards] == [ids["site"], ids["app"], ids["old"]]  # most valuable weighted first
    assert [c.rotting for c in lead.cards] == [False, False, True]
    assert lead.cards[0].contacts == "Ann Lee" and lead.cards[0].currency == "EUR"
    assert found.columns[1].count == 0 and found.columns[1].totals == ()


def test_a_move_is_drawn_before_it_is_saved_and_matches_the_board_read_after(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _fill(db, monkeypatch)
    with db.connect() as conn:
        before = board.board(conn, DEFAULT, NOW)
    drawn = before.moved(ids["site"], "qualified")
    assert drawn.columns[0].totals == (("EUR", 5_000), ("USD", 30_000)) and drawn.columns[0].count == 2
    assert drawn.columns[1].totals == (("EUR", 120_000),) and drawn.columns[1].cards[0].stage == "qualified"
    gone = drawn.moved(ids["app"], "won")  # off the board, its currency with it
    assert gone.columns[0].totals == (("EUR", 5_000),) and gone.column_of(ids["app"]) is None
    with db.session(write=True) as s:
        deals.move(s, deals.resolve(s, str(ids["site"])), DEFAULT.get("qualified"))
    with db.connect() as conn:
        after = board.board(conn, DEFAULT, NOW)
    assert [(c.count, c.totals) for c in after.columns] == [(c.count, c.totals) for c in drawn.columns]


def test_a_step_goes_through_open_stages_only() -> None:
    assert board.step(DEFAULT, "lead", 1).name == "qualified"
    assert board.step(DEFAULT, "proposal", -1).name == "qualified"
    with pytest.raises(Invalid, match="last open stage"):
        board.step(DEFAULT, "negotiation", 1)
    with pytest.raises(Invalid, match="first stage"):
        board.step(DEFAULT, "lead", -1)


def test_an_empty_lost_reason_is_refused() -> None:
    assert deals.check_reason("  price ") == "price"
    with pytest.raises(Invalid, match="empty reason"):
        deals.check_reason("  ")
