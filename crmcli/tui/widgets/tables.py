"""A DataTable fed from core rows, keyed by record, never holding more than it shows."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from rich.cells import cell_len
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
        widths = [cell_len(str(c.label)) for c in self.ordered_columns]
        for key, values in rows:
            cells = [cell(v) for v in values]
            self.add_row(*cells, key=key, height=height)
            widths = [max(w, c.cell_len) for w, c in zip(widths, cells)] + widths[len(cells):]
        # The widths now, not on the table's next idle: until then DataTable draws a column as wide as
        # its heading, and a screen painted (or a picture taken) in between shows the text cut short.
        for column, width in zip(self.ordered_columns, widths):
            column.content_width = width
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected))

    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:  # noqa: BLE001 - an empty or changing table has no selection
            return None
