"""/incidents/{ref}/postmortem: the post-mortem editor (Markdown with a live preview,
versions with their authors and a diff between two, review and publish), the
incident's action items, an admin's close without a published post-mortem; and
/action-items, every open action item with overdue ones marked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from warroom.domain.incidents import ref_of
from warroom.domain.postmortems import (
    ActionKind,
    ActionStatus,
    State,
    diff,
    parse_action_status,
    parse_kind,
    parse_state,
)
from warroom.errors import Invalid, NotFound, WarroomError
from warroom.services.incidents import lifecycle
from warroom.services.incidents.views import incident_view
from warroom.services.postmortems import actions, closing, documents
from warroom.services.postmortems.views import as_html, postmortem_view, version_view
from warroom.web import render
from warroom.web.auth import Acting, Administering, SignedIn
from warroom.web.errors import PageRefused
from warroom.web.rooms import incident_id_of
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form()]


def _page_context(
    session: Session, request: Request, incident_id: int, start: int | None, end: int | None
) -> dict[str, Any]:
    ctx = web_state(request).ctx
    incident = lifecycle.get(session, incident_id)
    found = documents.find(session, incident_id)
    view = postmortem_view(session, found) if found else None
    versions = [version_view(v) for v in documents.versions(session, incident_id)] if found else []
    shown_diff: list[str] = []
    if found and len(versions) > 1:  # by default: everything since the first draft
        new = end or versions[0].number
        old = start or versions[-1].number
        shown_diff = diff(
            documents.version(session, incident_id, old).body,
            documents.version(session, incident_id, new).body,
            old_name=f"version {old}",
            new_name=f"version {new}",
        )
    level = ctx.config.severity(incident.severity)
    return {
        "incident": incident_view(incident),
        "postmortem": view,
        "versions": versions,
        "diff": shown_diff,
        "diff_from": start or (versions[-1].number if len(versions) > 1 else None),
        "diff_to": end or (versions[0].number if versions else None),
        "required": level.postmortem_required,
        "published": closing.published(session, incident_id),
        "actions": actions.listed(session, ctx=ctx, incident_id=incident_id, status=None),
        "kinds": list(ActionKind),
        "states": State,
    }


def editor_page(
    request: Request,
    incident_id: int,
    *,
    status: int = 200,
    text: str | None = None,
    problem: WarroomError | None = None,
    start: int | None = None,
    end: int | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    state = web_state(request)
    with state.db.read() as session:
        try:
            context = _page_context(session, request, incident_id, start, end)
        except WarroomError as exc:
            raise PageRefused(exc) from None
    postmortem = context["postmortem"]
    body = text if text is not None else (postmortem.body if postmortem else "")
    return render.page(
        request,
        "postmortem.html.j2",
        status=status,
        body=body,
        preview=as_html(body) if body else "",
        problem=problem,
        values=values or {},
        **context,
    )


@router.get("/incidents/{ref}/postmortem")
def show(ref: str, request: Request, _: SignedIn) -> HTMLResponse:
    """The editor; `?from=&to=` picks the two versions to compare."""
    query = request.query_params
    try:
        start = int(query["from"]) if query.get("from") else None
        end = int(query["to"]) if query.get("to") else None
    except ValueError:
        raise PageRefused(Invalid("from and to must be version numbers.", field="from")) from None
    return editor_page(request, incident_id_of(ref), start=start, end=end)


def _change(
    request: Request,
    ref: str,
    do: Callable[[Session, int], object],
    *,
    text: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    incident_id = incident_id_of(ref)
    try:
        with web_state(request).db.write.begin() as session:
            do(session, incident_id)
    except WarroomError as exc:
        if isinstance(exc, NotFound) and exc.field == "ref":
            raise PageRefused(exc) from None
        return editor_page(
            request, incident_id, status=exc.status, text=text, problem=exc, values=values
        )
    return RedirectResponse(f"/incidents/{ref_of(incident_id)}/postmortem", status_code=303)


@router.post("/incidents/{ref}/postmortem/draft")
def draft(ref: str, request: Request, who: Acting, unresolved: Field = "") -> Response:
    ctx = web_state(request).ctx
    return _change(
        request,
        ref,
        lambda s, i: documents.create(
            s, ctx=ctx, actor=who.name, incident_id=i, unresolved=unresolved == "on"
        ),
    )


@router.post("/incidents/{ref}/postmortem")
def save(
    ref: str,
    request: Request,
    who: Acting,
    body: Field = "",
    base_version: Field = "",
    preview: Field = "",
) -> Response:
    """Save a new version, or (the Preview button, without JavaScript) show the text
    rendered without saving it."""
    if preview:
        return editor_page(request, incident_id_of(ref), text=body)
    ctx = web_state(request).ctx
    base = int(base_version) if base_version.isdigit() else None
    return _change(
        request,
        ref,
        lambda s, i: documents.edit(
            s, ctx=ctx, actor=who.name, incident_id=i, body=body, base_version=base
        ),
        text=body,
    )


@router.post("/incidents/{ref}/postmortem/preview")
def live_preview(ref: str, _: Acting, body: Field = "") -> HTMLResponse:
    """The Markdown as HTML, for the editor's live preview."""
    return HTMLResponse(as_html(body), headers=render.HEADERS)


