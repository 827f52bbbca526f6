"""`crm privacy export|forget`: everything stored about one person in one JSON document (a
subject-access request answered), or the person erased everywhere (crmcli.core.privacy)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from crmcli.cli import state
from crmcli.cli.options import YesOpt

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="A person's data: all of it in one JSON document (export), or erased everywhere (forget).")

# A section's records, counted in the message: (one, several).
_NOUNS = {"interactions": ("interaction", "interactions"), "follow_ups": ("follow-up", "follow-ups"),
          "deals": ("deal", "deals"), "cases": ("case", "cases"), "history": ("history entry", "history entries")}

Ref = Annotated[str, typer.Argument(metavar="CONTACT", help="Id, email, or a unique part of the name.")]


@app.command("export")
def export(
    ctx: typer.Context,
    ref: Ref,
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                                               help="Write to FILE (mode 0600), replaced whole (default or '-': "
                                                    "stdout).")] = None,
) -> None:
    """Everything stored about a person — card, interactions (shared ones too), follow-ups, deals,
    service cases, campaigns, audit history — as one JSON document (see the README: Privacy)."""
    from crmcli.cli.output import note
    from crmcli.core import contacts, privacy
    from crmcli.core.text import counted

    context = state.context(ctx)
    with context.database.session() as session:
        contact = contacts.resolve(session, ref)
        document = privacy.export(session, contact, now=context.now())
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    from crmcli.io.files import writing

    with writing(Path(output).expanduser(), text=True, private=True) as out:
        out.write(text)
    counts = ", ".join(counted(len(document[s]), *_NOUNS.get(s, (s, s))) for s in privacy.SECTIONS if s != "contact")
    note(f"wrote everything stored about contact #{contact.id} {contact.name} to {output} ({counts})")


@app.command("forget")
def forget(ctx: typer.Context, ref: Ref, yes: YesOpt = False) -> None:
    """Erase a person everywhere: their contact, emails, phones, fields, follow-ups, service cases, campaign
    memberships and responses, the interactions only they took part in, their name in shared ones and in deals
    (amounts kept), the search index and the audit history. Asks first; cannot be undone."""
    from crmcli.cli.confirm import confirm_or_refuse
    from crmcli.cli.output import note
    from crmcli.core import contacts, privacy
    from crmcli.core.text import counted

    db = state.context(ctx).database
    with db.session() as session:
        planned = privacy.plan(session, contacts.resolve(session, ref), db)
    confirm_or_refuse(f"Erase {planned.describe()}? This cannot be undone", yes=yes)
    done = privacy.forget(db, planned.contact_id)
    deleted = "".join(f", {counted(n, what[:-1], what)}" for what, n in done.deleted.items() if what != "contacts")
    note(f"erased contact #{planned.contact_id}{deleted}; their name, emails and phones taken out of "
         f"{counted(sum(done.rewritten.values()), 'other record')}, "
         f"{counted(done.history_rewritten, 'history entry', 'history entries')} and "
         f"{counted(done.commands_rewritten, 'command line')}; "
         f"{counted(done.history_deleted, 'history entry', 'history entries')} about them deleted; "
         f"recorded as command #{done.command_id}, which cannot be undone")
    for backup in done.backups_deleted:
        note(f"deleted the migration backup {backup}, an older copy of the database with them in it")
    where = ("backups of the server (pg_dump), and copies made from it" if not db.is_sqlite else
             "backups made with `crm db backup`, databases made with `crm db copy`")
    note(f"crm does not keep track of other copies, which still hold them: {where}, and files written by "
         "`crm export` or `crm privacy export`; erase or delete those yourself")
