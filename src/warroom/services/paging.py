"""Escalation: page the policy's steps in order until someone acknowledges.

The policy is frozen onto the incident when it opens, so a later edit of the config does
not change an escalation already running. Each step is a `page` job: it notifies the
step's people (the on-call person of a schedule at that moment), then schedules the next
step after the step's wait. An acknowledgement or a resolve stops it: the next job finds
the incident no longer triggered and does nothing. A step that reaches nobody falls
through to the next one at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Event, Incident
from warroom.domain.incidents import Status, is_open, ref_of
from warroom.domain.people import Policy
from warroom.services import ack_links, deliveries, directory, jobs, messages, timeline
from warroom.services.context import Context
from warroom.services.timeline import Kind

PAGE = "page"
SYSTEM = "warroom"


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
    reached = []
    ref = ref_of(incident.id)
    for name in names:
        person = directory.person(session, ctx.config, name)
        if person is None:
            continue
        ack_url = None
        if kind in ("page", "escalated") and incident.status == Status.TRIGGERED:
            token = ack_links.issue(session, ctx=ctx, incident_id=incident.id, person=name)
            ack_url = f"{ctx.public_url}/ack/{token}"
        text = messages.render(
            kind,
            templates_dir=ctx.config.templates_dir,
            incident=incident,
            ref=ref,
            level=ctx.config.severity(incident.severity),
            ack_url=ack_url,
            incident_url=f"{ctx.public_url}/incidents/{ref}",
            **values,
        )
        data = {
            "incident": ref,
            "severity": incident.severity,
            "status": incident.status,
            "title": incident.title,
            "message": kind,
            "ack_url": ack_url,
        }
        if deliveries.enqueue(
            session,
            person=person,
            text=text,
            kind=kind,
            incident_id=incident.id,
            now=now,
            data=data,
        ):
            reached.append(name)
    return reached


def page(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    """Run one escalation step (a job handler)."""
    incident = session.get(Incident, job.incident_id, with_for_update=True)
    if incident is None or incident.status != Status.TRIGGERED or not incident.policy:
        return  # acknowledged, resolved or never paged: the escalation stops here
    now = ctx.clock.now()
    steps = incident.policy["steps"]
    step, round_ = int(job.payload["step"]), int(job.payload["pass"])
    names, notes = directory.resolve(session, ctx.config, steps[step]["notify"], now)
    reached = notify(
        session,
        ctx=ctx,
        incident=incident,
        names=names,
        kind="page",
        now=now,
        step=step + 1,
        steps=len(steps),
    )
    text = (f"Paging {', '.join(reached)}" if reached else "Nobody could be paged") + (
        f" (step {step + 1} of {len(steps)}" + (f", round {round_ + 1}" if round_ else "") + ")"
    )
    if notes:
        text += "; " + "; ".join(notes)
    timeline.record(
        session,
        incident,
        kind=Kind.PAGED,
        actor=SYSTEM,
        at=now,
        now=now,
        text=text,
        data={"people": reached, "step": step, "pass": round_},
    )
    following = (step + 1, round_) if step + 1 < len(steps) else (0, round_ + 1)
    if following[1] > int(incident.policy["repeat"]):
        timeline.record(
            session,
            incident,
            kind=Kind.PAGED,
            actor=SYSTEM,
            at=now,
            now=now,
            text="The escalation policy ran out with no acknowledgement",
        )
        return
    wait = steps[step]["wait"] if reached else 0
    jobs.schedule(
        session,
        kind=PAGE,
        due_at=now + timedelta(seconds=wait),
        now=now,
        incident_id=incident.id,
        payload={"step": following[0], "pass": following[1]},
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
    names, _ = directory.resolve(session, ctx.config, [mapped], ctx.clock.now())
    return notify(
        session,
        ctx=ctx,
        incident=incident,
        names=names,
        kind="escalated",
        now=ctx.clock.now(),
        target=target,
    )
