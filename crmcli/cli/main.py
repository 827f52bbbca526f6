"""The `crm` command: the root app, global options, and the one place errors become exit codes.

Only typer and the command modules are imported here; each command imports the core (and so
sqlmodel) when it runs, which keeps `crm --help` and `crm --version` fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup

from crmcli import __version__
from crmcli.cli import help_style, state

help_style.install()


class CrmGroup(TyperGroup):
    """The root group: loads sub-command groups lazily, and turns every expected failure into one
    line on stderr and the documented exit code."""

    _listing = False  # True while `crm --help` lists the commands

    def list_commands(self, ctx: Any) -> list[str]:
        return [name for name, _, _ in LAZY]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        import importlib

        cmd_name = ALIASES.get(cmd_name, cmd_name)
        for name, module, panel in LAZY:
            if name == cmd_name:
                path, _, attr = module.partition(":")
                app = getattr(importlib.import_module(path), attr or "app")
                if self._listing:
                    return _summary(app, name, panel)
                # A one-command app becomes that command; an app of several becomes a group.
                command = typer.main.get_command(app)
                command.name, command.rich_help_panel = name, panel
                return command
        return None

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # The command list needs each command's one-line help, not its whole parameter tree.
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    # The framework turns EPIPE into exit 1 before it reaches main(); a reader closing the pipe early
    # (`crm ... | head`) is normal use, so it leaves these two as something the framework passes on.
    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)  # `crm --help | head` prints here
        except BrokenPipeError as err:
            raise ReaderGone() from err

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as err:
            raise ReaderGone() from err

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        state.invocation[:] = _command_part(list(sys.argv[1:] if args is None else args))
        try:
            code = super().main(args=args, prog_name=prog_name or "crm", complete_var=complete_var,
                                standalone_mode=False, **extra)
            sys.stdout.flush()  # a reader gone away shows here, not at interpreter exit
        except BaseException as err:  # noqa: BLE001 - this is the boundary; see describe_failure
            code = report_failure(err)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


def _command_part(argv: list[str]) -> list[str]:
    """The arguments from the command on, for the audit history: `--db URL` and `--demo` before it
    name the database the history is in, and say nothing about the change."""
    rest = list(argv)
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option == "--db" and rest:
            rest.pop(0)
    return rest


class ReaderGone(Exception):
    """stdout's reader closed the pipe: not an error (see report_failure)."""


def _summary(app: typer.Typer, name: str, panel: str) -> Any:
    """A stand-in for a command in the `crm --help` list: its name, panel and first help line."""
    import inspect

    from typer.core import TyperCommand

    if app.info.help:
        text = str(app.info.help)
    else:
        info = app.registered_commands[0]
        text = info.help or inspect.getdoc(info.callback) or ""
    return TyperCommand(name=name, help=text, rich_help_panel=panel)


def report_failure(err: BaseException) -> int:
    """Print one line for `err` and return its exit code."""
    from crmcli.errors import CrmError

    if isinstance(err, SystemExit) and isinstance(err.__context__, BrokenPipeError):
        err = err.__context__  # rich's help printer exits 1 when the reader has gone: that is normal too
    if isinstance(err, SystemExit):
        return err.code if isinstance(err.code, int) else (0 if err.code is None else 1)
    if isinstance(err, CrmError):
        from crmcli.cli.hints import with_hint

        _say(with_hint(str(err), err.hint))
        return err.exit_code
    if isinstance(err, typer.TyperException):  # click's usage errors, bad parameters, Abort
        return _report_click(err)
    if isinstance(err, typer.Abort) or type(err).__name__ == "Abort":
        _say("aborted")
        return 1
    if isinstance(err, KeyboardInterrupt):
        _say("interrupted")
        return 130
    if isinstance(err, (BrokenPipeError, ReaderGone)):
        # The reader went away (`crm ... | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    if os.environ.get("CRMCLI_DEBUG"):
        raise err
    _say(f"internal error: {type(err).__name__}: {err} (run with CRMCLI_DEBUG=1 for details and report it)")
    return 1


