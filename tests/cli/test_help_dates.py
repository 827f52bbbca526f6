"""Every date, time, length and repeat rule that a command's --help offers as an example must be
accepted by the code that reads that option. The examples are taken from the help texts themselves
(the quoted ones), so a new example, or a new date option, is checked without editing this file."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
import typer
import typer.main

from crmcli.core import cadence, dates, followups

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=ZoneInfo("Europe/London"))  # a Wednesday


def _snooze(text: str) -> object:
    """What `crm fu snooze` accepts: a length of time, else a date leaning to the future."""
    try:
        return dates.parse_duration(text)
    except dates.DateError:
        return followups.Due.parse(text, now=NOW)


def _follow_up(text: str) -> object:
    when, _title = followups.split_follow_up(text)
    return followups.Due.parse(when, now=NOW)


# How each option that takes a date, a length or a rule reads it (the same calls the commands make).
READERS: dict[str, Callable[[str], Any]] = {
    "--at": lambda t: dates.parse_moment(t, now=NOW, lean="past"),
    "--since": lambda t: dates.parse_since(t, now=NOW),
    "--ended": lambda t: dates.parse_moment(t, now=NOW, lean="past"),  # crm campaigns edit
    "--as-of": lambda t: dates.parse_since(t, now=NOW),
    "--last-contact-before": lambda t: dates.parse_since(t, now=NOW),  # crm segments (core/segments.py reads it so)
    "--last-contact-after": lambda t: dates.parse_since(t, now=NOW),
    "--due": lambda t: followups.Due.parse(t, now=NOW),
    "--close": lambda t: dates.parse(t, now=NOW, lean="future"),
    "--closing-before": lambda t: dates.parse(t, now=NOW, lean="future"),
    "--follow-up": _follow_up,
    "--every": dates.parse_recurrence,
    "--cadence": cadence.parse,
    "--cold-after": cadence.parse_after,
    "--within": followups.within_days,
    "UNTIL": _snooze,  # crm fu snooze ID WHEN|FOR
}
DATE_METAVARS = {"WHEN", "WHEN|FOR", "WHEN: WHAT", "TIME", "RULE", "DAY"}


def _commands() -> Iterator[tuple[str, Any]]:
    from crmcli.cli.main import app

    root = typer.main.get_command(app)
    ctx = typer.Context(root, info_name="crm")

    def walk(command: Any, path: str) -> Iterator[tuple[str, Any]]:
        if hasattr(command, "list_commands"):  # a group
            for name in command.list_commands(ctx):
                yield from walk(command.get_command(ctx, name), f"{path} {name}")  # type: ignore[arg-type]
        else:
            yield path, command

    yield from walk(root, "crm")


def _date_params() -> list[tuple[str, str, str]]:
    """(command, option, help text) for every parameter whose metavar says it takes a date or a length."""
    found = []
    for path, command in _commands():
        for param in command.params:
            if getattr(param, "metavar", None) in DATE_METAVARS:
                name = next((o for o in param.opts if o.startswith("--")), (param.name or "").upper())
                found.append((path, name, getattr(param, "help", None) or ""))
    return found


PARAMS = _date_params()
EXAMPLES = [(path, name, example) for path, name, text in PARAMS for example in re.findall(r"'([^']+)'", text)]


def test_every_date_option_has_a_reader_here() -> None:
    assert len(PARAMS) >= 20
    assert {name for _, name, _ in PARAMS} == set(READERS)


def test_the_help_offers_the_examples_users_asked_about() -> None:
    offered = {(path, example) for path, _, example in EXAMPLES}
    assert {("crm report deals", "90d"), ("crm report deals", "last month"), ("crm follow-ups add", "next month"),
            ("crm follow-ups snooze", "2 days"), ("crm contacts list", "90d"), ("crm pipeline", "last month")} \
        <= offered
    assert len(EXAMPLES) >= 30


@pytest.mark.parametrize(("command", "option", "example"), EXAMPLES,
                         ids=[f"{c[4:]} {o} {e}" for c, o, e in EXAMPLES])
def test_each_help_example_is_accepted(command: str, option: str, example: str) -> None:
    assert READERS[option](example) is not None
