"""Segments: saved filters over contacts ("customers tagged vip in Berlin not contacted for 90 days").

A segment stores its conditions (`Definition`) as data, relative dates as typed ("90d"), and is
evaluated whenever it is used, so it is never stale. `condition` is the one SQL translation every
consumer uses (contacts list, export, remind, campaigns, the TUI): a boolean clause over the contact
table made of plain column tests and correlated EXISTS subqueries over indexed link tables.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from crmcli.core import refs, validate
from crmcli.core.models import (CONTACT_FIELD, CONTACT_TAG, DEAL_CONTACT, TAG, Contact, Deal, Organization, Segment,
                                contactable, utcnow)
from crmcli.core.money import Amount
from crmcli.core.rows import Rows
from crmcli.core.text import fold
from crmcli.errors import Conflict, Invalid


@dataclass(frozen=True)
class Definition:
    """A segment's conditions, all of which a contact meets (an empty definition: every contact).
    `owner` "" means contacts nobody owns; dates are texts read by core/dates.py when used."""

    tags: tuple[str, ...] = ()            # carries all of them
    any_tags: tuple[str, ...] = ()        # carries at least one of them
    org: int | None = None                # works for this organisation (its id)
    fields: tuple[tuple[str, str], ...] = ()  # custom fields, each equal (exactly) to its value
    owner: str | None = None
    last_contact_before: str | None = None  # last contacted before then (never contacted: no)
    last_contact_after: str | None = None   # last contacted on or after then
    never_contacted: bool = False
    cadence_overdue: bool = False         # past its keep-in-touch cadence (as `remind` counts it)
    deal_stage: str | None = None         # has an open deal in this stage
    won_value_above: Amount | None = None  # won deals' total in that currency above this (minor units)
    include_do_not_contact: bool = False

    def to_json(self) -> dict[str, Any]:
        """What the segment row stores: only the conditions that are set."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value in (None, (), False):
                continue
            if f.name == "fields":
                value = dict(value)
            elif f.name == "won_value_above":
                value = {"minor": int(value.minor), "currency": value.code}
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Definition":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:  # written by a newer crm, or by hand: refuse rather than match too much
            raise Invalid(f"a segment's definition has conditions this crm does not know: {', '.join(unknown)}")
        values = dict(data)
        for name in ("tags", "any_tags"):
            values[name] = tuple(values.get(name) or ())
        values["fields"] = tuple(sorted((values.get("fields") or {}).items()))
        won = values.get("won_value_above")
        values["won_value_above"] = None if won is None else Amount(int(won["minor"]), won["currency"])
        return cls(**values)


CONDITIONS = tuple(f.name for f in dataclasses.fields(Definition))


def of(segment: Segment) -> Definition:
    return Definition.from_json(segment.definition or {})


# -- the SQL -----------------------------------------------------------------------------------------

def _moment(text: str, now: datetime) -> datetime:
    from crmcli.core import dates

    return dates.parse_since(text, now=now)


