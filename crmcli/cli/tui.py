"""`crm tui`: the dashboard. The only command that imports textual."""

from __future__ import annotations

import typer

from crmcli.cli import state

app = typer.Typer(add_completion=False)


@app.command("tui")
def tui(ctx: typer.Context) -> None:
    """Browse contacts, their whole history, what is due and the pipeline (keyboard-first; ? lists the keys)."""
    # The database is opened first: an unusable one is the CLI's one line on stderr before any
    # screen is drawn, never a traceback on a half-drawn one.
    context = state.context(ctx)
    context.open_database()
    from crmcli.tui import launch

    launch.run(context)
