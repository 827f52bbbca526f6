"""The pipeline board: open deals as cards in one column per open stage, with each column's count and
totals per currency, and the stage a card moves to next or back. Plain values that outlive the
connection, so a front end can redraw a move at once (`Board.moved`) and save it in the background."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.engine import Connection

from crmcli.core.stages import Stage, Stages
from crmcli.errors import Invalid

PER_COLUMN = 200  # cards read per column; the totals always count every deal of the stage


@dataclass(frozen=True)
class Card:
    id: int
    name: str
    stage: str
    contacts: str | None  # names joined by "; "
    org: str | None
    value_minor: int
    currency: str
    close_on: str | None  # YYYY-MM-DD
    rotting: bool
    contact_id: int | None = None  # the first of `contacts`: whom a quick action on the card is about


@dataclass(frozen=True)
class Column:
    stage: Stage
    cards: tuple[Card, ...]   # most valuable weighted first, at most PER_COLUMN
    count: int                # every open deal in the stage
    totals: tuple[tuple[str, int], ...]  # (currency, minor units), currencies in alphabetical order

    @property
    def more(self) -> int:
        """Deals of the stage not among the cards."""
        return self.count - len(self.cards)


@dataclass(frozen=True)
class Board:
    columns: tuple[Column, ...]

    def column_of(self, deal_id: int) -> int | None:
        return next((i for i, c in enumerate(self.columns) if any(d.id == deal_id for d in c.cards)), None)

    def moved(self, deal_id: int, stage: str) -> "Board":
        """The board once the deal is in `stage` (a won or lost stage takes it off the board): what a
        front end shows before the write lands, so totals change at once."""
        source = self.column_of(deal_id)
        if source is None:
            return self
        card = next(d for d in self.columns[source].cards if d.id == deal_id)
        columns = []
        for column in self.columns:
            if column.stage.name == card.stage:
                column = _without(column, card)
            if column.stage.name == stage:
                column = _with(column, replace(card, stage=stage, rotting=False))  # a move is activity
            columns.append(column)
        return Board(tuple(columns))


def _without(column: Column, card: Card) -> Column:
    cards = tuple(d for d in column.cards if d.id != card.id)
    totals = dict(column.totals)
    totals[card.currency] -= card.value_minor
    if not totals[card.currency] and not any(d.currency == card.currency for d in cards):
        del totals[card.currency]  # no deal in that currency is left (the reload corrects a hidden one)
    return Column(column.stage, cards, column.count - 1, tuple(sorted(totals.items())))


def _with(column: Column, card: Card) -> Column:
    totals = dict(column.totals)
    totals[card.currency] = totals.get(card.currency, 0) + card.value_minor
    return Column(column.stage, (card, *column.cards), column.count + 1, tuple(sorted(totals.items())))


def board(conn: Connection, stages: Stages, as_of: datetime, *, per_column: int = PER_COLUMN) -> Board:
    """Every open stage in pipeline order, its first `per_column` cards and its totals (all in SQL)."""
    from crmcli.core import deals, sales
    from crmcli.core.models import DEAL_CONTACT
    from crmcli.core.names import first_contacts

    totals: dict[str, dict[str, int]] = {}
    counts: dict[str, int] = {}
    for stage, _, code, count, _, minor, _, _ in sales.pipeline(conn, stages, as_of).rows:
        totals.setdefault(stage, {})[code] = minor
        counts[stage] = counts.get(stage, 0) + count
    shown = {stage.name: list(deals.rows(conn, stages, deals.DealFilter(stage=stage.name), limit=per_column).rows)
             for stage in stages.open}
    rotting = _rotting(conn, stages, as_of, [r[0] for found in shown.values() for r in found])
    columns = []
    for stage in stages.open:
        found = shown[stage.name]
        firsts = first_contacts(conn, DEAL_CONTACT, "deal_id", [r[0] for r in found])
        cards = tuple(Card(r[0], r[2], r[3], r[13], r[12], r[7], r[8], r[10], r[0] in rotting, firsts.get(r[0]))
                      for r in found)
        columns.append(Column(stage, cards, counts.get(stage.name, 0), tuple(sorted(totals.get(stage.name, {}).items()))))
    return Board(tuple(columns))


def _rotting(conn: Connection, stages: Stages, as_of: datetime, ids: list[int]) -> set[int]:
    """Which of the cards' deals are rotting: asked of those alone, not of every rotting deal (on a
    big pipeline, thousands: most of a board's read)."""
    import sqlalchemy as sa

    from crmcli.core.deals import rotting_expression
    from crmcli.core.models import Deal

    if not ids:
        return set()
    d = Deal.__table__
    stmt = sa.select(d.c.id).where(d.c.id.in_(ids), d.c.status == "open", rotting_expression(stages, d, as_of))
    return set(conn.execute(stmt).scalars())


def step(stages: Stages, current: str, by: int) -> Stage:
    """The open stage `by` places after (or, negative, before) `current`; won and lost are not steps."""
    names = [s.name for s in stages.open]
    if current not in names:
        raise Invalid(f"the deal is not in an open stage ({current}); the open stages are: {', '.join(names)}")
    target = names.index(current) + by
    if target >= len(names):
        raise Invalid(f"{current} is the last open stage: from here the deal is won or lost")
    if target < 0:
        raise Invalid(f"{current} is the first stage: there is no earlier one")
    return stages.open[target]
