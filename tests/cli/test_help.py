"""Every command's `--help` names what each value is (`--severity LEVEL`, `--at TIME`),
never a bare TEXT or INTEGER."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from warroom.cli import app as cli_app

GENERIC = re.compile(r"(?<![\w-])(TEXT|INTEGER|NUMBER|PATH|BOOLEAN)(?![\w-])")


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    children = getattr(command, "commands", None)
    if children is None:
        yield path
        return
    for name, child in children.items():
        yield from _commands(child, (*path, name))


COMMANDS = sorted(_commands(get_command(cli_app)))


def test_the_walk_finds_the_nested_commands() -> None:
    assert {("declare",), ("token", "create"), ("statuspage", "maintenance", "add")} <= set(
        COMMANDS
    )


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_names_every_value_by_its_kind(path: tuple[str, ...]) -> None:
    shown = CliRunner(env={"COLUMNS": "200"}).invoke(cli_app, [*path, "--help"])
    assert shown.exit_code == 0, shown.output
    generic = [line.strip("│ ") for line in shown.stdout.splitlines() if GENERIC.search(line)]
    assert generic == [], f"warroom {' '.join(path)} --help: {generic}"
