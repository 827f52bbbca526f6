"""The pipeline board driven with Pilot: each move checked in the deal's stage history and the totals."""

from __future__ import annotations

from typing import Any

from crmcli.context import AppContext
from crmcli.tui.app import create_app
from crmcli.tui.widgets.board import StageColumn
from tests.tui.conftest import settle
from tests.tui.test_app import run


def _deal(app: Any) -> int:
    """The deal under the cursor in the focused column."""
    return int(app.focused.selected_key().split(":")[1])


def _head(app: Any, stage: str) -> str:
    column = app.screen.query_one(f"#stage-{stage}", StageColumn)
    return f"{column.border_title} {column.query_one('.totals').render()}"


def _history(demo: AppContext, deal_id: int) -> list[tuple[Any, ...]]:
    from crmcli.core import deals

    with demo.database.connect() as conn:
        return [tuple(r) for r in deals.history(conn, deal_id).rows]


def _deal_row(demo: AppContext, deal_id: int) -> dict[str, Any]:
    from crmcli.core import deals

    with demo.database.connect() as conn:
        row = next(iter(deals.rows(conn, demo.settings.stages, deals.DealFilter(ids=[deal_id])).rows))
    return dict(zip(deals.DEAL_COLUMNS, row))


def _expected_head(demo: AppContext, stage: str) -> str:
    """What the column head says, from the core board read now."""
    from crmcli.core import board
    from crmcli.core.money import Amount

    with demo.database.connect() as conn:
        column = next(c for c in board.board(conn, demo.settings.stages, demo.now()).columns if c.stage.name == stage)
    return f"{stage} · {column.count} " + " ".join(Amount(m, c).display(demo.settings.money_locale)
                                                   for c, m in column.totals)


async def _open_board(app: Any, pilot: Any) -> None:
    """From the dashboard, `p`: the pipeline board with its data."""
    await settle(app, pilot)
    await pilot.press("p")
    await settle(app, pilot)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_a_deal_moved_on_the_board_has_a_stage_change_and_the_totals_follow(demo: AppContext) -> None:
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_board(app, pilot)
            assert app.screen.name == "pipeline"
            deal = _deal(app)
            before = {s: _head(app, s) for s in ("lead", "qualified")}
            assert _flat(before["lead"]) == _flat(_expected_head(demo, "lead"))
            await pilot.press("right_square_bracket")
            await pilot.pause()  # drawn before the database answers
            assert _head(app, "lead") != before["lead"] and _head(app, "qualified") != before["qualified"]
            assert _deal(app) == deal and app.focused.parent.stage == "qualified"  # the cursor follows the card
            await settle(app, pilot)
            assert _history(demo, deal)[-1][2:] == ("lead", "qualified")
            assert _deal_row(demo, deal)["stage"] == "qualified"
            for stage in ("lead", "qualified"):  # what was drawn at once is what the database says
                assert _flat(_head(app, stage)) == _flat(_expected_head(demo, stage))
            await pilot.press("shift+left")  # and back
            await settle(app, pilot)
            assert [h[2:] for h in _history(demo, deal)[-2:]] == [("lead", "qualified"), ("qualified", "lead")]
            assert _flat(_head(app, "lead")) == _flat(before["lead"])
            changes = len(_history(demo, deal))
            assert _deal(app) == deal
            await pilot.press("left_square_bracket")  # lead is the first stage: refused, nothing written
            await settle(app, pilot)
            assert len(_history(demo, deal)) == changes and _deal_row(demo, deal)["stage"] == "lead"

    run(scenario())


def test_won_and_lost_with_its_reason_an_empty_reason_saves_nothing(demo: AppContext) -> None:
    async def scenario() -> None:
        from textual.widgets import Input, Static

        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_board(app, pilot)
            await pilot.press("l")  # the qualified column
            won = _deal(app)
            await pilot.press("w")
            await settle(app, pilot)
            assert _deal_row(demo, won)["status"] == "won" and _history(demo, won)[-1][2:] == ("qualified", "won")
            assert f"deal:{won}" not in app.focused.rows
            assert _flat(_head(app, "qualified")) == _flat(_expected_head(demo, "qualified"))

            lost = _deal(app)
            changes = len(_history(demo, lost))
            await pilot.press("x")
            await settle(app, pilot)
            modal = app.screen
            await pilot.press("space", "enter")  # an empty reason is refused, as `crm deals lost -r ''` is
            await settle(app, pilot)
            assert app.screen is modal
            assert "empty reason" in str(modal.query_one("#error", Static).render())
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "pipeline"
            assert _deal_row(demo, lost)["status"] == "open" and len(_history(demo, lost)) == changes

            await pilot.press("x")
            await settle(app, pilot)
            app.screen.query_one("#value", Input).value = "price"
            await pilot.press("enter")
            await settle(app, pilot)
            row = _deal_row(demo, lost)
            assert (row["status"], row["lost_reason"]) == ("lost", "price")
            assert _history(demo, lost)[-1][2:] == ("qualified", "lost")

    run(scenario())


