"""Mail in from the command line: `crm log --eml [FILE|-]` (one mail, as mail clients pipe it) and
`crm import mail MAILDIR|MBOX` (a whole folder, in one transaction). Both hand the mails to
crmcli.core.mail_log and say what became of them; this module only reads, asks and tells."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from crmcli.cli import state
from crmcli.cli.output import added, note

if TYPE_CHECKING:
    from crmcli.core.mail_log import MailLogResult, Outcome
    from crmcli.io.mail import Mail

CREATE_HINT = "--create adds them as contacts"
MAX_NAMED = 20  # unknown addresses or notes named one by one in an import's summary; past that, counted


def _logging(ctx: typer.Context, *, create: bool) -> Any:
    """What core.mail_log.log_mails needs from the settings and the context, as keyword arguments."""
    context = state.context(ctx)
    settings = context.settings

    def policy() -> Any:  # only a mail added to a case needs it: no cases import otherwise
        from crmcli.core import cases

        return cases.policy(settings)

    return dict(my_emails=settings.my_emails, create=create, now=context.now(), policy=policy, me=context.me)


def _read_one(args: list[str]) -> tuple[str, bytes]:
    from crmcli.errors import CrmError, Invalid, NotFound, UsageProblem

    if len(args) > 1:
        raise UsageProblem("--eml logs one mail: give its file, or '-' (or nothing) for stdin")
    if not args or args[0] == "-":
        if sys.stdin.isatty():
            raise UsageProblem("--eml reads the mail from stdin: pipe it in, or give its file")
        return "stdin", sys.stdin.buffer.read()
    try:
        return args[0], Path(args[0]).read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no file {args[0]}") from None
    except IsADirectoryError:
        raise Invalid(f"{args[0]} is a folder: `crm import mail` logs a mail folder") from None
    except PermissionError:
        raise CrmError(f"cannot read {args[0]}: permission denied") from None


def log_one(ctx: typer.Context, args: list[str], *, create: bool, quiet: bool) -> None:
    """`crm log --eml`: one mail from a file or stdin onto the timelines of the contacts it names."""
    from crmcli.core import mail_log
    from crmcli.errors import Invalid, NotFound
    from crmcli.io import mail as mail_io

    where, data = _read_one(args)
    try:
        mail = mail_io.parse(data)
    except Invalid as err:
        raise Invalid(f"{where}: {err}") from None
    context = state.context(ctx)
    with context.database.session(write=True) as session:
        result = mail_log.log_mails(session, [(where, mail)], **_logging(ctx, create=create))
        outcome = result.outcomes[0]
        _tell_unknown(outcome.unknown, sender_unknown=_sender_unknown(outcome, mail), mine=context.settings.my_emails)
        if outcome.action == "skipped":
            # Raised inside the transaction: nothing of this command is kept, not even its history entry.
            raise NotFound("nothing logged: no contact has any of the mail's addresses" if outcome.unknown
                           else "nothing logged: the mail names no one but you")
    for contact_id, name in outcome.created:
        note(f"added contact #{contact_id} {name}")
    for line in outcome.notes:
        note(f"{where}: {line}")
    if outcome.action == "duplicate":
        if quiet:
            sys.stdout.write(f"{outcome.interaction_id}\n")
        note(f"already logged as #{outcome.interaction_id}")
        return
    case = f", on case #{outcome.case_id}" if outcome.case_id else ""
    names = ", ".join(name for _, name in outcome.contacts)
    added(outcome.interaction_id, f"email #{outcome.interaction_id} with {names}{case}", quiet=quiet, verb="logged")


def _sender_unknown(outcome: "Outcome", mail: "Mail") -> bool:
    return mail.sender is not None and any(mail.sender.email.lower() == a for a in outcome.unknown)


def _tell_unknown(unknown: tuple[str, ...], *, sender_unknown: bool, mine: tuple[str, ...]) -> None:
    for address in unknown:
        note(f"skipped: no contact has {address} (use --create)")
    if sender_unknown and not mine:
        note("if the sender is you, say so: crm config set my_emails YOUR@ADDRESS (a mail from you is outgoing)")


BATCH = 1_000  # mails parsed, then logged together: memory stays that of one batch, whatever the folder


def import_folder(ctx: typer.Context, path: str, *, since: str | None, dry_run: bool, skip_invalid: bool,
                  create: bool, quiet: bool) -> None:
    """`crm import mail`: the mails read, parsed and logged a batch at a time, all in one transaction;
    a bad one is named by its position, and unless --skip-invalid nothing is logged (the reading goes
    on, to name every bad one, then the transaction is rolled back). A batch at a time, not the whole
    folder parsed first: a 100,000-mail archive would hold every parsed mail in memory."""
    from crmcli.cli.importing import _DryRun
    from crmcli.cli.progress import ImportProgress
    from crmcli.core import mail_log
    from crmcli.core.text import counted
    from crmcli.errors import CrmError, Invalid, NotFound
    from crmcli.io import mail as mail_io

    if not Path(path).exists():
        raise NotFound(f"no file or folder {path}")
    context = state.context(ctx)
    start = None
    if since is not None:
        from crmcli.core import dates

        start = dates.parse_since(since, now=context.local_now())
    problems: list[tuple[str, str]] = []
    older = 0
    result = mail_log.MailLogResult()
    options = _logging(ctx, create=create)
    try:
        with context.database.session(write=True) as session:
            batch: list[tuple[str, Mail]] = []

            def log_batch() -> None:
                if batch and (skip_invalid or not problems):  # after a bad mail nothing more is logged
                    result.outcomes.extend(mail_log.log_mails(session, batch, **options).outcomes)
                batch.clear()

            progress = ImportProgress(None, unit="messages")
            try:
                for n, (position, data) in enumerate(mail_io.read_mailbox(Path(path)), start=1):
                    try:
                        mail = mail_io.parse(data)
                    except CrmError as err:
                        problems.append((position, str(err)))
                    else:
                        if start is not None and (mail.date or context.now()) < start:
                            older += 1
                        else:
                            batch.append((position, mail))
                    if len(batch) >= BATCH:
                        log_batch()
                    progress(n)
                log_batch()
            finally:
                progress.close()
            if problems and not skip_invalid:  # raised inside the transaction: it is rolled back
                _tell_problems(problems)
                raise Invalid(f"{counted(len(problems), 'bad message')} in {path}; nothing imported "
                              "(fix them, or --skip-invalid imports the rest)")
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    if dry_run:
        from crmcli.core.text import printable  # a mail's words are shown, never obeyed (a tab neither)

        for o in result.outcomes:
            who = ", ".join(name for _, name in o.contacts) or ", ".join(o.unknown)
            sys.stdout.write("\t".join(printable(v) for v in (o.position, o.action, who, o.subject)) + "\n")
    elif quiet:
        sys.stdout.writelines(f"{o.interaction_id}\n" for o in result.outcomes if o.action == "logged")
    if problems:
        _tell_problems(problems)
    _tell_notes(result)
    unknown = Counter(a for o in result.outcomes if o.action != "duplicate" for a in o.unknown)
    if unknown:
        frequent = ", ".join(f"{a} ({n})" for a, n in unknown.most_common(5))
        note(f"no contact has {counted(len(unknown), 'address', 'addresses')} (the most frequent: {frequent}); "
             f"{CREATE_HINT}" if not create else f"no contact has {counted(len(unknown), 'address', 'addresses')}")
    parts = [f"{result.count('logged'):,} logged", f"{result.count('duplicate'):,} already logged",
             f"{result.count('skipped'):,} skipped (no known contact)"]
    if create:
        parts.append(f"{result.contacts_created:,} contacts created")
    if problems:
        parts.append(f"{counted(len(problems), 'bad message')} skipped")
    if start is not None:
        parts.append(f"{older:,} older than {start:%Y-%m-%d %H:%M} UTC left out")
    if dry_run:
        note(f"dry run of {path}, nothing written: it would be {', '.join(parts)}")
    else:
        note(f"imported mail from {path}: {', '.join(parts)}")


def _tell_problems(problems: list[tuple[str, str]]) -> None:
    for position, message in problems[:MAX_NAMED]:
        note(f"{position}: {message}")
    if len(problems) > MAX_NAMED:
        note(f"... and {len(problems) - MAX_NAMED} more bad messages")


def _tell_notes(result: "MailLogResult") -> None:
    said = [(o.position, line) for o in result.outcomes for line in o.notes]
    for position, line in said[:MAX_NAMED]:
        note(f"{position}: {line}")
    if len(said) > MAX_NAMED:
        note(f"... and {len(said) - MAX_NAMED} more notes like these")
