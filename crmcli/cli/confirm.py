"""Asking before destructive changes: on a TTY ask; otherwise require --yes and never prompt."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Callable

import typer

from crmcli.errors import UsageProblem

if TYPE_CHECKING:
    from sqlmodel import Session

    from crmcli.storage.database import Database


def confirm_or_refuse(question: str, *, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageProblem(f"{question.rstrip('?')}: refused without --yes (no terminal to confirm on)")
    if not typer.confirm(question, default=False, err=True):
        raise typer.Abort()


def delete_confirmed(db: "Database", describe: Callable[["Session"], tuple[int, str]],
                     delete: Callable[["Session", int], None], *, yes: bool) -> None:
    """The shape of every `rm`: look the record up and say what goes with it (a read transaction),
    ask or require --yes (no lock held while a person thinks), then delete it by id in one write."""
    from crmcli.cli.output import note

    with db.session() as session:
        record_id, what = describe(session)
    confirm_or_refuse(f"Delete {what}?", yes=yes)
    with db.session(write=True) as session:
        delete(session, record_id)
    note(f"deleted {what}")
