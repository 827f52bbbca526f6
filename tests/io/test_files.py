"""Atomic file writing: the target is the old file or the new one, never half of either."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from crmcli.errors import CrmError
from crmcli.io.files import replacing, write_atomically


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def here(tmp_path: Path) -> Path:
    """A folder of its own, so what is left in it can be listed."""
    folder = tmp_path / "files"
    folder.mkdir()
    return folder


def test_a_new_file_is_written_whole_and_private(here: Path) -> None:
    target = here / "out.ics"
    write_atomically(target, b"BEGIN:VCALENDAR\r\n")
    assert target.read_bytes() == b"BEGIN:VCALENDAR\r\n" and _mode(target) == 0o600
    assert os.listdir(here) == ["out.ics"]  # no temp file left beside it


def test_an_existing_file_keeps_its_permissions(here: Path) -> None:
    target = here / "shared.ics"
    target.write_bytes(b"old")
    target.chmod(0o644)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new" and _mode(target) == 0o644


def test_until_the_rename_readers_see_the_old_file(here: Path) -> None:
    target = here / "config.toml"
    target.write_bytes(b"old = 1\n")
    with replacing(target) as temp:
        temp.write_bytes(b"new = 2\n")
        assert target.read_bytes() == b"old = 1\n" and temp.parent == here
    assert target.read_bytes() == b"new = 2\n" and not temp.exists()


def test_a_failure_while_writing_leaves_the_old_file_and_no_temp(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = here / "out.ics"
    target.write_bytes(b"the whole old calendar")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(CrmError, match=r"cannot write .*out\.ics: No space left on device"):
        write_atomically(target, b"half a new calen")
    assert target.read_bytes() == b"the whole old calendar" and os.listdir(here) == ["out.ics"]


def test_an_error_in_the_block_keeps_the_target_and_passes_through(here: Path) -> None:
    target = here / "crm.db.bak"
    with pytest.raises(ValueError), replacing(target) as temp:
        temp.write_bytes(b"partial")
        raise ValueError("backup failed")
    assert not target.exists() and os.listdir(here) == []


def test_without_keep_mode_the_result_is_private_even_over_an_open_file(here: Path) -> None:
    target = here / "copy.db"
    target.write_bytes(b"old")
    target.chmod(0o644)
    with replacing(target, keep_mode=False) as temp:
        temp.write_bytes(b"a private copy")
    assert _mode(target) == 0o600 and target.read_bytes() == b"a private copy"


def test_a_folder_that_cannot_be_written_to_is_one_clear_error(here: Path) -> None:
    with pytest.raises(CrmError, match=r"cannot write .*missing/out\.ics"):
        write_atomically(here / "missing" / "out.ics", b"data")
