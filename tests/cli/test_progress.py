"""The import's progress bar: drawn on a terminal (here a forced one), measured by the bytes of the
file read; rows alone when there is no file size to measure against; nothing at all off a terminal."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from crmcli.cli.progress import ImportProgress
from tests.conftest import Run


def _terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=100), out


def test_a_file_s_bar_follows_the_bytes_read(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("crmcli.cli.progress.EVERY_SECONDS", 0)
    source = tmp_path / "big.csv"
    source.write_text("name\n" + "".join(f"Person {n}\n" for n in range(20_000)), encoding="utf-8")
    console, out = _terminal()
    with open(source, encoding="utf-8-sig", newline="") as stream:
        bar = ImportProgress(stream, console=console)
        for n, _ in enumerate(stream, start=1):
            if n == 10_000:
                bar(n)
                break
        shown = out.getvalue()
        bar.close()
    assert "importing: 10,000 rows" in shown and "━" in shown and "%" in shown


def test_stdin_or_a_folder_shows_the_rows_without_a_bar(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("crmcli.cli.progress.EVERY_SECONDS", 0)
    console, out = _terminal()
    bar = ImportProgress(None, console=console)
    bar(2_000)
    bar.close()
    assert "importing: 2,000 rows" in out.getvalue() and "%" not in out.getvalue()


def test_off_a_terminal_nothing_but_the_summary(ok: Run, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("name\n" + "".join(f"Person {n}\n" for n in range(3_000)), encoding="utf-8")
    result = ok("import", "contacts", str(source))
    assert result.stderr == f"imported {source} (crmcli): 3000 created, 0 updated, 0 unchanged, 0 skipped\n"
