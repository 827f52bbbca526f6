"""The README's tour is run, in order, on one fresh database, and must print what it shows.

Every ```console block is a shell session: `$ ` lines (with `\\` continuations) are commands, the
lines up to the next `$ ` are what a terminal shows (stdout and stderr together). The clock is pinned
(CRMCLI_NOW, a minute later for each command), the zone is UTC, and uids, which are random, are compared as `<uid>`.

After changing what a command prints: `CRMCLI_README_UPDATE=1 pytest tests/test_readme.py` rewrites
the outputs in README.md from a real run; read the diff before committing it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
NOW = "2026-11-24T12:20:00+00:00"  # a Tuesday, which the README's dates (`fri` = 2026-11-27) assume
SHOWN_HOME = "/home/you"
UID = re.compile(r"\b[0-9a-f]{8}-(?:[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|…)")
UPDATE = bool(os.environ.get("CRMCLI_README_UPDATE"))  # read before the autouse fixture clears CRMCLI_*
BLOCK = re.compile(r"^```console\n(.*?)^```\n", re.S | re.M)


@dataclass
class Step:
    command: str        # as typed, continuations joined
    shown: list[str]    # the output lines the README shows
    start: int          # offset of the block in README.md (for updates)


def sessions(text: str) -> list[list[Step]]:
    """Each console block as its steps."""
    blocks = []
    for match in BLOCK.finditer(text):
        steps: list[Step] = []
        lines = match.group(1).splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            assert line.startswith("$ "), f"README console block: output before any command: {line!r}"
            command = line[2:]
            while command.endswith("\\"):
                i += 1
                command = command[:-1] + " " + lines[i].strip()
            i += 1
            shown = []
            while i < len(lines) and not lines[i].startswith("$ "):
                shown.append(lines[i])
                i += 1
            steps.append(Step(command, shown, match.start()))
        blocks.append(steps)
    return blocks


def normalise(lines: list[str], home: str) -> list[str]:
    return [UID.sub("<uid>", line.replace(home, SHOWN_HOME)).rstrip() for line in lines]


def tour_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMCLI_")}
    env.update({"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"),
                "XDG_CONFIG_HOME": str(home / ".config"), "CRMCLI_NOW": NOW, "TZ": "UTC", "NO_COLOR": "1",
                "COLUMNS": "120", "PYTHONUNBUFFERED": "1",  # stdout and stderr in the order a terminal shows
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
                "LANG": "C.UTF-8",
                "LOGNAME": "you", "USER": "you"})  # the login name, which owns what the tour adds
    env.pop("VIRTUAL_ENV", None)
    return env


def run_tour(home: Path) -> list[tuple[Step, list[str]]]:
    env = tour_environment(home)
    work = home / "work"
    work.mkdir()
    results = []
    start, status = datetime.fromisoformat(NOW), 0
    for number, step in enumerate(step for steps in sessions(README.read_text(encoding="utf-8")) for step in steps):
        # A minute passes between commands, as when typing them; `$?` is the previous command's status.
        env["CRMCLI_NOW"] = (start + timedelta(minutes=number)).isoformat()
        done = subprocess.run(["bash", "-c", f"(exit {status}); {step.command}"], cwd=work, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=60)
        status = done.returncode
        results.append((step, normalise(done.stdout.splitlines(), str(home))))
    return results


def test_the_readme_tour_runs_in_order_and_prints_what_it_shows(tmp_path: Path) -> None:
    home = tmp_path / "you"
    home.mkdir()
    results = run_tour(home)
    assert len(results) >= 40, "the tour lost its console blocks"
    if UPDATE:
        _rewrite(results)
        return
    for step, actual in results:
        assert actual == normalise(step.shown, SHOWN_HOME), f"$ {step.command}"


def _rewrite(results: list[tuple[Step, list[str]]]) -> None:
    """Put each step's real output under it (uids stay as the README shows them: any uid is fine)."""
    text = README.read_text(encoding="utf-8")
    by_block: dict[int, list[tuple[Step, list[str]]]] = {}
    for step, actual in results:
        by_block.setdefault(step.start, []).append((step, actual))
    for start in sorted(by_block, reverse=True):
        match = BLOCK.match(text, start)
        assert match is not None
        original = match.group(1).splitlines()
        body: list[str] = []
        index = 0
        for step, actual in by_block[start]:
            while not original[index].startswith("$ "):
                index += 1
            body.append(original[index])
            index += 1
            while original[index - 1].endswith("\\"):
                body.append(original[index])
                index += 1
            body += [line.replace("<uid>", "1f180476-…") for line in actual]
            while index < len(original) and not original[index].startswith("$ "):
                index += 1
        text = text[:match.start(1)] + "\n".join(body) + "\n" + text[match.end(1):]
    README.write_text(text, encoding="utf-8")
    pytest.skip("README.md rewritten from a real run; check the diff")
