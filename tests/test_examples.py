"""The recipes in examples/ work against real data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import Run

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def demo_env(tmp_path: Path, isolated: Path) -> dict[str, str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "CRMCLI_DB": str(tmp_path / "demo.db")}
    subprocess.run(["crm", "demo"], env=env, check=True, capture_output=True)
    return env


def _run(command: str, env: dict[str, str]) -> str:
    done = subprocess.run(command, shell=True, env=env, capture_output=True, text=True, cwd=EXAMPLES)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_vip_emails(demo_env: dict[str, str]) -> None:
    emails = _run("./vip-emails.sh", demo_env).split()
    vip_count = len(_run("crm contacts list --tag vip -q", demo_env).split())
    assert len(emails) == vip_count > 0 and all("@" in e and ";" not in e for e in emails)


def test_tag_org(demo_env: dict[str, str]) -> None:
    people = _run("crm orgs show 1 -f csv | sed -n 2p | cut -d, -f5", demo_env).strip()
    _run("./tag-org.sh 1 offsite-2026", demo_env)
    tagged = _run("crm contacts list --tag offsite-2026 -q", demo_env).split()
    assert len(tagged) == int(people) > 0


def test_contacts_per_org(demo_env: dict[str, str]) -> None:
    lines = _run("crm contacts list -f csv | ./contacts-per-org.py", demo_env).splitlines()
    assert len(lines) == 10 and all(line.split()[0].isdigit() for line in lines)


def test_backup_line(demo_env: dict[str, str], tmp_path: Path) -> None:
    line = (EXAMPLES / "nightly-backup.crontab").read_text().splitlines()[-1]
    command = line.split(" ", 5)[5].replace("\\%", "%").replace("$HOME", str(tmp_path))
    _run(command, demo_env)
    copies = list((tmp_path / "crm-backups").glob("crm-*.db"))
    assert len(copies) == 1
    assert _run(f"crm --db {copies[0]} contacts list -q | wc -l", demo_env).strip() == "300"


def test_log_calls_and_week_in_review(demo_env: dict[str, str], tmp_path: Path) -> None:
    batch = tmp_path / "calls.csv"
    first = _run("crm contacts list -f csv -n 1 | sed -n 2p | cut -d, -f1", demo_env).strip()
    batch.write_text(f"{first},Called about the renewal\nnobody-at-all,This one fails\n{first},Left a voicemail\n")
    done = subprocess.run(f"./log-calls.sh {batch}", shell=True, env=demo_env, capture_output=True, text=True,
                          cwd=EXAMPLES)
    assert done.returncode == 1 and "no contact matches 'nobody-at-all'" in done.stderr
    review = _run("./week-in-review.sh", demo_env).splitlines()
    assert any("Called about the renewal" in line for line in review)
    assert any("Left a voicemail" in line for line in review)
    assert all(line[:4].isdigit() for line in review)


def test_crontab_line_runs_remind(demo_env: dict[str, str]) -> None:
    line = next(ln for ln in (EXAMPLES / "crontab").read_text().splitlines() if ln and not ln.startswith("#"))
    command = line.split(None, 5)[5].replace("$HOME/.local/bin/crm", "crm")
    out = _run(command, demo_env)
    assert out.startswith("Overdue (") and "Keep in touch (" in out


def test_weighted_by_owner(demo_env: dict[str, str]) -> None:
    lines = _run("crm deals list -f json | ./weighted-by-owner.py", demo_env).splitlines()
    owners = {line.split()[0] for line in lines}
    assert lines and owners <= {"robin", "sam", "alex"} and all(line.split()[1] in ("EUR", "USD", "GBP", "JPY")
                                                                for line in lines)


def _month_bounds(first: date) -> tuple[date, date, date]:
    """The last day of the month before, the last day of this one, the first day of the next."""
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first - timedelta(days=1), following - timedelta(days=1), following


def test_closing_this_month(tmp_path: Path, ok: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    for attempt in range(2):  # again if the month turned while the test ran (the script reads the real date)
        this_month = _run("date +%Y-%m-01", env).strip()
        first = date.fromisoformat(this_month)
        before, last, following = _month_bounds(first)
        env["CRMCLI_DB"] = str(tmp_path / f"closing-{attempt}.db")
        monkeypatch.setenv("CRMCLI_DB", env["CRMCLI_DB"])
        for name, value, code, stage, close in [
            ("Retainer", "1200", "EUR", "proposal", last),          # 1: last day of this month
            ("Next plan", "900", "USD", "lead", following),         # 2: next month: not listed
            ("Overdue audit", "250", "EUR", "negotiation", before),  # 3: close date passed, still open: listed
            ("Workshop", "3000.50", "GBP", "qualified", first),     # 4: first day of this month
            ("Signed", "500", "EUR", "won", first),                 # 5: won: not listed
        ]:
            ok("deals", "add", name, "--value", value, "--currency", code, "--stage", stage, "--close", f"{close}")
        ok("deals", "add", "Someday", "--value", "100", "--currency", "EUR")  # 6: no close date: not listed
        lines = _run("./closing-this-month.sh", env).splitlines()
        if _run("date +%Y-%m-01", env).strip() == this_month:
            break
    assert lines == [f"#3  {before}  250.00 EUR  Overdue audit", f"#4  {first}  3000.50 GBP  Workshop",
                     f"#1  {last}  1200.00 EUR  Retainer"]


def test_tui_screenshot_in_the_readme_is_what_the_script_makes(tmp_path: Path) -> None:
    """The README's picture of the dashboard is regenerated by examples/tui_screenshot.py, deterministically."""
    import subprocess
    import sys

    out = tmp_path / "shot.svg"
    done = subprocess.run([sys.executable, str(EXAMPLES / "tui_screenshot.py"), str(out)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    svg = out.read_text(encoding="utf-8")
    assert "Due&#160;today&#160;and&#160;overdue" in svg or "Due today and overdue" in svg
    assert svg == (EXAMPLES / "tui-dashboard.svg").read_text(encoding="utf-8"), \
        "run `python examples/tui_screenshot.py` and commit examples/tui-dashboard.svg"


# -- the mail clients' key bindings (examples/mutt/muttrc, examples/aerc/binds.conf) ---------------------

SAMPLE_MAIL = EXAMPLES / "mail" / "sample-reply.eml"


def _piped_commands() -> dict[str, list[str]]:
    """The shell command each binding pipes the mail to, per file: mutt's `<pipe-message>CMD<enter>`
    in a macro, aerc's `KEY = :pipe -m CMD<Enter>`."""
    import re

    found: dict[str, list[str]] = {"muttrc": [], "binds.conf": []}
    for line in (EXAMPLES / "mutt" / "muttrc").read_text(encoding="utf-8").splitlines():
        if line.startswith("macro "):
            found["muttrc"] += re.findall(r"<pipe-message>(.*?)<enter>", line)
    for line in (EXAMPLES / "aerc" / "binds.conf").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", "[")):
            binding = re.fullmatch(r"\S+ = :pipe -m (.*)<Enter>", line)
            assert binding, f"not a :pipe -m binding: {line}"
            found["binds.conf"].append(binding.group(1))
    return found


def _mail_env(tmp_path: Path, name: str) -> dict[str, str]:
    """A database with Ann Lee (the sample mail's sender), and my own address set."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "CRMCLI_DB": str(tmp_path / f"{name}.db"), "CRMCLI_MY_EMAILS": "me@freelancer.example"}
    subprocess.run(["crm", "contacts", "add", "Ann Lee", "--email", "ann@acme.example"], env=env, check=True,
                   capture_output=True)
    return env


def test_the_mail_client_bindings_log_the_mail(tmp_path: Path) -> None:
    """Every binding pipes the mail to `crm log --eml -` (with --create or not), and each command
    logs the sample mail: on Ann's timeline, Bob (in Cc, no contact) skipped or, with --create, added."""
    commands = _piped_commands()
    assert sorted(commands["muttrc"]) == ["crm log --eml -", "crm log --eml - --create"]
    assert sorted(commands["binds.conf"]) == ["crm log --eml -"] * 2 + ["crm log --eml - --create"] * 2
    for n, command in enumerate(sorted(set(commands["muttrc"] + commands["binds.conf"]))):
        env = _mail_env(tmp_path, f"client-{n}")
        done = subprocess.run(command, shell=True, env=env, input=SAMPLE_MAIL.read_bytes(), capture_output=True)
        assert done.returncode == 0, done.stderr
        timeline = _run("crm timeline ann -f tsv", env)
        assert "Re: Your quote for the new website – a few questions" in timeline
        people = _run("crm contacts list -f csv", env)
        if command.endswith("--create"):
            assert "bob@acme.example" in people and done.stderr.decode().endswith("with Ann Lee, bob\n")
        else:
            assert "bob@acme.example" not in people
            assert done.stderr.decode() == ("skipped: no contact has bob@acme.example (use --create)\n"
                                            "logged email #1 with Ann Lee\n")


@pytest.mark.skipif(not shutil.which("mutt"), reason="mutt is not installed")
@pytest.mark.parametrize(("keys", "created"), [(b"\x0c", False), (b"\x1b\x0c", True)])
def test_the_mutt_macros_in_mutt(tmp_path: Path, keys: bytes, created: bool) -> None:
    """mutt itself, in a terminal, reading examples/mutt/muttrc with $pipe_decode set: Ctrl-L (or Esc
    Ctrl-L) logs the mail under the cursor, and $pipe_decode is set again afterwards."""
    env = {**_mail_env(tmp_path, "mutt"), "HOME": str(tmp_path), "TERM": "xterm"}
    for size in ("COLUMNS", "LINES"):  # the terminal's own size (80x24), not the test run's
        env.pop(size, None)
    (tmp_path / "Mail").mkdir()
    box = tmp_path / "box"
    box.write_bytes(b"From ann@acme.example Fri Dec  4 10:17:42 2026\n" + SAMPLE_MAIL.read_bytes() + b"\n")
    screen = _in_a_terminal(["mutt", "-n", "-F", str(EXAMPLES / "mutt" / "muttrc"), "-e", "set pipe_decode",
                             "-f", str(box)], env,
                            [(b"", b"Ann Lee"), (keys, b"Press any key to continue"),
                             (b"\n", b"Ann Lee"), (b":set ?pipe_decode\n", b"pipe_decode is set")])
    assert b"logged email #1 with Ann Lee" in screen
    people = _run("crm contacts list -f csv", env)
    assert ("bob@acme.example" in people) == created


def _in_a_terminal(command: list[str], env: dict[str, str], steps: list[tuple[bytes, bytes]]) -> bytes:
    """Runs `command` in a pseudo-terminal of 80x24: for each step, types its keys, then reads until
    its marker shows (30 s at most); then ends it. What the terminal showed."""
    import pty
    import select
    import time

    import fcntl
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # the child: the program, on the terminal
        os.execvpe(command[0], command, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    shown = b""
    try:
        for keys, marker in steps:
            if keys:
                os.write(fd, keys)
            deadline = time.monotonic() + 30
            start = len(shown)
            while time.monotonic() < deadline and marker not in shown[start:]:
                if select.select([fd], [], [], 0.2)[0]:
                    try:
                        shown += os.read(fd, 65536)
                    except OSError:
                        break
            assert marker in shown[start:], (marker, shown[-2000:])
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    return shown
