"""/api/v1/incidents/{ref}/postmortem (draft, read as JSON, Markdown or HTML, edit,
review and publish, versions and their diff), overdue post-mortems, and action items."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from warroom.api.deps import Responder, StateDep, Viewer
from warroom.domain.incidents import parse_ref
from warroom.domain.postmortems import diff, parse_action_status, parse_kind, parse_state
from warroom.services.postmortems import actions, documents, similar
from warroom.services.postmortems.actions import ActionRead
from warroom.services.postmortems.views import (
    PostmortemRead,
    VersionRead,
    as_html,
    postmortem_view,
    version_view,
)

router = APIRouter(prefix="/api/v1", tags=["post-mortems"])
MARKDOWN = "text/markdown; charset=utf-8"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftIn(_In):
    unresolved: bool = False  # draft one for an incident not yet resolved, on purpose


class EditIn(_In):
    body: str
    base_version: int | None = None


class StateIn(_In):
    state: str


class ActionIn(_In):
    title: str = Field(max_length=200)
    owner: str
    due_at: AwareDatetime
    kind: str = "prevent"


class ActionStatusIn(_In):
    status: str


class OverdueRead(BaseModel):
    ref: str
    title: str
    severity: str
    commander: str | None
    due_at: AwareDatetime
    state: str | None


def _path(ref: str) -> str:
    return f"/incidents/{ref}/postmortem"


@router.post(_path("{ref}"), status_code=201)
def draft(
    ref: str, state: StateDep, token: Responder, body: DraftIn | None = None
) -> PostmortemRead:
    """Draft the post-mortem from the incident (refused for an unresolved one unless
    `unresolved` is true)."""
    with state.db.write.begin() as session:
        made = documents.create(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=parse_ref(ref),
            unresolved=bool(body and body.unresolved),
        )
        return postmortem_view(session, made)


@router.get(_path("{ref}"))
def read(ref: str, state: StateDep, _: Viewer) -> PostmortemRead:
    with state.db.read() as session:
        return postmortem_view(session, documents.get(session, parse_ref(ref)))


@router.get(_path("{ref}") + ".md", response_class=Response)
def read_markdown(ref: str, state: StateDep, _: Viewer) -> Response:
    with state.db.read() as session:
        body = documents.get(session, parse_ref(ref)).body
    return Response(body, media_type=MARKDOWN)


@router.get(_path("{ref}") + ".html", response_class=HTMLResponse)
def read_html(ref: str, state: StateDep, _: Viewer) -> HTMLResponse:
    with state.db.read() as session:
        view = postmortem_view(session, documents.get(session, parse_ref(ref)))
    page = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Post-mortem {view.incident}</title></head>\n<body>\n"
        f"{as_html(view.body)}</body></html>\n"
    )
    return HTMLResponse(page)


@router.put(_path("{ref}"))
def edit(ref: str, body: EditIn, state: StateDep, token: Responder) -> PostmortemRead:
    """A new version of the text (`base_version`: the one you edited, to catch a
    conflicting edit)."""
    with state.db.write.begin() as session:
        edited = documents.edit(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=parse_ref(ref),
            body=body.body,
            base_version=body.base_version,
        )
        return postmortem_view(session, edited)


@router.post(_path("{ref}") + "/state")
def move(ref: str, body: StateIn, state: StateDep, token: Responder) -> PostmortemRead:
    """draft, in_review or published."""
    target = parse_state(body.state)
    with state.db.write.begin() as session:
        moved = documents.move(
            session, ctx=state.ctx, actor=token.name, incident_id=parse_ref(ref), state=target
        )
        return postmortem_view(session, moved)


@router.get(_path("{ref}") + "/versions")
def list_versions(ref: str, state: StateDep, _: Viewer) -> dict[str, list[VersionRead]]:
    with state.db.read() as session:
        rows = documents.versions(session, parse_ref(ref))
        return {"items": [version_view(row) for row in rows]}


@router.get(_path("{ref}") + "/versions/{number}")
def read_version(ref: str, number: int, state: StateDep, _: Viewer) -> VersionRead:
    with state.db.read() as session:
        row = documents.version(session, parse_ref(ref), number)
        return version_view(row, with_body=True)


@router.get(_path("{ref}") + "/diff", response_class=Response)
def version_diff(
    ref: str,
    state: StateDep,
    _: Viewer,
    start: Annotated[int, Query(alias="from", ge=1)],
    end: Annotated[int, Query(alias="to", ge=1)],
) -> Response:
    """The unified diff between two versions, as text."""
    incident_id = parse_ref(ref)
    with state.db.read() as session:
        old = documents.version(session, incident_id, start)
        new = documents.version(session, incident_id, end)
        lines = diff(old.body, new.body, old_name=f"v{start}", new_name=f"v{end}")
    return Response("\n".join(lines) + "\n", media_type="text/plain; charset=utf-8")


@router.get("/postmortems/overdue")
def overdue(state: StateDep, _: Viewer) -> dict[str, list[OverdueRead]]:
    with state.db.read() as session:
        late = documents.overdue(session, now=state.ctx.clock.now())
    return {"items": [OverdueRead(**item.__dict__) for item in late]}


@router.post("/incidents/{ref}/action-items", status_code=201)
def add_action(ref: str, body: ActionIn, state: StateDep, token: Responder) -> ActionRead:
    kind = parse_kind(body.kind)
    with state.db.write.begin() as session:
        return actions.create(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=parse_ref(ref),
            title=body.title,
            owner=body.owner,
            due_at=body.due_at,
            kind=kind,
        )


@router.post(_path("{ref}") + "/action-items", status_code=201)
def actions_from_postmortem(
    ref: str, state: StateDep, token: Responder
) -> dict[str, list[ActionRead]]:
    """Make the action items the post-mortem's text lists and the incident lacks."""
    with state.db.write.begin() as session:
        made = actions.from_postmortem(
            session, ctx=state.ctx, actor=token.name, incident_id=parse_ref(ref)
        )
    return {"items": made}


