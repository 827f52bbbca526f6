"""`crm whoami`: who crm records as you (owners, `--owner me`), why, and on which database."""

from __future__ import annotations

import typer

from crmcli.cli import state
from crmcli.cli.options import Format, FormatOpt

app = typer.Typer(add_completion=False)


@app.command("whoami")
def whoami(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Who you are to crm: on a local file the `me` setting (else your login name); on PostgreSQL the
    server's session user, whatever the settings say."""
    from crmcli.cli.output import emit

    identity = state.context(ctx).identity
    if fmt is Format.table:
        print(f"{identity.name} ({identity.source}) on {identity.database}")
        return
    emit(identity.rows(), fmt)
