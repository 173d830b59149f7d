"""Notification texts from Jinja2 templates: built in, overridable file by file.

A template's first line is the subject; the rest is the body. An admin overrides one by
putting a file of the same name (e.g. `page.txt.j2`) in the config's `templates_dir`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

KINDS = (
    "page",
    "escalated",
    "raised",
    "ack_overdue",
    "update",
    "update_due",
    "postmortem_due",
    "resolved",
    "test",
    "handoff",
    "contact_failed",
)


@dataclass(frozen=True, slots=True)
class Text:
    subject: str
    body: str


@lru_cache(maxsize=8)
def _environment(override_dir: str | None) -> Environment:
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

    loaders: list[Any] = [PackageLoader("warroom", "templates/notify")]
    if override_dir:
        loaders.insert(0, FileSystemLoader(override_dir))
    return Environment(  # noqa: S701 - plain text for chat and mail, not HTML
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=False,
    )


def render(kind: str, *, templates_dir: Path | None = None, **values: Any) -> Text:
    environment = _environment(str(templates_dir) if templates_dir else None)
    text = environment.get_template(f"{kind}.txt.j2").render(**values)
    subject, _, body = text.partition("\n")
    return Text(subject=subject.strip()[:250], body=body.strip())
