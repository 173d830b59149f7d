"""Escalation: page the policy's steps in order until someone acknowledges.

The policy is frozen onto the incident when it opens, so a later edit of the config does
not change an escalation already running. Each step is a `page` job: it notifies the
step's people (the on-call person of a schedule at that moment), then schedules the next
step after the step's wait. An acknowledgement or a resolve stops it: the next job finds
the incident no longer triggered and does nothing. A step that reaches nobody falls
through to the next one at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.detached import ById
from warroom.db.models import Event, Incident
from warroom.db.queries.incidents import TRIGGERED_VERSIONS
from warroom.domain.incidents import Status, is_open
from warroom.domain.people import Policy
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.directory import lookup
from warroom.services.incidents import timeline
from warroom.services.incidents.timeline import Kind
from warroom.services.paging import notices
from warroom.services.paging.notices import Notice

PAGE = "page"
SYSTEM = "warroom"
# Drafting reads its incidents straight from the driver: through the ORM, loading them
# took half of a draft's time, which is spent under the write lock for most pages (those
# that come due while the worker waits for it).
_INCIDENTS = ById(Incident)


def freeze(policy: Policy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "repeat": policy.repeat,
        "steps": [
            {"notify": list(s.notify), "wait": int(s.wait.total_seconds())} for s in policy.steps
        ],
    }


def policy_to_freeze(ctx: Context, incident: Incident) -> dict[str, Any] | None:
    """The escalation policy a new incident carries: None when its level does not page or
    no policy applies to its service."""
    if not ctx.config.severity(incident.severity).pages:
        return None
    policy = ctx.config.policy_for(incident.service)
    return freeze(policy) if policy is not None else None


def first_page(incident: Incident, *, now: datetime) -> jobs.JobSpec | None:
    """The job that pages the first step of the incident's frozen policy, at once."""
    if not incident.policy:
        return None
    return jobs.JobSpec(PAGE, now, incident.id, {"step": 0, "pass": 0})


def notify(
    session: Session,
    *,
    ctx: Context,
    incident: Incident,
    names: list[str],
    kind: str,
    now: datetime,
    **values: Any,
) -> list[str]:
    """Queue `kind` messages to these people; returns those with a contact to reach."""
    [reached] = notices.queue(
        session, ctx=ctx, kind=kind, notices=[Notice(incident, names, values)], now=now
    )
    return reached


@dataclass(frozen=True, slots=True)
class _Step:
    incident: Incident
    policy: dict[str, Any]  # the incident's frozen policy
    step: int
    round: int
    notes: list[str]


@dataclass(frozen=True, slots=True)
class Draft:
    """A page job's work done from its incident as it was at `version`: whom the step
    reaches (and notes on targets that reach nobody) and their messages, acknowledge
    tokens minted. The worker drafts before its transaction takes the write lock; the job
    uses the draft only if the incident has not changed since."""

    notice: Notice
    version: int
    notes: list[str]
    messages: dict[str, notices.Composed]


def _incident_ids(batch: list[jobs.Claimed]) -> list[int]:
    """The batch's incidents, each once, in id order (the order rows are locked in)."""
    return sorted({j.incident_id for j in batch if j.incident_id is not None})


def draft(session: Session, ctx: Context, batch: list[jobs.Claimed]) -> dict[int, Draft]:
    """Drafts of these page jobs, by job id (none for an incident no longer triggered).
    Only reads, so any session will do: a read-only one before the worker's transaction."""
    now = ctx.clock.now()
    found = _INCIDENTS.read(session.connection(), _incident_ids(batch))
    drafts = {}
    for job in batch:
        incident = found.get(job.incident_id or 0)
        if incident is None or incident.status != Status.TRIGGERED or not incident.policy:
            continue  # acknowledged, resolved or never paged: the escalation stops here
        steps = incident.policy["steps"]
        step = int(job.payload["step"])
        names, notes = lookup.resolve(session, ctx.config, steps[step]["notify"], now)
        notice = Notice(incident, names, {"step": step + 1, "steps": len(steps)})
        messages = notices.compose(ctx, PAGE, notice, names)
        drafts[job.id] = Draft(notice, incident.version, notes, messages)
    return drafts


