"""`crm export ...`: data out in formats other programs read. `contacts`, `orgs`, `interactions`,
`follow-ups`, `deals`: every record, every field (crmcli.core.exports); `ics`: open follow-ups for a
calendar app; `vcard`: contacts for an address book; `all`: the whole database (crmcli.core.db_document)."""

from __future__ import annotations

import dataclasses
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Iterable

import typer

from crmcli.cli import state
from crmcli.cli.output import note
from crmcli.cli.segment_option import SegmentOpt, members

app = typer.Typer(add_completion=False, help="Export data: contacts, orgs, interactions, follow-ups, deals "
                  "(csv, tsv, json, ndjson); ics (follow-ups as iCalendar); vcard (contacts as vCards); all (the "
                  "whole database as one JSON document).", no_args_is_help=True)

OutputOpt = Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                                               help="Write to FILE, replaced whole (default or '-': stdout).")]


class MachineFormat(str, Enum):
    csv = "csv"
    tsv = "tsv"
    json = "json"
    ndjson = "ndjson"


FormatOpt = Annotated[MachineFormat, typer.Option("--format", "-f", metavar="FORMAT", case_sensitive=False,
                                                  help="csv (default), tsv, json or ndjson.")]
RawOpt = Annotated[bool, typer.Option("--raw", help="CSV and TSV: every cell exactly as stored, without the ' "
                                                    "put before a cell a spreadsheet would run as a formula "
                                                    "(=, +, -, @...): for scripts, not spreadsheets.")]

# The entity exports: (command, what its help says). Each is the same command over another kind of record.
ENTITIES = (
    ("contacts", "Every contact: emails and phones as LABEL:VALUE where labelled, as `contacts add` reads them."),
    ("orgs", "Every organisation."),
    ("interactions", "Every interaction (calls, emails, meetings, notes...), with its contacts by name and uid."),
    ("follow-ups", "Every follow-up, open and done, with its contact and deal by name and uid."),
    ("deals", "Every deal, open, won and lost, with its organisation and contacts by name and uid."),
)


MailingOpt = Annotated[bool, typer.Option(
    "--mailing", help="A mailing list instead: one row per contact at its primary email (email, first_name, "
                      "last_name, name, org, tags, uid), without those marked do not contact or without an email.")]


def _entity_command(entity: str, summary: str) -> None:
    def command(ctx: typer.Context, fmt: FormatOpt = MachineFormat.csv, output: OutputOpt = None,
                raw: RawOpt = False) -> None:
        export_rows(ctx, entity, fmt.value, output, raw=raw)

    def contacts(ctx: typer.Context, fmt: FormatOpt = MachineFormat.csv, output: OutputOpt = None,
                 mailing: MailingOpt = False, segment: SegmentOpt = None, raw: RawOpt = False) -> None:
        export_rows(ctx, entity, fmt.value, output, raw=raw, mailing=mailing, segment=segment)

    app.command(entity, help=f"{summary}\n\nStable columns (see the README); times in UTC.")(
        contacts if entity == "contacts" else command)


for _entity, _summary in ENTITIES:
    _entity_command(_entity, _summary)


def export_rows(ctx: typer.Context, entity: str, fmt: str, output: str | None, *, raw: bool = False,
                mailing: bool = False, segment: str | None = None) -> None:
    """Stream one kind of record to stdout or, whole or not at all, to a file; one read transaction.
    CSV and TSV cells a spreadsheet would run as formulas get a `'` unless `raw` (crmcli.io.formats).
    `mailing`: the contacts as a mailing list; `segment`: only that segment's contacts (exports.Scope)."""
    from contextlib import ExitStack

    from crmcli.core import exports
    from crmcli.io import formats

    context = state.context(ctx)
    scope = exports.Scope(stages=context.settings.stages, as_of=context.local_now(), mailing=mailing)
    with ExitStack() as stack:
        if segment is None:
            conn = stack.enter_context(context.database.connect())
        else:  # the segment is looked up by name in the same read transaction as the rows
            session = stack.enter_context(context.database.session())
            conn = session.connection()
            scope = dataclasses.replace(scope, segment=members(session, segment, context, scope.as_of))
        rows = exports.rows(conn, entity, scope)
        if output is None or output == "-":
            formats.write(rows, fmt, sys.stdout, raw=raw)  # silent, as every listing: stdout carries data only
            return
        from crmcli.io.files import writing

        with writing(Path(output).expanduser(), text=True) as out:
            count = formats.write(rows, fmt, out, raw=raw)
    note(f"wrote {count} {entity} to {output}")


