"""`crm db copy TARGET`: the whole database into an empty SQLite file or PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Run, dump

LISTINGS = (("contacts", "list", "--format", "json"), ("timeline", "1", "--all", "--format", "json"),
            ("deals", "list", "--all", "--format", "json"), ("follow-ups", "list", "--all", "--format", "json"),
            ("export", "interactions", "--format", "json"), ("orgs", "list", "--format", "json"))


def _demo(ok: Run, tmp_path: Path) -> str:
    source = str(tmp_path / "source.db")
    ok("--db", source, "demo")
    return source


def _same_listings(ok: Run, source: str, target: str) -> None:
    for listing in LISTINGS:
        assert ok("--db", target, *listing).stdout == ok("--db", source, *listing).stdout, listing


def test_a_copy_into_an_empty_file_lists_the_same_and_is_searchable(ok: Run, crm: Run, tmp_path: Path) -> None:
    source, target = _demo(ok, tmp_path), str(tmp_path / "copy.db")
    result = ok("--db", source, "db", "copy", target)
    assert result.stdout == "" and result.stderr.startswith("copied ") and "counts checked" in result.stderr
    _same_listings(ok, source, target)
    assert ok("--db", target, "search", "invoice", "--format", "csv").stdout == \
        ok("--db", source, "search", "invoice", "--format", "csv").stdout
    assert "passed" in ok("--db", target, "db", "check").stderr + ok("--db", target, "db", "check").stdout


def test_a_target_with_data_or_the_source_itself_is_refused_and_left_alone(ok: Run, crm: Run, tmp_path: Path) -> None:
    source, target = _demo(ok, tmp_path), str(tmp_path / "copy.db")
    ok("--db", target, "contacts", "add", "Somebody Else")
    before = dump(Path(target))
    refused = crm("--db", source, "db", "copy", target)
    assert (refused.exit_code, refused.stdout) == (5, "")
    assert refused.stderr == f"crm: {target} already holds data (table contact); use an empty database\n"
    assert dump(Path(target)) == before
    itself = crm("--db", source, "db", "copy", source)
    assert itself.exit_code == 2 and "the database in use" in itself.stderr


def test_a_copy_into_postgres_lists_what_the_file_lists(pg_url: str, ok: Run, tmp_path: Path) -> None:
    source = _demo(ok, tmp_path)
    ok("--db", source, "db", "copy", pg_url)
    _same_listings(ok, source, pg_url)
    # The ids go on after the copied ones (PostgreSQL's sequences were moved past them).
    added = ok("--db", pg_url, "contacts", "add", "New Colleague", "-q").stdout.strip()
    assert int(added) == 301
