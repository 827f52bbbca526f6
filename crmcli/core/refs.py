"""Resolving what a user types into one record: an id, an email (contacts), or a name fragment.

One resolver serves contacts and organisations, in this order: id; exact folded name; the only
name containing the fragment as whole words; the only name containing it at all. Several matches
are an error that lists them; nothing is guessed.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy import select
from sqlmodel import Session

from crmcli.core.text import fold, like_pattern
from crmcli.errors import Ambiguous, Candidate, Invalid, NotFound

T = TypeVar("T")
MAX_CANDIDATES = 8
MAX_ID = 2**31 - 1  # ids are INTEGER columns (4 bytes on PostgreSQL): a larger number is no record's


def id_number(ref: str) -> int | None:
    """The id `12` or `#12` names (ASCII digits only: `²` is a character, not a number), None when
    `ref` is no id; a number past MAX_ID, which no record has, is MAX_ID + 1."""
    digits = ref[1:] if ref.startswith("#") else ref
    if not (digits.isascii() and digits.isdigit()):
        return None
    return int(digits) if len(digits) <= 10 and int(digits) <= MAX_ID else MAX_ID + 1


def _get(session: Session, model: type[T], number: int) -> T | None:
    return session.get(model, number) if number <= MAX_ID else None


def resolve(session: Session, model: type[T], ref: str, what: str, label: Callable[[T], str]) -> T:
    ref = ref.strip()
    if not ref:
        raise Invalid(f"empty {what} reference; give an id or a name")
    number = id_number(ref)
    if number is not None:
        found = _get(session, model, number)
        if found is None:
            raise NotFound(f"no {what} with id {ref.lstrip('#')}", hint=f"list-{what}")
        return found
    key = fold(ref)
    name_key = model.name_key  # type: ignore[attr-defined]
    exact = session.scalars(select(model).where(name_key == key).limit(MAX_CANDIDATES + 1)).all()
    if len(exact) == 1:
        return exact[0]
    matches = exact or _matching(session, model, (" " + name_key + " ").like(like_pattern(f" {key} "), escape="\\"))
    if not matches:
        # No whole-word match ("ann" is a whole word of "Ann Lee", not of "Anna Berg"): any part.
        matches = _matching(session, model, name_key.like(like_pattern(key), escape="\\"))
    if not matches:
        raise NotFound(f"no {what} matches {ref!r}", hint=f"list-{what}")
    if len(matches) == 1:
        return matches[0]
    shown = [Candidate(m.id, label(m)) for m in matches[:MAX_CANDIDATES]]  # type: ignore[attr-defined]
    more = " and more" if len(matches) > MAX_CANDIDATES else ""
    raise Ambiguous(f"{ref!r} matches several {what}s: {', '.join(c.label for c in shown)}{more}; use the id",
                    shown)


def by_id(session: Session, model: type[T], ref: str | int, what: str) -> T:
    """A record referred to by its number only (`12` or `#12`): interactions, follow-ups..."""
    text = str(ref).strip().lstrip("#")
    number = id_number(text)
    if number is None:
        raise Invalid(f"{what} is referred to by its id (a number), not {str(ref)!r}")
    found = _get(session, model, number)
    if found is None:
        noun = what.split(' ', 1)[1]
        raise NotFound(f"no {noun} with id {text}", hint=f"list-{noun}")
    return found


def _matching(session: Session, model: type[T], condition: object) -> list[T]:
    return list(session.scalars(select(model).where(condition)  # type: ignore[arg-type]
                                .order_by(model.name_key, model.id)  # type: ignore[attr-defined]
                                .limit(MAX_CANDIDATES + 1)).all())

