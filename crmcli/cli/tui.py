"""`crm tui`: the dashboard. The only command that imports textual."""

from __future__ import annotations

import typer

from crmcli.cli import state

app = typer.Typer(add_completion=False)


@app.command("tui")
def tui() -> None:
    """Browse contacts, their whole history, what is due and the pipeline (keyboard-first; ? lists the keys)."""
    from crmcli.context import AppContext

    # Settings and the database are opened first: an unusable database is the CLI's one line on
    # stderr before any screen is drawn, never a traceback on a half-drawn one.
    context = AppContext(state.settings(), state.database())
    from crmcli.tui.app import create_app

    create_app(context).run()
