"""Options shared by many commands, declared once (the sqlite-utils habit)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer


class Format(str, Enum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    ndjson = "ndjson"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT", help="Output: table for people; csv, tsv, json, "
                                           "ndjson for scripts (stable fields).", case_sensitive=False)]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print ids only, one per line (for xargs).")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a TTY).")]
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", min=1, metavar="N", help="Show at most N rows.")]
