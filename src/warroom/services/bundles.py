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
from warroom.services import jobs

THROTTLE = "throttle"
BUNDLED = ("page",)  # the messages that wait for a window: pages; the rest go at once


@dataclass(frozen=True, slots=True)
class Batch:
    """Claimed deliveries to one contact, sent as one message: `ids[0]` leads."""

    ids: list[int]
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


def hold(job: Job, *, until: datetime) -> None:
    """Give a claimed job back, due when the window ends (this claim was not a try)."""
    job.status = "pending"
    job.due_at = until
    job.attempts = max(0, job.attempts - 1)
    job.claimed_by = None
    job.lease_until = None


def _partners(session: Session, job: Job, *, worker: str, now: datetime) -> list[Job]:
    """Other pages to the same contact due now (or whose worker died), claimed here."""
    query = select(Job.id).where(
        jobs.claimable(now),
        Job.kind == job.kind,
        Job.id != job.id,
        Job.payload["person"].as_string() == job.payload["person"],
        Job.payload["contact"].as_string() == job.payload["contact"],
        Job.payload["message"].as_string().in_(BUNDLED),
    )
    claimed = (jobs.claim(session, i, worker=worker, now=now) for i in session.scalars(query))
    return [j for j in claimed if j is not None]


def gather(
    session: Session, job: Job, *, window: timedelta, worker: str, now: datetime
) -> Batch | None:
    """The batch this claimed job goes out in, or None when it was held for the window."""
    if window <= timedelta(0) or job.payload.get("message") not in BUNDLED:
        return Batch(ids=[job.id], payload=dict(job.payload))
    until = window_end(session, job.payload, now=now)
    if until is not None:
        hold(job, until=until)
        return None
    group = sorted([job, *_partners(session, job, worker=worker, now=now)], key=lambda j: j.id)
    return Batch(ids=[j.id for j in group], payload=combined([j.payload for j in group]))


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
            status="done",
            attempts=0,
            created_at=now,
            due_at=now,
        )
        session.add(marker)
    marker.due_at = max(marker.due_at, now + window)
    marker.finished_at = now
