"""Alert intake: POST /api/v1/ingest/{key}/{kind} and PagerDuty's POST /v2/enqueue.

These are the hot path (a storm sends thousands a second), so they take the request as
bytes and give back an `Answer`, with no Request or Response objects: check the key
(cached) and signature, parse, hand the alerts to the group-commit writer and answer
once they are committed. Nothing here waits for a notification to go out.
`api/fastlane.py` carries the HTTP around them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import orjson
from starlette.responses import Response

from warroom.api.keycache import KeyCache
from warroom.api.problems import problem
from warroom.api.state import ApiState
from warroom.domain import signatures
from warroom.domain.alerts import MAX_NESTING, PayloadError, nests_deeper
from warroom.domain.throttles import TokenBuckets
from warroom.services.ingest import apply, prep
from warroom.services.ingest.integrations import Sender
from warroom.services.ingest.replays import Replayed
from warroom.services.ingest.writer import IngestWriter
from warroom.sources import SOURCES

JSON = b"application/json"
SIGNATURE_HEADER = signatures.HEADER.lower().encode()


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    content_type: bytes = JSON
    headers: tuple[tuple[bytes, bytes], ...] = ()  # besides content type and length


@dataclass(frozen=True, slots=True)
class Intake:
    """What the intake needs of the app: made once by create_app."""

    state: ApiState
    senders: KeyCache[Sender]
    writer: IngestWriter
    buckets: TokenBuckets  # alerts each integration may send (config security.integration_*)


class Refusal(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        code: str,
        field: str | None = None,
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code, self.field = status, detail, code, field
        self.headers = headers

    def answer(self) -> Answer:
        answer = answer_of(problem(self.status, self.detail, self.code, field=self.field))
        return replace(answer, headers=answer.headers + self.headers)


def answer_of(response: Response) -> Answer:
    """A Starlette response (the API's problem+json) as an answer."""
    own = {b"content-type", b"content-length"}
    return Answer(
        response.status_code,
        bytes(response.body),
        (response.media_type or "").encode(),
        tuple((name, value) for name, value in response.raw_headers if name not in own),
    )


def _json(status: int, content: Any) -> Answer:
    return Answer(status, orjson.dumps(content))


async def _sender(intake: Intake, key: str) -> Sender:
    sender = await intake.senders.get(key)
    if sender is None:
        raise Refusal(404, "No integration has this key.", "unknown_key", "key")
    if sender.disabled:
        raise Refusal(403, f"The integration {sender.name!r} is disabled.", "disabled", "key")
    return sender


def _verify(intake: Intake, sender: Sender, signature: bytes | None, body: bytes) -> str | None:
    """The request's signature when its integration signs (None when it does not)."""
    if sender.hmac_secret is None:
        if sender.kind in intake.state.ctx.config.security.signed_kinds:
            raise Refusal(
                401,
                f"Integrations of kind {sender.kind} must sign their requests; give"
                f" {sender.name!r} an hmac secret (a new integration with --hmac-secret).",
                "signature_required",
                signatures.HEADER,
            )
        return None
    header = signature.decode("latin-1") if signature is not None else None
    reason = signatures.check(
        sender.hmac_secret, header, body, now=intake.state.ctx.clock.now().timestamp()
    )
    if reason or header is None:
        raise Refusal(401, f"Signature refused: {reason}.", "bad_signature", signatures.HEADER)
    return signatures.digest(header)


def _within_rate(intake: Intake, sender: Sender, alerts: int) -> None:
    """Take `alerts` from the integration's bucket (its own limit, else the config's), or
    refuse the request (none taken)."""
    now = intake.state.ctx.clock.now().timestamp()
    wait = intake.buckets.take(sender.id, alerts, now=now, rate=sender.rate, burst=sender.burst)
    if not wait:
        return
    buckets = intake.buckets
    rate = buckets.rate if sender.rate is None else sender.rate
    burst = buckets.burst if sender.burst is None else sender.burst
    if math.isinf(wait):
        detail = (
            f"This request holds {alerts} alerts; the integration {sender.name!r} may send"
            f" at most {burst} at once: split it."
        )
        wait = burst / rate
    else:
        detail = (
            f"The integration {sender.name!r} sends more than {rate:g}"
            " alerts a second; send again after Retry-After seconds (no alert was taken)."
        )
    retry = str(max(1, math.ceil(wait))).encode()
    raise Refusal(429, detail, "rate_limited", "key", ((b"retry-after", retry),))


def _decode(body: bytes) -> Any:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Refusal(400, f"The request body is not valid JSON ({exc}).", "bad_json") from None
    if nests_deeper(body, value):
        raise Refusal(
            422,
            f"The request body nests arrays and objects more than {MAX_NESTING} levels deep.",
            "too_deep",
            "body",
        )
    return value


async def _commit(intake: Intake, submission: prep.Submission) -> list[apply.Outcome]:
    if not submission.alerts:
        return []
    try:
        return await intake.writer.commit(submission)
    except Replayed:
        raise Refusal(
            401,
            "Signature refused: this signed request was taken before (replay refused).",
            "bad_signature",
            signatures.HEADER,
        ) from None


async def ingest_webhook(
    intake: Intake, key: str, kind: str, signature: bytes | None, body: bytes
) -> Answer:
    try:
        sender = await _sender(intake, key)
        if kind != sender.kind:
            raise Refusal(
                400,
                f"This key belongs to a {sender.kind} integration, not {kind}.",
                "wrong_kind",
                "kind",
            )
        signed = _verify(intake, sender, signature, body)
        try:
            alerts = SOURCES[kind](_decode(body))
        except PayloadError as exc:
            raise Refusal(422, exc.message, "bad_payload", exc.field) from None
        _within_rate(intake, sender, len(alerts))
        ready = prep.prepare(intake.state.ctx, sender, alerts, signed)
        outcomes = await _commit(intake, ready)
    except Refusal as refusal:
        return refusal.answer()
    return _json(
        202,
        {
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
        },
    )


def _pagerduty_error(status: int, message: str, errors: list[str]) -> Answer:
    """PagerDuty's error shape, so its clients understand the refusal."""
    return _json(status, {"status": "invalid event", "message": message, "errors": errors})


def enqueue_too_large(max_bytes: int) -> Answer:
    return _pagerduty_error(
        413, "Event object is invalid", [f"The request body is over {max_bytes} bytes."]
    )


async def enqueue(intake: Intake, signature: bytes | None, body: bytes) -> Answer:
    try:
        event = _decode(body)
    except Refusal as refusal:
        if refusal.code != "bad_json":
            return _pagerduty_error(400, "Event object is invalid", [refusal.detail])
        return _json(
            400,
            {
                "status": "Unrecognized object",
                "message": "Event object format is unrecognized",
                "errors": ["JSON parse error"],
            },
        )
    key = event.get("routing_key") if isinstance(event, dict) else None
    if not isinstance(key, str) or not key:
        return _pagerduty_error(400, "Event object is invalid", ["'routing_key' is missing."])
    try:
        sender = await _sender(intake, key)
        if sender.kind != "pagerduty":
            raise Refusal(400, "This routing key is not a pagerduty integration.", "wrong_kind")
        signed = _verify(intake, sender, signature, body)
        alerts = SOURCES["pagerduty"](event)
        _within_rate(intake, sender, len(alerts))
        ready = prep.prepare(intake.state.ctx, sender, alerts, signed)
        outcomes = await _commit(intake, ready)
    except Refusal as refusal:
        refused = _pagerduty_error(
            400 if refusal.status == 404 else refusal.status,
            "Event object is invalid",
            [refusal.detail],
        )
        return replace(refused, headers=refused.headers + refusal.headers)
    except PayloadError as exc:
        where = f"'{exc.field}': " if exc.field else ""
        return _pagerduty_error(400, "Event object is invalid", [f"{where}{exc.message}"])
    dedup_key = outcomes[0].dedup_key if outcomes else None
    return _json(202, {"status": "success", "message": "Event processed", "dedup_key": dedup_key})
