"""Everything of one kind of record as flat rows, for `crm export`: the listings' own queries with
the references an import needs (contacts' labels, linked records' uids), streamed from one
statement. The caller holds the connection (one read transaction) and writes rows as they come.

Columns (the README's "Export" section documents each one):
- contacts: the columns of the contact listing; emails and phones as `label:value` where labelled.
  As a mailing list (`Scope.mailing`): the contacts that may be written to, in the listing's mailing
  shape (contacts.MAILING_COLUMNS).
- orgs: the organisation listing's columns.
- interactions: the interaction listing's, then `contact_uids` (in the order of `contacts`).
- follow-ups: the follow-up listing's (status as of `as_of`), then `contact_uid`, `deal_uid`, `series_uid`.
- deals: the deal listing's (every status), then `org_uid`, `contact_uids` (in the order of `contacts`).
`cards` gives the contacts as vCards instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterator

from sqlalchemy.engine import Connection

from crmcli.core.rows import Rows
from crmcli.core.stages import Stages

if TYPE_CHECKING:
    from crmcli.io.vcard import Card


@dataclass(frozen=True)
class Scope:
    """What some exports are judged by: the deal stages (probabilities, order) and the moment a
    follow-up's status (overdue, today, upcoming) is read at, local to the user; and what narrows
    them: `mailing`, the contacts as a mailing list (no one marked "do not contact", no one without
    an email); `segment`, only the contacts a segment holds (segments.condition)."""

    stages: Stages
    as_of: datetime
    mailing: bool = False
    segment: Any = None


def _contacts(conn: Connection, scope: Scope) -> Rows:
    from crmcli.core import contacts

    if scope.mailing:
        return contacts.rows(conn, mailing=True, segment=scope.segment)
    return contacts.rows(conn, labelled=True, segment=scope.segment)


def _orgs(conn: Connection, scope: Scope) -> Rows:
    from crmcli.core import orgs

    return orgs.rows(conn)


def _interactions(conn: Connection, scope: Scope) -> Rows:
    from crmcli.core import interactions

    return interactions.rows(conn, uids=True)


def _follow_ups(conn: Connection, scope: Scope) -> Rows:
    from crmcli.core import followups

    return followups.rows(conn, followups.Window.around(scope.as_of), scope="all", uids=True)


def _deals(conn: Connection, scope: Scope) -> Rows:
    from crmcli.core import deals

    return deals.rows(conn, scope.stages, deals.DealFilter(status=None), uids=True)


EXPORTS: dict[str, Callable[[Connection, Scope], Rows]] = {
    "contacts": _contacts, "orgs": _orgs, "interactions": _interactions, "follow-ups": _follow_ups,
    "deals": _deals,
}


def rows(conn: Connection, entity: str, scope: Scope) -> Rows:
    """Every record of `entity` (a key of EXPORTS), streamed."""
    return EXPORTS[entity](conn, scope)


def cards(conn: Connection) -> Iterator[Card]:
    """Every contact as a vCard (crmcli.io.vcard.Card), streamed from the contact export's rows: the
    `notes` custom field is its NOTE, the other custom fields ride along as X-CRMCLI-FIELD."""
    import json

    from crmcli.core import contacts
    from crmcli.core.validate import split_label
    from crmcli.io.formats import LIST_SEPARATOR
    from crmcli.io.vcard import Card

    def listed(text: str | None) -> list[str]:
        return [part for part in (text or "").split(LIST_SEPARATOR) if part]

    for row in contacts.rows(conn, labelled=True).records():
        fields = {str(k): str(v) for k, v in json.loads(row.fields).items()} if row.fields else {}
        yield Card(uid=row.uid, name=row.name, title=row.title, org=row.org,
                   emails=[split_label(e) for e in listed(row.emails)],
                   phones=[split_label(p) for p in listed(row.phones)],
                   tags=listed(row.tags), note=fields.pop("notes", None), fields=fields, rev=row.updated)
