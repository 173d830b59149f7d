"""Help text that reads like a usual command line: `warroom declare [OPTIONS] TITLE`,
`--severity LEVEL` (each option's metavar, see metavars.py), flags with no value shown, an
argument by its name alone. Typer's own style (`{title}`, `<str>`, `--json <bool>`) is
replaced here, once, for every command."""

from __future__ import annotations

from typing import Any

from typer import core

NAMES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "bool": "BOOLEAN", "Path": "PATH"}


def _value_name(param: Any) -> str:
    if param.metavar is not None:
        return str(param.metavar)
    descriptor = param.type_descriptor
    if descriptor.is_choice:
        return "[" + "|".join(str(c) for c in descriptor.choices or ()) + "]"
    if descriptor.is_path:
        return "PATH"
    bare = str(param.bare_type()).removeprefix("list[").removesuffix("]")
    return NAMES.get(bare, bare.upper())


def _argument_name(param: Any) -> str:
    return str(param.metavar) if param.metavar is not None else str(param.name).upper()


def _argument_type(param: Any, ctx: Any) -> str | None:
    """An argument's name (REF, PERSON) already says what goes there: only a fixed list of
    choices is shown beside it."""
    return _value_name(param) if param.type_descriptor.is_choice else None


def _argument_usage(param: Any) -> str:
    name = _argument_name(param)
    name = name if param.required else f"[{name}]"
    return name + ("..." if param.nargs != 1 else "")


def _option_type(param: Any, ctx: Any) -> str | None:
    if param.is_flag or param.count:
        return None
    return _value_name(param) + ("..." if param.nargs != 1 else "")


def install() -> None:
    core.TyperArgument._usage_display_name = _argument_usage  # type: ignore[method-assign,assignment]
    core.TyperArgument.display_name_raw = property(_argument_name)  # type: ignore[assignment]
    core.TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign,assignment]
    core.TyperOption.display_type_rich = _option_type  # type: ignore[method-assign,assignment]
