"""What a responder needs to see of an alert: its links (http(s) only), its description,
its other annotations, and the labels that tell one alert from another (the host first).

Pure functions over what a stored alert holds (`labels`, `links`, `details`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Labels that say which thing is broken, most telling first; shown before the others.
DISTINGUISHING = (
    "instance",
    "host",
    "hostname",
    "alertname",
    "job",
    "service",
    "cluster",
    "namespace",
    "pod",
    "container",
    "region",
    "environment",
    "env",
)
# Annotations (details) that describe the alert in words, best first.
DESCRIPTIONS = ("description", "description_text", "message", "text", "body")
# Details that hold a URL and what to call the link.
URL_DETAILS = {
    "silenceURL": "Silence",
    "silence_url": "Silence",
    "runbook_url": "Runbook",
    "runbook": "Runbook",
    "dashboardURL": "Dashboard",
    "panelURL": "Panel",
    "imageUrl": "Image",
    "web_url": "Web",
    "url": "Link",
}
MAX_VALUE = 500  # an annotation longer than this is cut in the room


@dataclass(frozen=True, slots=True)
class SafeLink:
    href: str
    text: str


def is_web_url(href: object) -> bool:
    return isinstance(href, str) and href.strip().lower().startswith(("http://", "https://"))


def safe_links(links: Iterable[Any], details: Mapping[str, Any]) -> list[SafeLink]:
    """The alert's links and the URLs among its details, http(s) only, each URL once."""
    seen: set[str] = set()
    found: list[SafeLink] = []
    candidates: list[tuple[object, str]] = [
        (link.get("href"), str(link.get("text") or "")) for link in links if isinstance(link, dict)
    ]
    candidates += [(details.get(key), name) for key, name in URL_DETAILS.items()]
    for href, text in candidates:
        if not is_web_url(href):
            continue
        url = str(href).strip()
        if url not in seen:
            seen.add(url)
            found.append(SafeLink(url, text or url))
    return found


def description_of(details: Mapping[str, Any]) -> str | None:
    """The alert's description in the sender's words, when it gives one."""
    for key in DESCRIPTIONS:
        value = details.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def annotations_of(details: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The details worth reading besides the description and the URLs: scalars as text,
    cut at MAX_VALUE characters."""
    shown = []
    skipped = {*DESCRIPTIONS, *URL_DETAILS, "summary"}  # the summary heads the alert
    for key, value in details.items():
        if key in skipped or isinstance(value, dict | list) or value is None:
            continue
        text = str(value).strip()
        if text:
            shown.append((str(key), text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"))
    return shown


def ordered_labels(labels: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every label, the distinguishing ones first (in DISTINGUISHING order), then the rest
    by name."""
    first = [(key, str(labels[key])) for key in DISTINGUISHING if key in labels]
    rest = sorted((str(k), str(v)) for k, v in labels.items() if k not in DISTINGUISHING)
    return first + rest


def distinguishing(
    all_labels: Iterable[Mapping[str, Any]], limit: int = 6
) -> list[tuple[str, str]]:
    """The distinguishing labels of several alerts, each (name, value) once, at most
    `limit` of them: what a responder looks for first (the host, the alert's name)."""
    seen: list[tuple[str, str]] = []
    for labels in all_labels:
        for key in DISTINGUISHING:
            if key in labels and (pair := (key, str(labels[key]))) not in seen:
                seen.append(pair)
    return seen[:limit]
