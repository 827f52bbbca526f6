"""One column of the pipeline board: the stage's count and totals per currency at its head, then its
deals as three-line cards in a DataTable (which draws only the rows in view)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from crmcli.core.board import Card, Column
from crmcli.core.money import Amount
from crmcli.core.text import printable
from crmcli.tui.widgets.tables import RecordTable

CARD_WIDTH = 25  # a column is 30 wide (border 2, cell padding 2, scrollbar 1): 4 fill 120 cells, 2½ show at 80
ROT_MARK = "● "


def _fit(text: str, width: int = CARD_WIDTH) -> str:
    text = printable(" ".join(text.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


def render_card(card: Card, locale: str | None) -> Text:
    """Name (marked when rotting), who it is with, value and close date."""
    text = Text()
    if card.rotting:
        text.append(ROT_MARK, style="bold red")
    text.append(_fit(card.name, CARD_WIDTH - (len(ROT_MARK) if card.rotting else 0)) + "\n", style="bold")
    who = (card.contacts or "").replace("; ", ", ") or card.org or "(no contact)"
    text.append(_fit(who) + "\n", style="dim")
    value = Amount(card.value_minor, card.currency).display(locale)
    close = card.close_on or ""
    gap = CARD_WIDTH - len(value) - len(close)
    text.append(value + (" " * gap + close if gap >= 1 else ""))
    return text


class CardTable(RecordTable):
    """The cards of a column; left and right go to the screen (next column), not to a cell cursor."""

    DEFAULT_CSS = "CardTable { height: 1fr; overflow-x: hidden; scrollbar-size-vertical: 1; }"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__([], show_header=False, **kwargs)

    def on_mount(self) -> None:
        self.add_column("card", width=CARD_WIDTH, key="card")

    def action_cursor_left(self) -> None:
        raise SkipAction()

    def action_cursor_right(self) -> None:
        raise SkipAction()

    def fill_cards(self, cards: tuple[Card, ...], locale: str | None) -> None:
        self.fill([(f"deal:{card.id}", [render_card(card, locale)]) for card in cards], height=3)


class StageColumn(Vertical):
    DEFAULT_CSS = """
    StageColumn { width: 30; height: 1fr; border: round $primary 40%; border-title-color: $text; }
    StageColumn:focus-within { border: round $accent; }
    StageColumn > .totals { height: auto; padding: 0 1; color: $text; border-bottom: hkey $primary 40%; }
    """

    def __init__(self, stage: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stage = stage
        self.border_title = stage
        self._head: tuple[Any, ...] | None = None   # what the head and the cards show now: neither
        self._cards: tuple[Card, ...] | None = None  # is drawn again unchanged (a move changes two columns)

    def compose(self) -> ComposeResult:
        yield Static("", classes="totals")
        yield CardTable()

    @property
    def cards(self) -> CardTable:
        return self.query_one(CardTable)

    def show(self, column: Column, locale: str | None, lines: int, *, cards: bool = True) -> None:
        """The head (count, totals per currency, padded to `lines` so the cards of all columns line up)
        and, unless `cards` is False, the cards; each only if it changed."""
        head = (column.stage, column.count, column.totals, len(column.cards), lines)
        if head != self._head:
            # as many lines as before (the moves within a stage's totals): no layout pass, a repaint of the head
            same_height = self._head is not None and (self._head[-1], bool(self._head[1] - self._head[3])) == \
                (lines, bool(column.more))
            self._head = head
            self.border_title = f"{column.stage.name} · {column.count}"
            self.border_subtitle = f"{column.stage.probability}%"
            totals = [Amount(minor, code).display(locale) for code, minor in column.totals] or ["no deals"]
            text = Text("\n".join(t.rjust(CARD_WIDTH) for t in totals) + "\n" * (max(lines, 1) - len(totals)))
            if column.more:
                text.append(f"\n{len(column.cards)} of {column.count} shown, most valuable first", style="dim")
            self.query_one(".totals", Static).update(text, layout=not same_height)
        if cards and column.cards != self._cards:
            self._cards = column.cards
            self.cards.fill_cards(column.cards, locale)
