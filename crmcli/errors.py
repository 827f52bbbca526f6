"""Domain exceptions. Each carries the exit code the command line reports (see README)."""

from __future__ import annotations

from typing import NamedTuple


class CrmError(Exception):
    """An expected failure: one line for the user, a documented exit code.

    The message says what is wrong in words any front end can show: it never names a command-line
    flag or command, because the TUI shows it too. `hint` names what the user can do about it (a
    key such as "phone_region"); each front end words that in its own terms (cli/hints.py)."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class UsageProblem(CrmError):
    """The command was called in a way that cannot work (missing --yes, conflicting flags)."""

    exit_code = 2


class Invalid(CrmError):
    """A value the user gave is malformed: an email, a phone, a date, a field."""

    exit_code = 2


class NotFound(CrmError):
    exit_code = 3


class Candidate(NamedTuple):
    """One record an ambiguous reference may mean: its id, and how it is named to people."""

    id: int
    label: str


class Ambiguous(CrmError):
    """A reference matches several records; the message lists the candidates, and `candidates`
    carries them for a picker (at most the ones the message names)."""

    exit_code = 4

    def __init__(self, message: str, candidates: list[Candidate] | None = None, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.candidates = candidates or []


class Conflict(CrmError):
    """The change would break a uniqueness rule (an email owned by another contact...)."""

    exit_code = 5


class StorageError(CrmError):
    """The database cannot be opened, is locked, is not a crmcli database, or is too new."""

    exit_code = 1
