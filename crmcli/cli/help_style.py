"""How options and arguments read in `--help`: `--limit N`, `--quiet`, `crm log CONTACT... [TEXT]`.

Typer labels every parameter with its Python type (`<bool>`, `<str>`, `<list[str]>`) and wraps
required arguments in braces in the usage line (`{NAME}`); well-made command-line tools show
none of that. One place adjusts both, for every command, instead of a metavar on each flag."""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperOption


def _option_label(self: TyperOption, ctx: Any) -> str | None:
    if self.metavar is not None:
        return self.metavar
    if self.is_flag or self.count:
        return None  # a switch takes no value: nothing to show after it
    choices = self.type_descriptor.choices if self.type_descriptor.is_choice else None
    label = "|".join(str(getattr(c, "value", c)) for c in choices or ())
    if label and len(label) <= 24:
        return label
    return (self.name or "value").upper()


def _argument_label(self: TyperArgument, ctx: Any) -> str | None:
    return None  # the argument's name (its metavar) already says what goes there


def _argument_usage(self: TyperArgument) -> str:
    name = self.display_name_raw
    if self.metavar is None and self.nargs != 1:
        name += "..."  # a metavar given by hand already says how many
    return name if self.required else f"[{name}]"


def install() -> None:
    TyperOption.display_type_rich = _option_label  # type: ignore[method-assign]
    TyperArgument.display_type_rich = _argument_label  # type: ignore[method-assign]
    TyperArgument._usage_display_name = _argument_usage  # type: ignore[method-assign]
