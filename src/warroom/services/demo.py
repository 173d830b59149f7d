"""Demo data: incidents of every severity in several statuses, with true back-dated times,
and the demo's config (people whose contacts are demo inboxes, a weekly schedule, a
two-step policy and escalation targets), so a new incident visibly pages someone."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.db.models import ApiToken, Incident, PersonRow
from warroom.domain.access import AccessRole
from warroom.domain.incidents import Role, Status
from warroom.domain.postmortems import State
from warroom.notifiers import demo as demo_notifier
from warroom.services import audit
from warroom.services.access import tokens
from warroom.services.context import Context
from warroom.services.incidents import lifecycle, roles
from warroom.services.postmortems import documents

DEMO_TOKEN_NAME = "demo-admin"  # noqa: S105 - a name, not a secret

# (title, service, hours ago, how far it got); one row per demo incident
STORIES = [
    ("Checkout returns 500 for every order", "checkout", 0.3, Status.TRIGGERED),
    ("Sign-in fails for all users", "auth", 1.5, Status.IDENTIFIED),
    ("Database primary out of connections", "api", 30, Status.CLOSED),
    ("Payments time out for card customers", "payments", 0.2, Status.ACKNOWLEDGED),
    ("Dashboard tiles do not load", "web", 2, Status.MITIGATING),
    ("p95 latency above 10 s on search", "search", 5, Status.MONITORING),
    ("Webhook deliveries delayed", "api", 50, Status.RESOLVED),
    ("Analytics stopped updating", "analytics", 3, Status.INVESTIGATING),
    ("Error rate at 3% on profile API", "api", 0.5, Status.TRIGGERED),
    ("One report export fails", "reports", 26, Status.RESOLVED),
    ("Typo on the pricing page", "web", 20, Status.TRIGGERED),
    ("Avatar images stretched on mobile", "web", 72, Status.CLOSED),
]
PEOPLE = ("alice", "bob", "charlie", "dana")


def config_path() -> Path:
    """The demo's config file, shipped with warroom."""
    return Path(str(resources.files("warroom.presets").joinpath("demo-config.toml")))


def seed(session: Session, *, ctx: Context) -> int:
    """Add the demo incidents unless the database already has incidents. Opening them
    pages nobody (they are made without the policies): the demo's inboxes wait for the
    incidents the visitor declares."""
    if session.scalar(select(func.count()).select_from(Incident)):
        return 0
    quiet = ctx.config.model_copy(update={"policies": (), "default_policy": None})
    ctx = dataclasses.replace(ctx, config=quiet)
    cast = [p.name for p in ctx.config.people] or list(PEOPLE)
    levels = [s.id for s in ctx.config.severities]
    now = ctx.clock.now()
    for n, (title, service, hours_ago, goal) in enumerate(STORIES):
        start = now - timedelta(hours=hours_ago)
        step = timedelta(hours=hours_ago) / 8
        person = cast[n % len(cast)]
        incident = lifecycle.declare(
            session,
            ctx=ctx,
            actor=person,
            title=title,
            severity=levels[n * len(levels) // len(STORIES)],
            service=service,
            summary=f"{title}.",
            impact="Customers notice it.",
            commander=person if goal != Status.TRIGGERED else None,
            at=start,
        )
        session.flush()
        helper = cast[(n + 1) % len(cast)]
        _advance(session, ctx, incident.id, (person, helper), goal, start, step)
    return len(STORIES)


def _advance(
    session: Session,
    ctx: Context,
    incident_id: int,
    people: tuple[str, str],
    goal: Status,
    start: datetime,
    step: timedelta,
) -> None:
    path = [
        Status.ACKNOWLEDGED,
        Status.INVESTIGATING,
        Status.IDENTIFIED,
        Status.MITIGATING,
        Status.MONITORING,
        Status.RESOLVED,
        Status.CLOSED,
    ]
    person = people[0]
    when = start
    for status in path[: path.index(goal) + 1] if goal in path else []:
        when = when + step
        if status == Status.INVESTIGATING:
            roles.assign_role(
                session,
                ctx=ctx,
                actor=person,
                incident_id=incident_id,
                role=Role.RESPONDER,
                person=people[1],
            )
            lifecycle.post_update(
                session,
                ctx=ctx,
                actor=person,
                incident_id=incident_id,
                message="We are looking into it.",
                public=True,
                at=when,
            )
        if status == Status.CLOSED:  # a closed incident's post-mortem is written and out
            documents.create(session, ctx=ctx, actor=person, incident_id=incident_id)
            documents.move(
                session, ctx=ctx, actor=person, incident_id=incident_id, state=State.PUBLISHED
            )
            lifecycle.close(session, ctx=ctx, actor=person, incident_id=incident_id)
            continue
        lifecycle.change_status(
            session, ctx=ctx, actor=person, incident_id=incident_id, status=status, at=when
        )


def give_inbox(session: Session, *, ctx: Context, name: str) -> None:
    """A demo inbox as the stored person's one contact, when the demo's config is in use."""
    row = session.scalar(select(PersonRow).where(PersonRow.name == name))
    if row is not None and ctx.config.demo:
        row.contacts = [f"{demo_notifier.PREFIX}{name}"]


def rotate_token(session: Session, *, ctx: Context) -> str:
    """A fresh demo admin token on each demo start (the old one stops working)."""
    old = session.scalar(select(ApiToken).where(ApiToken.name == DEMO_TOKEN_NAME))
    if old is not None:
        session.delete(old)
        session.flush()
    _, plain = tokens.create(
        session, ctx=ctx, actor=audit.SYSTEM, name=DEMO_TOKEN_NAME, role=AccessRole.ADMIN
    )
    return plain
