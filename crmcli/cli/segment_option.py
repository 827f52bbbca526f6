"""`--segment NAME`: the option that narrows a listing, an export or the agenda to a saved segment's
contacts (crm segments). Apart from cli/segments.py so those commands do not build the group."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from sqlmodel import Session

    from crmcli.context import AppContext

SegmentOpt = Annotated[str | None, typer.Option("--segment", metavar="SEGMENT",
                                                help="Only the contacts of this saved segment (crm segments list).")]


def members(session: "Session", ref: str | None, context: "AppContext", now: Any = None) -> Any:
    """The `--segment` of a listing, export or agenda as the SQL condition the core narrows to
    (None when not given)."""
    if ref is None:
        return None
    from crmcli.core import segments

    return segments.members(session, ref, now or context.local_now(), context.deal_settings)
