"""Asking before destructive changes: on a TTY ask; otherwise require --yes and never prompt."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Callable, TypeVar

import typer

from crmcli.errors import UsageProblem

if TYPE_CHECKING:
    from sqlmodel import Session

    from crmcli.storage.database import Database

K = TypeVar("K")
T = TypeVar("T")


def confirm_or_refuse(question: str, *, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageProblem(f"{question.rstrip('?')}: refused without --yes (no terminal to confirm on)")
    if not typer.confirm(question, default=False, err=True):
        raise typer.Abort()


def confirmed(db: "Database", describe: Callable[["Session"], tuple[K, str]], act: Callable[["Session", K], T],
              *, verb: str, yes: bool) -> tuple[str, T]:
    """The shape of every destructive command: look the records up and say what the change does (a
    read transaction), ask "VERB WHAT?" or require --yes (no lock held while a person thinks), then
    act on what was looked up (`describe`'s key, e.g. an id) in one write. Returns what was said
    and what `act` returned."""
    with db.session() as session:
        key, what = describe(session)
    confirm_or_refuse(f"{verb} {what}?", yes=yes)
    with db.session(write=True) as session:
        return what, act(session, key)


def delete_confirmed(db: "Database", describe: Callable[["Session"], tuple[int, str]],
                     delete: Callable[["Session", int], None], *, yes: bool) -> None:
    """Every `rm`: `describe` says what goes with the record, `delete` removes it by id."""
    from crmcli.cli.output import note

    what, _ = confirmed(db, describe, delete, verb="Delete", yes=yes)
    note(f"deleted {what}")