@app.command("all")
def all_(ctx: typer.Context, output: OutputOpt = None) -> None:
    """The whole database as one JSON document (see the README: A whole database), which `crm import
    all` restores into an empty database exactly. Read in one transaction, written row by row."""
    from crmcli.core import db_document

    context = state.context(ctx)
    db = context.database
    version = db.schema_version() or 0
    with db.connect() as conn:
        if output is None or output == "-":
            db_document.write(conn, sys.stdout, schema_version=version, now=context.now())
            return
        from crmcli.io.files import writing

        with writing(Path(output).expanduser(), text=True) as out:
            counts = db_document.write(conn, out, schema_version=version, now=context.now())
    note(f"wrote {sum(counts.values()):,} rows of {len(counts)} tables to {output}")


@app.command("vcard")
def vcard(
    ctx: typer.Context,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FILE|DIR",
        help="Write to FILE, replaced whole; or, for a folder (an existing one, or a path ending in '/'), "
             "one UID.vcf per contact, as khard and vdirsyncer keep them (default or '-': stdout).")] = None,
) -> None:
    """Every contact as a vCard 3.0: name, organisation, title, emails and phones with their labels,
    tags as CATEGORIES, the `notes` field as NOTE, the uid as UID.

    `crm import contacts FILE.vcf` (or a folder of them) reads them back, matching by UID.
    """
    import os

    from crmcli.core import exports
    from crmcli.io import vcard as cards

    with state.context(ctx).database.connect() as conn:
        found = exports.cards(conn)
        if output is None or output == "-":
            cards.write(found, sys.stdout)  # silent, as every export to stdout
            return
        target = Path(output).expanduser()
        if output.endswith(("/", os.sep)) or target.is_dir():
            count = _card_files(found, target)
            where = f"{output.rstrip('/' + os.sep)}/"
        else:
            from crmcli.io.files import writing

            with writing(target, text=True) as out:
                count = cards.write(found, out)
            where = output
    note(f"wrote {count} contact{'' if count == 1 else 's'} to {where}")


def _card_files(found: Iterable[Any], folder: Path) -> int:
    """One `<uid>.vcf` per card in `folder` (created if missing), each written whole."""
    from crmcli.errors import CrmError
    from crmcli.io import vcard as cards
    from crmcli.io.files import write_atomically

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new one private, as the cards in it
    except OSError as err:
        raise CrmError(f"cannot create the folder {folder}: {err.strerror or err}") from None
    count = 0
    for card in found:
        write_atomically(folder / f"{card.uid}.vcf", cards.card_text(card).encode("utf-8"))
        count += 1
    return count


@app.command("ics")
def ics(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Option("--contact", "-c", metavar="CONTACT",
                                                help="Only this contact's follow-ups (id, email or name).")] = None,
    output: OutputOpt = None,
    todo: Annotated[bool, typer.Option("--todo", help="To-dos (VTODO, with a due date) instead of events.")] = False,
    alarms: Annotated[bool, typer.Option("--alarms/--no-alarms",
                                         help="A reminder 15 min before a timed follow-up, at 09:00 on the day "
                                              "of an all-day one.")] = True,
) -> None:
    """Open follow-ups as an iCalendar file: one event (or to-do) each, repeating ones with their rule.

    Each follow-up keeps its UID: importing a newer export updates the calendar, never duplicates.
    """
    from crmcli.core import clock, contacts
    from crmcli.core.calendar_export import open_items
    from crmcli.io.ics import calendar

    with state.context(ctx).database.session() as session:
        who = contacts.resolve(session, contact) if contact is not None else None
        items = open_items(session, contact_id=None if who is None else who.id)
    data = calendar(items, todo=todo, zone=clock.local_zone(), alarms=alarms)
    where = _write(data, output)
    scope = "" if who is None else f" for {who.name}"
    if items:
        note(f"wrote {len(items)} follow-up{'' if len(items) == 1 else 's'}{scope} to {where}")
    else:
        note(f"no open follow-ups{scope}: wrote an empty calendar to {where}")


def _write(data: bytes, output: str | None) -> str:
    """Write the calendar to stdout or a file; returns where, for the message."""
    if output is None or output == "-":
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a text-only stream (some test runners, IDE consoles)
            sys.stdout.write(data.decode("utf-8"))
        else:
            sys.stdout.flush()
            buffer.write(data)
            buffer.flush()
        return "stdout"
    from crmcli.io.files import write_atomically

    # Whole or not at all: a calendar app reading it mid-export never sees half a calendar.
    write_atomically(Path(output).expanduser(), data)
    return output