@router.get("/action-items")
def list_actions(
    state: StateDep,
    _: Viewer,
    owner: str | None = None,
    overdue: bool = False,
    incident: str | None = None,
    status: Annotated[str, Query(description="open, done, dropped or all")] = "open",
) -> dict[str, list[ActionRead]]:
    wanted = None if status == "all" else parse_action_status(status)
    incident_id = parse_ref(incident) if incident else None
    with state.db.read() as session:
        items = actions.listed(
            session,
            ctx=state.ctx,
            owner=owner,
            overdue=overdue,
            incident_id=incident_id,
            status=wanted,
        )
    return {"items": items}


@router.post("/action-items/{item_id}/status")
def set_action_status(
    item_id: int, body: ActionStatusIn, state: StateDep, token: Responder
) -> ActionRead:
    status = parse_action_status(body.status)
    with state.db.write.begin() as session:
        return actions.set_status(
            session, ctx=state.ctx, actor=token.name, item_id=item_id, status=status
        )


@router.get("/action-items/{item_id}/issue", response_class=Response)
def action_issue(item_id: int, state: StateDep, _: Viewer) -> Response:
    """The item as a GitHub-style issue body (Markdown)."""
    with state.db.read() as session:
        item = actions.get(session, ctx=state.ctx, item_id=item_id)
    return Response(actions.issue_body(item, state.ctx.public_url), media_type=MARKDOWN)


@router.get("/incidents/{ref}/similar")
def similar_incidents(ref: str, state: StateDep, _: Viewer) -> dict[str, list[dict[str, Any]]]:
    """The most similar past incidents, best first, with how each was resolved."""
    with state.db.read() as session:
        found = similar.similar(session, parse_ref(ref))
    return {"items": [similar.as_dict(item) for item in found]}