def condition(definition: Definition, now: datetime, settings: Any = None) -> Any:
    """The SQL boolean over the contact table that keeps the contacts `definition` describes, its
    relative dates read at `now` (aware; days start at midnight in now's zone). `settings` is not
    needed today (kept in the signature for conditions that read configuration)."""
    c, d = Contact.__table__, Deal.__table__  # type: ignore[attr-defined]
    ct, t, f, dc = CONTACT_TAG, TAG, CONTACT_FIELD, DEAL_CONTACT
    parts: list[Any] = []
    for name in definition.tags:
        parts.append(sa.exists().where(ct.c.contact_id == c.c.id, ct.c.tag_id == t.c.id, t.c.name == name))
    if definition.any_tags:
        parts.append(sa.exists().where(ct.c.contact_id == c.c.id, ct.c.tag_id == t.c.id,
                                       t.c.name.in_(definition.any_tags)))
    if definition.org is not None:
        parts.append(c.c.org_id == definition.org)
    for key, value in definition.fields:
        parts.append(sa.exists().where(f.c.contact_id == c.c.id, f.c.key == key, f.c.value == value))
    if definition.owner is not None:
        from crmcli.core.identity import owned_by

        parts.extend(owned_by(c.c.owner, definition.owner))
    if definition.last_contact_before is not None:
        parts.append(c.c.last_contact_at < _moment(definition.last_contact_before, now))
    if definition.last_contact_after is not None:
        parts.append(c.c.last_contact_at >= _moment(definition.last_contact_after, now))
    if definition.never_contacted:
        parts.append(c.c.last_contact_at.is_(None))
    if definition.cadence_overdue:
        from crmcli.core import cadence

        over = cadence.days_over(c.c.last_contact_at, c.c.created_at, c.c.cadence_days, now)
        parts.extend((c.c.cadence_days.is_not(None), over > 0))
    # The deal rules are read from the deals' side, once (an IN list): a correlated subquery per
    # contact led SQLite to walk every won deal for each contact (11 s instead of 1.6 s at 100k).
    if definition.deal_stage is not None:
        parts.append(c.c.id.in_(sa.select(dc.c.contact_id).join(d, d.c.id == dc.c.deal_id)
                                .where(d.c.status == "open", d.c.stage == definition.deal_stage)))
    if definition.won_value_above is not None:
        won = definition.won_value_above
        parts.append(c.c.id.in_(sa.select(dc.c.contact_id).join(d, d.c.id == dc.c.deal_id)
                                .where(d.c.status == "won", d.c.currency == won.code)
                                .group_by(dc.c.contact_id).having(sa.func.sum(d.c.value_minor) > int(won.minor))))
    if not definition.include_do_not_contact:
        parts.append(contactable())
    return sa.and_(sa.true(), *parts)


def contact_ids(conn: Connection | None, segment: Segment | Definition, now: datetime, settings: Any = None) -> Any:
    """A select of the ids of the segment's contacts now: use it as a subquery (`id IN (...)`)."""
    definition = segment if isinstance(segment, Definition) else of(segment)
    c = Contact.__table__  # type: ignore[attr-defined]
    return sa.select(c.c.id).where(condition(definition, now, settings))


def members(session: Session, ref: str, now: datetime, settings: Any = None) -> Any:
    """The SQL condition over contact of the segment `ref` names (id or name), read at `now`: what
    a listing, an export or the agenda narrows to."""
    return condition(of(get(session, ref)), now, settings)


def count(conn: Connection, segment: Segment | Definition, now: datetime) -> int:
    ids = contact_ids(conn, segment, now).subquery()
    return int(conn.execute(sa.select(sa.func.count()).select_from(ids)).scalar_one())


# -- in words ----------------------------------------------------------------------------------------

def describe(definition: Definition, *, org_name: str | None = None) -> str:
    """One line for people: "tagged vip and berlin; last contact before 90d; not do-not-contact"."""
    words: list[str] = []
    if definition.tags:
        words.append("tagged " + " and ".join(definition.tags))
    if definition.any_tags:
        words.append("tagged " + " or ".join(definition.any_tags))
    if definition.org is not None:
        words.append(f"at {org_name}" if org_name else f"at organisation #{definition.org}")
    words.extend(f"field {key} = {value}" for key, value in definition.fields)
    if definition.owner is not None:
        words.append(f"owned by {definition.owner}" if definition.owner else "owned by nobody")
    if definition.last_contact_before is not None:
        words.append(f"last contact before {definition.last_contact_before}")
    if definition.last_contact_after is not None:
        words.append(f"last contact since {definition.last_contact_after}")
    if definition.never_contacted:
        words.append("never contacted")
    if definition.cadence_overdue:
        words.append("past their cadence")
    if definition.deal_stage is not None:
        words.append(f"with an open deal in {definition.deal_stage}")
    if definition.won_value_above is not None:
        words.append(f"won deals above {definition.won_value_above.display()}")
    words.append("do-not-contact included" if definition.include_do_not_contact else "do-not-contact left out")
    return "; ".join(words if len(words) > 1 else ["every contact", *words])


