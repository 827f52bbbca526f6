"""A DataTable fed from core rows, keyed by record, never holding more than it shows."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from textual.widgets import DataTable

from crmcli.tui.format import cell


class RecordTable(DataTable):  # type: ignore[type-arg]
    """Rows keyed by `"type:id"` so actions know which record is selected."""

    DEFAULT_CSS = "RecordTable { height: 1fr; }"

    def __init__(self, columns: Sequence[str], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._columns = list(columns)

    def on_mount(self) -> None:
        self.add_columns(*self._columns)

    def fill(self, rows: Iterable[tuple[str, Sequence[Any]]], *, height: int = 1) -> None:
        """Replace the rows, keeping the cursor on the same record when it is still there."""
        selected = self.selected_key()
        self.clear()
        for key, values in rows:
            self.add_row(*(cell(v) for v in values), key=key, height=height)
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected))

    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:  # noqa: BLE001 - an empty or changing table has no selection
            return None
