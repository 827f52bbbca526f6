"""The names of the contacts linked to a row (an interaction's people, a deal's contacts), as one
cell: a correlated subquery, ordered by name, joined by the list separator (JSON shows a list)."""

from __future__ import annotations

from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.models import Contact
from crmcli.core.rows import LIST_SEPARATOR


def contact_names(link: sa.Table, parent_key: str, parent: Any) -> Any:
    """Names through `link` (a table with `contact_id` and `parent_key`) of the row of `parent`."""
    return _linked("name", link, parent_key, parent)


def contact_uids(link: sa.Table, parent_key: str, parent: Any) -> Any:
    """The same contacts' uids, in the same order as their names (exports pair the two cells, and an
    import matches people by uid: names repeat, uids never do)."""
    return _linked("uid", link, parent_key, parent)


def _linked(column: str, link: sa.Table, parent_key: str, parent: Any) -> Any:
    c = Contact.__table__
    values = sa.select(c.c[column].label("v")).join(link, link.c.contact_id == c.c.id) \
        .where(link.c[parent_key] == parent.c.id).order_by(c.c.name_key, c.c.id).correlate(parent).subquery()
    return sa.select(sa.func.aggregate_strings(values.c.v, LIST_SEPARATOR)).scalar_subquery()


def first_contacts(conn: Connection, link: sa.Table, parent_key: str, ids: Sequence[int]) -> dict[int, int]:
    """The first contact (in name order, as the names above) of each of these rows: whose the
    selected interaction or deal is when a front end acts on "its contact". One query."""
    c = Contact.__table__
    found: dict[int, int] = {}
    if ids:
        for parent, contact_id in conn.execute(
                sa.select(link.c[parent_key], c.c.id).join(c, c.c.id == link.c.contact_id)
                .where(link.c[parent_key].in_(list(ids))).order_by(c.c.name_key, c.c.id)):
            found.setdefault(parent, contact_id)
    return found