def summary(conn: Connection, definition: Definition) -> str:
    """describe(), its organisation named as it is called now."""
    o = Organization.__table__  # type: ignore[attr-defined]
    name = None if definition.org is None else conn.execute(sa.select(o.c.name).where(o.c.id == definition.org)).scalar()
    return describe(definition, org_name=name)


# -- reading what a user typed -----------------------------------------------------------------------

class Parsed(NamedTuple):
    definition: Definition
    warnings: tuple[str, ...]  # e.g. a tag no contact carries yet


@dataclass
class Typed:
    """Conditions as typed (the CLI's options, a TUI form). None / empty: not given (`edit` keeps
    the segment's); `clear` names conditions to drop (CONDITIONS' names)."""

    tags: tuple[str, ...] = ()
    any_tags: tuple[str, ...] = ()
    org: str | None = None
    fields: tuple[str, ...] = ()          # "key=value"
    owner: str | None = None              # already resolved ("me" -> a name; "" nobody)
    last_contact_before: str | None = None
    last_contact_after: str | None = None
    never_contacted: bool | None = None
    cadence_overdue: bool | None = None
    deal_stage: str | None = None
    won_above: str | None = None          # "2000 EUR", "2000" (default currency)
    include_do_not_contact: bool | None = None
    clear: tuple[str, ...] = ()


def parse_definition(session: Session, typed: Typed, *, now: datetime, settings: Any,
                     base: Definition | None = None) -> Parsed:
    """Check what was typed and make it a Definition (on top of `base` for an edit). An unknown
    organisation or stage, an unreadable date or amount are errors; a tag nobody carries yet is a
    warning (the segment will match once someone does)."""
    current = base or Definition()
    changes: dict[str, Any] = {}
    for name in typed.clear:
        key = name.strip().replace("-", "_")
        if key == "won_above":
            key = "won_value_above"
        if key not in CONDITIONS:
            shown = ("won-above" if n == "won_value_above" else n.replace("_", "-") for n in CONDITIONS)
            raise Invalid(f"no condition {name!r} to clear; the conditions are: {', '.join(shown)}")
        changes[key] = getattr(Definition(), key)
    warnings: list[str] = []
    if typed.tags:
        changes["tags"] = _tags(session, typed.tags, warnings)
    if typed.any_tags:
        changes["any_tags"] = _tags(session, typed.any_tags, warnings)
    if typed.org is not None:
        from crmcli.core import orgs

        changes["org"] = orgs.resolve(session, typed.org).id
    if typed.fields:
        pairs = dict(validate.field(raw) for raw in typed.fields)
        changes["fields"] = tuple(sorted(pairs.items()))
    if typed.owner is not None:
        changes["owner"] = typed.owner
    for name in ("last_contact_before", "last_contact_after"):
        text = getattr(typed, name)
        if text is not None:
            text = " ".join(text.split())
            try:
                _moment(text, now)  # readable now, read again whenever the segment is used
            except Invalid as err:
                raise Invalid(f"{name.replace('_', ' ')}: {err}") from None
            changes[name] = text
    for name in ("never_contacted", "cadence_overdue", "include_do_not_contact"):
        if getattr(typed, name) is not None:
            changes[name] = bool(getattr(typed, name))
    if typed.deal_stage is not None:
        stage = settings.stages.get(typed.deal_stage)
        if stage.outcome != "open":
            raise Invalid(f"stage {stage.name!r} ends a deal ({stage.outcome}); a segment selects open deals "
                          f"by stage ({', '.join(s.name for s in settings.stages.open)}), won ones by their value")
        changes["deal_stage"] = stage.name
    if typed.won_above is not None:
        changes["won_value_above"] = typed_amount(typed.won_above, settings)
    definition = dataclasses.replace(current, **changes)
    if definition.last_contact_after is not None and definition.never_contacted:
        raise Invalid("a contact never contacted has no last contact to be recent: drop one of the two conditions")
    if definition.last_contact_before is not None and definition.never_contacted:
        raise Invalid("a contact never contacted has no last contact before a day: drop one of the two conditions")
    return Parsed(definition, tuple(warnings))


