"""The application context of one `crm` invocation, kept in the click context's `obj`: the root
callback makes it (lazy: nothing is read or opened until a command asks), every command reaches it
through its own `ctx` (sub-contexts inherit `obj`), and it is closed when the invocation ends."""

from __future__ import annotations

import typer

from crmcli.context import AppContext


# The arguments of this invocation (after `crm`), kept by the root command for the audit history.
invocation: list[str] = []


def begin(ctx: typer.Context, db_flag: str | None) -> AppContext:
    """A fresh context for `ctx` and the commands below it, closed with `ctx`."""
    from crmcli.storage.audit import command_line

    context = AppContext(db_flag, command_line=command_line(invocation))
    context.on_wait = _waiting
    ctx.obj = context
    ctx.call_on_close(context.close)
    return context


def _waiting(database: str) -> None:
    """A write waiting for another one (an import, say) to finish: said on a terminal, so that the
    wait is not taken for a hang; a script's or cron's output stays as it was."""
    import sys

    if sys.stderr.isatty():
        from crmcli.cli.output import note
        from crmcli.storage.database import BUSY_TIMEOUT_MS

        note(f"waiting for another process to finish writing to {database} (up to {BUSY_TIMEOUT_MS // 1000} s)...")


def context(ctx: typer.Context) -> AppContext:
    found = ctx.obj
    assert isinstance(found, AppContext), "commands run below the root `crm` callback, which makes it"
    return found