def _report_click(err: Any) -> int:
    if type(err).__name__ == "NoArgsIsHelpError":
        # The rich help is printed while the error is built; only plain help comes back as text.
        if err.format_message():
            sys.stdout.write(err.format_message() + "\n")
        return 0
    if type(err).__name__ == "Abort":
        _say("aborted")
        return 1
    ctx = getattr(err, "ctx", None)
    if ctx is not None:
        _say(f"{err.format_message()} (see '{ctx.command_path} --help')", prefix=ctx.command_path)
    else:
        _say(err.format_message())
    return int(getattr(err, "exit_code", 2))


def _say(message: str, prefix: str = "crm") -> None:
    from crmcli.cli.table import printable
    from crmcli.core.text import shortened

    sys.stderr.write(f"{prefix}: {printable(shortened(message))}\n")
    sys.stderr.flush()


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"crm {__version__}\n")
        raise typer.Exit()


app = typer.Typer(
    cls=CrmGroup,
    name="crm",
    help="A terminal-first CRM: contacts, organisations and their history, in one local database.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", metavar="PATH|URL", envvar=None,
                                           help="Database file or SQLAlchemy URL \\[env: CRMCLI_DB].")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Use the demo database that `crm demo` fills.")] = False,
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    from crmcli.cli.options import exclusive

    exclusive(ctx, "db", "demo")
    if demo:
        from crmcli.cli.demo import demo_db_path

        db = str(demo_db_path())
    state.begin(ctx, db)  # closed with ctx: the database, if a command opened one, is disposed


# Commands and sub-command groups, loaded only when used: `crm contacts add` never builds `crm orgs`.
# (name, module whose `app` holds it, help panel); the order is the order in `crm --help`.
LAZY: tuple[tuple[str, str, str], ...] = (
    ("contacts", "crmcli.cli.contacts", "People"),
    ("orgs", "crmcli.cli.orgs", "People"),
    ("tui", "crmcli.cli.tui", "People"),
    ("log", "crmcli.cli.log", "History"),
    ("timeline", "crmcli.cli.timeline", "History"),
    ("search", "crmcli.cli.search", "History"),
    ("notes", "crmcli.cli.notes", "History"),
    ("history", "crmcli.cli.history", "History"),
    ("undo", "crmcli.cli.undo", "History"),
    ("follow-ups", "crmcli.cli.followups", "Follow-ups"),
    ("remind", "crmcli.cli.remind", "Follow-ups"),
    ("cases", "crmcli.cli.cases", "Service"),
    ("deals", "crmcli.cli.deals", "Sales"),
    ("pipeline", "crmcli.cli.sales:pipeline", "Sales"),
    ("forecast", "crmcli.cli.sales:forecast", "Sales"),
    ("report", "crmcli.cli.report", "Sales"),
    ("segments", "crmcli.cli.segments", "Marketing"),
    ("campaigns", "crmcli.cli.campaigns", "Marketing"),
    ("import", "crmcli.cli.importing", "Data"),
    ("export", "crmcli.cli.export", "Data"),
    ("privacy", "crmcli.cli.privacy", "Data"),
    ("demo", "crmcli.cli.demo", "Setup"),
    ("db", "crmcli.cli.db", "Setup"),
    ("config", "crmcli.cli.config_cmd", "Setup"),
    ("whoami", "crmcli.cli.whoami", "Setup"),
)
ALIASES = {"fu": "follow-ups"}


def run() -> None:
    """Run the app on sys.argv (called by crmcli.cli.entry.main)."""
    for stream in (sys.stdout, sys.stderr):
        # cron runs with LANG=C: names like "Zoë Øster" must still print.
        if (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            try:
                stream.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
            except (AttributeError, ValueError):
                pass
    try:
        from crmcli.core.text import check_argument

        for position, argument in enumerate(sys.argv[1:], start=1):
            check_argument(argument, position)
    except BaseException as err:  # noqa: BLE001 - the same boundary as CrmGroup.main
        sys.exit(report_failure(err))
    app(prog_name="crm")