def _tags(session: Session, raw: Iterable[str], warnings: list[str]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(validate.tag(t) for t in raw))
    known = set(session.scalars(sa.select(TAG.c.name).where(TAG.c.name.in_(names))))
    warnings.extend(f"no contact is tagged {name!r} yet" for name in names if name not in known)
    return names


def typed_amount(text: str, settings: Any) -> Amount:
    """"2000 EUR", "EUR 2000" or "2000" (the default currency) -> an Amount (deals.amount's rules)."""
    from crmcli.core import deals

    return Amount(*deals.amount(text, None, settings))


# -- the records -------------------------------------------------------------------------------------

def label(segment: Segment) -> str:
    return f"#{segment.id} {segment.name}"


def get(session: Session, ref: str) -> Segment:
    """A segment by id or name (exact, case- and accent-free, or a unique part of it)."""
    return refs.resolve(session, Segment, ref, "segment", label)


def _check_name(session: Session, name: str, segment_id: int | None = None) -> tuple[str, str]:
    name = validate.name(name, "segment name")
    key = fold(name)
    stmt = select(Segment).where(Segment.name_key == key)
    if segment_id is not None:
        stmt = stmt.where(Segment.id != segment_id)
    clash = session.exec(stmt).first()
    if clash is not None:
        raise Conflict(f"segment {label(clash)} already has that name")
    return name, key


def add(session: Session, name: str, definition: Definition, *, owner: str | None = None,
        description: str | None = None) -> Segment:
    name, key = _check_name(session, name)
    segment = Segment(name=name, name_key=key, definition=definition.to_json(),
                      description=validate.one_line(description), owner=owner or None)
    session.add(segment)
    session.flush()
    return segment


def edit(session: Session, segment: Segment, *, name: str | None = None, definition: Definition | None = None,
         description: str | None = None) -> Segment:
    """Rename, redefine or redescribe a segment (description "" clears it)."""
    if name is not None:
        segment.name, segment.name_key = _check_name(session, name, segment.id)
    if definition is not None:
        segment.definition = definition.to_json()
    if description is not None:
        segment.description = validate.one_line(description)
    segment.updated_at = utcnow()
    session.add(segment)
    session.flush()
    return segment


def remove(session: Session, segment: Segment) -> None:
    session.delete(segment)
    session.flush()


SEGMENT_COLUMNS = ("id", "uid", "name", "description", "conditions", "definition", "contacts", "owner",
                   "created", "updated")


def rows(conn: Connection, *, now: datetime, ids: list[int] | None = None, counts: bool = True) -> Rows:
    """Segments by name, each with its conditions in words and (`counts`) how many contacts it
    holds now."""
    import json

    from crmcli.storage.sql import iso_utc

    s, o = Segment.__table__, Organization.__table__  # type: ignore[attr-defined]
    stmt = sa.select(s.c.id, s.c.uid, s.c.name, s.c.description, s.c.definition, s.c.owner,
                     iso_utc(s.c.created_at), iso_utc(s.c.updated_at)).order_by(s.c.name_key, s.c.id)
    if ids is not None:
        stmt = stmt.where(s.c.id.in_(ids))
    found = conn.execute(stmt).all()
    org_ids = {d.get("org") for *_, d in ((r[4] or {},) for r in found)} - {None}
    org_names = dict(conn.execute(sa.select(o.c.id, o.c.name).where(o.c.id.in_(org_ids))).all()) if org_ids else {}

    def shaped() -> Iterable[tuple[Any, ...]]:
        for sid, uid, name, description, data, owner, created, updated in found:
            definition = Definition.from_json(data or {})
            number = count(conn, definition, now) if counts else None
            yield (sid, uid, name, description, describe(definition, org_name=org_names.get(definition.org)),
                   json.dumps(data or {}, ensure_ascii=False, sort_keys=True), number, owner, created, updated)

    return Rows(SEGMENT_COLUMNS, shaped(), json_columns=frozenset({"definition"}),
                time_columns=frozenset({"created", "updated"}),
                table_columns=("id", "name", "contacts", "conditions", "description"))
