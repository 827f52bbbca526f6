"""Asking before destructive changes: on a TTY ask; otherwise require --yes and never prompt."""

from __future__ import annotations

import sys

import typer

from crmcli.errors import UsageProblem


def confirm_or_refuse(question: str, *, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageProblem(f"{question.rstrip('?')}: refused without --yes (no terminal to confirm on)")
    if not typer.confirm(question, default=False, err=True):
        raise typer.Abort()


def describe_counts(counts: dict[str, int]) -> str:
    """{'emails': 2, 'phones': 1} -> '2 emails, 1 phone'."""
    parts = []
    for what, n in counts.items():
        parts.append(f"{n} {what[:-1] if n == 1 and what.endswith('s') else what}")
    return ", ".join(parts)
