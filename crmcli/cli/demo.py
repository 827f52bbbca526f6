"""`crm demo`: fill an empty database with a realistic sample to look around."""

from __future__ import annotations

import typer

from crmcli.cli import state
from crmcli.cli.output import note

app = typer.Typer(add_completion=False)


@app.command("demo")
def demo() -> None:
    """Fill an EMPTY database with a deterministic sample (300 contacts, 40 organisations, their history and follow-ups)."""
    from datetime import UTC, datetime

    from crmcli.core import sample
    from crmcli.errors import Conflict

    db = state.database()
    with db.connect(write=True) as conn:
        if not sample.is_empty(conn):
            raise Conflict(f"{db.describe()} already holds data; demo only fills an empty database "
                           "(use --db /tmp/demo.db to try it elsewhere)")
        counts = sample.generate(conn, sample.DEMO, now=datetime.now(UTC))
    note("demo data added to " + db.describe() + ": " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    note("try: crm contacts list --limit 20    crm timeline 1    crm fu list    crm remind    crm search invoice")
