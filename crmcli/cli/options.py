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


def one_output(ctx: typer.Context, param: typer.CallbackParam, value: object) -> object:
    """`-q` and `--format` each choose what is printed: both typed is a contradiction, as for every
    other such pair. Options are processed in the order typed, so whichever comes second sees the other."""
    if param.name in ("fmt", "quiet") and {"fmt", "quiet"} <= {p.name for p in ctx.command.params}:
        other = "quiet" if param.name == "fmt" else "fmt"
        typed = getattr(ctx.get_parameter_source(param.name or ""), "name", "DEFAULT")
        if typed == "COMMANDLINE" and getattr(ctx.get_parameter_source(other), "name", None) == "COMMANDLINE":
            from crmcli.errors import UsageProblem

            raise UsageProblem("--format and --quiet cannot be used together")
    return value


FormatOpt = Annotated[Format, typer.Option("--format", "-f", metavar="FORMAT", help="Output: table for people; csv, tsv, json, "
                                           "ndjson for scripts (stable fields).", case_sensitive=False,
                                           callback=one_output)]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print ids only, one per line (for xargs).",
                                        callback=one_output)]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a TTY).")]
IfVersionOpt = Annotated[int | None, typer.Option(
    "--if-version", metavar="N", min=1,
    help="Save only if the record is still at version N (the `version` of `show -f json`); if someone changed "
         "it since, nothing is saved and the exit code is 5.")]
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", min=1, metavar="N", help="Show at most N rows.")]
# Owners (`me` is you: crm whoami). Adding names its owner or is yours; a listing keeps one owner's.
OwnerOpt = Annotated[str | None, typer.Option("--owner", metavar="NAME|me",
                                              help="Who owns it: a name or 'me'; a new one is yours unless given.")]
NoOwnerOpt = Annotated[bool, typer.Option("--no-owner", help="Nobody owns it any more.")]
OwnerFilterOpt = Annotated[str | None, typer.Option("--owner", metavar="NAME|me",
                                                    help="Only those NAME owns ('me': yours; '': nobody's).")]


def exclusive(ctx: typer.Context, *names: str) -> None:
    """Refuse options that contradict each other: `exclusive(ctx, "overdue", "today", "week")` raises
    UsageProblem ("--overdue and --today cannot be used together", exit 2) when the user gave two or more
    of these parameters (by their Python names) on the command line. What counts is whether an option was
    given, not its value, so an option with a default (`-n N`, `--scope`) conflicts only when typed.
    Call it first, before anything is read or written."""
    params = {p.name: p for p in ctx.command.params}
    if unknown := set(names) - params.keys():
        raise ValueError(f"{ctx.command_path} has no parameter {sorted(unknown)}")  # a slip in crm's own code
    typed = [name for name in names
             if getattr(ctx.get_parameter_source(name), "name", "DEFAULT") not in ("DEFAULT", "DEFAULT_MAP")]
    if len(typed) > 1:
        from crmcli.errors import UsageProblem

        shown = [_flag(params[name]) for name in typed]
        raise UsageProblem(f"{', '.join(shown[:-1])} and {shown[-1]} cannot be used together")


def needs(ctx: typer.Context, name: str, other: str) -> None:
    """Refuse an option that means nothing without another (`--kind` on `fu done` without `--log`)
    instead of ignoring it: "--kind needs --log" (exit 2). Python names, as for `exclusive`."""
    params = {p.name: p for p in ctx.command.params}
    given = [getattr(ctx.get_parameter_source(n), "name", "DEFAULT") not in ("DEFAULT", "DEFAULT_MAP")
             for n in (name, other)]
    if given[0] and not given[1]:
        from crmcli.errors import UsageProblem

        raise UsageProblem(f"{_flag(params[name])} needs {_flag(params[other])}")


def _flag(param: object) -> str:
    """An option's long name (`--limit` for `-n/--limit`), or an argument's metavar."""
    opts = list(getattr(param, "opts", [])) + list(getattr(param, "secondary_opts", []))
    return next((o for o in opts if o.startswith("--")), opts[0] if opts else str(getattr(param, "name", "?")))
