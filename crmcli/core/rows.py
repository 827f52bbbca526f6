"""The shape every listing hands to the output layer: named columns and a stream of tuples."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Iterator, Sequence

from crmcli.io.formats import LIST_SEPARATOR  # noqa: F401 - how the writers split a list cell


@dataclass
class Rows:
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    # Columns holding several values joined by LIST_SEPARATOR (JSON shows them as arrays).
    list_columns: frozenset[str] = field(default_factory=frozenset)
    # Columns holding a JSON object as text (JSON shows it as an object).
    json_columns: frozenset[str] = field(default_factory=frozenset)
    # Columns holding timestamps (ISO 8601 UTC); the table view shows them in local time.
    time_columns: frozenset[str] = field(default_factory=frozenset)
    # The columns the table view shows (people want a readable subset; None = all).
    table_columns: Sequence[str] | None = None

    def records(self) -> Iterator[Any]:
        """The rows read by column name (`row.stage`, `row.value`), as namedtuples: still tuples, so
        a record can go wherever a row goes. Reads `rows` as any listing of them does (a stream is
        read once)."""
        record = _record_type(tuple(self.columns))
        return (record._make(row) for row in self.rows)


@lru_cache(maxsize=64)
def _record_type(columns: tuple[str, ...]) -> Any:
    return namedtuple("Record", columns)  # type: ignore[misc]  # a column name that is no identifier fails here
