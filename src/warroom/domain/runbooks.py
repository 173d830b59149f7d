"""Runbooks: Markdown files with a front matter block, and how well one fits an incident.

A runbook starts with a front matter block between two `---` lines, one `key: value` a
line, lists written `[a, b]`:

    ---
    title: API down or answering 5xx
    services: [api]
    alerts: [alertname=ApiDown, alertname=~.*5xx.*]
    tags: [availability, http]
    severity: P1
    ---

and its body has `##` sections (symptoms, investigation, mitigation, rollback,
verification). Alert matchers are `label=value` (equal) or `label=~regex` (the whole
value matches). A broken runbook is a `RunbookProblem` naming its line, never an
exception: one bad file must not hide the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

KEYS = ("title", "services", "alerts", "tags", "severity")
LIST_KEYS = ("services", "alerts", "tags")
SECTIONS = ("symptoms", "investigation", "mitigation", "rollback", "verification")
FENCE = "---"

# How much each kind of match weighs in a runbook's score for an incident.
SERVICE_WEIGHT = 3
ALERT_WEIGHT = 4
TAG_WEIGHT = 1
SEVERITY_WEIGHT = 1


@dataclass(frozen=True, slots=True)
class Matcher:
    label: str
    value: str
    regex: bool = False

    def matches(self, labels: Mapping[str, str]) -> bool:
        found = labels.get(self.label)
        if found is None:
            return False
        if self.regex:
            return re.fullmatch(self.value, found) is not None
        return found == self.value

    def __str__(self) -> str:
        return f"{self.label}{'=~' if self.regex else '='}{self.value}"


@dataclass(frozen=True, slots=True)
class Runbook:
    ref: str  # the file name without `.md`: what `warroom runbook show REF` takes
    title: str
    body: str  # the Markdown after the front matter
    services: tuple[str, ...] = ()
    alerts: tuple[Matcher, ...] = ()
    tags: tuple[str, ...] = ()
    severity: str | None = None
    source: str = ""  # where it was read from (a file, or "built-in")
    sections: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunbookProblem:
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class _Broken(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse(ref: str, text: str, *, source: str) -> Runbook | RunbookProblem:
    """The runbook this text holds, or the first problem with it (file and line)."""
    try:
        return _parse(ref, text, source=source)
    except _Broken as exc:
        return RunbookProblem(source, exc.line, exc.message)


def _parse(ref: str, text: str, *, source: str) -> Runbook:
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        raise _Broken(1, "a runbook starts with a front matter block: a line '---'")
    try:
        end = next(n for n in range(1, len(lines)) if lines[n].strip() == FENCE)
    except StopIteration:
        raise _Broken(len(lines), "the front matter block is not closed by a '---' line") from None
    values: dict[str, str | list[str]] = {}
    for number in range(1, end):
        line = lines[number]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, raw = line.partition(":")
        key = key.strip()
        if not colon or not key:
            raise _Broken(number + 1, f"expected 'key: value', found {line.strip()!r}")
        if key not in KEYS:
            raise _Broken(number + 1, f"unknown key {key!r} (known: {', '.join(KEYS)})")
        values[key] = _value(raw.strip(), key, number + 1)
    title = values.get("title")
    if not isinstance(title, str) or not title:
        raise _Broken(1, "the front matter needs a title")
    severity = values.get("severity")
    if isinstance(severity, list):
        raise _Broken(1, "severity is one level, not a list")
    matchers = []
    for text_matcher in _list(values, "alerts"):
        matchers.append(_matcher(text_matcher, _line_of(lines, "alerts")))
    body = "\n".join(lines[end + 1 :]).strip("\n")
    return Runbook(
        ref=ref,
        title=title,
        body=body,
        services=tuple(_list(values, "services")),
        alerts=tuple(matchers),
        tags=tuple(t.lower() for t in _list(values, "tags")),
        severity=severity or None,
        source=source,
        sections=sections_of(body),
    )


def _value(raw: str, key: str, line: int) -> str | list[str]:
    if raw.startswith("["):
        if not raw.endswith("]"):
            raise _Broken(line, f"{key}: a list opened with '[' must close with ']'")
        return [_unquote(item) for item in raw[1:-1].split(",") if item.strip()]
    if key in LIST_KEYS:
        return [_unquote(raw)] if raw else []
    return _unquote(raw)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _list(values: Mapping[str, str | list[str]], key: str) -> list[str]:
    value = values.get(key, [])
    return [value] if isinstance(value, str) else value


def _line_of(lines: list[str], key: str) -> int:
    return next((n + 1 for n, line in enumerate(lines) if line.startswith(f"{key}:")), 1)


def _matcher(text: str, line: int) -> Matcher:
    if "=~" in text:
        label, _, pattern = text.partition("=~")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _Broken(line, f"alerts: {text!r} is not a valid regex: {exc}") from None
        return Matcher(label.strip(), pattern.strip(), regex=True)
    label, equals, value = text.partition("=")
    if not equals or not label.strip():
        raise _Broken(line, f"alerts: {text!r} is not 'label=value' or 'label=~regex'")
    return Matcher(label.strip(), value.strip())


def sections_of(body: str) -> dict[str, str]:
    """The body's `##` sections by lower-cased heading (only the known ones)."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body.splitlines():
        heading = re.match(r"^##\s+(.*?)\s*$", line)
        if heading:
            name = heading.group(1).lower()
            current = found.setdefault(name, []) if name in SECTIONS else None
            continue
        if current is not None:
            current.append(line)
    return {name: "\n".join(text).strip() for name, text in found.items()}