def test_enter_shows_the_deal_with_its_stage_history(demo: AppContext) -> None:
    async def scenario() -> None:
        from textual.widgets import DataTable

        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("f3")  # from anywhere
            await settle(app, pilot)
            await pilot.press("right", "right")  # proposal: off screen at 80 columns until focused
            column = app.focused.parent
            assert column.stage == "proposal"
            board = app.screen.query_one("#board")
            assert column.region.right <= board.region.right and column.region.x >= board.region.x
            deal = _deal(app)
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen.name == "deal"
            table = app.screen.query_one("#history", DataTable)
            assert [str(table.get_row_at(i)[2]) for i in range(table.row_count)] == [h[3] for h in _history(demo, deal)]
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen.name == "pipeline"

    run(scenario())


def test_a_move_shows_in_the_totals_before_the_cards_and_a_quick_second_move_is_not_lost(demo: AppContext) -> None:
    """The heads are drawn in the key press itself; the cards and the cursor a frame later. A second
    key before that frame draws the first move's cards first, so it moves the same deal again."""
    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_board(app, pilot)
            screen = app.screen
            deal = _deal(app)
            lead = screen.query_one("#stage-lead", StageColumn)
            before = {s: _head(app, s) for s in ("lead", "qualified", "proposal")}
            screen.action_next_stage()  # what `]` runs, with no frame in between
            assert _head(app, "lead") != before["lead"] and _head(app, "qualified") != before["qualified"]
            assert f"deal:{deal}" in lead.cards.rows  # the cards: not yet
            screen.action_next_stage()  # before that frame: the same deal, one stage further
            assert _head(app, "proposal") != before["proposal"] and _head(app, "qualified") == before["qualified"]
            await settle(app, pilot)
            assert _deal(app) == deal and app.focused.parent.stage == "proposal"
            assert f"deal:{deal}" not in lead.cards.rows
            assert [h[2:] for h in _history(demo, deal)[-2:]] == [("lead", "qualified"), ("qualified", "proposal")]
            for stage in ("lead", "qualified", "proposal"):
                assert _flat(_head(app, stage)) == _flat(_expected_head(demo, stage))

    run(scenario())


def test_moves_are_saved_in_the_order_they_were_made_even_when_the_first_save_is_slow(
        demo: AppContext, monkeypatch: Any) -> None:
    """]] with a slow first save (a busy database): the second save waits for it, so the deal ends two
    stages on, and the cursor stays on it (no board read between the saves takes the card back)."""
    import threading
    import time

    from crmcli.tui.screens import pipeline

    real_move = pipeline.move_deal
    saves: list[str] = []
    first = threading.Event()

    def slow_first(context: Any, deal_id: int, stage: str, reason: str | None) -> str:
        if not first.is_set():
            first.set()
            time.sleep(0.4)
        saves.append(stage)
        return real_move(context, deal_id, stage, reason)

    monkeypatch.setattr(pipeline, "move_deal", slow_first)

    async def scenario() -> None:
        app = create_app(demo, watch_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await _open_board(app, pilot)
            deal = _deal(app)
            await pilot.press("right_square_bracket", "right_square_bracket")
            for _ in range(40):  # the two saves and the board read after them
                await pilot.pause(0.05)
                if len(saves) == 2 and not getattr(app.screen, "_unsaved", ()):
                    break
            await settle(app, pilot)
            assert saves == ["qualified", "proposal"]
            assert _deal_row(demo, deal)["stage"] == "proposal"
            assert _deal(app) == deal and app.focused.parent.stage == "proposal"
            for stage in ("lead", "qualified", "proposal"):
                assert _flat(_head(app, stage)) == _flat(_expected_head(demo, stage))

    run(scenario())