@router.post("/incidents/{ref}/postmortem/state")
def move(ref: str, request: Request, who: Acting, state: Field = "") -> Response:
    ctx = web_state(request).ctx
    return _change(
        request,
        ref,
        lambda s, i: documents.move(
            s, ctx=ctx, actor=who.name, incident_id=i, state=parse_state(state)
        ),
    )


def _due(text: str) -> datetime:
    """A date from the form (`2026-12-01`): the end of that day, UTC."""
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise Invalid(f"due date {text!r} is not a date like 2026-12-01.", field="due_at") from None
    return datetime.combine(day, time(23, 59), UTC)


@router.post("/incidents/{ref}/action-items")
def add_action(
    ref: str,
    request: Request,
    who: Acting,
    title: Field = "",
    owner: Field = "",
    due: Field = "",
    kind: Field = "prevent",
) -> Response:
    ctx = web_state(request).ctx
    values = {"title": title, "owner": owner, "due": due, "kind": kind}
    return _change(
        request,
        ref,
        lambda s, i: actions.create(
            s,
            ctx=ctx,
            actor=who.name,
            incident_id=i,
            title=title,
            owner=owner,
            due_at=_due(due),
            kind=parse_kind(kind),
        ),
        values=values,
    )


@router.post("/incidents/{ref}/postmortem/action-items")
def actions_from_text(ref: str, request: Request, who: Acting) -> Response:
    """Make the action items the post-mortem's text lists and the incident lacks."""
    ctx = web_state(request).ctx
    return _change(
        request,
        ref,
        lambda s, i: actions.from_postmortem(s, ctx=ctx, actor=who.name, incident_id=i),
    )


@router.post("/incidents/{ref}/close-anyway")
def close_anyway(ref: str, request: Request, who: Administering, reason: Field = "") -> Response:
    """An admin closes the incident without its published post-mortem, with a reason."""
    ctx = web_state(request).ctx
    if not reason.strip():
        problem = Invalid("Give a reason to close without a published post-mortem.", field="reason")
        return editor_page(request, incident_id_of(ref), status=422, problem=problem)
    return _change(
        request,
        ref,
        lambda s, i: lifecycle.close(s, ctx=ctx, actor=who.name, incident_id=i, override=reason),
    )


@router.post("/action-items/{item_id}/status")
def set_action_status(
    item_id: int, request: Request, who: Acting, status: Field = "", back: Field = ""
) -> Response:
    ctx = web_state(request).ctx
    try:
        with web_state(request).db.write.begin() as session:
            actions.set_status(
                session,
                ctx=ctx,
                actor=who.name,
                item_id=item_id,
                status=parse_action_status(status),
            )
    except WarroomError as exc:
        raise PageRefused(exc) from None
    target = back if back.startswith("/") and not back.startswith("//") else "/action-items"
    return RedirectResponse(target, status_code=303)


@router.get("/action-items")
def action_list(
    request: Request, _: SignedIn, owner: str = "", overdue: str = "", status: str = "open"
) -> HTMLResponse:
    state = web_state(request)
    try:
        wanted = None if status == "all" else parse_action_status(status)
        with state.db.read() as session:
            items = actions.listed(
                session,
                ctx=state.ctx,
                owner=owner.strip() or None,
                overdue=overdue == "on",
                status=wanted,
            )
    except WarroomError as exc:
        raise PageRefused(exc) from None
    return render.page(
        request,
        "actions.html.j2",
        items=items,
        owner=owner,
        overdue=overdue == "on",
        shown_status=status,
        statuses=["open", "done", "dropped", "all"],
        ActionStatus=ActionStatus,
    )
