"""The floor for bench/ingest.py: a bare ASGI endpoint under the same uvicorn as `warroom
serve` (uvloop, httptools, no access log) that reads the body, parses it with orjson and
answers 202 with a small JSON body, touching no database. Whatever warroom does above this
is the cost of its own request handling, parsing and storage.

    .venv/bin/uvicorn --app-dir bench ingest_bare:app --port 8000 --log-level warning \
        --no-access-log
"""

from __future__ import annotations

from typing import Any

import orjson

ANSWER = orjson.dumps({"status": "accepted"})
HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(ANSWER))]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    status = 202 if scope["method"] == "POST" else 200
    try:
        orjson.loads(body or b"{}")
    except orjson.JSONDecodeError:
        status = 400
    await send({"type": "http.response.start", "status": status, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})
