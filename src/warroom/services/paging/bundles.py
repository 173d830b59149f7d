"""Bundling: a storm must not page one person a hundred times.

The first page to a contact goes at once. A successful send starts the contact's window
(`bundle_window`): pages that come due inside it are held until it ends, and then go as
one message ("… and N more"), each with its own acknowledge link. Every page stays its own
`deliver` job, so every one is recorded on its incident's timeline.

The window is itself a row of the jobs table (kind `throttle`, one per person and contact,
never claimed: its `due_at` is when the window ends), so a restart loses nothing and every
worker sees it. A window of 0 turns bundling off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Job
from warroom.domain.jobs import JobStatus
from warroom.services import jobs

THROTTLE = "throttle"
BUNDLED = ("page",)  # the messages that wait for a window: pages; the rest go at once
PARTNERS = 500  # pages to one contact bundled at most into one message
JOBS = jobs.JOBS


@dataclass(frozen=True, slots=True)
class Batch:
    """Claimed deliveries to one contact, sent as one message: `members[0]` leads."""

    members: list[jobs.Claimed]
    payload: dict[str, Any]


def _marker(session: Session, payload: dict[str, Any]) -> Job | None:
    query = select(Job).where(
        Job.incident_id.is_(None),
        Job.kind == THROTTLE,
        Job.payload["person"].as_string() == payload["person"],
        Job.payload["contact"].as_string() == payload["contact"],
    )
    return session.scalars(query.order_by(Job.due_at.desc()).limit(1)).first()


def window_end(session: Session, payload: dict[str, Any], *, now: datetime) -> datetime | None:
    """When the contact's window ends, if one is open now."""
    marker = _marker(session, payload)
    return marker.due_at if marker is not None and marker.due_at > now else None


def _bundled(payload: dict[str, Any], window: timedelta) -> bool:
    return window > timedelta(0) and payload.get("message") in BUNDLED


def groups(claimed: list[jobs.Claimed], *, window: timedelta) -> list[list[jobs.Claimed]]:
    """Claimed deliveries in the groups they may go out in: pages to one contact together
    (when bundling is on), every other message alone; oldest first."""
    together: dict[tuple[str, str], list[jobs.Claimed]] = {}
    found: list[list[jobs.Claimed]] = []
    for job in claimed:
        if not _bundled(job.payload, window):
            found.append([job])
            continue
        key = (job.payload["person"], job.payload["contact"])
        if key not in together:
            together[key] = []
            found.append(together[key])
        together[key].append(job)
    return found


def _partners(
    session: Session, group: list[jobs.Claimed], *, worker: str, now: datetime
) -> list[jobs.Claimed]:
    """Other pages to the same contact due now (or whose worker died), claimed here."""
    lead = group[0]
    return jobs.claim(
        session,
        worker=worker,
        now=now,
        limit=PARTNERS,
        where=(
            JOBS.c.kind == lead.kind,
            JOBS.c.id.not_in([j.id for j in group]),
            JOBS.c.payload["person"].as_string() == lead.payload["person"],
            JOBS.c.payload["contact"].as_string() == lead.payload["contact"],
            JOBS.c.payload["message"].as_string().in_(BUNDLED),
        ),
    )


def gather(
    session: Session, group: list[jobs.Claimed], *, window: timedelta, worker: str, now: datetime
) -> Batch | None:
    """The batch a group of claimed deliveries (see `groups`) goes out in, or None when
    it was given back to wait for the contact's window to end (that claim was no try)."""
    if not _bundled(group[0].payload, window):
        return Batch(members=group, payload=dict(group[0].payload))
    until = window_end(session, group[0].payload, now=now)
    if until is not None:
        for job in group:
            jobs.give_back(session, job, due_at=until)
        return None
    batch = sorted([*group, *_partners(session, group, worker=worker, now=now)], key=lambda j: j.id)
    return Batch(members=batch, payload=combined([j.payload for j in batch]))


def combined(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """One message for several pages: the first in full, then a line for each other."""
    lead = dict(payloads[0])
    others = payloads[1:]
    if not others:
        return lead
    lines = []
    for other in others:
        link = other.get("data", {}).get("ack_url")
        lines.append(f"- {other['subject']}" + (f" (acknowledge: {link})" if link else ""))
    lead["subject"] = f"{lead['subject']} … and {len(others)} more"[:250]
    lead["body"] = f"{lead['body']}\n\nAlso waiting for someone:\n" + "\n".join(lines)
    lead["data"] = {
        **lead.get("data", {}),
        "more": [o.get("data", {}).get("incident") for o in others],
    }
    return lead


def start_window(
    session: Session, payload: dict[str, Any], *, window: timedelta, now: datetime
) -> None:
    """After a page was sent: the contact's next pages wait until `now + window`."""
    if window <= timedelta(0) or payload.get("message") not in BUNDLED:
        return
    marker = _marker(session, payload)
    if marker is None:
        marker = Job(
            kind=THROTTLE,
            incident_id=None,
            payload={"person": payload["person"], "contact": payload["contact"]},
            status=JobStatus.DONE.value,
            attempts=0,
            created_at=now,
            due_at=now,
        )
        session.add(marker)
    marker.due_at = max(marker.due_at, now + window)
    marker.finished_at = now
