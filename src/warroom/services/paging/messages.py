"""Notification texts from Jinja2 templates: built in, overridable file by file.

A template's first line is the subject; the rest is the body. An admin overrides one by
putting a file of the same name (e.g. `page.txt.j2`) in the config's `templates_dir`.
An override is read once by each process, like the rest of the config: an edit takes
effect when warroom restarts. `warroom config check` names an override that overrides
nothing or does not parse, and an override that fails when a message is made (a variable
it names is not given) gives way to the built-in text, so a mistake in a template never
stops a page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

log = logging.getLogger("warroom.messages")
SUFFIX = ".txt.j2"
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
    "action_due",
    "duty_due",
)

# Overrides in templates_dir that are no message: each checked where it is used.
OTHER_TEMPLATES = ("postmortem.md.j2",)  # services/postmortems/drafts


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
        auto_reload=False,  # read once a process, like the config: no stat of it per page
    )


def render(kind: str, *, templates_dir: Path | None = None, **values: Any) -> Text:
    from jinja2 import TemplateError

    name = f"{kind}{SUFFIX}"
    try:
        template = _environment(str(templates_dir) if templates_dir else None).get_template(name)
        made = template.render(**values)
    except TemplateError as exc:
        if templates_dir is None or not (templates_dir / name).is_file():
            raise  # the built-in template itself failed: nothing to fall back to
        why = f"the {kind} template in {templates_dir} failed ({exc})"
        log.warning("%s; the built-in one is used", why)
        made = _environment(None).get_template(name).render(**values)
    subject, _, body = made.partition("\n")
    return Text(subject=subject.strip()[:250], body=body.strip())


def override_problems(templates_dir: Path) -> list[str]:
    """The mistakes in an admin's overrides, one line each: a folder that is not there, a
    file named after no message, a template that does not parse."""
    from jinja2 import TemplateSyntaxError

    if not templates_dir.is_dir():
        return [f"templates_dir: {templates_dir} is not a folder"]
    environment = _environment(str(templates_dir))
    problems = []
    for path in sorted(templates_dir.glob("*.j2")):
        if path.name in OTHER_TEMPLATES:
            continue
        if path.name.removesuffix(SUFFIX) not in KINDS:  # also a name without the suffix
            names = ", ".join(kind + SUFFIX for kind in KINDS)
            problems.append(f"templates_dir: {path.name} overrides no message ({names})")
            continue
        try:
            environment.parse(path.read_text("utf-8"), name=path.name)
        except TemplateSyntaxError as exc:
            problems.append(f"templates_dir: {path.name}, line {exc.lineno}: {exc.message}")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"templates_dir: {path.name} cannot be read ({exc})")
    return problems
