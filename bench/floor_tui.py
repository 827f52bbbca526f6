"""The floor for the TUI start-up figure: the smallest Textual app that opens the same database
through SQLModel and paints one DataTable of 20 contacts, writes `painted` on stdout (where
bench/tui.py stops its clock, as for `bench/tui_launch.py`) and exits.

    python bench/floor_tui.py DB
"""

from __future__ import annotations

import os
import sys

from sqlmodel import Session, create_engine, text
from textual.app import App, ComposeResult
from textual.widgets import DataTable


class Floor(App[None]):
    def __init__(self, db: str) -> None:
        super().__init__()
        self.db = db

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        self.run_worker(self.load, thread=True)

    def load(self) -> None:
        with Session(create_engine(f"sqlite:///{self.db}")) as session:
            rows = session.exec(text("SELECT id, name, title FROM contact ORDER BY name_key LIMIT 20")).all()  # type: ignore[call-overload]
        self.call_from_thread(self.show, rows)

    def show(self, rows: list[tuple[object, ...]]) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "name", "title")
        table.add_rows(rows)
        self.call_after_refresh(self.painted)

    def painted(self) -> None:
        os.write(1, b"painted\n")  # the fd itself: textual holds sys.stdout while it runs
        self.exit()


if __name__ == "__main__":
    Floor(sys.argv[1]).run(headless=True)
