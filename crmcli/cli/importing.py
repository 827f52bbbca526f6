"""`crm import ...`: data in from files other programs (and crm itself) wrote."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from enum import Enum
from typing import Annotated, Any, Iterator, TextIO

import typer

from crmcli.cli import state
from crmcli.cli.output import note

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Import data: contacts (CSV, TSV, JSON, NDJSON; Google Contacts and Outlook CSV; vCard), "
                       "interactions, mail (a maildir or mbox), all (a whole database from `crm export all`).")


@app.callback()
def import_() -> None:
    # A callback keeps `import` a group (`crm import contacts`) while it has a single command.
    pass


class ReadFormat(str, Enum):
    csv = "csv"
    tsv = "tsv"
    json = "json"
    ndjson = "ndjson"
    vcard = "vcard"


class OnDuplicate(str, Enum):
    update = "update"
    skip = "skip"
    create = "create"


RAW_HELP = ("CSV and TSV: every cell as written. By default one ' before a formula character (=, +, -, @...) "
            "is dropped, as `crm export` puts it there for spreadsheets; --raw reads a file `export --raw` wrote.")


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@app.command("contacts")
def contacts(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE", help="The file to read, '-' for stdin, or a folder of "
                                                             "*.vcf files.")],
    fmt: Annotated[ReadFormat | None, typer.Option("--format", "-f", help="Default: from the file's suffix "
                                                   "(.csv .tsv .json .ndjson .jsonl .vcf), else csv.")] = None,
    mapping: Annotated[list[str] | None, typer.Option("--map", metavar="COLUMN=FIELD",
                                                      help="Read COLUMN as FIELD: name, first_name, middle_name, "
                                                           "last_name, title, org, email, phone, tags, notes, "
                                                           "cadence, uid, field:KEY, ignore. Repeatable.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be created, updated and skipped; "
                                                            "write nothing.")] = False,
    on_duplicate: Annotated[OnDuplicate, typer.Option(
        "--on-duplicate", help="A row whose uid, email or phone is an existing contact's: update it (fill what "
                               "is empty, add new emails, phones, tags, fields), skip it, or create another.")]
    = OnDuplicate.update,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Import the good rows and report the bad "
                                                                      "ones (default: a bad row imports nothing).")]
    = False,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", metavar="TAG",
                                                  help="Tag every imported contact. Repeatable.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the ids of the contacts created or "
                                                              "updated, one per line.")] = False,
    raw: Annotated[bool, typer.Option("--raw", help=RAW_HELP)] = False,
) -> None:
    """Import contacts; importing the same file twice creates nothing new.

    A row is an existing contact when its uid, one of its emails or one of its phones is. Bad rows are
    named FILE:LINE and, unless --skip-invalid, nothing is imported.
    """
    from pathlib import Path

    from crmcli.core import importing
    from crmcli.errors import Invalid
    from crmcli.io import readers

    folder = file != "-" and Path(file).is_dir()
    chosen = "vcard" if folder and fmt is None else readers.format_of(file, fmt.value if fmt else None)
    if folder and chosen != "vcard":
        raise Invalid(f"{file} is a folder: only vCards (--format vcard) are read from a folder")
    if chosen == "vcard" and mapping:
        raise Invalid("--map reads the columns of a table; a vCard has none to map")
    where = "stdin" if file == "-" else file

    def locate(line: int) -> str:  # FILE:LINE of a record (a folder's reader names its files)
        return f"{where}:{line}"

    context = state.context(ctx)
    with _folder() if folder else _opened(file) as stream:
        try:
            if folder:
                from crmcli.io import vcard

                columns, records, files = vcard.read_folder(Path(file))
                locate = files.where  # type: ignore[assignment]
            else:
                columns, records = readers.read(stream, chosen, raw=raw)
            layout = importing.VCARD_LAYOUT if chosen == "vcard" else \
                importing.layout_for(columns, importing.parse_mapping(mapping or []))
            report = _in_one_transaction(context, where, locate, lambda session, progress: importing.import_contacts(
                session, records, layout, on_duplicate=on_duplicate.value, extra_tags=tag or [],
                phone_region=context.settings.phone_region, progress=progress, me=context.me),
                stream=stream, dry_run=dry_run, skip_invalid=skip_invalid)
        except readers.ReadError as err:
            raise Invalid(f"{locate(err.line)}: {err}; nothing imported") from None
        except UnicodeDecodeError:
            raise Invalid(f"{where} is not UTF-8 text; save it as UTF-8 and import again") from None
    _tell(where, locate, report, dry_run=dry_run, skipped_invalid=skip_invalid, quiet=quiet)


def _in_one_transaction(context: Any, where: str, locate: Any, run: Any, *, stream: Any, dry_run: bool,
                        skip_invalid: bool) -> Any:
    """`run(session, progress)` in one write transaction, kept only when no row was bad (or bad rows
    are to be skipped) and this is no dry run; the report either way. `progress` is the bar of
    `stream` (crmcli.cli.progress) while a person watches."""
    from crmcli.cli.progress import ImportProgress
    from crmcli.errors import Invalid

    report = None
    progress = ImportProgress(stream)
    try:
        with context.database.session(write=True) as session:
            try:
                report = run(session, progress)
            finally:
                progress.close()
            if report.problems and not skip_invalid:
                _tell_problems(locate, report.problems)
                n = len(report.problems)
                raise Invalid(f"{n} bad row{'s' if n != 1 else ''} in {where}; nothing imported "
                              "(fix them, or --skip-invalid imports the rest)")
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    return report


@app.command("interactions")
def interactions_(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE", help="The file to read, or '-' for stdin.")],
    fmt: Annotated[ReadFormat | None, typer.Option("--format", "-f", help="Default: from the file's suffix "
                                                   "(.csv .tsv .json .ndjson .jsonl), else csv.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be logged; write nothing.")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Import the good rows and report the bad "
                                                                      "ones (default: a bad row imports nothing).")]
    = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the ids of the interactions logged.")] = False,
    raw: Annotated[bool, typer.Option("--raw", help=RAW_HELP)] = False,
) -> None:
    """Import history: calls, emails, meetings, notes (crm export interactions, a call log, another CRM's notes).

    Columns: occurred (or when, date), kind, direction, body (or text, note, subject), and the people:
    contact_uids, or contacts (or contact, with, email, phone, name) naming each as on the command line
    (#id, email, phone, part of a name; several joined by ';'). A uid already kept is skipped, so a
    re-import logs nothing twice. Bad rows are named FILE:LINE and, unless --skip-invalid, nothing is imported.
    """
    from crmcli.core import import_history
    from crmcli.core.interactions import Kinds
    from crmcli.errors import Invalid
    from crmcli.io import readers

    if fmt == ReadFormat.vcard:
        raise Invalid("a vCard holds contacts, not history: give csv, tsv, json or ndjson")
    chosen = readers.format_of(file, fmt.value if fmt else None)
    where = "stdin" if file == "-" else file
    context = state.context(ctx)
    kinds = Kinds(context.settings.log_kinds, context.settings.default_kind)

    def locate(line: int) -> str:
        return f"{where}:{line}"

    with _opened(file) as stream:
        try:
            columns, records = readers.read(stream, chosen, raw=raw)
            report = _in_one_transaction(context, where, locate, lambda session, progress: import_history.import_interactions(
                session, columns, records, kinds=kinds, now=context.local_now(), phone_region=context.settings.phone_region,
                progress=progress), stream=stream, dry_run=dry_run, skip_invalid=skip_invalid)
        except readers.ReadError as err:
            raise Invalid(f"{locate(err.line)}: {err}; nothing imported") from None
        except UnicodeDecodeError:
            raise Invalid(f"{where} is not UTF-8 text; save it as UTF-8 and import again") from None
    _tell(where, locate, report, dry_run=dry_run, skipped_invalid=skip_invalid, quiet=quiet)


@app.command("mail")
def mail_(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(metavar="MAILDIR|MBOX", help="A maildir folder or an mbox file.")],
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN",
                                              help="Only mail dated since: '2026-01-01', '90 days ago'.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be logged, one line per mail; write "
                                                            "nothing.")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Log the good mails and report the bad ones "
                                                                      "(default: a bad one logs nothing).")] = False,
    create: Annotated[bool, typer.Option("--create", help="An address no contact has becomes a contact (else its "
                                                          "mail is logged only for the known ones, or skipped).")]
    = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the ids of the interactions logged.")] = False,
) -> None:
    """Log a mail folder: each mail naming a known contact becomes an email on their timelines.

    As `crm log --eml` does for one mail, all in one transaction: a mail that cannot be read is named by
    its position and, unless --skip-invalid, nothing is logged. A mail already logged (same Message-ID)
    is counted, not logged again, so importing a folder twice logs nothing twice.
    """
    from crmcli.cli.log_mail import import_folder

    import_folder(ctx, path, since=since, dry_run=dry_run, skip_invalid=skip_invalid, create=create, quiet=quiet)


@app.command("all")
def all_(ctx: typer.Context,
         file: Annotated[str, typer.Argument(metavar="FILE|-", help="A document `crm export all` wrote ('-': stdin).")]
         ) -> None:
    """Restore a whole database from the document `crm export all` wrote, into the database in use,
    which must be empty: ids, uids and times exactly as they were. All or nothing."""
    from crmcli.core import db_document
    from crmcli.storage import migrations
    from crmcli.storage.database import translate_errors

    where = "stdin" if file == "-" else file
    with _opened(file) as stream:
        document = db_document.read(stream, schema_version=migrations.LATEST, source=where)
    db = state.context(ctx).database
    with db.connect(write=True) as conn, translate_errors(db):
        written = db_document.restore(conn, document, source=where, described=db.describe())
    note(f"restored {sum(written.values()):,} rows of {sum(1 for n in written.values() if n)} tables from {where} "
         f"into {db.describe()}")


@contextmanager
def _folder() -> Iterator[None]:
    yield None  # a folder's files are opened one by one by its reader


def _opened(file: str) -> Any:
    from crmcli.errors import NotFound

    if file == "-":
        return _stdin()
    try:
        return open(file, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise NotFound(f"no file {file}") from None
    except IsADirectoryError:
        from crmcli.errors import Invalid

        raise Invalid(f"{file} is a folder, not a file") from None
    except PermissionError:
        from crmcli.errors import CrmError

        raise CrmError(f"cannot read {file}: permission denied") from None


@contextmanager
def _stdin() -> Iterator[TextIO]:
    """stdin as UTF-8 text (a byte-order mark dropped), newline="" so that csv keeps a quoted newline
    inside its value; the wrapper is detached after, so stdin itself stays open."""
    import io

    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    try:
        yield stream
    finally:
        stream.detach()


def _tell_problems(locate: Any, problems: list[Any]) -> None:
    from crmcli.core.importing import MAX_REPORTED

    for problem in problems[:MAX_REPORTED]:
        note(f"{locate(problem.line)}: {problem.message}")
    if len(problems) > MAX_REPORTED:
        note(f"... and {len(problems) - MAX_REPORTED} more bad rows")


def _tell(where: str, locate: Any, report: Any, *, dry_run: bool, skipped_invalid: bool, quiet: bool) -> None:
    if dry_run:
        for outcome in report.outcomes:
            ref = f"#{outcome.contact_id} " if outcome.action != "create" else ""
            sys.stdout.write(f"{locate(outcome.line)}\t{outcome.action}\t{ref}{outcome.name}\n")
    elif quiet:
        for outcome in report.outcomes:
            if outcome.action in ("create", "update"):
                sys.stdout.write(f"{outcome.contact_id}\n")
    if report.ignored_columns:
        note(f"ignored columns: {', '.join(report.ignored_columns)}")
    if report.problems:
        _tell_problems(locate, report.problems)
    counts = ", ".join(f"{report.count(a)} {word}" for a, word in (
        ("create", "created"), ("update", "updated"), ("unchanged", "unchanged"), ("skip", "skipped")))
    n = len(report.problems)
    bad = f", {n} bad row{'s' if n != 1 else ''} skipped" if report.problems and skipped_invalid else ""
    if dry_run:
        note(f"dry run of {where} ({report.layout}), nothing written: it would be {counts}{bad}")
    else:
        note(f"imported {where} ({report.layout}): {counts}{bad}")
