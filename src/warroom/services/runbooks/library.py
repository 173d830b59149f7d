"""The runbook library: warroom's built-in runbooks and those in the config's
`runbooks_dir` (a file there named like a built-in one replaces it). Read once per
process, like the rest of the config; broken files are skipped and reported."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from warroom.domain.runbooks import Runbook, RunbookProblem, parse
from warroom.errors import NotFound

log = logging.getLogger("warroom.runbooks")
BUILT_IN = "built-in"


@dataclass(frozen=True)
class Library:
    runbooks: tuple[Runbook, ...]
    problems: tuple[RunbookProblem, ...]

    def get(self, ref: str) -> Runbook:
        wanted = ref.strip().lower().removesuffix(".md")
        for runbook in self.runbooks:
            if runbook.ref.lower() == wanted:
                return runbook
        raise NotFound(f"no runbook is named {ref!r} (see `warroom runbook ls`).", field="ref")


@functools.cache
def load(directory: Path | None) -> Library:
    """The library with the built-in runbooks and, if given, those of `directory`."""
    found: dict[str, Runbook] = {}
    problems: list[RunbookProblem] = []
    package = resources.files("warroom").joinpath("runbooks")
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".md"):
            _add(found, problems, entry.name, entry.read_text("utf-8"), f"{BUILT_IN}:{entry.name}")
    if directory is not None:
        if not directory.is_dir():
            problems.append(RunbookProblem(str(directory), 0, "runbooks_dir is not a folder"))
        else:
            for path in sorted(directory.glob("*.md")):
                try:
                    text = path.read_text("utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    problems.append(RunbookProblem(str(path), 0, f"cannot be read: {exc}"))
                    continue
                _add(found, problems, path.name, text, str(path))
    for problem in problems:
        log.warning("runbook skipped: %s", problem)
    return Library(tuple(sorted(found.values(), key=lambda r: r.title)), tuple(problems))


def _add(
    found: dict[str, Runbook], problems: list[RunbookProblem], name: str, text: str, source: str
) -> None:
    parsed = parse(name.removesuffix(".md"), text, source=source)
    if isinstance(parsed, RunbookProblem):
        problems.append(parsed)
    else:
        found[parsed.ref] = parsed
