"""What the hostile-input proofs share (tests/proofs/test_hostile_*.py): their Hypothesis settings,
the contract every command fed garbage must keep, and databases to feed it to.

The contract (issue 13): a command given a hostile file or value either accepts it (exit 0), or
refuses it with a documented exit code (README: Exit codes), its reason on stderr — one line
`crm: ...`, after the bad rows of an import each named `FILE:LINE: ...` (a mailbox's bad mails by
their place in it, MAIL_NOTES) — and no traceback, no "internal error"; and a refused command leaves
the database exactly as it was (its SQL dump equal).

Settings: CI runs a fixed number of examples per property, derandomized (the same examples on every
run, so a red CI is reproducible with a plain `pytest`), without the example database. For a longer,
random hunt on a laptop:

    CRMCLI_FUZZ_EXAMPLES=2000 pytest tests/proofs/test_hostile_import.py tests/proofs/test_hostile_parsers.py \
        tests/proofs/test_csv_formulas.py --hypothesis-show-statistics

(any number: every property then tries that many random examples, and Hypothesis keeps what fails in
.hypothesis/ to try first next time). `--hypothesis-show-statistics` prints, per property, the
examples tried and how they ended (passing, failing, invalid), the figures the issue's closing note reports.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, settings
from typer.testing import Result

from tests.conftest import Run, dump

FUZZ_EXAMPLES = int(os.environ.get("CRMCLI_FUZZ_EXAMPLES") or 0)  # read at import: the tests unset CRMCLI_*
ACCEPTED, REFUSED = "accepted", "refused"


def fuzz(examples: int) -> settings:
    """`examples` derandomized examples (CI), or CRMCLI_FUZZ_EXAMPLES random ones (a longer hunt)."""
    return settings(max_examples=FUZZ_EXAMPLES or examples, deadline=None, derandomize=not FUZZ_EXAMPLES,
                    database=settings.default.database if FUZZ_EXAMPLES else None, print_blob=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.large_base_example,
                                           HealthCheck.filter_too_much])


# A bad row of an import, named before the summary line: `FILE:LINE: what is wrong`, or the count of
# the rest past MAX_REPORTED. (FILE may hold a colon: a folder's file, stdin.)
_PROBLEM = re.compile(r"^.+:\d+: .+$|^\.\.\. and \d+ more bad rows$")
# A bad mail of a mailbox (crm import mail), named by where it is: `message N (line L): ...` in an mbox,
# `cur/NAME: ...` or `new/NAME: ...` in a maildir; and what a mail import says of the good ones before
# it refuses (a mail with no Date, an address no contact has).
MAIL_NOTES = re.compile(r"^(.+: )?(message \d+ \(line \d+\)|(cur|new)/.+): .+$|^\.\.\. and \d+ more bad messages$"
                        r"|^skipped: no contact has .+$|^if the sender is you, say so: .+$")
DOCUMENTED_EXITS = {1, 2, 3, 4, 5}  # README: Exit codes (1: could not be done; 2: invalid; 3: not found; ...)


def outcome(result: Result, *, allowed: set[int] = DOCUMENTED_EXITS, notes: re.Pattern[str] | None = None) -> str:
    """ACCEPTED or REFUSED, after checking the contract above (the database is the caller's to compare)."""
    shown = result.stdout + result.stderr
    assert "Traceback" not in shown, shown[-3000:]
    assert "internal error" not in result.stderr, result.stderr[-3000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 0:
        return ACCEPTED
    assert result.exit_code in allowed, (result.exit_code, result.stderr[-2000:])
    lines = result.stderr.splitlines()
    assert lines and lines[-1].startswith("crm"), result.stderr[-2000:]  # `crm: ...` or `crm import ...: ...`
    assert all(_PROBLEM.match(line) or (notes and notes.match(line)) for line in lines[:-1]), result.stderr[-2000:]
    assert all(len(line) <= 1_200 for line in lines), "a message line a person cannot read"
    return REFUSED


@dataclass
class Databases:
    """Copies of one template database for the examples of a property: a refused command must leave
    its copy as the template was (dumps compared), so the next example may reuse it; after an accepted
    one, the next example gets a fresh copy."""

    template: Path
    folder: Path
    seen: list[str] = field(default_factory=list)
    _current: Path | None = None
    _made: int = 0

    def __post_init__(self) -> None:
        self.seen = dump(self.template)

    @property
    def path(self) -> str:
        if self._current is None:
            self._made += 1
            self._current = Path(shutil.copy2(self.template, self.folder / f"example-{self._made}.db"))
        return str(self._current)

    def fresh(self) -> str:
        """A copy of the template of its own, for an example that is to change it."""
        self._current = None
        path = self.path
        self._current = None
        return path

    def check(self, result: Result, **options: Any) -> str:
        """The contract for a command run on `path`; a refusal must have left it unchanged."""
        verdict = outcome(result, **options)
        if verdict == REFUSED:
            assert dump(Path(self.path)) == self.seen, "a refused command changed the database"
        else:
            self._current = None  # changed: the next example starts from the template again
        return verdict


def databases(ok: Run, folder: Path, *setup: tuple[str, ...]) -> Databases:
    """A template made by running `setup` commands (each `crm --db TEMPLATE ...`) once."""
    folder.mkdir(parents=True, exist_ok=True)
    template = folder / "template.db"
    ok("--db", str(template), "contacts", "list")  # migrated, empty
    for command in setup:
        ok("--db", str(template), *command)
    return Databases(template, folder)


SEEDED: tuple[tuple[str, ...], ...] = (
    # Someone for a file to match (an email, a phone, a name to refer to) and an organisation.
    ("contacts", "add", "Ann Lee", "--email", "ann@acme.example", "--phone", "+44 20 7946 0000", "--org", "Acme Ltd",
     "--tag", "vip", "--field", "source=referral"),
    ("contacts", "add", "Bob Marsh", "--email", "bob@acme.example"),
)

Invoke = Callable[..., Result]