def page(
    session: Session, ctx: Context, batch: list[jobs.Claimed], drafts: Mapping[int, object]
) -> None:
    """Run escalation steps (a job handler for a batch of `page` jobs). Their incidents'
    versions are read and locked in one query; a job drafted from the same version uses
    its draft, the others are drafted here. Their messages, timeline lines and next steps
    are each written with one INSERT."""
    now = ctx.clock.now()
    versions = dict(TRIGGERED_VERSIONS.run(session.connection(), _incident_ids(batch)))
    ready = {
        job.id: made
        for job in batch
        if isinstance(made := drafts.get(job.id), Draft)
        and versions.get(job.incident_id or 0) == made.version
    }
    late = [j for j in batch if j.id not in ready and j.incident_id in versions]
    ready |= draft(session, ctx, late) if late else {}
    done = [(job, ready[job.id]) for job in batch if job.id in ready]
    reached = notices.queue(
        session,
        ctx=ctx,
        kind=PAGE,
        notices=[made.notice for _, made in done],
        now=now,
        composed=[made.messages for _, made in done],
    )
    lines: list[dict[str, Any]] = []
    following: list[jobs.JobSpec] = []
    for (job, made), people in zip(done, reached, strict=True):
        incident = made.notice.incident
        step, round_ = int(job.payload["step"]), int(job.payload["pass"])
        ran = _Step(incident, incident.policy or {}, step, round_, made.notes)
        lines.append(_paged_line(ran, people, now=now))
        after = _following(ran, people, now=now)
        if after is None:
            lines.append(_ran_out_line(ran, now=now))
        else:
            following.append(after)
    timeline.append_all(session, lines)
    jobs.schedule_all(session, following, now=now)


def _paged_line(done: _Step, reached: list[str], *, now: datetime) -> dict[str, Any]:
    total = len(done.policy["steps"])
    text = (f"Paging {', '.join(reached)}" if reached else "Nobody could be paged") + (
        f" (step {done.step + 1} of {total}"
        + (f", round {done.round + 1}" if done.round else "")
        + ")"
    )
    if done.notes:
        text += "; " + "; ".join(done.notes)
    return timeline.entry(
        done.incident.id,
        kind=Kind.PAGED,
        actor=SYSTEM,
        at=now,
        now=now,
        text=text,
        data={"people": reached, "step": done.step, "pass": done.round},
    )


def _ran_out_line(done: _Step, *, now: datetime) -> dict[str, Any]:
    return timeline.entry(
        done.incident.id,
        kind=Kind.PAGED,
        actor=SYSTEM,
        at=now,
        now=now,
        text="The escalation policy ran out with no acknowledgement",
    )


def _following(done: _Step, reached: list[str], *, now: datetime) -> jobs.JobSpec | None:
    """The job for the next step (after this step's wait; at once if it reached nobody);
    None when the policy's rounds are used up."""
    steps = done.policy["steps"]
    step, round_ = (
        (done.step + 1, done.round) if done.step + 1 < len(steps) else (0, done.round + 1)
    )
    if round_ > int(done.policy["repeat"]):
        return None
    wait = steps[done.step]["wait"] if reached else 0
    return jobs.JobSpec(
        PAGE, now + timedelta(seconds=wait), done.incident.id, {"step": step, "pass": round_}
    )


def paged_people(session: Session, incident_id: int) -> list[str]:
    rows = session.scalars(
        select(Event.data).where(Event.incident_id == incident_id, Event.kind == Kind.PAGED)
    )
    names: list[str] = []
    for data in rows:
        names += [n for n in data.get("people", []) if n not in names]
    return names


def on_resolved(session: Session, *, ctx: Context, incident: Incident, message: str) -> None:
    """Tell everyone who was paged that it is over."""
    names = paged_people(session, incident.id)
    if names:
        duration = incident.resolved_at - incident.declared_at if incident.resolved_at else None
        notify(
            session,
            ctx=ctx,
            incident=incident,
            names=names,
            kind="resolved",
            now=ctx.clock.now(),
            message=message,
            duration=str(duration).split(".")[0],
        )


def on_update(
    session: Session, *, ctx: Context, incident: Incident, author: str, text: str
) -> None:
    """Everyone paged for the incident (its author aside) hears each progress update."""
    names = [name for name in paged_people(session, incident.id) if name != author]
    if names:
        now = ctx.clock.now()
        notify(
            session,
            ctx=ctx,
            incident=incident,
            names=names,
            kind="update",
            now=now,
            author=author,
            text=text,
        )


def on_raised(session: Session, *, ctx: Context, incident: Incident, reason: str) -> None:
    """A raise pages anew if the new level pages and nobody was paged yet; otherwise the
    people already paged hear of it."""
    if not is_open(Status(incident.status)):
        return
    names = paged_people(session, incident.id)
    now = ctx.clock.now()
    if not names and incident.status == Status.TRIGGERED:
        if not incident.policy:  # the old level did not page: start paging now
            incident.policy = policy_to_freeze(ctx, incident)
            page = first_page(incident, now=now)
            jobs.schedule_all(session, [page] if page else [], now=now)
        return
    notify(session, ctx=ctx, incident=incident, names=names, kind="raised", now=now, reason=reason)


def escalate_to(session: Session, *, ctx: Context, incident: Incident, target: str) -> list[str]:
    """The severity matrix: notify whoever `escalate_to` names (e.g. manager → person:carol)."""
    mapped = ctx.config.escalation_targets.get(target)
    if mapped is None:
        return []
    names, _ = lookup.resolve(session, ctx.config, [mapped], ctx.clock.now())
    return notify(
        session,
        ctx=ctx,
        incident=incident,
        names=names,
        kind="escalated",
        now=ctx.clock.now(),
        target=target,
    )
