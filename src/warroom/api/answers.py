"""Answers serialised where they are made.

FastAPI validates a sync handler's return value again against its response model, in a
second thread-pool hop, and then serialises it on the event loop. A handler whose result
is already the response model can skip both: it returns `answer(model)`, the same JSON
(by alias, as FastAPI writes it), made in its own thread. The route keeps
`response_model=` so the OpenAPI document still describes it.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel

JSON = "application/json"


def answer(model: BaseModel, status_code: int = 200) -> Response:
    return Response(json_of(model), status_code, media_type=JSON)


def json_of(model: BaseModel) -> bytes:
    """The model as FastAPI would write it (by alias)."""
    return model.model_dump_json(by_alias=True).encode()
