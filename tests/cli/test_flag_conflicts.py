"""Options that contradict each other are refused the same way everywhere (cli/options.py `exclusive`):
one line naming both, exit 2, nothing written, nothing printed on stdout."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Run, dump


@pytest.fixture
def filled(ann: Run) -> Run:
    ann("deals", "add", "Website redesign", "-c", "ann lee", "-v", "12000", "--currency", "EUR")
    ann("fu", "add", "ann lee", "Send the quote", "--due", "2026-03-02")
    ann("log", "ann lee", "Called about the quote", "--at", "2026-03-01 10:00")
    return ann


CONFLICTS = [
    (("fu", "list", "--overdue", "--today"), "--overdue and --today"),
    (("fu", "list", "--today", "--week"), "--today and --week"),
    (("fu", "list", "--week", "--all"), "--week and --all"),
    (("fu", "list", "--overdue", "--all"), "--overdue and --all"),
    (("fu", "list", "--overdue", "--today", "--week"), "--overdue, --today and --week"),
    (("fu", "list", "--scope", "done", "--overdue"), "--scope and --overdue"),
    (("fu", "list", "-s", "week", "--all"), "--scope and --all"),
    (("fu", "edit", "1", "--every", "weekly", "--no-repeat"), "--every and --no-repeat"),
    (("timeline", "ann lee", "-n", "5", "--all"), "--limit and --all"),
    (("timeline", "ann lee", "--all", "--limit", "20"), "--limit and --all"),  # even the default, when typed
    (("notes", "list", "-n", "5", "-a"), "--limit and --all"),
    (("contacts", "edit", "ann lee", "--org", "Berg AB", "--no-org"), "--org and --no-org"),
    (("contacts", "edit", "ann lee", "--cadence", "monthly", "--no-cadence"), "--cadence and --no-cadence"),
    (("contacts", "edit", "ann lee", "--do-not-contact", "--contactable"), "--do-not-contact and --contactable"),
    (("deals", "list", "--won", "--lost"), "--won and --lost"),
    (("deals", "list", "--open", "--all"), "--open and --all"),
    (("deals", "list", "--won", "--rotting"), "--won and --rotting"),
    (("deals", "list", "--lost", "--rotting"), "--lost and --rotting"),
    (("deals", "edit", "1", "--org", "Berg AB", "--no-org"), "--org and --no-org"),
    (("deals", "edit", "1", "--close", "eom", "--no-close"), "--close and --no-close"),
    (("deals", "edit", "1", "-p", "50", "--stage-probability"), "--probability and --stage-probability"),
    # a mail brings its own kind, direction, time and text
    (("log", "--eml", "--kind", "call"), "--eml and --kind"),
    (("log", "--eml", "-d", "out"), "--eml and --direction"),
    (("log", "--eml", "--at", "yesterday"), "--eml and --at"),
    (("log", "--eml", "--follow-up", "fri: call back"), "--eml and --follow-up"),
    (("log", "--eml", "--edit"), "--eml and --edit"),
    # -q and --format each choose the output, in either order (cli/options.py one_output)
    (("contacts", "list", "-q", "-f", "csv"), "--format and --quiet"),
    (("contacts", "list", "--format", "json", "--quiet"), "--format and --quiet"),
    (("timeline", "ann lee", "-f", "json", "-q"), "--format and --quiet"),
    (("remind", "-q", "-f", "json"), "--format and --quiet"),
    (("fu", "list", "-f", "csv", "-q"), "--format and --quiet"),
    (("deals", "list", "-q", "--format", "table"), "--format and --quiet"),
]

# Options that mean nothing without another are refused, not ignored (cli/options.py needs).
NEEDS = [
    (("fu", "done", "1", "--kind", "email"), "--kind needs --log"),
    (("log", "ann lee", "Called", "--future"), "--future needs --at"),
    (("log", "ann lee", "Called", "--create"), "--create needs --eml"),
    (("notes", "edit", "1", "--text", "x", "--future"), "--future needs --at"),
    (("deals", "edit", "1", "--locale", "de_DE", "--name", "X"), "--locale needs --value"),
    (("contacts", "edit", "ann lee", "--reason", "asked", "--contactable"), "--reason needs --do-not-contact"),
    (("contacts", "add", "Zed", "--reason", "asked"), "--reason needs --do-not-contact"),
]


REFUSED = [(args, f"{names} cannot be used together") for args, names in CONFLICTS] + NEEDS


@pytest.mark.parametrize(("args", "message"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_contradicting_or_incomplete_options_are_refused_alike(filled: Run, crm: Run, db_path: Path,
                                                               args: tuple[str, ...], message: str) -> None:
    before = dump(db_path)
    result = crm(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"crm: {message}\n")
    assert dump(db_path) == before


@pytest.mark.parametrize("args", [
    ("timeline", "ann lee", "--all"),
    ("timeline", "ann lee", "-n", "5"),
    ("notes", "list", "--all"),
    ("fu", "list", "--overdue"),
    ("fu", "list", "--scope", "overdue"),
    ("deals", "list", "--rotting"),
    ("deals", "list", "--all", "--rotting"),
    ("deals", "list", "--won", "-s", "won"),
])
def test_one_of_each_still_works(filled: Run, args: tuple[str, ...]) -> None:
    filled(*args)


def test_the_conflict_is_caught_before_the_contact_is_looked_up(filled: Run, crm: Run) -> None:
    # Usage comes first: a typo in the name must not hide the real problem.
    result = crm("timeline", "nobody", "-n", "5", "--all")
    assert (result.exit_code, result.stderr) == (2, "crm: --limit and --all cannot be used together\n")

