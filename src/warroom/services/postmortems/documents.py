"""Post-mortem use cases: draft, edit (each edit a version with its author), move
between draft, in review and published, read, and list the overdue ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warroom.db.learning import Postmortem, PostmortemVersion
from warroom.db.models import Incident
from warroom.domain.incidents import Status, ref_of
from warroom.domain.postmortems import State, check_move
from warroom.errors import Conflict, Invalid, NotFound
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.incidents import lifecycle, timeline
from warroom.services.incidents.inputs import clean
from warroom.services.incidents.timeline import Kind
from warroom.services.postmortems import drafts
from warroom.services.status.cache import mark_changed

MAX_BODY = 200_000
SYSTEM = "warroom"
DRAFTABLE = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True)
class Overdue:
    ref: str
    title: str
    severity: str
    commander: str | None
    due_at: datetime
    state: str | None  # None: not even drafted


def find(session: Session, incident_id: int) -> Postmortem | None:
    return session.scalar(select(Postmortem).where(Postmortem.incident_id == incident_id))


def get(session: Session, incident_id: int) -> Postmortem:
    found = find(session, incident_id)
    if found is None:
        ref = ref_of(lifecycle.get(session, incident_id).id)  # a missing incident first
        raise NotFound(
            f"{ref} has no post-mortem yet: draft one with `warroom postmortem {ref} draft`.",
            field="ref",
        )
    return found


def _add_version(
    session: Session, postmortem: Postmortem, *, author: str, now: datetime, note: str
) -> None:
    session.add(
        PostmortemVersion(
            postmortem_id=postmortem.id,
            number=postmortem.version,
            state=postmortem.state,
            body=postmortem.body,
            author=author,
            note=note,
            created_at=now,
        )
    )


def create(
    session: Session, *, ctx: Context, actor: str, incident_id: int, unresolved: bool = False
) -> Postmortem:
    """Draft the post-mortem from the incident. An incident not yet resolved is refused
    unless `unresolved` says a draft is wanted anyway; one that has a post-mortem is too."""
    incident = lifecycle.get(session, incident_id)
    ref = ref_of(incident.id)
    if Status(incident.status) not in DRAFTABLE and not unresolved:
        raise Conflict(
            f"{ref} is {incident.status}, not resolved: its post-mortem would miss the end "
            "(ask for a draft of an unresolved incident explicitly to write one now).",
            field="ref",
        )
    if find(session, incident.id) is not None:
        raise Conflict(f"{ref} already has a post-mortem.", field="ref")
    now = ctx.clock.now()
    postmortem = Postmortem(
        incident_id=incident.id,
        state=State.DRAFT.value,
        body=drafts.draft(session, incident, ctx.config.templates_dir),
        version=1,
        author=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(postmortem)
    session.flush()
    _add_version(session, postmortem, author=actor, now=now, note="drafted")
    if actor != SYSTEM:  # the worker's draft after every resolve is no news on the timeline
        _note(session, incident, actor, now, "Post-mortem drafted")
    return postmortem


def edit(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    incident_id: int,
    body: str,
    base_version: int | None = None,
) -> Postmortem:
    """A new text, kept as a version by `actor`. `base_version`, when given, is the
    version the editor started from: a newer one in between is a conflict, not lost
    work. Editing a published post-mortem takes it back to draft."""
    text = clean(body, "body", MAX_BODY)
    if not text:
        raise Invalid("body must not be empty.", field="body")
    postmortem = _locked(session, incident_id)
    if base_version is not None and base_version != postmortem.version:
        raise Conflict(
            f"The post-mortem is at version {postmortem.version} now (by {postmortem.author}),"
            f" not {base_version}: reload it and apply your change again.",
            field="base_version",
        )
    if text.strip() == postmortem.body.strip():
        return postmortem
    now = ctx.clock.now()
    postmortem.body = text if text.endswith("\n") else text + "\n"
    if postmortem.state == State.PUBLISHED:
        postmortem.state = State.DRAFT.value
        postmortem.published_at = None
        mark_changed(session)  # the status page no longer says it is published
    _next_version(session, postmortem, actor=actor, now=now, note="edited")
    return postmortem


def move(
    session: Session, *, ctx: Context, actor: str, incident_id: int, state: State
) -> Postmortem:
    postmortem = _locked(session, incident_id)
    check_move(State(postmortem.state), state)
    now = ctx.clock.now()
    if State.PUBLISHED in (State(postmortem.state), state):
        mark_changed(session)  # the status page says whether it is published
    postmortem.state = state.value
    postmortem.published_at = now if state == State.PUBLISHED else None
    _next_version(session, postmortem, actor=actor, now=now, note=f"moved to {state}")
    incident = lifecycle.get(session, incident_id)
    _note(session, incident, actor, now, f"Post-mortem {state.value.replace('_', ' ')}")
    return postmortem


def _locked(session: Session, incident_id: int) -> Postmortem:
    postmortem = get(session, incident_id)
    session.refresh(postmortem, with_for_update=True)
    return postmortem


def _next_version(
    session: Session, postmortem: Postmortem, *, actor: str, now: datetime, note: str
) -> None:
    postmortem.version += 1
    postmortem.author = actor
    postmortem.updated_at = now
    session.flush()
    _add_version(session, postmortem, author=actor, now=now, note=note)


def _note(session: Session, incident: Incident, actor: str, now: datetime, text: str) -> None:
    timeline.record(session, incident, kind=Kind.NOTE, actor=actor, at=now, now=now, text=text)


def versions(session: Session, incident_id: int) -> list[PostmortemVersion]:
    postmortem = get(session, incident_id)
    query = (
        select(PostmortemVersion)
        .where(PostmortemVersion.postmortem_id == postmortem.id)
        .order_by(PostmortemVersion.number.desc())
    )
    return list(session.scalars(query))


def version(session: Session, incident_id: int, number: int) -> PostmortemVersion:
    postmortem = get(session, incident_id)
    found = None
    if 0 < number <= postmortem.version:  # the numbers there are
        query = select(PostmortemVersion).where(
            PostmortemVersion.postmortem_id == postmortem.id, PostmortemVersion.number == number
        )
        found = session.scalar(query)
    if found is None:
        raise NotFound(
            f"The post-mortem of {ref_of(incident_id)} has no version {number}.", field="version"
        )
    return found


def overdue(session: Session, *, now: datetime) -> list[Overdue]:
    """Incidents whose post-mortem was due before `now` and is not published, oldest
    deadline first (drills left out; a closed incident is done with)."""
    query = (
        select(Incident, Postmortem.state)
        .outerjoin(Postmortem, Postmortem.incident_id == Incident.id)
        .where(
            Incident.postmortem_due_at < now,
            Incident.status != Status.CLOSED.value,
            Incident.drill.is_(False),
            or_(Postmortem.id.is_(None), Postmortem.state != State.PUBLISHED.value),
        )
        .order_by(Incident.postmortem_due_at, Incident.id)
    )
    return [
        Overdue(
            ref=ref_of(incident.id),
            title=incident.title,
            severity=incident.severity,
            commander=incident.commander,
            due_at=incident.postmortem_due_at,
            state=state,
        )
        for incident, state in session.execute(query)
        if incident.postmortem_due_at is not None
    ]


def draft_job(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    """The worker's draft after a resolve that needs a post-mortem, unless one exists
    (or the incident was reopened in between)."""
    incident_id = job.incident_id
    if incident_id is None or find(session, incident_id) is not None:
        return
    if lifecycle.get(session, incident_id).resolved_at is None:
        return
    create(session, ctx=ctx, actor=SYSTEM, incident_id=incident_id)
