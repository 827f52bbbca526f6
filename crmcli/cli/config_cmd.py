"""`crm config ...`: the settings file."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli.output import note

app = typer.Typer(add_completion=False, help="Settings: path, list, get, set, unset.", no_args_is_help=True)
KeyArg = Annotated[str, typer.Argument(metavar="KEY", help="A setting name (see `crm config list`).")]


@app.command("path")
def path() -> None:
    """Print the config file's path (it may not exist yet)."""
    from crmcli import config

    print(config.config_path())


@app.command("list")
def list_() -> None:
    """Every setting with its effective value and where it comes from; a broken one is marked INVALID."""
    from crmcli import config

    settings = config.Settings()
    for name, key in config.KEYS.items():
        value, origin, problem = settings.inspect(name)
        print(f"{name} = {_show(value)}  # {origin.short}; " + (f"INVALID: {problem}" if problem else key.help))


@app.command("get")
def get(key: KeyArg) -> None:
    """Print one setting's effective value (empty line when unset); exit 1 if it is broken."""
    from crmcli import config

    value, _source = config.get_value(key)
    print(_show(value))


@app.command("set")
def set_(key: KeyArg, value: Annotated[str, typer.Argument(metavar="VALUE")]) -> None:
    """Set a setting in the config file; a value that is not valid is refused and the file left as it was."""
    from crmcli import config

    stored = config.set_value(key, value)
    note(f"{key} = {_show(stored)}  (in {config.config_path()})")


@app.command("unset")
def unset(key: KeyArg) -> None:
    """Remove a setting from the config file (back to its default)."""
    from crmcli import config

    removed = config.unset_value(key)
    note(f"{key} removed" if removed else f"{key} was not set in {config.config_path()}")


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)
