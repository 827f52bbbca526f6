"""`crm remind --notify`: a desktop notification besides the list, only when one can be shown."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from tests.conftest import Run

MORNING = "2026-03-02T08:00:00Z"  # cron's morning run, pinned (CRMCLI_NOW)
DISPLAYS = ("DISPLAY", "WAYLAND_DISPLAY")


@pytest.fixture
def notify_send(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake `notify-send` first on PATH: each call leaves its arguments (NUL-separated) in a file of its own
    in the returned folder, and exits with $FAKE_NOTIFY_STATUS (0 unless a test sets it). No display is set."""
    bindir, calls = tmp_path / "bin", tmp_path / "notify-calls"
    bindir.mkdir()
    calls.mkdir()
    script = bindir / "notify-send"
    script.write_text("#!/bin/sh\n"
                      f"printf '%s\\0' \"$@\" > \"$(mktemp -p {shlex.quote(str(calls))} call.XXXXXX)\"\n"
                      "echo 'notify-send: cannot connect' >&2\n"
                      "exit \"${FAKE_NOTIFY_STATUS:-0}\"\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    for name in DISPLAYS:
        monkeypatch.delenv(name, raising=False)
    return calls


def _calls(folder: Path) -> list[list[str]]:
    return [path.read_text(encoding="utf-8").split("\0")[:-1] for path in sorted(folder.iterdir())]


@pytest.fixture
def due(ann: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """One follow-up a day late and one due today, as of the pinned morning."""
    monkeypatch.setenv("CRMCLI_NOW", MORNING)
    ann("fu", "add", "ann lee", "Send the quote", "--due", "2026-03-01")
    ann("fu", "add", "bob", "Call back about the invoice", "--due", "2026-03-02")
    return ann


@pytest.mark.parametrize("display", DISPLAYS)
def test_notify_shows_a_summary_and_the_list_when_there_is_a_display(due: Run, notify_send: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     display: str) -> None:
    plain = due("remind").stdout
    assert plain == ("Overdue (1)\n  #1 2026-03-01  Ann Lee: Send the quote (1 day late)\n\n"
                     "Due (1)\n  #2 2026-03-02  Bob Marsh: Call back about the invoice\n")
    assert _calls(notify_send) == []  # not without --notify
    monkeypatch.setenv(display, ":0" if display == "DISPLAY" else "wayland-0")
    notified = due("remind", "--notify")
    assert (notified.stdout, notified.stderr) == (plain, "")  # the list for cron's mail, as without --notify
    assert _calls(notify_send) == [["--app-name=crm", "crm: 2 to do, 1 overdue", plain]]


def test_notify_without_a_display_calls_nothing_and_says_nothing(due: Run, notify_send: Path) -> None:
    plain = due("remind").stdout
    notified = due("remind", "--notify")
    assert (notified.stdout, notified.stderr) == (plain, "") and plain.startswith("Overdue (1)\n")
    assert _calls(notify_send) == []


def test_notify_with_nothing_due_stays_silent(due: Run, notify_send: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    quiet = due("remind", "--notify", "--as-of", "2026-02-01")
    assert (quiet.stdout, quiet.stderr) == ("", "")
    assert _calls(notify_send) == []


def test_a_failing_notify_send_does_not_fail_the_cron_job(due: Run, notify_send: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("FAKE_NOTIFY_STATUS", "1")
    notified = due("remind", "--notify")  # `due` asserts exit code 0
    assert notified.stdout.startswith("Overdue (1)\n") and notified.stderr == ""
    assert len(_calls(notify_send)) == 1