@dataclass(frozen=True, slots=True)
class Subject:
    """What a runbook is matched against: an incident's service, level, alerts and words."""

    service: str | None
    severity: str | None
    alert_labels: tuple[Mapping[str, str], ...] = ()
    words: frozenset[str] = frozenset()  # from the title and the alerts' summaries

    @classmethod
    def of(
        cls,
        *,
        service: str | None,
        severity: str | None,
        alert_labels: Iterable[Mapping[str, str]] = (),
        texts: Iterable[str] = (),
    ) -> Subject:
        labels = tuple(alert_labels)
        words = {w for text in texts for w in re.findall(r"[a-z0-9]+", text.lower())}
        words |= {v.lower() for each in labels for v in each.values()}
        return cls(service, severity, labels, frozenset(words))


@dataclass(frozen=True, slots=True)
class Match:
    runbook: Runbook
    score: int
    reasons: tuple[str, ...]


def score(runbook: Runbook, subject: Subject) -> Match:
    """How well a runbook fits: its services, alert matchers, tags and severity hint."""
    points = 0
    reasons: list[str] = []
    service = (subject.service or "").lower()
    if service and service in (s.lower() for s in runbook.services):
        points += SERVICE_WEIGHT
        reasons.append(f"service {subject.service}")
    for matcher in runbook.alerts:
        if any(matcher.matches(labels) for labels in subject.alert_labels):
            points += ALERT_WEIGHT
            reasons.append(f"alert {matcher}")
    for tag in runbook.tags:
        if tag in subject.words:
            points += TAG_WEIGHT
            reasons.append(f"tag {tag}")
    if points and runbook.severity and subject.severity == runbook.severity:
        points += SEVERITY_WEIGHT
        reasons.append(f"severity {runbook.severity}")
    return Match(runbook, points, tuple(reasons))


def rank(runbooks: Iterable[Runbook], subject: Subject, *, limit: int = 5) -> list[Match]:
    """The runbooks that fit at all, best first (ties by title)."""
    matches = [m for m in (score(r, subject) for r in runbooks) if m.score > 0]
    matches.sort(key=lambda m: (-m.score, m.runbook.title))
    return matches[:limit]
