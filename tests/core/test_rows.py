"""Rows read by column name."""

from __future__ import annotations

import pytest

from crmcli.core.rows import Rows


def test_records_are_named_by_the_columns_and_stay_tuples() -> None:
    rows = Rows(("id", "name", "value"), iter([(1, "Ann Lee", "12.50"), (2, "Bob Marsh", None)]))
    found = list(rows.records())
    assert [(r.id, r.name, r.value) for r in found] == [(1, "Ann Lee", "12.50"), (2, "Bob Marsh", None)]
    assert found[0] == (1, "Ann Lee", "12.50") and found[1]._asdict() == {"id": 2, "name": "Bob Marsh", "value": None}
    assert list(rows.records()) == []  # a stream is read once, as any listing of it


def test_one_record_type_per_column_set() -> None:
    first = next(Rows(("a", "b"), [(1, 2)]).records())
    second = next(Rows(["a", "b"], [(3, 4)]).records())
    assert type(first) is type(second)


def test_a_row_of_another_length_is_refused() -> None:
    with pytest.raises(TypeError):
        list(Rows(("a", "b"), [(1, 2, 3)]).records())
