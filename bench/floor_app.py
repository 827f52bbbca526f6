"""The floor for the help benchmarks: the smallest Typer app shaped like `crm` (a root callback
with options and one sub-command group with two commands, help texts of similar length).

    python bench/floor_app.py --help
    python bench/floor_app.py contacts --help
"""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    name="floor",
    help="A terminal-first CRM: contacts, organisations and their history, in one local database.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
contacts = typer.Typer(help="People: add, list, show, edit, tag and remove contacts.", no_args_is_help=True)
app.add_typer(contacts, name="contacts", rich_help_panel="People")


@app.callback()
def root(
    db: Annotated[str | None, typer.Option("--db", metavar="PATH|URL",
                                           help="Database file or SQLAlchemy URL \\[env: CRMCLI_DB].")] = None,
    version: Annotated[bool, typer.Option("--version", "-V", help="Show the version and exit.")] = False,
) -> None:
    """Global options."""


@contacts.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Full name, e.g. \"Ann Lee\".")],
    email: Annotated[list[str] | None, typer.Option("--email", "-e", help="Email, optionally LABEL:ADDRESS.")] = None,
    org: Annotated[str | None, typer.Option("--org", "-o", help="Organisation: a name or id.")] = None,
) -> None:
    """Add a contact."""


@contacts.command("list")
def list_(
    tag: Annotated[str | None, typer.Option("--tag", "-t", help="Only contacts with this tag.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Show at most N rows.")] = None,
) -> None:
    """List contacts."""


if __name__ == "__main__":
    app(prog_name="floor")
