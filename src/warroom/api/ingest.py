"""Alert intake: POST /api/v1/ingest/{key}/{kind} and PagerDuty's POST /v2/enqueue.

These are the hot path, so they are plain async handlers: read the body, check the key
(cached) and signature, parse, hand the alerts to the group-commit writer and answer
once they are committed. Nothing here waits for a notification to go out.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from warroom.api.keycache import KeyCache
from warroom.api.problems import problem
from warroom.api.state import ApiState
from warroom.domain import signatures
from warroom.domain.alerts import PayloadError
from warroom.services import ingest
from warroom.services.integrations import Sender
from warroom.sources import SOURCES


class Refusal(Exception):
    def __init__(self, status: int, detail: str, code: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code, self.field = status, detail, code, field


async def _sender(request: Request, key: str) -> Sender:
    cache: KeyCache[Sender] = request.app.state.senders
    sender = await cache.get(key)
    if sender is None:
        raise Refusal(404, "No integration has this key.", "unknown_key", "key")
    if sender.disabled:
        raise Refusal(403, f"The integration {sender.name!r} is disabled.", "disabled", "key")
    return sender


def _verify(state: ApiState, sender: Sender, request: Request, body: bytes) -> None:
    if sender.hmac_secret is None:
        return
    reason = signatures.check(
        sender.hmac_secret,
        request.headers.get(signatures.HEADER),
        body,
        now=state.ctx.clock.now().timestamp(),
    )
    if reason:
        raise Refusal(401, f"Signature refused: {reason}.", "bad_signature", signatures.HEADER)


def _decode(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Refusal(400, f"The request body is not valid JSON ({exc}).", "bad_json") from None


async def _commit(request: Request, delivery: ingest.Delivery) -> list[ingest.Outcome]:
    if not delivery.alerts:
        return []
    return await asyncio.wrap_future(request.app.state.ingest_writer.submit(delivery))


async def ingest_webhook(request: Request) -> Response:
    state: ApiState = request.app.state.warroom
    key, kind = request.path_params["key"], request.path_params["kind"]
    try:
        sender = await _sender(request, key)
        if kind != sender.kind:
            raise Refusal(
                400,
                f"This key belongs to a {sender.kind} integration, not {kind}.",
                "wrong_kind",
                "kind",
            )
        body = await request.body()
        _verify(state, sender, request, body)
        try:
            alerts = SOURCES[kind](_decode(body))
        except PayloadError as exc:
            raise Refusal(422, exc.message, "bad_payload", exc.field) from None
    except Refusal as refusal:
        return problem(refusal.status, refusal.detail, refusal.code, field=refusal.field)
    outcomes = await _commit(request, ingest.Delivery(sender, alerts))
    answer = {
        "status": "accepted",
        "alerts": [
            {
                "dedup_key": o.dedup_key,
                "action": o.action,
                "result": o.result,
                "incident": f"INC-{o.incident_id}" if o.incident_id else None,
            }
            for o in outcomes
        ],
    }
    return Response(orjson.dumps(answer), status_code=202, media_type="application/json")


def _pagerduty_error(status: int, message: str, errors: list[str]) -> JSONResponse:
    """PagerDuty's error shape, so its clients understand the refusal."""
    return JSONResponse(
        {"status": "invalid event", "message": message, "errors": errors}, status_code=status
    )


async def enqueue(request: Request) -> Response:
    state: ApiState = request.app.state.warroom
    body = await request.body()
    try:
        event = _decode(body)
    except Refusal:
        return JSONResponse(
            {
                "status": "Unrecognized object",
                "message": "Event object format is unrecognized",
                "errors": ["JSON parse error"],
            },
            status_code=400,
        )
    key = event.get("routing_key") if isinstance(event, dict) else None
    if not isinstance(key, str) or not key:
        return _pagerduty_error(400, "Event object is invalid", ["'routing_key' is missing."])
    try:
        sender = await _sender(request, key)
        if sender.kind != "pagerduty":
            raise Refusal(400, "This routing key is not a pagerduty integration.", "wrong_kind")
        _verify(state, sender, request, body)
        alerts = SOURCES["pagerduty"](event)
    except Refusal as refusal:
        return _pagerduty_error(
            400 if refusal.status == 404 else refusal.status,
            "Event object is invalid",
            [refusal.detail],
        )
    except PayloadError as exc:
        where = f"'{exc.field}': " if exc.field else ""
        return _pagerduty_error(400, "Event object is invalid", [f"{where}{exc.message}"])
    outcomes = await _commit(request, ingest.Delivery(sender, alerts))
    dedup_key = outcomes[0].dedup_key if outcomes else None
    return JSONResponse(
        {"status": "success", "message": "Event processed", "dedup_key": dedup_key}, status_code=202
    )


routes = [
    Route("/api/v1/ingest/{key}/{kind}", ingest_webhook, methods=["POST"]),
    Route("/v2/enqueue", enqueue, methods=["POST"]),
]
