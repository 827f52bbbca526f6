"""The pipeline board: one column per open stage, cards of its deals, totals per currency at its head.
A move is drawn at once from the board in memory (core board.Board.moved), saved by a worker, then
the board is read again: the totals change on the key press, not after the database answers."""

from __future__ import annotations

from collections import deque
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Static

from crmcli.core.board import Board, Card
from crmcli.errors import CrmError
from crmcli.tui import keymap
from crmcli.tui.screens.base import CrmScreen
from crmcli.tui.widgets.board import ROT_MARK, CardTable, StageColumn


def load_board(context: Any) -> Board:
    from crmcli.core import board

    with context.database.connect() as conn:
        return board.board(conn, context.settings.stages, context.now())


def move_deal(context: Any, deal_id: int, stage_name: str, reason: str | None) -> str:
    """`crm deals move|won|lost`, in one transaction; the CLI's own confirmation line."""
    from crmcli.core import deals

    stage = context.settings.stages.get(stage_name)
    with context.database.session(write=True) as session:
        deal = deals.resolve(session, str(deal_id))
        before = deal.stage
        deals.move(session, deal, stage, reason=reason)
        return f"deal #{deal.id} {deal.name}: {before} -> {stage.name}" + \
            (f" ({deal.lost_reason})" if deal.lost_reason else "")


def check_reason(text: str) -> str | None:
    from crmcli.core.deals import check_reason as core_check

    try:
        core_check(text)
    except CrmError as err:
        return str(err)
    return None


