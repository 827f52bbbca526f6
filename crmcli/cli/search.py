"""`crm search`: full text over contacts, organisations, deals, follow-ups, service cases and interactions."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from crmcli.cli import state
from crmcli.cli.options import Format, FormatOpt, QuietOpt

app = typer.Typer(add_completion=False)


class HitType(str, Enum):  # core.search.HIT_TYPES (not imported here: the core is heavy for --help)
    contact = "contact"
    organisation = "organisation"
    deal = "deal"
    follow_up = "follow-up"
    case = "case"
    interaction = "interaction"


@app.command("search")
def search(
    ctx: typer.Context,
    words: Annotated[list[str], typer.Argument(metavar="WORDS...", help="All must match; quot* matches by prefix; "
                                                                      "\"two words\" is a phrase.")],
    hit_type: Annotated[HitType | None, typer.Option(
        "--type", metavar="TYPE",
        help="Only contact, organisation, deal, follow-up, case or interaction hits.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N", help="At most N hits (default 20).")] = 20,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """Search contacts, organisations, deals, follow-ups, service cases and interactions; accents and
    case do not matter, and any part of a word in Chinese, Japanese, Korean or Thai is found."""
    from crmcli.cli.output import emit
    from crmcli.core import search as core

    with state.context(ctx).database.connect() as conn:
        rows = core.search(conn, " ".join(words), limit=limit, only=hit_type.value if hit_type else None)
        emit(rows, fmt, quiet=quiet, empty=f"nothing matches {' '.join(words)!r}")
