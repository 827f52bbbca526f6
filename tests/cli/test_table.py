"""The plain table view: alignment by screen width, cutting, and colour only on a terminal."""

from __future__ import annotations

import pytest

from crmcli.cli import table


def test_cell_width_counts_wide_and_combining_characters() -> None:
    assert table.cell_width("abc") == 3
    assert table.cell_width("東京") == 4
    assert table.cell_width("Zoe\u0308") == 3  # e + combining diaeresis


def test_fit_pads_and_cuts_by_screen_width() -> None:
    assert table.fit("Ann", 5) == "Ann  "
    assert table.fit("42", 4, right=True) == "  42"
    assert table.fit("Zoë Øster", 5) == "Zoë …"
    assert table.fit("東京都庁", 5) == "東京…"
    assert table.cell_width(table.fit("東京都庁", 5)) == 5


def test_table_fits_the_width_and_never_cuts_kept_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    out = table.render_table(["id", "occurred", "body"], [["1234", "2026-11-24 10:00", "x" * 80]],
                             keep={"id", "occurred"})
    lines = out.splitlines()
    assert all(table.cell_width(line) <= 40 for line in lines)
    assert lines[1].startswith("1234  2026-11-24 10:00  xxx") and lines[1].endswith("…")


def test_no_colour_into_a_pipe_so_snippet_stars_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table, "colour", lambda: False)
    out = table.render_table(["snippet"], [["the **quote** again"]])
    assert "\033[" not in out and "**quote**" in out
    monkeypatch.setattr(table, "colour", lambda: True)
    out = table.render_table(["snippet"], [["the **quote** again"]])
    assert "\033[1mquote\033[0m" in out and "**" not in out