class PipelineScreen(CrmScreen):
    BINDINGS = keymap.bindings("pipeline")
    DEFAULT_CSS = """
    #board { height: 1fr; overflow-x: auto; }  /* a plain container: arrows go to the board, not a scroll */
    """

    def __init__(self) -> None:
        super().__init__(name="pipeline")
        self._board: Board | None = None
        self._generation = 0  # a board read before the latest move is not shown
        self._following: tuple[int, str, str | None] | None = None  # a move drawn in the heads alone yet
        # moves drawn but not saved yet, saved one at a time in the order they were made: two saves in
        # parallel threads could land in either order (]] would end one stage on), and a board read
        # between them would briefly take the card back
        self._unsaved: deque[tuple[int, str, str | None]] = deque()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="board"):
            for stage in self.context.settings.stages.open:
                yield StageColumn(stage.name, id=f"stage-{stage.name}")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = keymap.TITLES["pipeline"]
        columns = self._columns()
        if columns:
            columns[0].cards.focus()
            for column in columns:
                column.cards.loading = True
        self.action_reload()

    def _columns(self) -> list[StageColumn]:
        return list(self.query(StageColumn))

    def action_reload(self) -> None:
        self._generation += 1
        generation = self._generation
        # not exclusive: the generation already drops a stale board, and no read is cut off midway
        self.in_thread(lambda: (generation, load_board(self.context)), self._show, exclusive=False)

    def _show(self, answer: tuple[int, Board]) -> None:
        generation, board = answer
        if generation == self._generation:
            self._draw(board)

    def _draw(self, board: Board, *, cards: bool = True) -> None:
        """Show `board` (the columns redraw only what changed); `cards=False`: the heads alone."""
        self._board = board
        locale = self.context.settings.money_locale
        lines = max((len(c.totals) for c in board.columns), default=1)
        for column, widget in zip(board.columns, self._columns()):
            widget.show(column, locale, lines, cards=cards)
            if cards:
                widget.cards.loading = False
        deals = sum(c.count for c in board.columns)
        rotting = sum(1 for c in board.columns for d in c.cards if d.rotting)
        self.query_one("#status", Static).update(
            f"{deals} open deals, {rotting} rotting ({ROT_MARK}quiet too long)  enter: history  esc: back")

    # -- the selection ---------------------------------------------------------------------------

    def _focused_column(self) -> int:
        columns = self._columns()
        return next((i for i, c in enumerate(columns) if c.cards is self.focused), 0)

    def _card(self) -> Card | None:
        if self._board is None or not self._board.columns:
            return None
        index = self._focused_column()
        key = self._columns()[index].cards.selected_key()
        return next((d for d in self._board.columns[index].cards if f"deal:{d.id}" == key), None)

    def _selected(self) -> Card | None:
        self._follow()  # a move's cards not drawn yet: drawn now, so the selection is what the board holds
        card = self._card()
        if card is None:
            self.notify("no deal selected: this stage has none", severity="warning")
        return card

    def selected_contact(self) -> int | None:
        """The selected deal's first contact."""
        card = self._card()
        return card.contact_id if card is not None else None

    def _focus_column(self, index: int) -> None:
        columns = self._columns()
        if columns:
            column = columns[max(0, min(index, len(columns) - 1))]
            self.set_focus(column.cards, scroll_visible=False)  # now, not later: the next key reads it
            # the whole column in view at once (at 80 cells not all columns fit)
            self.query_one("#board", Horizontal).scroll_to_widget(column, animate=False)

    def action_previous_column(self) -> None:
        self._focus_column(self._focused_column() - 1)

    def action_next_column(self) -> None:
        self._focus_column(self._focused_column() + 1)

    # -- moves -----------------------------------------------------------------------------------

    def _step(self, by: int) -> None:
        from crmcli.core.board import step

        card = self._selected()
        if card is None:
            return
        try:
            stage = step(self.context.settings.stages, card.stage, by)
        except CrmError as err:
            self.notify(str(err), severity="warning")
            return
        self._move(card, stage.name, None)

    def action_next_stage(self) -> None:
        self._step(1)

    def action_previous_stage(self) -> None:
        self._step(-1)

    def action_won(self) -> None:
        card = self._selected()
        if card is not None:
            self._move(card, self.context.settings.stages.first("won").name, None)

    def action_lost(self) -> None:
        from crmcli.tui.screens.prompt import PromptModal

        card = self._selected()
        if card is None:
            return

        def save(reason: str | None) -> None:
            if reason is not None:
                self._move(card, self.context.settings.stages.first("lost").name, reason)

        self.app.push_screen(PromptModal(f"Lost: why was {card.name} lost?", "price, timing, went elsewhere",
                                         check_reason), save)

    def _move(self, card: Card, stage: str, reason: str | None) -> None:
        """Draw the move now, save it in a worker, then read the board again (whatever happened).
        The column heads (counts, totals) are painted first, on their own; the cards and the cursor
        follow a frame later, and then the save starts: refilling two columns and moving the focus
        cost several times what the heads do, and a worker busy meanwhile would slow them down."""
        assert self._board is not None
        self._generation += 1
        self._draw(self._board.moved(card.id, stage), cards=False)
        self._following = (card.id, stage, reason)
        self.call_after_refresh(self._follow)

    def _follow(self) -> None:
        """The cards of a move drawn, the cursor on the moved card (so ]] moves it two stages), and
        the move saved."""
        if self._following is None or self._board is None:
            return
        deal_id, stage, reason = self._following
        self._following = None
        self._draw(self._board)
        target = next((i for i, c in enumerate(self._columns()) if c.stage == stage), None)
        if target is not None:
            self._focus_column(target)
            cards = self._columns()[target].cards
            cards.move_cursor(row=cards.get_row_index(f"deal:{deal_id}"))

        self._unsaved.append((deal_id, stage, reason))
        if len(self._unsaved) == 1:
            self._save_next()

    def _save_next(self) -> None:
        deal_id, stage, reason = self._unsaved[0]

        def work() -> tuple[str, bool]:
            try:
                return move_deal(self.context, deal_id, stage, reason), True
            except CrmError as err:
                return str(err), False

        self.in_thread(work, self._moved, group="write", exclusive=False)

    def _moved(self, answer: tuple[str, bool]) -> None:
        """One move saved: the next one saved, or, the last, the board read again (whatever happened)."""
        message, ok = answer
        self._unsaved.popleft()
        self.notify(message, severity="information" if ok else "error", timeout=4 if ok else 6)
        if self._unsaved:
            self._save_next()
        else:
            self.action_reload()

    # -- a deal's stage history ------------------------------------------------------------------

    def action_open(self) -> None:
        card = self._selected()
        if card is not None:
            from crmcli.tui.screens.deal import DealModal, load_deal

            self.in_thread(lambda: load_deal(self.context, card.id), lambda view: self.app.push_screen(DealModal(view)),
                           group="open")

    def on_data_table_row_selected(self, event: CardTable.RowSelected) -> None:
        self.action_open()
