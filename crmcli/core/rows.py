"""The shape every listing hands to the output layer: named columns and a stream of tuples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

LIST_SEPARATOR = "; "


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
