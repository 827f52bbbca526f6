"""The names of the contacts linked to a row (an interaction's people, a deal's contacts), as one
cell: a correlated subquery, ordered by name, joined by the list separator (JSON shows a list)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from crmcli.core.models import Contact
from crmcli.core.rows import LIST_SEPARATOR


def contact_names(link: sa.Table, parent_key: str, parent: Any) -> Any:
    """Names through `link` (a table with `contact_id` and `parent_key`) of the row of `parent`."""
    c = Contact.__table__
    names = sa.select(c.c.name.label("v")).join(link, link.c.contact_id == c.c.id) \
        .where(link.c[parent_key] == parent.c.id).order_by(c.c.name_key).correlate(parent).subquery()
    return sa.select(sa.func.aggregate_strings(names.c.v, LIST_SEPARATOR)).scalar_subquery()
